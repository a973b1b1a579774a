# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning a rolling engine upgrade of a swarm: pre-flight problems, node order, convergence.

Pure: works on what the engine returns (``GET /nodes``, ``GET /services``, ``GET /tasks``) and on
what the playbook learnt from each host, never talks to an engine. Quorum arithmetic comes from
``quorum.py``, version parsing from ``versions.py``, what a task's state means from ``swarm_tasks.py``.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils import quorum, versions
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_tasks import meant_to_run, runs, tasks_left_on


def node_view(node):
    """``quorum.node_view`` plus what an upgrade needs: engine version, state and address."""
    view = quorum.node_view(node)
    description = node.get("Description") or {}
    status = node.get("Status") or {}
    view["engine_version"] = (description.get("Engine") or {}).get("EngineVersion")
    view["state"] = status.get("State") or "unknown"
    view["addr"] = status.get("Addr")
    view["manager_reachability"] = (node.get("ManagerStatus") or {}).get("Reachability")
    return view


def same_release(left, right):
    """Do two versions (package versions, ``26.1.5``, ``26.1.5+dfsg1``) name the same release?"""
    left, right = versions.release(left or ""), versions.release(right or "")
    return bool(left) and left == right


def preflight(nodes, members):
    """Everything that must hold before any node of the fleet is touched.

    ``nodes``: the swarm's node list as a manager returns it. ``members``: ``{host: node ID or None}``
    for every host the playbook is to upgrade (None: the host is not in a swarm).
    Returns ``(problems, warnings)``; problems are ``{"host": ..., "problem": ...}`` rows and any one of
    them stops the run. Warnings are sentences.
    """
    problems, warnings = [], []
    by_id = dict((n.get("ID"), node_view(n)) for n in nodes)
    for host, node_id in members.items():
        if not node_id:
            problems.append({"host": host, "problem": "not a member of a swarm (docker info shows no node ID)"})
            continue
        view = by_id.get(node_id)
        if view is None:
            problems.append(
                {"host": host, "problem": "its node %s is not in the swarm the manager sees" % node_id[:12]}
            )
            continue
        if not view["ready"]:
            problems.append({"host": host, "problem": "node is %s, not ready" % view["state"]})
        if view["role"] == "manager" and not view["reachable"]:
            problems.append(
                {"host": host, "problem": "manager is %s" % (view["manager_reachability"] or "not reachable")}
            )
    listed = set(node_id for node_id in members.values() if node_id)
    for view in by_id.values():
        if view["id"] in listed:
            continue
        # A node with the manager role outside the raft (an old manager after a forced new cluster) is no part of the
        # quorum: it is reported like any node that is not ready, below.
        if quorum.counts_as_manager(view) and not view["reachable"]:
            problems.append(
                {
                    "host": view["hostname"],
                    "problem": "manager is %s" % (view["manager_reachability"] or "not reachable"),
                }
            )
        elif not view["ready"]:
            warnings.append(
                "Node %s (%s) is %s and not part of this run; its tasks are not counted on."
                % (view["hostname"], view["id"][:12], view["state"])
            )
        else:
            warnings.append(
                "Node %s (%s) is in the swarm but not in this run: it keeps its engine version."
                % (view["hostname"], view["id"][:12])
            )
    counts = quorum.ManagerCounts(by_id.values())
    if not counts.has_quorum:
        problems.append({"host": "swarm", "problem": "managers have no quorum: %s" % counts.describe()})
    elif counts.total == 1:
        warnings.append(
            "The swarm has a single manager: while its engine restarts the control plane is unavailable (running "
            "services keep serving, nothing can be scheduled). Three managers avoid that."
        )
    elif counts.reachable - 1 < counts.quorum:
        problems.append(
            {
                "host": "swarm",
                "problem": "%s: taking any manager down for its upgrade would lose the majority. Add a manager (an odd "
                "number, 3 or 5) or bring the unreachable ones back first." % counts.describe(),
            }
        )
    return problems, warnings


