"""Tests for plugins/module_utils/resource_module.py (the network/volume module plumbing)."""

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import DeclarationError
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_module import (
    batch_argument_spec,
    declared_items,
    module_arguments,
    report_and_apply,
)

OPTIONS = {"driver": dict(type="str"), "labels": dict(type="dict")}


def test_batch_spec_offers_a_list_and_single_resource_options():
    spec, exclusive = batch_argument_spec("volume", OPTIONS, force=dict(type="bool", default=False))
    assert spec["volumes"]["options"]["name"]["required"] is True
    assert set(spec["volumes"]["options"]) == {"name", "state", "driver", "labels"}
    assert {"name", "state", "recreate", "exclusive", "force", "driver", "labels", "docker_host"} <= set(spec)
    assert ("volumes", "name") in exclusive and ("volumes", "driver") in exclusive


def test_declared_items_from_the_list():
    params = {"volumes": [{"name": "a"}, {"name": "b"}], "name": None, "driver": None, "labels": None}
    assert declared_items(params, "volume", OPTIONS) == [{"name": "a"}, {"name": "b"}]


def test_declared_items_from_top_level_options():
    params = {"volumes": None, "name": "data", "driver": "local", "labels": {"x": "1"}}
    assert declared_items(params, "volume", OPTIONS) == [{"name": "data", "driver": "local", "labels": {"x": "1"}}]


def test_nothing_declared_is_an_error_that_says_how_to_declare():
    with pytest.raises(DeclarationError, match="either volumes \\(a list\\) or name"):
        declared_items({"volumes": None, "name": None}, "volume", OPTIONS)


class FakeModule:
    def __init__(self, check_mode):
        self.check_mode = check_mode
        self.result = None

    def fail_json(self, **kwargs):
        self.result = ("fail", kwargs)
        raise SystemExit(1)

    def exit_json(self, **kwargs):
        self.result = ("exit", kwargs)
        raise SystemExit(0)


STEPS = [
    {"name": "new", "action": "created", "differences": [], "users": []},
    {"name": "old", "action": "removed", "differences": [], "users": []},
    {"name": "same", "action": "unchanged", "differences": [], "users": []},
]
DECLARED = [{"name": "new"}, {"name": "same"}]
CURRENT = {"old": {"Name": "old"}, "same": {"Name": "same"}}


def describe(resource):
    return None if resource is None else {"name": resource["Name"]}


@pytest.mark.parametrize("check_mode", [False, True])
def test_report_and_apply_applies_in_order_unless_check_mode(check_mode):
    module, applied = FakeModule(check_mode), []
    with pytest.raises(SystemExit):
        report_and_apply(
            module, "volume", (STEPS, []), DECLARED, CURRENT, describe, lambda s, d: applied.append(s["name"])
        )
    kind, result = module.result
    assert kind == "exit" and result["changed"] is True
    assert applied == ([] if check_mode else ["old", "new"])


def test_report_and_apply_refuses_everything_when_one_entry_is_refused():
    module, applied = FakeModule(False), []
    with pytest.raises(SystemExit):
        report_and_apply(
            module,
            "volume",
            (STEPS, ["volume 'x' is in use"]),
            DECLARED,
            CURRENT,
            describe,
            lambda s, d: applied.append(s),
        )
    kind, result = module.result
    assert kind == "fail" and result["msg"].startswith("Nothing was changed.") and applied == []


def test_module_arguments_take_check_mode_and_the_engine_connection_pairs():
    spec, exclusive = batch_argument_spec("volume", OPTIONS)
    arguments = module_arguments(spec, exclusive)
    assert arguments["argument_spec"] is spec and arguments["mutually_exclusive"] is exclusive
    assert arguments["supports_check_mode"] is True
    assert ["client_cert", "client_key"] in [list(pair) for pair in arguments["required_together"]]
