# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_tasks


def task(node_id, state="running", desired="running"):
    return {"NodeID": node_id, "DesiredState": desired, "Status": {"State": state}}


@pytest.mark.parametrize(
    "state, desired, holds, meant, runs, placed",
    [
        ("running", "running", True, True, True, True),
        ("starting", "running", True, True, False, True),  # a replacement on its way
        ("running", "shutdown", True, False, False, False),  # drained, still in its stop grace period
        ("shutdown", "shutdown", False, False, False, False),
        ("failed", "running", False, True, False, False),  # ended: the orchestrator replaces it
        ("complete", "running", False, True, False, False),
        ("orphaned", "running", False, True, False, False),
    ],
)
def test_predicates_read_both_states(state, desired, holds, meant, runs, placed):
    t = task("w1", state, desired)
    assert swarm_tasks.holds_container(t) is holds
    assert swarm_tasks.meant_to_run(t) is meant
    assert swarm_tasks.runs(t) is runs
    assert swarm_tasks.placed(t) is placed


def test_a_task_without_status_holds_a_container_but_does_not_run():
    bare = {"NodeID": "w1", "DesiredState": "running"}
    assert swarm_tasks.holds_container(bare) and swarm_tasks.placed(bare) and not swarm_tasks.runs(bare)


def test_tasks_left_on_ignores_terminal_tasks_and_other_nodes():
    tasks = [
        task("w1", state="shutdown", desired="shutdown"),
        task("w1", state="running", desired="shutdown"),
        task("w2"),
    ]
    assert swarm_tasks.tasks_left_on(tasks, "w1") == [tasks[1]]
    assert swarm_tasks.tasks_left_on(tasks, "w3") == []
