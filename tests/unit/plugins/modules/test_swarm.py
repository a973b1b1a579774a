# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm: durations with units reach the engine as nanoseconds, bare numbers are refused
before the engine is contacted, and engine errors end in fail_json."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.durations import DurationError
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import DURATION_OPTIONS
from ansible_collections.dockfleet.docker.plugins.modules import swarm

S = 10**9
DAY = 86400 * S


class FakeEngine:
    """An engine outside a swarm that can initialise one, or a manager of one."""

    def __init__(self, manager_spec=None, inspect_error=None):
        self.calls = []
        self.inspect_error = inspect_error
        self.spec = copy.deepcopy(manager_spec)
        self.state = "active" if manager_spec is not None else "inactive"

    def info(self):
        if self.state != "active":
            return {"Swarm": {"LocalNodeState": self.state, "ControlAvailable": False}}
        return {
            "Swarm": {
                "LocalNodeState": "active",
                "ControlAvailable": True,
                "NodeID": "node1",
                "NodeAddr": "10.0.0.1",
                "Cluster": {"ID": "cluster1"},
                "RemoteManagers": [{"Addr": "10.0.0.1:2377"}],
            }
        }

    def init_swarm(self, **kwargs):
        self.calls.append(("init_swarm", kwargs))
        self.state = "active"
        self.spec = copy.deepcopy(kwargs["swarm_spec"])

    def inspect_swarm(self):
        if self.inspect_error:
            raise self.inspect_error
        return {"Spec": self.spec, "Version": {"Index": 7}, "JoinTokens": {"Worker": "W", "Manager": "M"}}

    def update_swarm(self, version, swarm_spec):
        self.calls.append(("update_swarm", dict(version=version, swarm_spec=swarm_spec)))
        self.spec = copy.deepcopy(swarm_spec)

    def get_unlock_key(self):
        return {"UnlockKey": None}


@pytest.fixture
def engine(monkeypatch):
    holder = {}

    def connect(module):
        holder["params"] = dict(module.params)
        return holder["engine"]

    monkeypatch.setattr(swarm, "connect", connect)
    return holder


# ---------------------------------------------------------------- settings


def test_read_settings_turns_durations_into_exact_nanoseconds():
    settings = swarm.read_settings({"node_cert_expiry": "90d", "dispatcher_heartbeat_period": "1h30m", "state": "x"})
    assert settings["node_cert_expiry"] == "%dns" % (90 * DAY)
    assert settings["dispatcher_heartbeat_period"] == "%dns" % (5400 * S)
    assert settings["state"] == "x"
    assert swarm.read_settings({"node_cert_expiry": None})["node_cert_expiry"] is None


@pytest.mark.parametrize("option", DURATION_OPTIONS)
def test_read_settings_refuses_a_bare_number(option):
    with pytest.raises(DurationError, match="^%s: 5 has no unit" % option):
        swarm.read_settings({option: 5})


# ---------------------------------------------------------------- the module


def test_a_nanosecond_integer_from_community_docker_is_refused_before_connecting(run_module, engine):
    ended = run_module(swarm.main, {"node_cert_expiry": 7776000000000000})
    assert ended.failed
    assert ended.result["msg"].startswith("node_cert_expiry: 7776000000000000 has no unit.")
    assert "params" not in engine  # the engine was never contacted


def test_an_unreadable_duration_is_refused(run_module, engine):
    ended = run_module(swarm.main, {"dispatcher_heartbeat_period": "5 seconds"})
    assert ended.failed and ended.result["msg"].startswith("dispatcher_heartbeat_period: cannot read")


def test_init_sends_the_durations_in_nanoseconds(run_module, engine):
    engine["engine"] = FakeEngine()
    ended = run_module(
        swarm.main,
        {"advertise_addr": "10.0.0.1", "node_cert_expiry": "90d", "dispatcher_heartbeat_period": "5s"},
    )
    assert not ended.failed and ended.result["changed"]
    ((call, kwargs),) = engine["engine"].calls
    assert call == "init_swarm"
    assert kwargs["swarm_spec"]["CAConfig"]["NodeCertExpiry"] == 90 * DAY
    assert kwargs["swarm_spec"]["Dispatcher"]["HeartbeatPeriod"] == 5 * S
    assert ended.result["join_tokens"] == {"worker": "W", "manager": "M"}


def test_a_manager_with_the_same_durations_is_unchanged(run_module, engine):
    engine["engine"] = FakeEngine({"CAConfig": {"NodeCertExpiry": 90 * DAY}, "Dispatcher": {"HeartbeatPeriod": 5 * S}})
    ended = run_module(swarm.main, {"node_cert_expiry": "2160h", "dispatcher_heartbeat_period": "5000ms"})
    assert not ended.failed and not ended.result["changed"]
    assert engine["engine"].calls == []


