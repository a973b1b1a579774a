# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning a rolling engine upgrade in batches: which nodes may be drained together.

Pure: works on what the engine returns (``GET /nodes``, ``GET /services``, ``GET /tasks``) and on the
IDs of the nodes still to upgrade, never talks to an engine. Node facts come from ``upgrade_plan.node_view``,
the managers' majority from ``upgrade_plan.manager_outage`` (``quorum.py`` arithmetic).

Workers go in batches of ``worker_batch_size`` (a count or a percent), managers one at a time, the leader
last. Workers that run the fewest tasks of replicated services go first: their drain moves the least, and a batch
that leaves every service a task outside it drains in one stage (``drain_stages.py``), where one holding all of a
service's tasks needs two, each a stop grace period long. Ties go by hostname, so a ``--check`` plan is stable; a
batch lists its nodes by hostname. A batch is planned only if the nodes
left active (ready, availability ``active``, not in the batch) still have room for every replicated
service's tasks (``Room``):

- placement constraints on ``node.id``, ``node.hostname``, ``node.role``, ``node.ip``,
  ``node.platform.os``/``arch``, ``node.labels.*`` and ``engine.labels.*`` are matched as swarmkit does
  (values case-insensitive, a missing label reads as ``""``). Where a constraint is of another kind, a node
  counts as room for the service only if the service runs a task there now (conservative);
- ``MaxReplicas`` caps the tasks one node holds, and so does a port published in ``host`` mode (one task
  per node can bind it); CPU and memory reservations cap what one node holds and what all active nodes
  hold together (a necessary condition; exact bin packing is not attempted);
- a service that already lacks room (more replicas than its nodes can hold) must keep what it has;
- global services need no room: their tasks on a batch's nodes stop until the nodes are back (listed per
  batch as ``global_services``); spread preferences never block a batch, a spread value left without an
  active node is mentioned in the batch's ``notes``.

Nodes that would leave a service without room are held back for a later batch (``shrunk`` says which and
why). Keeping every service serving *while* a batch drains is the drain's job, not the plan's: ``swarm_drain``
pauses the batch and drains it in stages (``drain_stages.py``), so a batch may hold every node that runs a
service's tasks now. A worker whose drain *alone* leaves a service without room can never be drained safely: it
gets a batch of its own after the safe worker batches, with ``safe: False`` and ``warnings`` naming the
service; so does a manager whose outage would cost room or the majority. The caller decides whether to go
ahead (those tasks stop while the node is down) or to stop.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dockfleet.docker.plugins.module_utils import upgrade_plan
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_tasks import meant_to_run, placed, tasks_left_on

_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*(==|!=)\s*(.*?)\s*$")
_COUNT = re.compile(r"^\s*([+-]?\d+)\s*$")
_PERCENT = re.compile(r"^\s*([+-]?\d+)\s*%\s*$")


