# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_info: membership everywhere; on a manager the nodes and the declared settings that differ; a daemon that
does not answer fails."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import swarm_info

DAY = 24 * 3600 * 10**9


class FakeEngine:
    def __init__(self, manager=True, state="active", answers=True):
        self.manager = manager
        self.state = state
        self.answers = answers

    def info(self):
        if not self.answers:
            raise ConnectionRefusedError("connection refused")
        swarm = {
            "LocalNodeState": self.state,
            "NodeID": "n1",
            "NodeAddr": "10.0.0.11",
            "ControlAvailable": self.manager,
        }
        if self.manager:
            swarm["Cluster"] = {
                "ID": "c1",
                "Spec": {"CAConfig": {"NodeCertExpiry": 90 * DAY}, "Orchestration": {"TaskHistoryRetentionLimit": 5}},
                "DataPathPort": 4789,
            }
        return {"Swarm": swarm}

    def nodes(self):
        return [
            {
                "ID": "n1",
                "Description": {"Hostname": "mgr1"},
                "Spec": {"Role": "manager", "Availability": "active", "Labels": {"tier": "control"}},
                "Status": {"State": "ready", "Addr": "10.0.0.11"},
                "ManagerStatus": {"Leader": True, "Reachability": "reachable"},
            }
        ]


@pytest.fixture
def engine(monkeypatch):
    def use(fake):
        monkeypatch.setattr(swarm_info, "connect", lambda module: fake)
        return fake

    return use


def test_a_manager_reports_the_nodes_and_the_settings_that_differ(run_module, engine, monkeypatch):
    engine(FakeEngine())
    warned = []
    monkeypatch.setattr(swarm_info.AnsibleModule, "warn", lambda self, warning: warned.append(warning))
    ended = run_module(
        swarm_info.main,
        {"node_cert_expiry": "30d", "task_history_retention_limit": 5, "data_path_port": 7789},
        check_mode=True,
    )
    assert not ended.failed and not ended.result["changed"]
    assert ended.result["swarm"]["role"] == "manager" and ended.result["swarm"]["cluster_id"] == "c1"
    assert ended.result["settings_changes"] == {"node_cert_expiry": ["2160h", "720h"]}
    (node,) = ended.result["nodes"]
    assert (node["hostname"], node["labels"], node["leader"]) == ("mgr1", {"tier": "control"}, True)
    assert any("data_path_port 7789" in warning for warning in warned)


def test_a_worker_reports_its_membership_only(run_module, engine):
    engine(FakeEngine(manager=False))
    ended = run_module(swarm_info.main, {"node_cert_expiry": "30d"})
    assert ended.result["swarm"]["role"] == "worker"
    assert ended.result["nodes"] == [] and ended.result["settings_changes"] == {}


def test_a_bare_number_duration_is_refused_before_connecting(run_module, monkeypatch):
    monkeypatch.setattr(swarm_info, "connect", lambda module: pytest.fail("connected"))
    ended = run_module(swarm_info.main, {"node_cert_expiry": 90})
    assert ended.failed and "node_cert_expiry" in ended.result["msg"]


def test_an_engine_that_does_not_answer_fails(run_module, engine):
    engine(FakeEngine(answers=False))
    ended = run_module(swarm_info.main, {})
    assert ended.failed and "did not answer docker info" in ended.result["msg"]


def test_the_default_route_address_is_an_address_or_none():
    address = swarm_info.default_ipv4()
    assert address is None or address.count(".") == 3
