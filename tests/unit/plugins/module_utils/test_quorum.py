# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import (
    ManagerCounts,
    QuorumCheck,
    even_manager_warning,
    fault_tolerance,
    node_view,
    quorum_size,
    raft_members,
)


def node(node_id, role="worker", reachable=True, availability="active", state="ready", leader=False):
    result = {
        "ID": node_id,
        "Description": {"Hostname": "host-" + node_id},
        "Spec": {"Role": role, "Availability": availability},
        "Status": {"State": state},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Reachability": "reachable" if reachable else "unreachable", "Leader": leader}
    return result


@pytest.mark.parametrize(
    "managers, quorum, tolerance",
    [(0, 0, 0), (1, 1, 0), (2, 2, 0), (3, 2, 1), (4, 3, 1), (5, 3, 2), (6, 4, 2), (7, 4, 3)],
)
def test_quorum_size_and_fault_tolerance(managers, quorum, tolerance):
    assert quorum_size(managers) == quorum
    assert fault_tolerance(managers) == tolerance


@pytest.mark.parametrize("managers, warns", [(1, False), (2, True), (3, False), (4, True), (5, False), (0, False)])
def test_even_manager_warning(managers, warns):
    warning = even_manager_warning(managers)
    assert bool(warning) is warns
    if warns:
        assert "%d managers" % managers in warning


def test_counts_ignore_workers_and_count_reachability():
    nodes = [node("a", "manager"), node("b", "manager", reachable=False), node("c", "manager"), node("w")]
    counts = ManagerCounts([node_view(n) for n in nodes])
    assert (counts.total, counts.reachable, counts.quorum, counts.has_quorum) == (3, 2, 2, True)
    assert counts.describe() == "3 managers, 2 reachable (a majority needs 2)"


def test_demoting_one_of_three_healthy_managers_is_allowed():
    check = QuorumCheck([node("a", "manager", leader=True), node("b", "manager"), node("c", "manager")])
    assert check.check("c", role="worker") is None
    assert check.counts().total == 2


def test_demoting_reachable_manager_when_one_of_three_is_down_is_refused():
    check = QuorumCheck([node("a", "manager"), node("b", "manager", reachable=False), node("c", "manager")])
    message = check.check("c", role="worker")
    assert message.startswith("Refusing to demote manager 'host-c'")
    assert "3 managers, 2 reachable (a majority needs 2)" in message
    assert "2 managers with 1 reachable, below the majority of 2" in message


def test_demoting_the_unreachable_manager_is_the_allowed_recovery_move():
    check = QuorumCheck([node("a", "manager"), node("b", "manager", reachable=False), node("c", "manager")])
    assert check.check("b", role="worker") is None


def test_demoting_the_only_manager_is_refused():
    check = QuorumCheck([node("a", "manager"), node("w")])
    message = check.check("a", role="worker")
    assert "only manager" in message and "1 manager, 1 reachable" in message


def test_second_demotion_in_a_batch_is_judged_after_the_first():
    check = QuorumCheck([node("a", "manager"), node("b", "manager"), node("c", "manager")])
    assert check.check("b", role="worker") is None
    # 2 managers left, both reachable: demoting one more leaves 1 of 1 -> still a majority
    assert check.check("c", role="worker") is None
    assert "only manager" in check.check("a", role="worker")


def test_removing_a_manager_counts_like_a_demotion():
    check = QuorumCheck([node("a", "manager"), node("b", "manager", reachable=False)])
    assert "Refusing to remove manager 'host-a'" in check.check("a", remove=True)
    check = QuorumCheck([node("a", "manager"), node("b", "manager", reachable=False)])
    assert check.check("b", remove=True) is None


def test_removing_a_worker_never_touches_quorum():
    check = QuorumCheck([node("a", "manager"), node("w", state="down")])
    assert check.check("w", remove=True) is None


def test_draining_the_last_active_manager_is_refused():
    check = QuorumCheck([node("a", "manager"), node("w1"), node("w2")])
    message = check.check("a", availability="drain")
    assert message.startswith("Refusing to set manager 'host-a' (a) to drain")
    assert "1 manager, 1 reachable (a majority needs 1)" in message
    assert "last active reachable manager" in message


def test_pausing_the_last_active_manager_is_refused_too():
    check = QuorumCheck([node("a", "manager"), node("b", "manager", availability="drain")])
    assert "to pause" in check.check("a", availability="pause")


def test_draining_a_manager_while_another_is_active_is_allowed():
    check = QuorumCheck([node("a", "manager"), node("b", "manager"), node("c", "manager")])
    assert check.check("a", availability="drain") is None
    assert check.check("b", availability="drain") is None
    assert check.check("c", availability="drain") is not None


def test_an_unreachable_active_manager_does_not_count_as_active():
    check = QuorumCheck([node("a", "manager"), node("b", "manager", reachable=False), node("c", "manager")])
    assert check.check("a", availability="drain") is None
    assert "last active" in check.check("c", availability="drain")


def test_draining_workers_is_not_a_quorum_matter():
    check = QuorumCheck([node("a", "manager"), node("w")])
    assert check.check("w", availability="drain") is None


def test_promotion_counts_a_ready_node_as_reachable_and_a_down_one_as_not():
    check = QuorumCheck([node("a", "manager"), node("w"), node("d", state="down")])
    assert check.check("w", role="manager") is None
    assert check.check("d", role="manager") is None
    counts = check.counts()
    assert (counts.total, counts.reachable) == (3, 2)


def test_swapping_a_manager_for_a_ready_worker_is_allowed():
    check = QuorumCheck([node("a", "manager"), node("w")])
    assert check.check("w", role="manager") is None
    assert check.check("a", role="worker") is None


# --------------------------------------------------------------------------- the raft view


def old_manager(node_id):
    """An old manager after `docker swarm init --force-new-cluster` elsewhere: the manager role in its spec, Down,
    and no ManagerStatus, because the engine fills that from its raft member list and it is no member any more."""
    result = node(node_id, "manager", state="down")
    del result["ManagerStatus"]
    return result


def restored_swarm():
    """The swarm right after a restore onto 'new': the three old managers are still listed, a worker re-joined."""
    return [node("new", "manager", leader=True), old_manager("m1"), old_manager("m2"), old_manager("m3"), node("w")]


def test_raft_members_are_the_nodes_with_a_manager_status_and_the_answering_manager():
    nodes = restored_swarm()
    assert raft_members(nodes) == frozenset(["new"])
    assert raft_members(nodes, {"NodeID": "new", "ControlAvailable": True}) == frozenset(["new"])
    # The answering manager is a member whatever the list says; a worker's answer adds nothing.
    assert raft_members([], {"NodeID": "x", "ControlAvailable": True}) == frozenset(["x"])
    assert raft_members([], {"NodeID": "x", "ControlAvailable": False}) == frozenset()


def test_an_unreachable_member_is_still_a_member():
    nodes = [node("a", "manager", leader=True), node("b", "manager", reachable=False), node("c", "manager")]
    assert raft_members(nodes) == frozenset(["a", "b", "c"])
    counts = ManagerCounts([node_view(n, raft_members(nodes)) for n in nodes])
    assert (counts.total, counts.reachable, counts.quorum, counts.has_quorum) == (3, 2, 2, True)
    assert counts.outside_raft == []


def test_after_force_new_cluster_the_old_managers_do_not_count():
    nodes = restored_swarm()
    counts = ManagerCounts([node_view(n, raft_members(nodes)) for n in nodes])
    assert (counts.total, counts.reachable, counts.quorum, counts.has_quorum) == (1, 1, 1, True)
    assert counts.outside_raft == ["host-m1", "host-m2", "host-m3"]
    assert counts.describe() == (
        "1 manager, 1 reachable (a majority needs 1); 3 nodes with the manager role are not in its raft "
        "(host-m1, host-m2, host-m3) and do not count"
    )


def test_after_force_new_cluster_removing_the_old_managers_is_allowed():
    nodes = restored_swarm()
    check = QuorumCheck(nodes, raft_members(nodes, {"NodeID": "new", "ControlAvailable": True}))
    for old in ("m1", "m2", "m3"):
        assert check.check(old, remove=True) is None
    counts = check.counts()
    assert (counts.total, counts.reachable, counts.outside_raft) == (1, 1, [])
    # ... and the restored manager stays protected.
    assert "only manager" in check.check("new", role="worker")


def test_an_explicit_raft_view_overrides_the_node_list():
    # Counted by role, as before the raft view: 3 managers, 1 reachable, and removing one was refused.
    nodes = [node("new", "manager"), node("m1", "manager", reachable=False), node("m2", "manager", reachable=False)]
    assert "Refusing to remove manager 'host-m1'" in QuorumCheck(nodes).check("m1", remove=True)
    assert QuorumCheck(nodes, frozenset(["new"])).check("m1", remove=True) is None


def test_a_promoted_node_becomes_a_member():
    nodes = restored_swarm()
    check = QuorumCheck(nodes)
    assert check.check("w", role="manager") is None
    counts = check.counts()
    assert (counts.total, counts.reachable) == (2, 2)


def test_reachable_without_counts_the_other_reachable_members():
    nodes = [node("a", "manager", leader=True), node("b", "manager", reachable=False), node("c", "manager")]
    counts = ManagerCounts([node_view(n) for n in nodes])
    assert counts.reachable_without("a") == 1
    assert counts.reachable_without("b") == 2
