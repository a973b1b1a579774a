# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Draining a batch of swarm nodes without stopping a service: in which stages.

Pure: works on what the engine returns (``GET /services``, ``GET /tasks``) and on node IDs, never talks to an
engine. ``swarm_drain`` runs it.

A swarm does not move tasks back when drained nodes return, so after one batch of a rolling upgrade a
replicated service often runs all its tasks on the nodes of the next batch. Draining those nodes at once would
stop every task of it before a replacement starts. ``swarm_drain`` therefore first pauses every node of the
batch (no new task goes to them, none of theirs stops), then drains them in stages: a stage holds the nodes that
can go together without taking the last running tasks of any replicated service, and the next stage starts
only when the tasks of the drained nodes run elsewhere - on nodes outside the batch, since the batch is paused. It
need not wait for the old tasks to finish stopping (a stop grace period each): their replacements run, and that is
what keeps the service up. Only the last stage waits until no task holds a container on any node of the batch. One
stage is the common case; a service whose tasks all sit on the batch makes two.

A node that alone runs every task of a service stops them whenever it is drained (as it would on its own); that
never holds it back. Global services run one task per node and are left out: their tasks on a drained node stop
until it returns, whatever the order.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_tasks import placed, runs

ELSEWHERE = object()  # stands for "a node outside the batch" once a stage's tasks have moved


def left_words(availability):
    """How a message says where a node is left: ``drained``, ``paused`` or ``with availability active``."""
    return {"drain": "drained", "pause": "paused"}.get(availability) or "with availability %s" % availability


def running_by_service(services, tasks):
    """``{service name: set of node IDs running its tasks now}`` for every replicated service with replicas."""
    result = {}
    for service in services:
        spec = service.get("Spec") or {}
        replicated = (spec.get("Mode") or {}).get("Replicated")
        if replicated is None or not int(replicated.get("Replicas") or 0):
            continue
        name = spec.get("Name") or service.get("ID")
        result[name] = set(t.get("NodeID") for t in tasks if t.get("ServiceID") == service.get("ID") and runs(t))
    return result


def stopped(running, node_ids):
    """Names of the services in ``running`` that would have no running task left while ``node_ids`` drain."""
    node_ids = set(node_ids)
    return sorted(name for name, where in running.items() if where and where <= node_ids)


def next_stage(running, pending):
    """The nodes of ``pending`` (IDs, in order) to drain together now, and why the others wait.

    Returns ``(stage, held)``: ``stage`` is never empty when ``pending`` is not (the first node always goes),
    ``held`` is ``{node ID: [names of the services whose last running tasks it would stop with the stage]}``.
    """
    stage, held = [], {}
    for node_id in pending:
        # What this node stops on its own it stops in any stage, so that does not hold it back.
        lost = (
            set(stopped(running, [*stage, node_id])) - set(stopped(running, stage)) - set(stopped(running, [node_id]))
        )
        if lost:
            held[node_id] = sorted(lost)
        else:
            stage.append(node_id)
    return stage, held


def still_placed(tasks, node_ids):
    """Tasks on ``node_ids`` the orchestrator still means to run there (desired state ``running``, not ended).

    Right after a drain the orchestrator has not yet marked a node's tasks for shutdown; until it has, a service can
    look converged while its replacements do not exist yet. Tasks marked for shutdown may still be stopping (their
    stop grace period): they do not count here.
    """
    node_ids = set(node_ids)
    return [t for t in tasks if t.get("NodeID") in node_ids and placed(t)]


def plan_stages(running, pending):
    """All stages for ``pending``, assuming each stage's tasks start on nodes outside the batch (paused first).

    Returns a list of ``{"node_ids", "held"}``; ``held`` as in ``next_stage``. What really happens is planned
    again from the live swarm before each stage; this is the prediction ``--check`` shows.
    """
    running = dict((name, set(where)) for name, where in running.items())
    pending = list(pending)
    stages = []
    while pending:
        stage, held = next_stage(running, pending)
        stages.append({"node_ids": stage, "held": held})
        for name, where in running.items():
            if where & set(stage):
                running[name] = (where - set(stage)) | {ELSEWHERE}
        pending = [node_id for node_id in pending if node_id not in stage]
    return stages
