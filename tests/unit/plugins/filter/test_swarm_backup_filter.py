# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_backup_choice: the manager the backup runbook backs up, from each manager's engine_info result."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.swarm_backup import FilterModule, swarm_backup_choice


def node(node_id, leader=False, state="ready", reachability="reachable", raft_member=True, role="manager"):
    return {
        "id": node_id,
        "role": role,
        "state": state,
        "manager_reachability": reachability,
        "leader": leader,
        "raft_member": raft_member,
    }


NODES = [
    node("m1", leader=True),
    node("m2"),
    node("m3"),
    node("old", state="down", reachability="unreachable", raft_member=False),
    node("w1", role="worker", reachability=None, raft_member=False),
]


def engine(node_id, nodes=None):
    nodes = NODES if nodes is None else nodes
    return {"answers": True, "swarm": {"node_id": node_id, "control_available": True}, "nodes": list(nodes)}


def test_a_ready_non_leader_is_chosen_and_the_raft_managers_counted():
    hostvars = {"mgr-1": {"e": engine("m1")}, "mgr-2": {"e": engine("m2")}, "mgr-3": {"e": engine("m3")}}
    assert swarm_backup_choice(["mgr-1", "mgr-2", "mgr-3"], hostvars, "e") == {"host": "mgr-2", "managers": 3}


def test_the_leader_when_it_is_the_only_ready_manager():
    nodes = [node("m1", leader=True), node("m2", state="down", reachability="unreachable")]
    hostvars = {"mgr-1": {"e": engine("m1", nodes)}, "mgr-2": {"e": {"answers": False, "swarm": {}, "nodes": []}}}
    assert swarm_backup_choice(["mgr-1", "mgr-2"], hostvars, "e") == {"host": "mgr-1", "managers": 2}


def test_none_when_no_play_host_is_a_ready_manager():
    hostvars = {"mgr-9": {"e": engine("zz")}, "mgr-8": {}}
    assert swarm_backup_choice(["mgr-9", "mgr-8"], hostvars, "e") == {"host": "", "managers": 3}


def test_the_operator_s_choice_wins():
    hostvars = {"mgr-1": {"e": engine("m1")}, "mgr-2": {"e": engine("m2")}}
    assert swarm_backup_choice(["mgr-1", "mgr-2"], hostvars, "e", "mgr-1")["host"] == "mgr-1"


def test_the_filter_is_registered():
    assert FilterModule().filters()["swarm_backup_choice"] is swarm_backup_choice
