# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_info through main() with a fake engine: a daemon that is down is a result unless
fail_on_down, an engine that refuses or TLS settings that are wrong fail, a manager reports
the raft view, and check mode reads the same."""

from __future__ import annotations

import docker
import pytest

from ansible_collections.dockfleet.docker.plugins.modules import engine_info

VERSION = {"Version": "26.1.5", "ApiVersion": "1.45", "Os": "linux", "Arch": "amd64", "KernelVersion": "6.1.0"}


def node(node_id, hostname, role="worker", leader=False, reachability="reachable"):
    result = {
        "ID": node_id,
        "Description": {"Hostname": hostname, "Engine": {"EngineVersion": "26.1.5"}},
        "Spec": {"Role": role, "Availability": "active", "Labels": {}},
        "Status": {"State": "ready", "Addr": "10.0.0.1"},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Leader": leader, "Reachability": reachability, "Addr": "10.0.0.1:2377"}
    return result


class FakeClient:
    swarm = {}
    errors = {}  # engine call -> the exception it raises
    made = []

    def __init__(self, **kwargs):
        FakeClient.made.append(kwargs)

    def ping(self):
        return True

    def version(self):
        return VERSION

    def info(self):
        if "info" in FakeClient.errors:
            raise FakeClient.errors["info"]
        return {
            "DockerRootDir": "/srv/docker",
            "Warnings": ["WARNING: bridge-nf-call-iptables is disabled"],
            "Swarm": FakeClient.swarm,
        }

    def nodes(self):
        if "nodes" in FakeClient.errors:
            raise FakeClient.errors["nodes"]
        return [
            node("w1", "worker-1"),
            node("m2", "manager-2", "manager", reachability="unreachable"),
            node("m1", "manager-1", "manager", leader=True),
        ]

    def networks(self, filters=None):
        assert filters == {"label": ["io.dockfleet.managed=true"]}
        return [
            {"Name": "frontend", "Driver": "overlay", "Scope": "swarm"},
            {"Name": "backend", "Driver": "bridge", "Scope": "local"},
        ]

    def volumes(self, filters=None):
        assert filters == {"label": ["io.dockfleet.managed=true"]}
        return {"Volumes": [{"Name": "data", "Driver": "local"}]}


MANAGER = {
    "LocalNodeState": "active",
    "NodeID": "m1",
    "NodeAddr": "10.0.0.1",
    "ControlAvailable": True,
    "Cluster": {"ID": "cluster1"},
}


@pytest.fixture
def engine(monkeypatch, tmp_path):
    socket = tmp_path / "docker.sock"
    socket.write_text("")  # engine_client looks for the socket before connecting
    FakeClient.swarm = {"LocalNodeState": "inactive", "NodeID": "", "ControlAvailable": False}
    FakeClient.errors = {}
    FakeClient.made = []
    monkeypatch.setattr(docker, "APIClient", FakeClient)
    return "unix://%s" % socket


def test_an_engine_outside_a_swarm(run_module, engine):
    ended = run_module(engine_info.main, {"docker_host": engine})
    assert not ended.failed, ended.result
    result = ended.result
    assert result["changed"] is False and result["answers"] is True and result["server_errors"] == []
    assert result["engine"]["version"] == "26.1.5" and result["engine"]["docker_root_dir"] == "/srv/docker"
    assert result["engine"]["warnings"] == ["WARNING: bridge-nf-call-iptables is disabled"]
    assert result["swarm"]["local_node_state"] == "inactive" and result["swarm"]["role"] is None
    assert result["nodes"] == [] and result["raft_members"] == [] and result["managers"] == {}
    assert "networks" not in result


def test_a_manager_reports_the_raft_view_and_the_managers(run_module, engine):
    FakeClient.swarm = MANAGER
    result = run_module(engine_info.main, {"docker_host": engine}, check_mode=True).result
    assert result["swarm"] == {
        "local_node_state": "active",
        "node_id": "m1",
        "node_addr": "10.0.0.1",
        "control_available": True,
        "cluster_id": "cluster1",
        "error": "",
        "role": "manager",
    }
    assert result["raft_members"] == ["m1", "m2"]
    managers = result["managers"]
    assert (managers["total"], managers["reachable"], managers["quorum"], managers["leader"]) == (2, 1, 2, "manager-1")
    assert managers["has_quorum"] is False
    assert [n["hostname"] for n in result["nodes"]] == ["manager-1", "manager-2", "worker-1"]
    assert result["nodes"][0]["raft_member"] and not result["nodes"][2]["raft_member"]


def test_a_worker_has_no_swarm_view(run_module, engine):
    FakeClient.swarm = dict(MANAGER, NodeID="w1", ControlAvailable=False)
    result = run_module(engine_info.main, {"docker_host": engine}).result
    assert result["swarm"]["role"] == "worker" and result["nodes"] == []


def test_a_manager_without_a_leader_answers_with_the_cluster_error(run_module, engine):
    FakeClient.swarm = MANAGER
    FakeClient.errors["nodes"] = docker.errors.APIError(
        "503", explanation="rpc error: The swarm does not have a leader"
    )
    ended = run_module(engine_info.main, {"docker_host": engine})
    assert not ended.failed
    assert ended.result["cluster_error"] == "rpc error: The swarm does not have a leader"
    assert ended.result["swarm"]["role"] == "manager" and ended.result["nodes"] == []


def test_managed_resources(run_module, engine):
    result = run_module(engine_info.main, {"docker_host": engine, "managed_resources": True}).result
    assert result["networks"] == [
        {"name": "backend", "driver": "bridge", "scope": "local"},
        {"name": "frontend", "driver": "overlay", "scope": "swarm"},
    ]
    assert result["volumes"] == [{"name": "data", "driver": "local"}]


def test_a_daemon_that_is_down_is_a_result(run_module, tmp_path):
    socket = tmp_path / "docker.sock"
    ended = run_module(engine_info.main, {"docker_host": "unix://%s" % socket})
    assert not ended.failed
    assert ended.result["answers"] is False and ended.result["changed"] is False
    assert "there is no socket at %s" % socket in ended.result["server_errors"][0]
    assert ended.result["swarm"]["local_node_state"] == "" and ended.result["engine"]["version"] is None


def test_a_daemon_that_is_down_fails_when_asked_to(run_module, tmp_path):
    ended = run_module(
        engine_info.main, {"docker_host": "unix://%s" % (tmp_path / "docker.sock"), "fail_on_down": True}
    )
    assert ended.failed
    assert ended.result["msg"].startswith("Cannot reach the Docker engine at unix://")
    assert ended.result["answers"] is False


def test_a_refused_connection_during_docker_info_is_down(run_module, engine):
    FakeClient.errors["info"] = ConnectionRefusedError("Connection refused")
    ended = run_module(engine_info.main, {"docker_host": engine})
    assert not ended.failed and ended.result["answers"] is False
    assert ended.result["server_errors"] == [
        "The Docker engine at %s did not answer docker info: Connection refused" % engine
    ]


def test_an_engine_that_answers_with_an_error_fails(run_module, engine):
    FakeClient.errors["info"] = docker.errors.APIError("500", explanation="permission denied")
    ended = run_module(engine_info.main, {"docker_host": engine})
    assert ended.failed
    assert ended.result["msg"] == "The Docker engine at %s did not answer docker info: permission denied" % engine


def test_a_client_cert_without_a_key_fails_before_connecting(run_module, engine, tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("")
    ended = run_module(engine_info.main, {"docker_host": "tcp://h:2376", "client_cert": str(cert)})
    assert ended.failed and "client_key" in ended.result["msg"]
    assert FakeClient.made == []


def test_the_connection_options_reach_the_client(run_module, engine):
    run_module(engine_info.main, {"docker_host": engine, "timeout": 7, "api_version": "1.45"})
    assert FakeClient.made[0]["timeout"] == 7 and FakeClient.made[0]["version"] == "1.45"
