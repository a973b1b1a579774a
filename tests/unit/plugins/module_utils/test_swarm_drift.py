# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_drift: a converged swarm gives no difference; every kind of drift the swarm role fixes, and every doubt,
gives one (so the role's writing steps run)."""

from __future__ import annotations

import copy

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_drift import bootstrap_host, swarm_drift

MANAGERS = ["mgr1"]
WORKERS = ["wrk1", "wrk2"]
HOSTS = MANAGERS + WORKERS


def membership(node_id, manager=False, cluster=None, state="active"):
    # docker info gives a cluster ID on managers only.
    if cluster is None:
        cluster = "c1" if manager else ""
    return {
        "local_node_state": state,
        "node_id": node_id,
        "control_available": manager,
        "cluster_id": cluster,
        "role": ("manager" if manager else "worker") if state == "active" else None,
    }


def node(node_id, hostname, role="worker", labels=None, availability="active", state="ready"):
    return {
        "id": node_id,
        "hostname": hostname,
        "role": role,
        "availability": availability,
        "labels": labels or {},
        "state": state,
    }


def converged():
    """Reads of a 1-manager, 2-worker swarm as the inventory below declares it."""
    nodes = [
        node("n1", "mgr1", "manager", {"tier": "control"}),
        node("n2", "wrk1", labels={"zone": "a", "scratch": "true"}),
        node("n3", "wrk2", labels={"zone": "b"}),
    ]
    return {
        "mgr1": {"swarm": membership("n1", manager=True), "nodes": nodes, "settings_changes": {}, "cluster_error": ""},
        "wrk1": {"swarm": membership("n2")},
        "wrk2": {"swarm": membership("n3")},
    }


DECLARED = {
    "mgr1": {"labels": {"tier": "control"}},
    "wrk1": {"labels": {"zone": "a", "scratch": True}},  # YAML true is the engine's "true"
    "wrk2": {"labels": {"zone": "b"}, "labels_mode": "exact"},
}


def drift(reads=None, declared=None, hosts=None, **options):
    return swarm_drift(
        hosts or HOSTS, MANAGERS, WORKERS, converged() if reads is None else reads, declared or DECLARED, **options
    )


def test_a_converged_swarm_has_no_difference():
    assert drift() == []


def test_a_label_changed_by_hand_is_a_difference():
    reads = converged()
    reads["mgr1"]["nodes"][2]["labels"]["manual"] = "1"
    assert drift(reads) == ["wrk2: labels differ (removed manual)"]


def test_a_label_removed_from_the_inventory_is_a_difference():
    declared = copy.deepcopy(DECLARED)
    declared["wrk1"]["labels"] = {"zone": "a"}
    assert drift(declared=declared) == ["wrk1: labels differ (removed scratch)"]


def test_merge_mode_ignores_labels_set_elsewhere_and_replace_means_exact():
    reads = converged()
    reads["mgr1"]["nodes"][2]["labels"]["manual"] = "1"
    declared = copy.deepcopy(DECLARED)
    declared["wrk2"]["labels_mode"] = "merge"
    assert drift(reads, declared) == []
    declared["wrk2"]["labels_mode"] = "replace"
    assert drift(reads, declared) != []


def test_role_and_availability():
    reads = converged()
    reads["mgr1"]["nodes"][1].update(role="manager", availability="drain")
    assert drift(reads) == ["wrk1: role manager, declared worker"]  # availability not declared: left alone
    declared = copy.deepcopy(DECLARED)
    declared["wrk1"]["availability"] = "active"
    assert drift(reads, declared) == [
        "wrk1: role manager, declared worker",
        "wrk1: availability drain, declared active",
    ]


def test_swarm_settings_that_differ():
    reads = converged()
    reads["mgr1"]["settings_changes"] = {"node_cert_expiry": ["90d", "30d"]}
    assert drift(reads) == ["swarm setting node_cert_expiry: the swarm has 90d, declared 30d"]


def test_membership_differences():
    reads = converged()
    reads["wrk1"]["swarm"] = membership("", state="inactive")
    reads["wrk2"]["swarm"] = membership("x9", manager=True, cluster="other")
    assert drift(reads) == [
        "wrk1: not an active swarm member (inactive)",
        "wrk2: in another swarm (other, not c1)",
    ]


def test_a_worker_of_another_swarm_is_a_node_this_swarm_does_not_list():
    reads = converged()
    reads["wrk2"]["swarm"] = membership("elsewhere")
    assert drift(reads) == ["wrk2: node elsewhere is not listed by mgr1"]


def test_a_locked_manager_or_no_swarm_at_all():
    reads = converged()
    reads["mgr1"]["swarm"] = membership("n1", manager=False, state="locked")
    assert drift(reads) == ["mgr1: no manager of the inventory runs a swarm yet"]


def test_doubts_are_differences():
    reads = converged()
    del reads["wrk1"]
    reads["mgr1"]["nodes"] = reads["mgr1"]["nodes"][:2]
    assert drift(reads) == ["wrk1: its swarm membership could not be read", "wrk2: node n3 is not listed by mgr1"]
    reads = converged()
    reads["mgr1"]["cluster_error"] = "rpc error: The swarm does not have a leader"
    assert drift(reads) == ["mgr1: cannot list the swarm's nodes (rpc error: The swarm does not have a leader)"]


def test_inventory_errors_are_differences():
    assert drift(hosts=["mgr1", "wrk1", "wrk2", "stray"])[0] == "stray: not in exactly one of the swarm groups"
    declared = copy.deepcopy(DECLARED)
    declared["wrk2"]["labels"] = {"bad key": "1"}
    assert "swarm_labels of wrk2" in drift(declared=declared)[0]
    assert swarm_drift(["wrk1"], MANAGERS, WORKERS, converged(), DECLARED) == [
        "no swarm manager of the inventory is in the play"
    ]


def test_down_nodes_are_pruned_only_with_every_member_in_the_play():
    reads = converged()
    reads["mgr1"]["nodes"].append(node("old", "wrk2", state="down"))
    assert drift(reads) == []
    assert drift(reads, prune_down_nodes=True, all_members=HOSTS) == [
        "node old (wrk2) is Down and not in the inventory; it is pruned"
    ]
    assert drift(reads, prune_down_nodes=True, all_members=[*HOSTS, "wrk3"]) == []


def test_the_first_running_manager_bootstraps():
    reads = {"a": {"swarm": membership("1")}, "b": {"swarm": membership("2", manager=True)}}
    assert bootstrap_host(["a", "b", "w"], ["a", "b"], reads) == "b"
    assert bootstrap_host(["a", "b", "w"], ["a", "b"], {}) == "a"
    assert bootstrap_host(["w"], ["a"], reads) is None
