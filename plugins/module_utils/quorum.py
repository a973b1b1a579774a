# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Raft quorum arithmetic for swarm managers, and the safety check every node change passes.

Pure: works on the node list the engine returns (``GET /nodes``), never talks to it.
A swarm with N managers needs a majority (N // 2 + 1) of them reachable to accept any
change; losing that majority freezes the control plane until someone forces a new
cluster. The functions here say, before a change is made, whether it would do that.
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


def node_view(node):
    """The facts about one engine node that quorum decisions use."""
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
        "removed": False,
    }


class ManagerCounts:
    """How many managers a set of node views holds, and how many of them answer."""

    def __init__(self, views):
        managers = [v for v in views if v["role"] == "manager" and not v["removed"]]
        self.total = len(managers)
        self.reachable = len([v for v in managers if v["reachable"]])
        self.active = len([v for v in managers if v["reachable"] and v["availability"] == "active"])

    @property
    def quorum(self):
        return quorum_size(self.total)

    @property
    def has_quorum(self):
        return self.total > 0 and self.reachable >= self.quorum

    def describe(self):
        return "%d manager%s, %d reachable (a majority needs %d)" % (
            self.total,
            "" if self.total == 1 else "s",
            self.reachable,
            self.quorum,
        )


class QuorumCheck:
    """Checks a sequence of node changes against the swarm's quorum, in order.

    Each accepted change is applied to an internal copy of the node views, so the
    second demotion in a batch is judged against the swarm the first one leaves.
    """

    def __init__(self, nodes):
        self.views = dict((n["ID"], node_view(n)) for n in nodes)

    def counts(self):
        return ManagerCounts(self.views.values())

    def check(self, node_id, role=None, availability=None, remove=False):
        """Return None when the change is safe, else a message saying why it is refused.

        The change is recorded either way, so later checks see the swarm as it would be.
        """
        view = self.views[node_id]
        before = self.counts()
        after_view = copy.deepcopy(view)
        if role is not None:
            after_view["role"] = role
            # A promoted Ready node is counted as reachable: swarm_node waits for it to become
            # reachable before it applies anything that relies on it.
            after_view["reachable"] = role == "manager" and (view["reachable"] or view["ready"])
        if availability is not None:
            after_view["availability"] = availability
        if remove:
            after_view["removed"] = True
        trial = dict(self.views)
        trial[node_id] = after_view
        after = ManagerCounts(trial.values())
        self.views[node_id] = after_view

        name = "'%s' (%s)" % (view["hostname"], (view["id"] or "")[:12])
        loses_manager = (
            view["role"] == "manager"
            and not view["removed"]
            and (after_view["role"] != "manager" or after_view["removed"])
        )
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
            view["role"] == "manager"
            and view["availability"] == "active"
            and after_view["availability"] != "active"
            and after_view["role"] == "manager"
        )
        if leaves_active and before.active > 0 and after.active == 0:
            return (
                "Refusing to set manager %s to %s: the swarm has %s and it is the last active reachable "
                "manager. Afterwards no manager would be active, so draining it for maintenance and taking "
                "it down would leave the swarm without a working control plane. Make another manager "
                "active (or add one) first." % (name, after_view["availability"], before.describe())
            )
        return None
