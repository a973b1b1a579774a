# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volume: community.docker.docker_volume's names (volume_name, recreate: options-changed)
mean what they mean there; never and always differ on purpose and are pinned here."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import volume


class FakeEngine:
    def __init__(self, volumes=(), users=()):
        self._volumes = list(volumes)
        self.users = list(users)
        self.calls = []

    def volumes(self):
        return {"Volumes": list(self._volumes)}

    def containers(self, all=False, filters=None):
        return [{"Names": ["/" + name], "Mounts": [{"Name": filters["volume"]}]} for name in self.users]

    def remove_volume(self, name):
        self.calls.append(("remove", name))

    def create_volume(self, **kwargs):
        self.calls.append(("create", kwargs["name"]))


def scratch(size):
    return {
        "Name": "scratch",
        "Driver": "local",
        "Options": {"type": "tmpfs", "device": "tmpfs", "o": "size=%s" % size},
        "Labels": {"io.dockfleet.managed": "true"},
    }


DECLARED = {"volume_name": "scratch", "driver_options": {"type": "tmpfs", "device": "tmpfs", "o": "size=512m"}}


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine([scratch("256m")])
    monkeypatch.setattr(volume, "connect", lambda module: fake)
    return fake


def test_the_recreate_values_map_onto_the_planned_policies():
    spec, _mutually_exclusive = volume.argument_spec()
    assert spec["recreate"]["choices"] == ["never", "options-changed", "when_unused", "always"]
    assert spec["name"]["aliases"] == ["volume_name"]
    assert volume.RECREATE_POLICY["options-changed"] == "when_unused"
    assert volume.RECREATE_POLICY["always"] == "when_unused"  # never "on every run", see the documentation


def test_options_changed_recreates_a_volume_whose_options_differ(run_module, engine):
    ended = run_module(volume.main, dict(DECLARED, recreate="options-changed"))
    assert not ended.failed and ended.result["changed"]
    assert engine.calls == [("remove", "scratch"), ("create", "scratch")]
    assert ended.result["volumes"][0]["action"] == "recreated"


def test_options_changed_leaves_a_matching_volume_alone(run_module, engine):
    engine._volumes = [scratch("512m")]
    ended = run_module(volume.main, dict(DECLARED, recreate="options-changed"))
    assert not ended.result["changed"] and engine.calls == []


def test_options_changed_refuses_a_volume_in_use_naming_the_container(run_module, engine):
    engine.users = ["db"]
    ended = run_module(volume.main, dict(DECLARED, recreate="options-changed"))
    assert ended.failed and "db" in ended.result["msg"] and engine.calls == []


def test_never_fails_listing_the_difference_where_community_docker_ignores_it(run_module, engine):
    ended = run_module(volume.main, DECLARED)
    assert ended.failed and ended.result["msg"].startswith("Nothing was changed.")
    assert "size=512m" in ended.result["msg"] and engine.calls == []


def test_always_does_not_recreate_a_volume_that_matches(run_module, engine):
    engine._volumes = [scratch("512m")]
    ended = run_module(volume.main, dict(DECLARED, recreate="always"))
    assert not ended.result["changed"] and engine.calls == []


def test_when_unused_is_options_changed(run_module, engine):
    ended = run_module(volume.main, dict(DECLARED, recreate="when_unused"))
    assert engine.calls == [("remove", "scratch"), ("create", "scratch")] and ended.result["changed"]


def test_an_unknown_recreate_value_is_refused(run_module, engine):
    ended = run_module(volume.main, dict(DECLARED, recreate="on-change"))
    assert ended.failed and "options-changed" in ended.result["msg"]


def test_check_mode_changes_nothing(run_module, engine):
    ended = run_module(volume.main, dict(DECLARED, recreate="options-changed"), check_mode=True)
    assert ended.result["changed"] and engine.calls == []


def test_volume_name_and_the_volumes_list_are_mutually_exclusive(run_module, engine):
    ended = run_module(volume.main, {"volume_name": "a", "volumes": [{"name": "b"}]})
    assert ended.failed and "mutually exclusive" in ended.result["msg"]


def test_an_engine_error_while_removing_fails_the_module(run_module, engine):
    def refuse(name):
        raise RuntimeError("volume is in use")

    engine.remove_volume = refuse
    ended = run_module(volume.main, dict(DECLARED, recreate="options-changed"))
    assert ended.failed and ended.result["msg"] == "Docker engine refused to remove volume 'scratch': volume is in use"
