# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raft quorum arithmetic for swarm managers, and the safety check every node change passes.

Pure: works on the node list the engine returns (``GET /nodes``) and its ``docker info``
``Swarm`` section, never talks to it. A swarm with N managers needs a majority (N // 2 + 1)
of them reachable to accept any change; losing that majority freezes the control plane until
someone forces a new cluster. The functions here say, before a change is made, whether it
would do that.

N is what the raft cluster really has (``raft_members``), not every node whose spec says
manager: after ``docker swarm init --force-new-cluster`` the old managers keep the manager
role in their node spec but are no longer raft members, and they count as gone.
"""

from __future__ import annotations

import copy


def quorum_size(managers):
    """Managers that must be reachable for the swarm to accept changes."""
    return managers // 2 + 1 if managers > 0 else 0


def fault_tolerance(managers):
    """Managers that may be lost while the rest still hold a majority."""
    return (managers - 1) // 2 if managers > 0 else 0


def even_manager_warning(managers):
    """A warning when the manager count is even (and above one), else None."""
    if managers > 1 and managers % 2 == 0:
        return (
            "The swarm has %d managers: an even count tolerates no more failures than %d managers "
            "(both tolerate %d) while needing one more for a majority. Use an odd number (3 or 5)."
            % (managers, managers - 1, fault_tolerance(managers))
        )
    return None


def raft_members(nodes, swarm_info=None):
    """The raft view: IDs of the nodes that are members of the swarm's raft cluster.

    ``nodes`` is the node list a manager's engine returns, ``swarm_info`` the ``Swarm`` section
    of that same engine's ``docker info``. A manager's engine fills a node's ``ManagerStatus``
    from its raft member list, and only for members (swarmkit's control API), so the members
    are the nodes that carry one; an unreachable member still carries one (Reachability
    ``unreachable``). The engine that answered is a member itself when ``swarm_info`` says it
    is a manager (``ControlAvailable``).

    ``RemoteManagers`` of ``docker info`` is not used: it is the list of managers the node
    dials, kept in ``swarm/state.json`` and so restored with a backup; right after a forced
    new cluster it may still name the old managers.
    """
    members = set(n.get("ID") for n in nodes or [] if n.get("ManagerStatus"))
    info = swarm_info or {}
    if info.get("ControlAvailable") and info.get("NodeID"):
        members.add(info["NodeID"])
    return frozenset(members)


def node_view(node, members=None):
    """The facts about one engine node that quorum decisions use.

    ``members`` is the raft view (``raft_members``); without it the node's own ``ManagerStatus``
    tells whether it is a raft member, which is the same thing for a node list from the engine.
    """
    spec = node.get("Spec") or {}
    manager_status = node.get("ManagerStatus") or {}
    description = node.get("Description") or {}
    return {
        "id": node.get("ID"),
        "hostname": description.get("Hostname") or spec.get("Name") or node.get("ID"),
        "role": spec.get("Role", "worker"),
        "availability": spec.get("Availability", "active"),
        "reachable": manager_status.get("Reachability") == "reachable",
        "ready": (node.get("Status") or {}).get("State") == "ready",
        "leader": bool(manager_status.get("Leader")),
        "raft_member": node.get("ID") in members if members is not None else bool(manager_status),
        "removed": False,
    }


def counts_as_manager(view):
    """A manager of the raft cluster: manager role, raft member, not removed."""
    return view["role"] == "manager" and view["raft_member"] and not view["removed"]


class ManagerCounts:
    """How many managers a set of node views holds, and how many of them answer.

    Only raft members count. Nodes with the manager role that are not members (the old managers
    after a forced new cluster, or a promoted node still joining) are counted apart, in ``outside_raft``.
    """

    def __init__(self, views):
        views = list(views)
        self.managers = [v for v in views if counts_as_manager(v)]
        self.total = len(self.managers)
        self.reachable = len([v for v in self.managers if v["reachable"]])
        self.active = len([v for v in self.managers if v["reachable"] and v["availability"] == "active"])
        self.outside_raft = sorted(
            v["hostname"] for v in views if v["role"] == "manager" and not v["raft_member"] and not v["removed"]
        )

    @property
    def quorum(self):
        return quorum_size(self.total)

    @property
    def has_quorum(self):
        return self.total > 0 and self.reachable >= self.quorum

    def reachable_without(self, node_id):
        """Reachable managers left while ``node_id``'s engine is down."""
        return len([v for v in self.managers if v["reachable"] and v["id"] != node_id])

    def describe(self):
        text = "%d manager%s, %d reachable (a majority needs %d)" % (
            self.total,
            "" if self.total == 1 else "s",
            self.reachable,
            self.quorum,
        )
        if self.outside_raft:
            text += "; %d node%s with the manager role %s not in its raft (%s) and %s not count" % (
                len(self.outside_raft),
                "" if len(self.outside_raft) == 1 else "s",
                "is" if len(self.outside_raft) == 1 else "are",
                ", ".join(self.outside_raft),
                "does" if len(self.outside_raft) == 1 else "do",
            )
        return text


class QuorumCheck:
    """Checks a sequence of node changes against the swarm's quorum, in order.

    Each accepted change is applied to an internal copy of the node views, so the
    second demotion in a batch is judged against the swarm the first one leaves.
    ``members`` is the raft view (``raft_members``); see ``node_view`` for its default.
    """

    def __init__(self, nodes, members=None):
        self.views = dict((n["ID"], node_view(n, members)) for n in nodes)

    def counts(self):
        return ManagerCounts(self.views.values())

    def check(self, node_id, role=None, availability=None, remove=False):
        """Return None when the change is safe, else a message saying why it is refused.

        The change is recorded either way, so later checks see the swarm as it would be.
        A node with the manager role that is not a raft member is no part of the quorum:
        demoting or removing it is never refused.
        """
        view = self.views[node_id]
        before = self.counts()
        after_view = copy.deepcopy(view)
        if role is not None:
            after_view["role"] = role
            if role == "manager" and view["role"] != "manager":
                # A promoted Ready node is counted as a reachable member: swarm_node waits for it to become
                # reachable before it applies anything that relies on it.
                after_view["raft_member"] = True
                after_view["reachable"] = view["reachable"] or view["ready"]
        if availability is not None:
            after_view["availability"] = availability
        if remove:
            after_view["removed"] = True
        trial = dict(self.views)
        trial[node_id] = after_view
        after = ManagerCounts(trial.values())
        self.views[node_id] = after_view

        name = "'%s' (%s)" % (view["hostname"], (view["id"] or "")[:12])
        loses_manager = counts_as_manager(view) and not counts_as_manager(after_view)
        if loses_manager:
            verb, action = ("remove", "removing") if remove else ("demote", "demoting")
            if after.total == 0:
                return (
                    "Refusing to %s manager %s: the swarm has %s and it is the only manager; %s it leaves the "
                    "swarm with no manager at all. Promote another node first."
                    % (verb, name, before.describe(), action)
                )
            if after.reachable < after.quorum:
                return (
                    "Refusing to %s manager %s: the swarm has %s. After %s it the swarm would have %d manager%s "
                    "with %d reachable, below the majority of %d, and would stop accepting any change. "
                    "Bring the unreachable managers back, or demote the unreachable ones first."
                    % (
                        verb,
                        name,
                        before.describe(),
                        action,
                        after.total,
                        "" if after.total == 1 else "s",
                        after.reachable,
                        after.quorum,
                    )
                )
        leaves_active = (
            counts_as_manager(view)
            and view["availability"] == "active"
            and after_view["availability"] != "active"
            and counts_as_manager(after_view)
        )
        if leaves_active and before.active > 0 and after.active == 0:
            return (
                "Refusing to set manager %s to %s: the swarm has %s and it is the last active reachable "
                "manager. Afterwards no manager would be active, so draining it for maintenance and taking "
                "it down would leave the swarm without a working control plane. Make another manager "
                "active (or add one) first." % (name, after_view["availability"], before.describe())
            )
        return None