def test_a_changed_duration_is_updated_and_reported_with_units(run_module, engine):
    engine["engine"] = FakeEngine({"Dispatcher": {"HeartbeatPeriod": 5 * S}, "Raft": {"SnapshotInterval": 10000}})
    ended = run_module(swarm.main, {"dispatcher_heartbeat_period": "10s"})
    assert ended.result["changed"]
    assert ended.result["changes"] == {"dispatcher_heartbeat_period": ["5s", "10s"]}
    ((call, kwargs),) = engine["engine"].calls
    assert call == "update_swarm" and kwargs["version"] == 7
    assert kwargs["swarm_spec"] == {"Dispatcher": {"HeartbeatPeriod": 10 * S}, "Raft": {"SnapshotInterval": 10000}}


def test_check_mode_changes_nothing(run_module, engine):
    engine["engine"] = FakeEngine({"Dispatcher": {"HeartbeatPeriod": 5 * S}})
    ended = run_module(swarm.main, {"dispatcher_heartbeat_period": "10s"}, check_mode=True)
    assert ended.result["changed"] and engine["engine"].calls == []


def test_an_engine_error_reading_the_swarm_settings_fails_the_module(run_module, engine):
    engine["engine"] = FakeEngine({}, inspect_error=RuntimeError("rpc error: code = Unavailable"))
    ended = run_module(swarm.main, {"dispatcher_heartbeat_period": "10s"})
    assert ended.failed
    assert ended.result["msg"] == "Docker engine refused to read the swarm settings: rpc error: code = Unavailable"


def test_the_connection_options_take_community_docker_names(run_module, engine, tmp_path):
    engine["engine"] = FakeEngine({})
    ended = run_module(
        swarm.main,
        {"docker_url": "tcp://10.0.0.1:2376", "tls_verify": True, "ca_cert": str(tmp_path / "ca.pem"), "timeout": 9},
    )
    assert not ended.failed
    params = engine["params"]
    assert params["docker_host"] == "tcp://10.0.0.1:2376" and params["validate_certs"] is True
    assert params["ca_path"] == str(tmp_path / "ca.pem") and params["timeout"] == 9


def test_a_client_cert_without_its_key_is_refused_naming_both(run_module, engine):
    ended = run_module(swarm.main, {"client_cert": "/etc/docker/cert.pem"})
    assert ended.failed and ended.result["msg"] == "parameters are required together: client_cert, client_key"


# ---------------------------------------------------------------- state=unlocked


class LockedManager(FakeEngine):
    """A manager that autolock locked when its engine restarted; its control plane is not up yet after the unlock."""

    def __init__(self, key="SWMKEY-1-right"):
        super().__init__(manager_spec={})
        self.state = "locked"
        self.key = key

    def unlock_swarm(self, key):
        self.calls.append(("unlock_swarm", key))
        if key != self.key:
            raise RuntimeError("invalid key")
        self.state = "active"

    def inspect_swarm(self):
        raise AssertionError("state=unlocked must not need the control plane (no leader yet)")


def test_unlocked_unlocks_a_locked_manager_and_reads_nothing_that_needs_a_leader(run_module, engine):
    engine["engine"] = LockedManager()
    ended = run_module(swarm.main, {"state": "unlocked", "unlock_key": "SWMKEY-1-right"})
    assert not ended.failed, ended.result
    assert ended.result["changed"]
    assert engine["engine"].calls == [("unlock_swarm", "SWMKEY-1-right")]
    assert ended.result["local_node_state"] == "active"
    assert ended.result["diff"] == {
        "before": {"local_node_state": "locked", "is_manager": False, "cluster_id": None},
        "after": {"local_node_state": "active", "is_manager": True, "cluster_id": "cluster1"},
    }
    assert "unlock_key" not in ended.result and "join_tokens" not in ended.result


def test_unlocked_leaves_an_active_node_alone(run_module, engine):
    engine["engine"] = LockedManager()
    engine["engine"].state = "active"
    ended = run_module(swarm.main, {"state": "unlocked", "unlock_key": "SWMKEY-1-right"})
    assert not ended.failed and not ended.result["changed"]
    assert engine["engine"].calls == []


def test_unlocked_in_check_mode_predicts_without_unlocking(run_module, engine):
    engine["engine"] = LockedManager()
    ended = run_module(swarm.main, {"state": "unlocked", "unlock_key": "SWMKEY-1-right"}, check_mode=True)
    assert not ended.failed and ended.result["changed"]
    assert ended.result["diff"]["after"]["local_node_state"] == "active"
    assert engine["engine"].calls == [] and engine["engine"].state == "locked"


def test_unlocked_with_a_wrong_key_fails_naming_it(run_module, engine):
    engine["engine"] = LockedManager()
    ended = run_module(swarm.main, {"state": "unlocked", "unlock_key": "SWMKEY-1-old"})
    assert ended.failed
    assert "unlock this node with the given unlock_key" in ended.result["msg"]
    assert engine["engine"].state == "locked"


def test_unlocked_without_a_key_is_refused_before_connecting(run_module, engine):
    ended = run_module(swarm.main, {"state": "unlocked"})
    assert ended.failed and "unlock_key" in ended.result["msg"]
    assert "params" not in engine
