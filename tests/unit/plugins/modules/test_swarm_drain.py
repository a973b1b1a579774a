# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_drain: a batch is paused, then drained in stages that keep a task of every replicated service running;
refusals end in fail_json before any node changes; check mode predicts the stages."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import waiting
from ansible_collections.dockfleet.docker.plugins.modules import swarm_drain


def node(number, role="worker", availability="active"):
    node_id = "node%06d" % number
    result = {
        "ID": node_id,
        "Version": {"Index": 10},
        "Description": {"Hostname": ("manager-%d" if role == "manager" else "worker-%d") % number},
        "Spec": {"Role": role, "Availability": availability, "Labels": {}},
        "Status": {"State": "ready", "Addr": "10.0.0.%d" % number},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.%d:2377" % number}
    return result


class FakeSwarm:
    """A manager's API over nodes and one replicated service, api, behaving as swarmkit does on a drain.

    The orchestrator acts on a drain at the third look at the tasks (it lags the API call): the drained node's api
    tasks get desired state ``shutdown`` and keep running for ``grace`` more looks (their stop grace period), while
    replacements start at once on the active node with the fewest. ``log`` records every availability change with
    the api tasks then meant to run and running (what serves): a drain with 0 there stopped the service.
    """

    def __init__(self, nodes, api_on, grace=2):
        self._nodes = nodes
        self.api_on = list(api_on)  # node number per api task meant to run
        self.stopping = []  # [node number, looks left] per old task still running out its grace period
        self.unprocessed = []  # [node number, looks until the orchestrator acts] per drain not acted on yet
        self.grace = grace
        self.log = []

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": True, "NodeID": "node000001"}}

    def nodes(self):
        return copy.deepcopy(self._nodes)

    def services(self):
        return [{"ID": "svc-api", "Spec": {"Name": "api", "Mode": {"Replicated": {"Replicas": len(self.api_on)}}}}]

    def _orchestrate(self):
        self.stopping = [[n, left - 1] for n, left in self.stopping if left > 1]
        active = [int(n["ID"][4:]) for n in self._nodes if n["Spec"]["Availability"] == "active"]
        for number, looks in self.unprocessed:
            if looks > 1:
                continue
            moving = self.api_on.count(number)
            self.api_on = [n for n in self.api_on if n != number]
            self.stopping += [[number, self.grace]] * moving
            for _moved in range(moving):
                self.api_on.append(min(active, key=self.api_on.count))
        self.unprocessed = [[number, looks - 1] for number, looks in self.unprocessed if looks > 1]

    def tasks(self):
        self._orchestrate()
        task = dict(ServiceID="svc-api", DesiredState="running", Status={"State": "running"})
        return [dict(task, NodeID="node%06d" % n) for n in self.api_on] + [
            dict(task, NodeID="node%06d" % n, DesiredState="shutdown") for n, _left in self.stopping
        ]

    def inspect_node(self, node_id):
        return copy.deepcopy(next(n for n in self._nodes if n["ID"] == node_id))

    def update_node(self, node_id, version, spec):
        target = next(n for n in self._nodes if n["ID"] == node_id)
        target["Spec"] = copy.deepcopy(spec)
        number = int(node_id[4:])
        if spec["Availability"] == "drain":
            self.unprocessed.append([number, 3])
        drained = [int(n["ID"][4:]) for n in self._nodes if n["Spec"]["Availability"] == "drain"]
        self.log.append((node_id, spec["Availability"], len([n for n in self.api_on if n not in drained])))


def fleet():
    return [node(1, "manager")] + [node(n) for n in range(2, 8)]


@pytest.fixture
def swarm(monkeypatch):
    # api's four tasks on worker-5, -6 and -7 (numbers 5-7): the bench fleet after its first batch.
    fake = FakeSwarm(fleet(), [5, 5, 6, 7])
    monkeypatch.setattr(swarm_drain, "connect", lambda module: fake)
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)  # a look at the swarm is a step of the fake
    return fake


