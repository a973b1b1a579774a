# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_engine.Engine on a fake clock, a fake systemctl and a fake engine: how it stops and
starts docker, waits for it and for this node to be Ready, and what its timeouts say."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_engine
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import MetadataError


class FakeModule:
    def __init__(self, failing=()):
        self.failing = failing
        self.commands = []

    def get_bin_path(self, name, required=False):
        return "/bin/" + name

    def run_command(self, args, environ_update=None):
        self.commands.append(args[1:])
        if args[1] == "show":
            return 0, "LoadState=loaded\n", ""
        if args[1] in self.failing:
            return 1, "", "Job for docker.service failed.\n"
        return 0, "", ""


class FakeClient:
    def __init__(self, clock, answers_at=0, ready_at=0, states=("active",)):
        self.clock = clock
        self.answers_at = answers_at
        self.ready_at = ready_at
        self.states = list(states)

    def ping(self):
        if self.clock.now < self.answers_at:
            raise ConnectionError("connection refused")
        return True

    def info(self):
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"Swarm": {"LocalNodeState": state, "NodeID": "n1"}}

    def inspect_node(self, node_id):
        return {"Status": {"State": "ready" if self.clock.now >= self.ready_at else "down"}}


@pytest.fixture
def clock(fake_clock):
    return fake_clock


def engine(monkeypatch, client, module=None):
    monkeypatch.setattr(swarm_engine, "connect", lambda module: client)
    return swarm_engine.Engine(module or FakeModule())


def test_stop_stops_the_socket_unit_too(monkeypatch, clock):
    module = FakeModule()
    engine(monkeypatch, FakeClient(clock), module).stop()
    assert module.commands[-1] == ["stop", "docker.socket", "docker.service"]


def test_a_failed_stop_says_so(monkeypatch, clock):
    with pytest.raises(MetadataError, match="Could not stop the engine: systemctl stop"):
        engine(monkeypatch, FakeClient(clock), FakeModule(failing=("stop",))).stop()


def test_start_waits_until_the_engine_answers(monkeypatch, clock):
    engine(monkeypatch, FakeClient(clock, answers_at=5)).start(60)
    assert clock.now == 5


def test_start_gives_up_after_the_timeout(monkeypatch, clock):
    with pytest.raises(MetadataError, match="did not answer within 10s after systemctl start docker"):
        engine(monkeypatch, FakeClient(clock, answers_at=99)).start(10)


def test_bring_back_waits_for_this_node_to_be_ready(monkeypatch, clock):
    info = engine(monkeypatch, FakeClient(clock, answers_at=2, ready_at=8)).bring_back(None, 60)
    assert info["LocalNodeState"] == "active" and clock.now >= 8


def test_bring_back_names_the_state_it_was_left_in(monkeypatch, clock):
    with pytest.raises(MetadataError, match="swarm state is 'pending', not Ready, 20s after the engine started"):
        engine(monkeypatch, FakeClient(clock, states=("pending",))).bring_back(None, 20)


def test_settle_returns_when_the_swarm_state_is_loaded_or_after_30s(monkeypatch, clock):
    engine(monkeypatch, FakeClient(clock, states=("inactive", "inactive", "active"))).settle(300)
    assert clock.now == 2
    engine(monkeypatch, FakeClient(clock, states=("inactive",))).settle(300)
    assert clock.now == 32


class LockedClient(FakeClient):
    """Locked until it is given ``right``."""

    def __init__(self, clock, right="SWMKEY-1-right"):
        super().__init__(clock, states=("locked",))
        self.right = right
        self.keys = []

    def unlock_swarm(self, key):
        self.keys.append(key)
        if key != self.right:
            raise RuntimeError("invalid key provided")
        self.states = ["active"]


def test_unlock_takes_the_engine_layers_unlock_and_returns_the_state_after_it(monkeypatch, clock):
    client = LockedClient(clock)
    assert engine(monkeypatch, client).unlock("SWMKEY-1-right")["LocalNodeState"] == "active"
    assert client.keys == ["SWMKEY-1-right"]


def test_unlock_of_a_node_that_is_not_locked_sends_no_key(monkeypatch, clock):
    client = LockedClient(clock)
    client.states = ["active"]
    assert engine(monkeypatch, client).unlock(None)["LocalNodeState"] == "active"
    assert client.keys == []


@pytest.mark.parametrize(
    "key, words",
    [(None, "Pass unlock_key"), ("SWMKEY-1-old", "refused to unlock this node with the given unlock_key")],
)
def test_unlock_failures_are_metadata_errors_with_the_engine_layers_words(monkeypatch, clock, key, words):
    with pytest.raises(MetadataError, match=words):
        engine(monkeypatch, LockedClient(clock)).unlock(key)
