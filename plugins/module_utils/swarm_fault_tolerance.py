# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many managers a swarm can lose before and after a planned set of node changes (swarm_node).

A change that leaves the majority in place can still leave a swarm that cannot lose one more manager (3 managers
demoted to 1): the quorum check (``quorum.QuorumCheck``) allows it, this module makes it explicit. The fault
tolerance counted is what the reachable managers can still lose: reachable managers minus the majority needed.
Pure: works on the node list and ``swarm_spec.plan_nodes``'s actions.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import QuorumCheck


def fault_tolerance_of(counts):
    """How many managers the swarm of these ManagerCounts can lose: reachable managers beyond the majority."""
    return max(0, counts.reachable - counts.quorum) if counts.total else 0


def tolerance_change(nodes, actions, members=None):
    """``(before, after)``: the ManagerCounts of the swarm now and after ``actions`` are applied."""
    check = QuorumCheck(nodes, members)
    before = check.counts()
    for action in actions:
        after = action.get("after") or {}
        check.check(
            action["id"],
            role=after.get("role") if action["kind"] in ("promote", "demote") else None,
            availability=after.get("availability"),
            remove=action["kind"] == "remove",
        )
    return before, check.counts()


def fault_tolerance_loss(before, after, allow=False):
    """``(error, warning)`` for a change from the ``before`` to the ``after`` ManagerCounts; both None when the
    swarm can lose as many managers afterwards as before.

    Losing the last spare manager (the swarm could lose one and no longer can) is an error unless ``allow``;
    any smaller loss is a warning. Both say what fault tolerance remains.
    """
    lost_before, lost_after = fault_tolerance_of(before), fault_tolerance_of(after)
    if lost_after >= lost_before:
        return None, None
    text = (
        "This change takes the swarm from %d reachable manager%s of %d (it can lose %d) to %d of %d: afterwards it "
        "can lose %d manager%s%s."
        % (
            before.reachable,
            "" if before.reachable == 1 else "s",
            before.total,
            lost_before,
            after.reachable,
            after.total,
            lost_after,
            "" if lost_after == 1 else "s",
            " - one more manager down and the swarm stops accepting any change" if lost_after == 0 else "",
        )
    )
    if lost_after == 0 and not allow:
        return (
            "Refusing to lose the swarm's fault tolerance. %s Keep 3 or 5 managers, or set "
            "allow_fault_tolerance_loss=true (role: swarm_allow_fault_tolerance_loss) if you mean it." % text
        ), None
    return None, text
