# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_health: its own timeout is how long it waits, the engine API timeout is api_timeout,
and engine errors end in fail_json."""

from __future__ import annotations

import docker
import pytest

from ansible_collections.dockfleet.docker.plugins.modules import swarm_health


def node(node_id, hostname, role="worker"):
    result = {
        "ID": node_id,
        "Description": {"Hostname": hostname, "Engine": {"EngineVersion": "26.1.5"}},
        "Spec": {"Role": role, "Availability": "active", "Labels": {}},
        "Status": {"State": "ready", "Addr": "10.0.0.1"},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}
    return result


class FakeClient:
    made = []
    manager = True
    extra_nodes = []
    zone_a = ()
    autolock = False
    service_list = []
    task_list = []

    def __init__(self, **kwargs):
        FakeClient.made.append(kwargs)

    def ping(self):
        return True

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": FakeClient.manager, "NodeID": "node000001"}}

    def nodes(self):
        nodes = [node("node000001", "manager-1", "manager"), node("node000002", "worker-1"), *FakeClient.extra_nodes]
        for each in nodes:
            if each["Description"]["Hostname"] in FakeClient.zone_a:
                each["Spec"]["Labels"]["zone"] = "a"
        return nodes

    def services(self):
        return FakeClient.service_list

    def tasks(self):
        return FakeClient.task_list

    def inspect_swarm(self):
        if FakeClient.autolock is None:
            raise docker.errors.APIError("rpc error: code = Unknown desc = The swarm does not have a leader")
        return {"Spec": {"EncryptionConfig": {"AutoLockManagers": FakeClient.autolock}}}


@pytest.fixture
def client(monkeypatch, tmp_path):
    socket = tmp_path / "docker.sock"
    socket.write_text("")  # engine_client looks for the socket before connecting
    FakeClient.made = []
    FakeClient.manager = True
    FakeClient.autolock = False
    FakeClient.extra_nodes, FakeClient.service_list, FakeClient.task_list, FakeClient.zone_a = [], [], [], ()
    monkeypatch.setattr(docker, "APIClient", FakeClient)
    return "unix://%s" % socket


def test_api_timeout_reaches_the_client_and_timeout_stays_the_wait(run_module, client):
    ended = run_module(
        swarm_health.main,
        {"docker_host": client, "api_timeout": 7, "timeout": 0, "node": "worker-1", "wait_for": ["node_ready"]},
    )
    assert not ended.failed, ended.result
    assert FakeClient.made[0]["timeout"] == 7 and FakeClient.made[0]["base_url"] == client
    assert ended.result["unmet"] == []


def test_the_api_timeout_defaults_to_60_seconds(run_module, client):
    run_module(swarm_health.main, {"docker_host": client})
    assert FakeClient.made[0]["timeout"] == 60


def test_docker_timeout_from_the_environment_is_the_api_timeout(run_module, client, monkeypatch):
    monkeypatch.setenv("DOCKER_TIMEOUT", "11")
    run_module(swarm_health.main, {"docker_host": client, "timeout": 0})
    assert FakeClient.made[0]["timeout"] == 11


@pytest.mark.parametrize("autolock", [True, False, None])
def test_managers_say_whether_autolock_is_on_and_null_when_the_swarm_cannot_say(run_module, client, autolock):
    FakeClient.autolock = autolock
    ended = run_module(
        swarm_health.main, {"docker_host": client, "node": "manager-1", "wait_for": ["quorum_safe"], "timeout": 0}
    )
    assert ended.result["managers"]["autolock"] is autolock
    assert ended.result["managers"]["total"] == 1


def test_node_is_required_for_node_conditions(run_module, client):
    ended = run_module(swarm_health.main, {"docker_host": client, "wait_for": ["node_drained"]})
    assert (
        ended.failed
        and ended.result["msg"] == "wait_for node_drained is about one node: give node (its hostname or ID)."
    )


def test_a_host_that_is_not_a_manager_fails_with_the_reason(run_module, client):
    FakeClient.manager = False
    ended = run_module(swarm_health.main, {"docker_host": client})
    assert ended.failed
    assert ended.result["msg"].startswith("Docker engine refused to list the swarm's nodes, services and tasks")
    assert "not a reachable swarm manager" in ended.result["msg"]


def test_an_unmet_condition_fails_naming_it(run_module, client):
    ended = run_module(
        swarm_health.main, {"docker_host": client, "timeout": 0, "node": "worker-9", "wait_for": ["node_ready"]}
    )
    assert ended.failed and "no node 'worker-9'" in ended.result["msg"]


def test_no_engine_at_docker_host_fails_naming_the_socket(run_module, tmp_path):
    socket = tmp_path / "none.sock"
    ended = run_module(swarm_health.main, {"docker_host": "unix://%s" % socket})
    assert ended.failed and str(socket) in ended.result["msg"]


def four_workers_and_a_zone_a_service():
    FakeClient.extra_nodes = [node("node00000%d" % i, "worker-%d" % i) for i in (2, 3, 4)]
    FakeClient.extra_nodes[0]["ID"] = "node000003"  # worker-2 (node000002 is worker-1)
    FakeClient.extra_nodes[1]["ID"], FakeClient.extra_nodes[2]["ID"] = "node000004", "node000005"
    FakeClient.zone_a = ("worker-1", "worker-2")
    FakeClient.service_list = [
        {"ID": "svc1", "Spec": {"Name": "api", "Mode": {"Replicated": {"Replicas": 1}},
                                "TaskTemplate": {"Placement": {"Constraints": ["node.labels.zone==a"]}}}}
    ]  # fmt: skip
    return {"host-m1": "node000001", "host-w1": "node000002", "host-w2": "node000003", "host-w3": "node000004",
            "host-w4": "node000005"}  # fmt: skip


def test_members_with_a_batch_size_plan_batches_that_keep_room_and_order_follows_them(run_module, client):
    members = four_workers_and_a_zone_a_service()
    ended = run_module(
        swarm_health.main, {"docker_host": client, "members": members, "skip": ["host-w4"], "batch_size": "100%"}
    )
    assert not ended.failed, ended.result
    batches = ended.result["batches"]
    assert [(b["role"], b["hosts"], b["safe"]) for b in batches] == [
        ("worker", ["host-w1", "host-w3"], True),
        ("worker", ["host-w2"], True),
        ("manager", ["host-m1"], True),
    ]
    assert batches[0]["shrunk"][0]["hostnames"] == ["worker-2"]
    assert [(r["host"], r["batch"]) for r in ended.result["order"]] == [
        ("host-w4", None), ("host-w1", 1), ("host-w3", 1), ("host-w2", 2), ("host-m1", 3)
    ]  # fmt: skip
    assert ended.result["problems"] == []


def test_without_a_batch_size_every_host_is_a_batch_in_the_members_order(run_module, client):
    members = four_workers_and_a_zone_a_service()
    members = dict(reversed(list(members.items())))
    ended = run_module(swarm_health.main, {"docker_host": client, "members": members})
    hosts = [b["hosts"] for b in ended.result["batches"]]
    assert hosts == [["host-w4"], ["host-w3"], ["host-w2"], ["host-w1"], ["host-m1"]]


def test_a_bad_batch_size_is_a_problem_naming_it(run_module, client):
    members = four_workers_and_a_zone_a_service()
    ended = run_module(swarm_health.main, {"docker_host": client, "members": members, "batch_size": "ten"})
    assert not ended.failed
    problem = "batch_size: Batch size 'ten' is neither a count of workers (3) nor a whole percent of them (\"10%\")."
    assert ended.result["problems"] == [{"host": "swarm", "problem": problem}]
    assert ended.result["batches"] == []