def order(nodes, members, skip=()):
    """The order to upgrade ``members`` in: workers, then managers, the leader last.

    ``members``: ``{host: node ID}`` in inventory order (kept within each group). ``skip``: hosts already
    on the target version. Returns one row per host: ``host``, ``node_id``, ``hostname``, ``role``,
    ``leader``, ``sole_manager`` (the swarm's only manager: draining it needs the quorum check's override,
    since its outage cannot be avoided), ``action`` (``upgrade`` or ``skip``).
    """
    by_id = dict((n.get("ID"), node_view(n)) for n in nodes)
    managers = [v for v in by_id.values() if v["role"] == "manager"]
    rows = []
    for position, (host, node_id) in enumerate(members.items()):
        view = by_id.get(node_id) or {}
        role = view.get("role", "worker")
        leader = bool(view.get("leader"))
        rank = 2 if leader else 1 if role == "manager" else 0
        rows.append(
            (
                rank,
                position,
                {
                    "host": host,
                    "node_id": node_id,
                    "hostname": view.get("hostname", host),
                    "role": role,
                    "leader": leader,
                    "sole_manager": role == "manager" and len(managers) == 1,
                    "action": "skip" if host in skip else "upgrade",
                },
            )
        )
    return [row for _rank, _position, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def manager_outage(nodes, node_id):
    """Would taking ``node_id``'s engine down now leave the managers without a majority?

    Returns None when it is safe (a worker, or the other managers keep a majority, or it is the only
    manager, whose outage nothing can avoid), else a sentence saying why not.
    """
    views = [node_view(n) for n in nodes]
    target = [v for v in views if v["id"] == node_id]
    if not target or not quorum.counts_as_manager(target[0]):
        return None
    counts = quorum.ManagerCounts(views)
    if counts.total == 1:
        return None
    others = counts.reachable_without(node_id)
    if others < counts.quorum:
        return "taking manager %s down would leave %d of %d managers reachable, below the majority of %d" % (
            target[0]["hostname"],
            others,
            counts.total,
            counts.quorum,
        )
    return None


def services_convergence(services, tasks):
    """Per service: desired and running tasks, and whether they agree.

    Replicated services want ``Replicas`` tasks; global services want one task on every eligible node,
    which is what the orchestrator's tasks with desired state ``running`` are. Jobs are left out: they
    finish by design. Only tasks both meant to run and running count, so a task on a drained node
    that is still shutting down does not.
    """
    result = []
    for service in services:
        mode = (service.get("Spec") or {}).get("Mode") or {}
        wanted = [t for t in tasks if t.get("ServiceID") == service.get("ID") and meant_to_run(t)]
        running = len([t for t in wanted if runs(t)])
        if "Replicated" in mode:
            kind, desired = "replicated", int((mode.get("Replicated") or {}).get("Replicas") or 0)
        elif "Global" in mode:
            kind, desired = "global", len(wanted)
        else:
            continue
        result.append(
            {
                "name": (service.get("Spec") or {}).get("Name") or service.get("ID"),
                "mode": kind,
                "desired": desired,
                "running": running,
                "converged": running == desired,
            }
        )
    return result


def unsettled_nodes(nodes):
    """Hostnames of the nodes whose state the leader does not know yet.

    A manager that becomes leader marks every node ``unknown`` until the node reports
    to it (seconds later) or its heartbeat runs out (then ``down``). An engine upgrade
    that restarts the leader leaves the swarm like that for a moment; it is not done
    until the new leader has heard from everyone.
    """
    result = []
    for view in (node_view(n) for n in nodes):
        if view["state"] == "unknown" or (view["role"] == "manager" and view["manager_reachability"] == "unknown"):
            result.append(view["hostname"])
    return sorted(result)


def unmet(nodes, services, tasks, node_id=None, wait_for=(), engine_version=None):
    """What of ``wait_for`` does not hold yet, as sentences (empty: everything holds).

    ``wait_for`` holds any of ``node_ready`` (the node is ready and, for a manager, reachable; with
    ``engine_version`` also reporting that release), ``node_drained`` (no task holds a container on the
    node any more), ``services_converged`` (every service runs all the tasks it wants) and
    ``nodes_settled`` (the leader knows the state of every node: none is ``unknown``).
    """
    result = []
    view = None
    if node_id:
        views = [node_view(n) for n in nodes if n.get("ID") == node_id]
        if not views:
            return ["node %s is not in the swarm" % node_id[:12]]
        view = views[0]
    if "node_ready" in wait_for and view is not None:
        if not view["ready"]:
            result.append("node %s is %s, not ready" % (view["hostname"], view["state"]))
        if view["role"] == "manager" and not view["reachable"]:
            result.append("manager %s is %s" % (view["hostname"], view["manager_reachability"] or "not reachable yet"))
        if engine_version and not same_release(view["engine_version"], engine_version):
            result.append(
                "node %s reports engine %s, not %s"
                % (view["hostname"], view["engine_version"] or "unknown", versions.release_text(engine_version))
            )
    if "node_drained" in wait_for and view is not None:
        left = tasks_left_on(tasks, node_id)
        if left:
            result.append(
                "%d task%s still on node %s (%s)"
                % (
                    len(left),
                    "" if len(left) == 1 else "s",
                    view["hostname"],
                    ", ".join(sorted(set((t.get("Status") or {}).get("State") or "?" for t in left))),
                )
            )
    if "nodes_settled" in wait_for:
        unsettled = unsettled_nodes(nodes)
        if unsettled:
            result.append("the leader has not heard from %s since it took over (state unknown)" % ", ".join(unsettled))
    if "services_converged" in wait_for:
        for service in services_convergence(services, tasks):
            if not service["converged"]:
                result.append(
                    "service %s runs %d of %d tasks" % (service["name"], service["running"], service["desired"])
                )
    return result