def worker_batch_size(value, workers):
    """Workers per batch: ``value`` is a count (``3``, ``"3"``) or a percent of ``workers`` (``"10%"``).

    A percent is rounded up and gives at least 1. Raises ValueError saying what is accepted.
    """
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    count, percent = _COUNT.match(text), _PERCENT.match(text)
    if count:
        if int(count.group(1)) < 1:
            raise ValueError("Batch size %s: a count of workers must be at least 1." % text.strip())
        return int(count.group(1))
    if percent:
        share = int(percent.group(1))
        if not 1 <= share <= 100:
            raise ValueError("Batch size %s: a percent of the workers must be from 1%% to 100%%." % text.strip())
        return max(1, -(-workers * share // 100))
    raise ValueError('Batch size %r is neither a count of workers (3) nor a whole percent of them ("10%%").' % (value,))


def node_value(node, key):
    """The value swarmkit compares for a placement key (``node.labels.zone``), None for keys not known here."""
    description = node.get("Description") or {}
    spec = node.get("Spec") or {}
    lower = key.lower()
    if lower == "node.id":
        return node.get("ID") or ""
    if lower == "node.hostname":
        return description.get("Hostname") or ""
    if lower == "node.role":
        return spec.get("Role") or "worker"
    if lower in ("node.platform.os", "node.platform.arch"):
        return (description.get("Platform") or {}).get("OS" if lower.endswith(".os") else "Architecture") or ""
    if lower.startswith("node.labels."):
        return (spec.get("Labels") or {}).get(key[len("node.labels.") :], "")
    if lower.startswith("engine.labels."):
        return ((description.get("Engine") or {}).get("Labels") or {}).get(key[len("engine.labels.") :], "")
    return None


def constraint_matches(node, constraint):
    """Does ``node`` satisfy one placement constraint? None when the constraint is not understood here."""
    found = _CONSTRAINT.match(constraint or "")
    if not found:
        return None
    key, operator, expected = found.groups()
    if key.lower() == "node.ip":
        try:
            address = ipaddress.ip_address((node.get("Status") or {}).get("Addr") or "")
            network = ipaddress.ip_network(expected, strict=False)
        except ValueError:
            return None
        equal = address.version == network.version and address in network
    else:
        value = node_value(node, key)
        if value is None:
            return None
        equal = value.lower() == expected.lower()
    return equal if operator == "==" else not equal


def _service_facts(service):
    spec = service.get("Spec") or {}
    mode = spec.get("Mode") or {}
    template = spec.get("TaskTemplate") or {}
    placement = template.get("Placement") or {}
    reservations = (template.get("Resources") or {}).get("Reservations") or {}
    ports = (spec.get("EndpointSpec") or {}).get("Ports") or []
    host_ports = sorted(p["PublishedPort"] for p in ports if p.get("PublishMode") == "host" and p.get("PublishedPort"))
    max_per_node = int(placement.get("MaxReplicas") or 0)
    return {
        "id": service.get("ID"),
        "name": spec.get("Name") or service.get("ID"),
        "mode": "replicated" if "Replicated" in mode else "global" if "Global" in mode else "job",
        "replicas": int((mode.get("Replicated") or {}).get("Replicas") or 0),
        "constraints": list(placement.get("Constraints") or []),
        "max_per_node": 1 if host_ports else max_per_node,
        "host_ports": host_ports,
        "spread": [(p.get("Spread") or {}).get("SpreadDescriptor") for p in placement.get("Preferences") or [] if p],
        "reserved": (int(reservations.get("NanoCPUs") or 0), int(reservations.get("MemoryBytes") or 0)),
    }


class Room:
    """What the active nodes of a swarm hold for its replicated services, and what a drain takes away.

    Each requirement is ``{"what", "unit", "scale", "need", "capacity", "holds": {node ID: amount}}``:
    draining nodes is safe when, for every requirement, ``capacity`` minus what they hold stays >= ``need``.
    ``short`` lists, as sentences, the services that lack room before anything is drained.
    """

    def __init__(self, nodes, services, tasks):
        self.nodes = dict((n.get("ID"), n) for n in nodes)
        views = [upgrade_plan.node_view(n) for n in nodes]
        self.active = sorted(v["id"] for v in views if v["ready"] and v["availability"] == "active")
        self.services = [_service_facts(s) for s in services]
        self.tasks = tasks
        self.requirements, self.short, self.eligible = [], [], {}
        self.free = dict((n, self._resources(self.nodes[n])) for n in self.active)
        for facts in self.services:
            if facts["mode"] == "global":
                for node_id in self._eligible(facts):
                    if self.free[node_id]:
                        self.free[node_id] = tuple(h - w for h, w in zip(self.free[node_id], facts["reserved"]))
        placed = []  # (tasks that fit now, reservations) per replicated service
        for facts in self.services:
            if facts["mode"] == "replicated" and facts["replicas"] > 0:
                placed.append((self._add_service(facts), facts["reserved"]))
        if all(self.free.values()):
            for index, unit, scale in ((0, "CPUs", 1e9), (1, "MiB of memory", 2**20)):
                demand = sum(need * reserved[index] for need, reserved in placed)
                if demand:
                    holds = dict((n, max(0, self.free[n][index])) for n in self.active)
                    what = "the reservations of all replicated services"
                    self._add(what, unit, scale, demand, holds)

    @staticmethod
    def _resources(node):
        resources = (node.get("Description") or {}).get("Resources") or {}
        cpus, memory = int(resources.get("NanoCPUs") or 0), int(resources.get("MemoryBytes") or 0)
        return (cpus, memory) if cpus and memory else None

    def _eligible(self, facts):
        running = set(t.get("NodeID") for t in self.tasks if t.get("ServiceID") == facts["id"] and placed(t))
        result = []
        for node_id in self.active:
            matches = [constraint_matches(self.nodes[node_id], c) for c in facts["constraints"]]
            if False not in matches and (None not in matches or node_id in running):
                result.append(node_id)
        return result

    def _add_service(self, facts):
        replicas = facts["replicas"]
        holds = {}
        for node_id in self._eligible(facts):
            slots = min(replicas, facts["max_per_node"] or replicas)
            free = self.free[node_id]
            for have, want in zip(free or (), facts["reserved"]):
                if want:
                    slots = min(slots, max(0, have) // want)
            if slots:
                holds[node_id] = slots
        self.eligible[facts["id"]] = sorted(holds)
        rules = facts["constraints"] + (
            ["at most %d per node" % facts["max_per_node"]] if facts["max_per_node"] else []
        )
        if facts["host_ports"]:
            rules[-1] += " (port %s published in host mode)" % ", ".join(str(p) for p in facts["host_ports"])
        what = "service %s%s" % (facts["name"], " (%s)" % ", ".join(rules) if rules else "")
        return self._add(what, "tasks", 1, replicas, holds)

    def _add(self, what, unit, scale, demand, holds):
        capacity = sum(holds.values())
        if capacity < demand:
            self.short.append(
                "%s has room for %g of its %g %s before any node is drained; the upgrade keeps what it has."
                % (what, capacity / scale, demand / scale, unit)
            )
        need = min(demand, capacity)
        self.requirements.append(
            {"what": what, "unit": unit, "scale": scale, "need": need, "capacity": capacity, "holds": holds}
        )
        return need

    def broken(self, drained):
        """The requirements that draining the nodes ``drained`` would break, each with the room left."""
        drained = set(drained)
        result = []
        for req in self.requirements:
            left = req["capacity"] - sum(amount for n, amount in req["holds"].items() if n in drained)
            if left < req["need"]:
                result.append((req, left))
        return result

    def lacking(self, drained):
        """Sentences, one per requirement that draining the nodes ``drained`` would break (empty: safe)."""
        return [
            "%s would have room for %g of the %g %s it needs"
            % (req["what"], left / req["scale"], req["need"] / req["scale"], req["unit"])
            for req, left in self.broken(drained)
        ]

    def global_services(self, node_ids):
        """Names of the global services whose tasks on ``node_ids`` stop while those nodes are drained."""
        names = set()
        by_id = dict((f["id"], f) for f in self.services if f["mode"] == "global")
        for node_id in node_ids:
            for task in tasks_left_on(self.tasks, node_id):
                if task.get("ServiceID") in by_id and meant_to_run(task):
                    names.add(by_id[task["ServiceID"]]["name"])
        return sorted(names)

    def spread_notes(self, node_ids):
        """Sentences on spread values (``zone=b``) that keep no active node for a service during the drain."""
        notes = []
        for facts in self.services:
            for descriptor in facts["spread"]:
                eligible = self.eligible.get(facts["id"], [])
                if not descriptor or not eligible or node_value(self.nodes[eligible[0]], descriptor) is None:
                    continue
                before = set(node_value(self.nodes[n], descriptor) for n in eligible)
                after = set(node_value(self.nodes[n], descriptor) for n in eligible if n not in node_ids)
                for value in sorted(before - after - {""}):
                    notes.append(
                        "Service %s spreads over %s: no node it can use with %s==%s stays active during this batch."
                        % (facts["name"], descriptor, descriptor, value)
                    )
        return notes


def _batch(role, views, room, warnings=(), shrunk=()):
    views = sorted(views, key=lambda v: (v["hostname"], v["id"]))
    ids = [v["id"] for v in views]
    return {
        "role": role,
        "node_ids": ids,
        "hostnames": [v["hostname"] for v in views],
        "leader": any(v["leader"] for v in views),
        "safe": not warnings,
        "warnings": list(warnings),
        "shrunk": list(shrunk),
        "global_services": room.global_services(ids),
        "notes": room.spread_notes(ids),
    }


def plan_batches(nodes, services, tasks, upgrade, batch_size):
    """The batches to upgrade the nodes ``upgrade`` (IDs) in, in order.

    ``nodes``, ``services``, ``tasks``: the swarm as ``GET /nodes``, ``/services``, ``/tasks`` return it.
    ``batch_size``: workers per batch, a count or a percent of the workers in ``upgrade``.
    Returns one dict per batch: ``role`` (``worker`` or ``manager``), ``node_ids``, ``hostnames``,
    ``leader``, ``safe`` (draining it leaves every replicated service room and the managers a majority),
    ``warnings`` (why it is not safe), ``shrunk`` (``{"hostnames", "reason"}``: nodes held back for a later
    batch and the service they hold the last room of), ``global_services`` and ``notes`` (see module doc).
    Raises ValueError for a bad batch size or a node ID that is not in the swarm.
    """
    views = dict((n.get("ID"), upgrade_plan.node_view(n)) for n in nodes)
    unknown = sorted(set(upgrade) - set(views))
    if unknown:
        raise ValueError("Nodes to upgrade that are not in the swarm: %s." % ", ".join(unknown))
    chosen = sorted((views[i] for i in set(upgrade)), key=lambda v: (v["hostname"], v["id"]))
    load = dict((v["id"], 0) for v in chosen)
    replicated = set(s.get("ID") for s in services if "Replicated" in ((s.get("Spec") or {}).get("Mode") or {}))
    for task in tasks:
        if task.get("NodeID") in load and task.get("ServiceID") in replicated and meant_to_run(task):
            load[task["NodeID"]] += 1
    workers = sorted((v for v in chosen if v["role"] != "manager"), key=lambda v: load[v["id"]])
    managers = sorted((v for v in chosen if v["role"] == "manager"), key=lambda v: v["leader"])
    size = worker_batch_size(batch_size, len(workers))
    room = Room(nodes, services, tasks)
    alone = dict((v["id"], room.lacking([v["id"]])) for v in workers)
    remaining = [v for v in workers if not alone[v["id"]]]
    batches = []
    while remaining:
        batch, held, later = [], {}, []
        for view in remaining:
            if len(batch) < size:
                broken = room.broken([*(b["id"] for b in batch), view["id"]])
                if not broken:
                    batch.append(view)
                    continue
                req = broken[0][0]
                reason = "draining them with this batch would leave %s room for fewer than the %g %s it needs" % (
                    req["what"],
                    req["need"] / req["scale"],
                    req["unit"],
                )
                held.setdefault(reason, []).append(view["hostname"])
            later.append(view)
        shrunk = [{"hostnames": names, "reason": reason} for reason, names in held.items()]
        batches.append(_batch("worker", batch, room, shrunk=shrunk))
        remaining = later
    for view in workers:
        if alone[view["id"]]:
            warnings = ["Draining %s alone: %s." % (view["hostname"], reason) for reason in alone[view["id"]]]
            batches.append(_batch("worker", [view], room, warnings=warnings))
    for view in managers:
        warnings = ["Draining %s: %s." % (view["hostname"], reason) for reason in room.lacking([view["id"]])]
        outage = upgrade_plan.manager_outage(nodes, view["id"])
        if outage:
            warnings.append(outage[0].upper() + outage[1:] + ".")
        batches.append(_batch("manager", [view], room, warnings=warnings))
    return batches
