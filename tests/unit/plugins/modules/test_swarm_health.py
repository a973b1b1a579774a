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

    def __init__(self, **kwargs):
        FakeClient.made.append(kwargs)

    def ping(self):
        return True

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": FakeClient.manager, "NodeID": "node000001"}}

    def nodes(self):
        return [node("node000001", "manager-1", "manager"), node("node000002", "worker-1")]

    def services(self):
        return []

    def tasks(self):
        return []


@pytest.fixture
def client(monkeypatch, tmp_path):
    socket = tmp_path / "docker.sock"
    socket.write_text("")  # engine_client looks for the socket before connecting
    FakeClient.made = []
    FakeClient.manager = True
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