def test_the_batch_is_paused_then_drained_in_stages_and_api_never_stops(run_module, swarm):
    ended = run_module(swarm_drain.main, {"nodes": ["worker-5", "worker-6", "worker-7"], "timeout": 5})
    assert not ended.failed, ended.result
    assert ended.result["changed"]
    assert ended.result["stages"] == [
        {"hostnames": ["worker-5", "worker-6"], "held": {"worker-7": ["api"]}},
        {"hostnames": ["worker-7"], "held": {}},
    ]
    assert [(node_id[-1], what) for node_id, what, _running in swarm.log] == [
        ("5", "pause"), ("6", "pause"), ("7", "pause"), ("5", "drain"), ("6", "drain"), ("7", "drain")
    ]  # fmt: skip
    assert all(entry[2] > 0 for entry in swarm.log), swarm.log  # a task of api served at every change
    assert set(swarm.api_on) <= {1, 2, 3, 4}  # all of api runs outside the batch
    assert swarm.tasks()[4:] == []  # it returned once no old task was still stopping on the batch
    assert ended.result["diff"] == {
        "before": {"worker-5": "active", "worker-6": "active", "worker-7": "active"},
        "after": {"worker-5": "drain", "worker-6": "drain", "worker-7": "drain"},
    }
    again = run_module(swarm_drain.main, {"nodes": ["worker-5", "worker-6", "worker-7"]})
    assert not again.result["changed"] and again.result["stages"] == [] and again.result["actions"] == []


def test_check_mode_predicts_the_stages_and_changes_nothing(run_module, swarm):
    ended = run_module(swarm_drain.main, {"nodes": ["worker-7", "worker-5", "worker-6"]}, check_mode=True)
    assert ended.result["changed"] and swarm.log == []
    # The caller's order: worker-7 and worker-5 go first, worker-6 keeps api's last task until they are drained.
    assert ended.result["stages"] == [
        {"hostnames": ["worker-7", "worker-5"], "held": {"worker-6": ["api"]}},
        {"hostnames": ["worker-6"], "held": {}},
    ]
    assert [a["kind"] for a in ended.result["actions"]] == ["pause"] * 3 + ["drain"] * 3
    # The run itself makes the changes predicted, and the stages where the tasks really are.
    ran = run_module(swarm_drain.main, {"nodes": ["worker-7", "worker-5", "worker-6"]})
    assert ran.result["actions"] == ended.result["actions"]
    assert ran.result["stages"] == ended.result["stages"] and ran.result["diff"] == ended.result["diff"]


def test_one_node_is_drained_without_a_pause(run_module, swarm):
    ended = run_module(swarm_drain.main, {"nodes": ["node000002"]})
    assert [(node_id, what) for node_id, what, _running in swarm.log] == [("node000002", "drain")]
    assert ended.result["stages"] == [{"hostnames": ["worker-2"], "held": {}}]


@pytest.mark.parametrize(
    "nodes, message",
    [
        (["worker-9"], "no node 'worker-9' in this swarm"),
        (["worker-2", "node000002"], "listed twice"),
        (["manager-1"], "Refusing to set manager 'manager-1' (node000001) to drain"),
        ([], "nodes is empty"),
    ],
)
def test_refusals_change_nothing(run_module, swarm, nodes, message):
    ended = run_module(swarm_drain.main, {"nodes": nodes})
    assert ended.failed and message in ended.result["msg"], ended.result["msg"]
    assert swarm.log == []


def test_the_last_manager_is_drained_with_allow_unsafe_change(run_module, swarm):
    ended = run_module(swarm_drain.main, {"nodes": ["manager-1"], "allow_unsafe_change": True})
    assert not ended.failed and [entry[1] for entry in swarm.log] == ["drain"]


def test_a_stage_that_does_not_settle_fails_naming_what_waits_and_where_nodes_are_left(run_module, swarm, monkeypatch):
    # api runs on worker-5 and worker-6 only, so worker-5 goes first; its task never leaves (a stuck container).
    stuck = [
        {"ServiceID": "svc-api", "NodeID": "node00000%d" % n, "DesiredState": "running", "Status": {"State": "running"}}
        for n in (5, 6)
    ]
    monkeypatch.setattr(swarm, "tasks", lambda: stuck)
    monkeypatch.setattr(swarm, "services", lambda: [
        {"ID": "svc-api", "Spec": {"Name": "api", "Mode": {"Replicated": {"Replicas": 3}}}}
    ])  # fmt: skip
    ended = run_module(swarm_drain.main, {"nodes": ["worker-5", "worker-6"], "timeout": 0})
    assert ended.failed
    message = ended.result["msg"]
    assert message.startswith("The drain stopped. Waited 0s for the tasks of worker-5 to run on other nodes"), message
    assert "Not yet: 1 task(s) on worker-5 not yet rescheduled; service api runs 2 of 3 tasks." in message, message
    assert message.endswith("worker-5 is left drained; worker-6 is left paused."), message
    # The reason alone, for the rolling runbooks, which say where every node of the batch is left themselves.
    assert message.startswith(ended.result["reason"]) and "is left" not in ended.result["reason"]
    assert ended.result["reason"].endswith("service api runs 2 of 3 tasks."), ended.result["reason"]
    assert ended.result["stages"] == [{"hostnames": ["worker-5"], "held": {"worker-6": ["api"]}}]
