# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_upgrade_state: one read of what the engine upgrade's pre-flight needs, reporting instead of failing.

The engine, apt and chronyc are fakes here; how each is read is tested with engine_facts, engine_packages and
timesync_host. What is tested: the parts come together, each failure is a result, and the apt lists are refreshed
only when old, not in check mode.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import AptError
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import EngineError
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import down_result, engine_view, swarm_view
from ansible_collections.dockfleet.docker.plugins.modules import engine_upgrade_state

INSTALLED = {"docker-ce": "5:20.10.24-1", "docker-ce-cli": "5:20.10.24-1"}
TARGETS = {"docker-ce": "5:26.1.5-1", "docker-ce-cli": "5:26.1.5-1"}


class FakeApt:
    def __init__(self, module, lock_timeout, fail_update=None):
        self.updates = 0
        self.fail_update = fail_update

    def update(self):
        self.updates += 1
        if self.fail_update:
            raise AptError(self.fail_update)


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A Debian host whose engine 20.10 answers as a worker, chrony missing, no note; returns its knobs."""
    knobs = dict(
        engine=dict(
            down_result(""),
            answers=True,
            server_errors=[],
            engine=engine_view({"Version": "20.10.24"}, {}),
            swarm=swarm_view({"Swarm": {"LocalNodeState": "active", "NodeID": "w1id", "ControlAvailable": False}}),
        ),
        engine_down="",
        targets=TARGETS,
        plan_error=None,
        lists_age=10,
        apt=[],
        fail_update=None,
        os={"ID": "debian", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"},
        measured=[],
        note=tmp_path / "engine-upgrade.json",
    )

    def read_local_engine(path):
        if knobs["engine_down"]:
            raise EngineError(knobs["engine_down"], down=True)
        return knobs["engine"]

    def declared_plan(apt, flavor, params, preferences):
        if knobs["plan_error"]:
            raise engine_packages.PlanError(knobs["plan_error"])
        return engine_packages.Plan("docker-ce", dict(knobs["targets"]), INSTALLED), None

    def apt_factory(module, lock_timeout):
        apt = FakeApt(module, lock_timeout, knobs["fail_update"])
        knobs["apt"].append(apt)
        return apt

    def measure(module, binary, settings=None):
        knobs["measured"].append(settings)
        return dict(installed=False, healthy=False, problems=["chronyc is not installed"])

    monkeypatch.setattr(engine_upgrade_state, "read_local_engine", read_local_engine)
    monkeypatch.setattr(engine_upgrade_state.engine_packages, "declared_plan", declared_plan)
    monkeypatch.setattr(engine_upgrade_state, "Apt", apt_factory)
    monkeypatch.setattr(
        engine_upgrade_state,
        "lists_older_than",
        lambda seconds: knobs["lists_age"] is None or knobs["lists_age"] > seconds,
    )
    monkeypatch.setattr(engine_upgrade_state, "read_os_release", lambda: knobs["os"])
    monkeypatch.setattr(engine_upgrade_state, "measure", measure)
    monkeypatch.setattr(
        engine_upgrade_state.AnsibleModule, "get_bin_path", lambda self, name, required=False: "/usr/bin/" + name
    )
    return knobs


def run(run_module, host, check_mode=False, **args):
    args = dict(dict(version="26.1", state_file=str(host["note"])), **args)
    return run_module(engine_upgrade_state.main, args, check_mode=check_mode)


def test_a_host_to_upgrade_reads_as_one_result(run_module, host):
    ended = run(run_module, host)
    assert not ended.failed and ended.result["changed"] is False
    result = ended.result
    assert result["engine"]["answers"] and result["engine"]["swarm"]["node_id"] == "w1id"
    assert result["target"]["version_before"] == {"server": "20.10.24"}
    assert result["target"]["version_after"] == {"server": "26.1.5"}
    assert [c["package"] for c in result["target"]["changes"]] == ["docker-ce", "docker-ce-cli"]
    assert result["note"] is None and result["note_error"] == ""
    assert result["timesync"]["problems"] == ["chronyc is not installed"]
    assert host["measured"] == [dict(max_offset=0.1, wait_timeout=30, probe=True)]
    assert host["apt"][0].updates == 0  # the lists are 10 s old
    assert result["on_target"] is False


def test_a_host_on_the_target_predicts_its_running_version(run_module, host):
    host["targets"] = INSTALLED
    result = run(run_module, host).result
    assert result["target"]["changes"] == [] and result["target"]["version_after"] == {"server": "20.10.24"}
    assert result["on_target"] is True


@pytest.mark.parametrize("content", ['{"availability": "active", "target": "20.10.24"}', "{not json"])
def test_a_host_on_the_target_with_a_note_is_not_done(run_module, host, content):
    """A node the last run left drained, or whose note cannot be read, still needs its turn (or a person)."""
    host["targets"] = INSTALLED
    host["note"].write_text(content)
    result = run(run_module, host).result
    assert result["target"]["changes"] == [] and result["on_target"] is False


def test_a_daemon_that_is_down_is_a_result_and_the_target_still_resolves(run_module, host):
    host["engine_down"] = "Cannot reach the Docker engine at unix:///var/run/docker.sock: refused"
    result = run(run_module, host).result
    assert result["engine"]["answers"] is False
    assert "refused" in result["engine"]["server_errors"][0]
    assert result["target"]["version_before"] == {"server": None}
    assert len(result["target"]["changes"]) == 2


def test_a_version_that_does_not_resolve_is_a_result(run_module, host):
    host["plan_error"] = "docker-ce 99.0 is not in the repositories this host uses"
    ended = run(run_module, host, version="99.0")
    assert not ended.failed
    assert ended.result["target"] == {"msg": "docker-ce 99.0 is not in the repositories this host uses"}
    assert ended.result["on_target"] is False


@pytest.mark.parametrize(
    "age, update_cache, check_mode, updates",
    [
        (7200, True, False, 1),
        (None, True, False, 1),
        (10, True, False, 0),
        (7200, False, False, 0),
        (7200, True, True, 0),
    ],
)
def test_the_apt_lists_are_refreshed_only_when_old_and_not_in_check_mode(
    run_module, host, age, update_cache, check_mode, updates
):
    host["lists_age"] = age
    run(run_module, host, check_mode=check_mode, update_cache=update_cache)
    assert host["apt"][0].updates == updates


def test_lists_that_cannot_be_refreshed_are_the_target_problem(run_module, host):
    host["lists_age"], host["fail_update"] = 7200, "apt-get update failed: mirror.example does not answer"
    ended = run(run_module, host)
    assert not ended.failed
    assert ended.result["target"] == {"msg": "apt-get update failed: mirror.example does not answer"}


def test_a_host_without_apt_is_the_target_problem(run_module, host):
    host["os"] = {"ID": "fedora", "PRETTY_NAME": "Fedora Linux 40"}
    target = run(run_module, host).result["target"]
    assert target == {
        "msg": "dockfleet.docker.engine_upgrade supports Debian and Ubuntu hosts (apt) only; this host runs Fedora "
        "Linux 40."
    }


def test_the_note_of_an_interrupted_run_is_read(run_module, host):
    host["note"].write_text(json.dumps({"availability": "pause", "target": "26.1.5"}))
    result = run(run_module, host).result
    assert result["note"] == {"availability": "pause", "target": "26.1.5"} and result["note_error"] == ""


@pytest.mark.parametrize("content, why", [("{not json", "cannot be read"), ('{"target": "26.1.5"}', "no availability")])
def test_a_note_that_cannot_be_used_is_a_result_naming_the_file(run_module, host, content, why):
    host["note"].write_text(content)
    result = run(run_module, host).result
    assert result["note"] is None
    assert result["note_error"].startswith(str(host["note"])) and why in result["note_error"]
    assert "remove it if no run is in progress" in result["note_error"]


def test_without_timesync_the_clock_is_not_measured(run_module, host):
    result = run(run_module, host, timesync=False).result
    assert result["timesync"] == {} and host["measured"] == []


@pytest.mark.parametrize("args", [dict(timesync_max_offset=0), dict(timesync_wait_timeout=-1)])
def test_timesync_settings_it_cannot_use_fail_naming_them(run_module, host, args):
    ended = run(run_module, host, **args)
    assert (
        ended.failed and "timesync_max_offset" in ended.result["msg"] and "timesync_wait_timeout" in ended.result["msg"]
    )
    assert host["apt"] == []  # nothing read
