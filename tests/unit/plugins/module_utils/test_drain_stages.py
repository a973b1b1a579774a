# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import random

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import drain_stages


def service(name, replicas=None):
    mode = {"Replicated": {"Replicas": replicas}} if replicas is not None else {"Global": {}}
    return {"ID": "svc-" + name, "Spec": {"Name": name, "Mode": mode}}


def task(service_name, node_id, state="running", desired="running"):
    return {"ServiceID": "svc-" + service_name, "NodeID": node_id, "DesiredState": desired, "Status": {"State": state}}


def test_running_by_service_counts_running_tasks_of_replicated_services_only():
    services = [service("api", 3), service("agent"), service("idle", 0)]
    tasks = [
        task("api", "w1"),
        task("api", "w2", state="starting"),  # not running yet
        task("api", "w3", desired="shutdown"),  # being stopped
        task("agent", "w1"),
        task("idle", "w1"),
    ]
    assert drain_stages.running_by_service(services, tasks) == {"api": {"w1"}}


def test_one_stage_when_every_service_keeps_a_task_outside_the_batch():
    running = {"api": {"w1", "w4"}, "db": {"w5"}}
    assert drain_stages.next_stage(running, ["w1", "w2", "w3"]) == (["w1", "w2", "w3"], {})
    assert drain_stages.plan_stages(running, ["w1", "w2", "w3"]) == [{"node_ids": ["w1", "w2", "w3"], "held": {}}]


def test_a_service_whose_tasks_all_sit_on_the_batch_makes_a_second_stage():
    # The bench fleet's second batch: api runs only on w4, w5 and w6.
    running = {"api": {"w4", "w5", "w6"}, "web": {"w1", "w4"}}
    stage, held = drain_stages.next_stage(running, ["w4", "w5", "w6"])
    assert (stage, held) == (["w4", "w5"], {"w6": ["api"]})
    assert drain_stages.plan_stages(running, ["w4", "w5", "w6"]) == [
        {"node_ids": ["w4", "w5"], "held": {"w6": ["api"]}},
        {"node_ids": ["w6"], "held": {}},
    ]


def test_a_node_that_alone_runs_every_task_of_a_service_is_never_held_back():
    running = {"solo": {"w2"}, "api": {"w1", "w2"}}
    # w2 alone stops solo in any stage; with w1 it would also stop api, so it waits for api's tasks to move.
    assert drain_stages.plan_stages(running, ["w1", "w2"]) == [
        {"node_ids": ["w1"], "held": {"w2": ["api"]}},
        {"node_ids": ["w2"], "held": {}},
    ]
    assert drain_stages.plan_stages({"solo": {"w2"}}, ["w1", "w2"]) == [{"node_ids": ["w1", "w2"], "held": {}}]


def test_nothing_pending_is_no_stage():
    assert drain_stages.next_stage({"api": {"w1"}}, []) == ([], {})
    assert drain_stages.plan_stages({"api": {"w1"}}, []) == []


@pytest.mark.parametrize("seed", range(200))
def test_random_batches_never_stop_a_service_a_single_node_would_not(seed):
    rng = random.Random(seed)
    nodes = ["n%02d" % i for i in range(rng.randint(1, 30))]
    batch = rng.sample(nodes, rng.randint(1, len(nodes)))
    running = dict(
        ("s%d" % i, set(rng.sample(nodes, rng.randint(0, min(4, len(nodes)))))) for i in range(rng.randint(0, 8))
    )
    stages = drain_stages.plan_stages(running, batch)
    assert sorted(n for s in stages for n in s["node_ids"]) == sorted(batch)  # every node once
    assert all(s["node_ids"] for s in stages)
    assert len(stages) <= len(batch)
    # Replay: before each stage, a service whose running tasks all sit on the stage is one a single node of it
    # runs alone; drained nodes' tasks run outside the batch afterwards.
    live = dict((name, set(where)) for name, where in running.items())
    for stage in stages:
        for name, where in live.items():
            if where and where <= set(stage["node_ids"]):
                assert len(where) == 1, (name, where, stage)
        for name, where in live.items():
            if where & set(stage["node_ids"]):
                live[name] = (where - set(stage["node_ids"])) | {"outside"}


def test_still_placed_counts_tasks_the_orchestrator_has_not_moved_yet():
    tasks = [
        task("api", "w1"),  # not moved yet
        task("api", "w1", desired="shutdown"),  # moved, still stopping: its replacement serves
        task("api", "w1", state="shutdown"),
        task("api", "w2"),  # not in the stage
    ]
    assert drain_stages.still_placed(tasks, ["w1"]) == [tasks[0]]
    assert drain_stages.still_placed(tasks, []) == []
