# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a swarm is as the inventory declares it, from one read per host.

The swarm role's first step reads every host with ``swarm_info`` (membership; on a manager also the nodes and
the swarm settings that differ from the declared ones). ``swarm_drift`` compares those reads with the inventory
and lists every difference; the role's writing steps (initialise, join, declare the nodes) run only when the
list is not empty. It answers "is anything different?", not "what exactly to do": when anything differs the
role runs its full path, whose modules decide and check each change as before. So a doubt (a host not read, a
swarm without a listed node) always counts as a difference, never as converged.

Pure: no engine calls, unit-tested with reads shaped like ``swarm_info``'s results.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import (
    LabelError,
    has_changes,
    label_errors,
    plan_labels,
)


def _membership(read):
    return (read or {}).get("swarm") or {}


def bootstrap_host(hosts, managers, reads):
    """The manager that runs (or would initialise) the swarm: the first manager in ``hosts`` whose engine is a
    swarm manager, else the first manager in ``hosts``; None when no manager is in ``hosts``."""
    play_managers = [host for host in hosts if host in managers]
    running = [host for host in play_managers if _membership(reads.get(host)).get("control_available")]
    return (running + play_managers + [None])[0]


def swarm_drift(hosts, managers, workers, reads, declarations, all_members=None, prune_down_nodes=False):
    """Every way the swarm differs from the inventory, as sentences; [] when it is as declared.

    ``hosts``: the play's swarm hosts in inventory order. ``managers`` / ``workers``: the inventory groups.
    ``reads``: ``swarm_info``'s result by host (a missing or failed read is a difference).
    ``declarations``: by host, ``labels`` (a mapping), ``labels_mode`` (``exact`` or ``merge``) and
    ``availability`` (None: not managed). ``all_members``: every swarm host of the inventory (for pruning,
    which needs them all in the play). ``prune_down_nodes``: Down nodes not in the inventory are removed.
    """
    differences = []
    for host in hosts:
        if (host in managers) == (host in workers):
            differences.append("%s: not in exactly one of the swarm groups" % host)
        declaration = declarations.get(host) or {}
        errors = label_errors(declaration.get("labels"), "swarm_labels of %s" % host)
        differences.extend(errors)
    boot = bootstrap_host(hosts, managers, reads)
    if boot is None:
        return [*differences, "no swarm manager of the inventory is in the play"]
    boot_read = reads.get(boot) or {}
    boot_membership = _membership(boot_read)
    if not boot_membership.get("control_available"):
        return [*differences, "%s: no manager of the inventory runs a swarm yet" % boot]
    if boot_read.get("cluster_error"):
        differences.append("%s: cannot list the swarm's nodes (%s)" % (boot, boot_read["cluster_error"]))
    for option, (old, new) in sorted((boot_read.get("settings_changes") or {}).items()):
        differences.append("swarm setting %s: the swarm has %s, declared %s" % (option, old, new))
    nodes = dict((node.get("id"), node) for node in boot_read.get("nodes") or [])
    cluster = boot_membership.get("cluster_id")
    joined_ids = set()
    for host in hosts:
        read = reads.get(host)
        membership = _membership(read)
        if not read or read.get("failed"):
            differences.append("%s: its swarm membership could not be read" % host)
            continue
        state = membership.get("local_node_state")
        if state != "active":
            differences.append("%s: not an active swarm member (%s)" % (host, state or "no state"))
            continue
        # A worker's docker info has no cluster ID: it is in this swarm when this swarm lists its node (below).
        if membership.get("cluster_id") and membership.get("cluster_id") != cluster:
            differences.append("%s: in another swarm (%s, not %s)" % (host, membership.get("cluster_id"), cluster))
            continue
        joined_ids.add(membership.get("node_id"))
        node = nodes.get(membership.get("node_id"))
        if node is None:
            differences.append("%s: node %s is not listed by %s" % (host, membership.get("node_id"), boot))
            continue
        differences.extend(node_differences(host, node, "manager" if host in managers else "worker", declarations))
    if prune_down_nodes and set(all_members or hosts) <= set(hosts) and len(joined_ids) == len(hosts):
        for node in nodes.values():
            if node.get("state") == "down" and node.get("id") not in joined_ids:
                differences.append(
                    "node %s (%s) is Down and not in the inventory; it is pruned"
                    % (node.get("id"), node.get("hostname"))
                )
    return differences


def node_differences(host, node, role, declarations):
    """How one node (``swarm_info``'s node summary) differs from the declared role, availability and labels."""
    declaration = declarations.get(host) or {}
    found = []
    if node.get("role") != role:
        found.append("%s: role %s, declared %s" % (host, node.get("role"), role))
    availability = declaration.get("availability")
    if availability and node.get("availability") != availability:
        found.append("%s: availability %s, declared %s" % (host, node.get("availability"), availability))
    try:
        _new, changes = plan_labels(
            node.get("labels") or {}, declaration.get("labels") or {}, _label_mode(declaration.get("labels_mode"))
        )
    except LabelError as exc:
        return [*found, "%s: %s" % (host, exc)]
    if has_changes(changes):
        parts = ["%s %s" % (kind, ", ".join(sorted(labels))) for kind, labels in sorted(changes.items()) if labels]
        found.append("%s: labels differ (%s)" % (host, "; ".join(parts)))
    return found


def _label_mode(mode):
    # community.docker's name for exact, as the swarm_node module takes it.
    return "exact" if mode in (None, "", "replace") else mode
