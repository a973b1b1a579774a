# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_node: community.docker.docker_node's names (hostname, labels_state, replace) mean
what they mean there, and the refusals end in fail_json before anything changes."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import swarm_node


def node(node_id, hostname, role="worker", labels=None):
    result = {
        "ID": node_id,
        "Version": {"Index": 10},
        "Description": {"Hostname": hostname},
        "Spec": {"Role": role, "Availability": "active", "Labels": dict(labels or {})},
        "Status": {"State": "ready", "Addr": "10.0.0.%s" % node_id[-1]},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}
    return result


class FakeEngine:
    def __init__(self, nodes, manager=True):
        self._nodes = nodes
        self.manager = manager
        self.updates = []

    def info(self):
        return {
            "Swarm": {
                "LocalNodeState": "active",
                "ControlAvailable": self.manager,
                "NodeID": "node000001",
                "RemoteManagers": [{"NodeID": "node000001", "Addr": "10.0.0.1:2377"}],
            }
        }

    def nodes(self):
        return copy.deepcopy(self._nodes)

    def inspect_node(self, node_id):
        return copy.deepcopy(next(n for n in self._nodes if n["ID"] == node_id))

    def update_node(self, node_id, version, spec):
        self.updates.append((node_id, spec))
        next(n for n in self._nodes if n["ID"] == node_id)["Spec"] = copy.deepcopy(spec)


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine(
        [
            node("node000001", "manager-1", "manager"),
            node("node000002", "worker-1", labels={"zone": "a", "ssd": "true"}),
        ]
    )
    monkeypatch.setattr(swarm_node, "connect", lambda module: fake)
    return fake


def test_node_request_reads_replace_as_exact_and_no_labels_as_none_at_all():
    assert swarm_node.node_request({"node": "w", "labels_mode": "replace", "labels": None}) == {
        "node": "w",
        "labels_mode": "exact",
        "labels": {},
    }
    assert swarm_node.node_request({"node": "w", "labels_mode": "replace", "labels": {"a": 1}})["labels"] == {"a": 1}
    assert swarm_node.node_request({"node": "w", "labels_mode": "exact", "labels": None})["labels"] is None
    assert swarm_node.node_request({"node": "w", "labels_mode": "merge", "labels": None})["labels"] is None


def test_hostname_and_labels_state_replace_remove_every_label(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "labels_state": "replace"})
    assert not ended.failed and ended.result["changed"]
    ((node_id, spec),) = engine.updates
    assert node_id == "node000002" and spec["Labels"] == {}


def test_labels_state_replace_keeps_exactly_the_labels_given(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "labels": {"zone": "b"}, "labels_state": "replace"})
    assert ended.result["changed"]
    assert engine.updates[0][1]["Labels"] == {"zone": "b"}


def test_merge_is_the_default_as_in_community_docker(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "labels": {"rack": 3}})
    assert ended.result["changed"]
    assert engine.updates[0][1]["Labels"] == {"zone": "a", "ssd": "true", "rack": "3"}


def test_exact_without_labels_leaves_labels_alone(run_module, engine):
    ended = run_module(swarm_node.main, {"node": "worker-1", "labels_mode": "exact"})
    assert not ended.failed and not ended.result["changed"] and engine.updates == []


def test_the_aliases_work_in_nodes_too(run_module, engine):
    ended = run_module(
        swarm_node.main, {"nodes": [{"hostname": "worker-1", "labels_state": "replace", "labels": {"zone": "c"}}]}
    )
    assert ended.result["changed"]
    assert engine.updates == [("node000002", dict(engine._nodes[1]["Spec"]))]
    assert engine.updates[0][1]["Labels"] == {"zone": "c"}


def test_check_mode_changes_nothing(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "labels_state": "replace"}, check_mode=True)
    assert ended.result["changed"] and engine.updates == []


def test_a_label_both_set_and_removed_is_refused(run_module, engine):
    ended = run_module(swarm_node.main, {"node": "worker-1", "labels": {"zone": "b"}, "labels_to_remove": ["zone"]})
    assert ended.failed and ended.result["msg"].startswith("Nothing was changed.")
    assert "labels_to_remove" in ended.result["msg"] and engine.updates == []


def test_an_unknown_labels_state_is_refused(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "labels_state": "overwrite"})
    assert ended.failed and "labels_mode" in ended.result["msg"] and "replace" in ended.result["msg"]


def test_node_and_nodes_are_mutually_exclusive(run_module, engine):
    ended = run_module(swarm_node.main, {"hostname": "worker-1", "nodes": [{"node": "worker-1"}]})
    assert ended.failed and "mutually exclusive" in ended.result["msg"]


def test_prune_down_nodes_needs_the_full_list(run_module, engine):
    ended = run_module(swarm_node.main, {"node": "worker-1", "prune_down_nodes": True})
    assert ended.failed and ended.result["msg"].startswith("prune_down_nodes needs the full list")


def test_a_host_that_is_not_a_manager_is_refused(run_module, engine):
    engine.manager = False
    ended = run_module(swarm_node.main, {"node": "worker-1", "labels": {"zone": "b"}})
    assert ended.failed and ended.result["msg"].startswith("This host is not a reachable swarm manager")
    assert "run swarm_node on a manager" in ended.result["msg"] and "Nothing was changed" in ended.result["msg"]


def test_an_engine_error_while_applying_fails_with_the_node_named(run_module, engine):
    def refuse(node_id, version, spec):
        raise RuntimeError("update out of sequence")

    engine.update_node = refuse
    ended = run_module(swarm_node.main, {"node": "worker-1", "labels": {"zone": "b"}})
    assert ended.failed
    assert "Docker engine refused to update node 'worker-1'" in ended.result["msg"]
    assert "update out of sequence" in ended.result["msg"]


def three_managers(monkeypatch):
    managers = [node("node00000%d" % i, "manager-%d" % i, "manager") for i in (1, 2, 3)]
    for manager in managers[1:]:
        manager["ManagerStatus"]["Leader"] = False
    fake = FakeEngine(managers)
    monkeypatch.setattr(swarm_node, "connect", lambda module: fake)
    return fake


def test_demoting_3_managers_to_1_needs_allow_fault_tolerance_loss(run_module, monkeypatch):
    fake = three_managers(monkeypatch)
    demote = {"nodes": [{"node": "manager-2", "role": "worker"}, {"node": "manager-3", "role": "worker"}]}
    ended = run_module(swarm_node.main, demote)
    assert ended.failed and not fake.updates
    assert "Refusing to lose the swarm's fault tolerance" in ended.result["msg"]
    assert "afterwards it can lose 0 managers" in ended.result["msg"]
    assert "allow_fault_tolerance_loss" in ended.result["msg"]

    ended = run_module(swarm_node.main, {**demote, "allow_fault_tolerance_loss": True})
    assert not ended.failed and ended.result["changed"]
    assert ended.result["fault_tolerance"] == {"before": 1, "after": 0}
