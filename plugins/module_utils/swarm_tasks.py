# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a swarm task's state means: the one place that reads ``DesiredState`` and ``Status.State``.

Pure: works on tasks as ``GET /tasks`` returns them. A task the orchestrator *means to run* has desired state
``running`` (a drain or a scale-down turns that to ``shutdown`` first, while the container still stops); it
*runs* when its state is ``running`` too; it *holds a container* until it reaches a terminal state.
"""

from __future__ import annotations

# Task states after which a task holds no container any more.
TERMINAL_TASK_STATES = frozenset(["complete", "shutdown", "failed", "rejected", "orphaned", "remove"])


def holds_container(task):
    """The task has not reached a terminal state: its container may still exist and run."""
    return (task.get("Status") or {}).get("State") not in TERMINAL_TASK_STATES


def meant_to_run(task):
    """The orchestrator wants this task running (not yet marked for shutdown)."""
    return task.get("DesiredState") == "running"


def runs(task):
    """The task is meant to run and runs: what counts towards a service's replicas."""
    return meant_to_run(task) and (task.get("Status") or {}).get("State") == "running"


def placed(task):
    """The task is meant to run and holds (or is getting) a container where it is."""
    return meant_to_run(task) and holds_container(task)


def tasks_left_on(tasks, node_id):
    """Tasks that still hold a container on the node, whatever the orchestrator means for them."""
    return [t for t in tasks if t.get("NodeID") == node_id and holds_container(t)]
