# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import upgrade_plan


def node(node_id, role="worker", reachable=True, state="ready", leader=False, engine="20.10.24+dfsg1"):
    result = {
        "ID": node_id,
        "Description": {"Hostname": "host-" + node_id, "Engine": {"EngineVersion": engine}},
        "Spec": {"Role": role, "Availability": "active"},
        "Status": {"State": state, "Addr": "10.0.0.1"},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Reachability": "reachable" if reachable else "unreachable", "Leader": leader}
    return result


def three_managers_two_workers():
    return [
        node("m1", "manager", leader=True),
        node("m2", "manager"),
        node("m3", "manager"),
        node("w1"),
        node("w2"),
    ]


def task(service, node_id, state="running", desired="running"):
    return {"ServiceID": service, "NodeID": node_id, "DesiredState": desired, "Status": {"State": state}}


def service(service_id, replicas=None):
    mode = {"Replicated": {"Replicas": replicas}} if replicas is not None else {"Global": {}}
    return {"ID": service_id, "Spec": {"Name": "svc-" + service_id, "Mode": mode}}


# ------------------------------------------------------------------ order


def test_order_is_workers_then_managers_then_leader_keeping_inventory_order():
    members = {"m1": "m1", "w2": "w2", "m3": "m3", "w1": "w1", "m2": "m2"}
    rows = upgrade_plan.order(three_managers_two_workers(), members)
    assert [r["host"] for r in rows] == ["w2", "w1", "m3", "m2", "m1"]
    assert rows[-1]["leader"] is True
    assert all(r["action"] == "upgrade" for r in rows)


def test_order_marks_hosts_on_target_as_skipped_in_place():
    members = {"m1": "m1", "w1": "w1", "w2": "w2"}
    rows = upgrade_plan.order(three_managers_two_workers(), members, skip=["w1"])
    assert [(r["host"], r["action"]) for r in rows] == [("w1", "skip"), ("w2", "upgrade"), ("m1", "upgrade")]


def test_order_leader_last_even_when_listed_first_single_manager():
    nodes = [node("m1", "manager", leader=True), node("w1"), node("w2")]
    rows = upgrade_plan.order(nodes, {"m1": "m1", "w1": "w1", "w2": "w2"})
    assert [r["host"] for r in rows] == ["w1", "w2", "m1"]


# ------------------------------------------------------------------ pre-flight


def test_preflight_healthy_fleet_has_no_problem():
    nodes = three_managers_two_workers()
    problems, warnings = upgrade_plan.preflight(nodes, dict((n["ID"], n["ID"]) for n in nodes))
    assert problems == []
    assert warnings == []


def test_preflight_reports_down_node_unreachable_manager_and_non_member():
    nodes = three_managers_two_workers()
    nodes[2] = node("m3", "manager", reachable=False, state="down")
    nodes[4] = node("w2", state="down")
    problems, _warnings = upgrade_plan.preflight(nodes, {"m1": "m1", "m3": "m3", "w2": "w2", "x": None})
    rows = [(p["host"], p["problem"]) for p in problems]
    assert ("m3", "node is down, not ready") in rows
    assert ("m3", "manager is unreachable") in rows
    assert ("w2", "node is down, not ready") in rows
    assert ("x", "not a member of a swarm (docker info shows no node ID)") in rows
    # 2 of 3 managers reachable still is a majority, but taking one down for its upgrade is not.
    assert any(p["host"] == "swarm" and "would lose the majority" in p["problem"] for p in problems)


def test_preflight_flags_unknown_node_and_unreachable_manager_outside_the_run():
    nodes = three_managers_two_workers()
    nodes[1] = node("m2", "manager", reachable=False)
    problems, warnings = upgrade_plan.preflight(nodes, {"m1": "m1", "w1": "gone"})
    rows = [(p["host"], p["problem"]) for p in problems]
    assert ("w1", "its node gone is not in the swarm the manager sees") in rows
    assert ("host-m2", "manager is unreachable") in rows
    assert any("host-w2" in w and "not in this run" in w for w in warnings)


def test_preflight_two_managers_cannot_lose_one():
    nodes = [node("m1", "manager", leader=True), node("m2", "manager")]
    problems, _warnings = upgrade_plan.preflight(nodes, {"m1": "m1", "m2": "m2"})
    assert [p["host"] for p in problems] == ["swarm"]
    assert "2 managers, 2 reachable (a majority needs 2)" in problems[0]["problem"]


def test_preflight_no_quorum():
    nodes = [node("m1", "manager", leader=True), node("m2", "manager", reachable=False), node("m3", "manager", False)]
    problems, _warnings = upgrade_plan.preflight(nodes, {"m1": "m1"})
    assert any(p["problem"].startswith("managers have no quorum: 3 managers, 1 reachable") for p in problems)


def test_preflight_single_manager_is_a_warning_not_a_problem():
    nodes = [node("m1", "manager", leader=True), node("w1")]
    problems, warnings = upgrade_plan.preflight(nodes, {"m1": "m1", "w1": "w1"})
    assert problems == []
    assert any("single manager" in w for w in warnings)


# ------------------------------------------------------------------ quorum while a node is down


@pytest.mark.parametrize(
    "nodes, node_id, safe",
    [
        (three_managers_two_workers(), "m2", True),
        (three_managers_two_workers(), "w1", True),
        ([node("m1", "manager", leader=True)], "m1", True),  # nothing avoids a single manager's outage
        ([node("m1", "manager", leader=True), node("m2", "manager")], "m1", False),
        ([node("m1", "manager"), node("m2", "manager", reachable=False), node("m3", "manager")], "m1", False),
        ([node("m1", "manager"), node("m2", "manager"), node("m3", "manager"), node("m4", "manager")], "m1", True),
    ],
)
def test_manager_outage(nodes, node_id, safe):
    assert (upgrade_plan.manager_outage(nodes, node_id) is None) is safe


def test_manager_outage_ignores_managers_outside_the_raft():
    # After a forced new cluster: one member, two old managers by role only. Their outage changes nothing, and the
    # member alone is the single manager whose outage nothing avoids.
    nodes = [node("m1", "manager", leader=True), node("m2", "manager", state="down"), node("m3", "manager")]
    del nodes[1]["ManagerStatus"], nodes[2]["ManagerStatus"]
    assert upgrade_plan.manager_outage(nodes, "m2") is None
    assert upgrade_plan.manager_outage(nodes, "m1") is None


def test_preflight_after_a_restore_warns_about_old_managers_instead_of_refusing():
    nodes = [node("m1", "manager", leader=True), node("old", "manager", state="down"), node("w1")]
    del nodes[1]["ManagerStatus"]
    problems, warnings = upgrade_plan.preflight(nodes, {"m1": "m1", "w1": "w1"})
    assert problems == []
    assert any("Node host-old (old) is down and not part of this run" in w for w in warnings), warnings


def test_order_flags_the_sole_manager():
    rows = upgrade_plan.order([node("m1", "manager", leader=True), node("w1")], {"m1": "m1", "w1": "w1"})
    assert [(r["host"], r["sole_manager"]) for r in rows] == [("w1", False), ("m1", True)]
    rows = upgrade_plan.order(three_managers_two_workers(), {"m1": "m1", "m2": "m2"})
    assert not any(r["sole_manager"] for r in rows)


# ------------------------------------------------------------------ convergence and waiting


def test_services_convergence_counts_only_tasks_meant_to_run_and_running():
    services = [
        service("a", replicas=3),
        service("g"),
        {"ID": "j", "Spec": {"Name": "job", "Mode": {"ReplicatedJob": {}}}},
    ]
    tasks = [
        task("a", "w1"),
        task("a", "w2"),
        task("a", "m1", state="starting"),
        task("a", "w1", state="running", desired="shutdown"),  # old task on a drained node
        task("g", "w1"),
        task("g", "w2"),
    ]
    result = upgrade_plan.services_convergence(services, tasks)
    assert result == [
        {"name": "svc-a", "mode": "replicated", "desired": 3, "running": 2, "converged": False},
        {"name": "svc-g", "mode": "global", "desired": 2, "running": 2, "converged": True},
    ]


def test_unmet_drained_and_converged():
    nodes = three_managers_two_workers()
    services = [service("a", replicas=2)]
    tasks = [task("a", "w1", desired="shutdown"), task("a", "w2")]
    unmet = upgrade_plan.unmet(nodes, services, tasks, "w1", ["node_drained", "services_converged"])
    assert unmet == ["1 task still on node host-w1 (running)", "service svc-a runs 1 of 2 tasks"]
    tasks = [task("a", "w1", state="shutdown", desired="shutdown"), task("a", "w2"), task("a", "m1")]
    assert upgrade_plan.unmet(nodes, services, tasks, "w1", ["node_drained", "services_converged"]) == []


def test_unmet_nodes_settled_after_a_leadership_change():
    # what a new leader shows for the first seconds: the nodes it has not heard from yet are unknown
    nodes = three_managers_two_workers()
    nodes[1]["Status"]["State"] = "unknown"
    nodes[2]["ManagerStatus"]["Reachability"] = "unknown"
    nodes[4]["Status"]["State"] = "unknown"
    assert upgrade_plan.unsettled_nodes(nodes) == ["host-m2", "host-m3", "host-w2"]
    assert upgrade_plan.unmet(nodes, [], [], wait_for=["nodes_settled"]) == [
        "the leader has not heard from host-m2, host-m3, host-w2 since it took over (state unknown)"
    ]


def test_nodes_settled_holds_for_ready_and_for_down_nodes():
    # a node that is down is settled: the leader knows it is down (the pre-flight deals with it)
    nodes = three_managers_two_workers()
    nodes[3]["Status"]["State"] = "down"
    nodes[2]["ManagerStatus"]["Reachability"] = "unreachable"
    assert upgrade_plan.unmet(nodes, [], [], wait_for=["nodes_settled"]) == []


def test_unmet_node_ready_on_release():
    nodes = [node("m1", "manager", leader=True), node("w1", engine="20.10.24+dfsg1")]
    assert upgrade_plan.unmet(nodes, [], [], "w1", ["node_ready"], engine_version="26.1.5") == [
        "node host-w1 reports engine 20.10.24+dfsg1, not 26.1.5"
    ]
    nodes[1] = node("w1", engine="26.1.5+dfsg1")
    assert upgrade_plan.unmet(nodes, [], [], "w1", ["node_ready"], engine_version="5:26.1.5-1~debian.12~bookworm") == []
    nodes[1] = node("w1", state="down", engine="26.1.5")
    assert upgrade_plan.unmet(nodes, [], [], "w1", ["node_ready"], engine_version="26.1.5") == [
        "node host-w1 is down, not ready"
    ]


def test_unmet_manager_not_reachable_and_unknown_node():
    nodes = [node("m1", "manager", leader=True), node("m2", "manager", reachable=False)]
    assert upgrade_plan.unmet(nodes, [], [], "m2", ["node_ready"]) == ["manager host-m2 is unreachable"]
    assert upgrade_plan.unmet(nodes, [], [], "zz", ["node_ready"]) == ["node zz is not in the swarm"]


@pytest.mark.parametrize(
    "left, right, same",
    [
        ("26.1.5+dfsg1", "26.1.5", True),
        ("5:26.1.5-1~debian.12~bookworm", "26.1.5", True),
        ("26.1.4", "26.1.5", False),
        (None, "26.1.5", False),
    ],
)
def test_same_release(left, right, same):
    assert upgrade_plan.same_release(left, right) is same
