# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_report through main() with a fake engine, dpkg, systemd and chronyc and real files: it reads a manager (the
swarm's nodes, managers and services), the certificates, daemon.json against the declared settings and the pin; an
engine or a chronyd that does not answer is a result; it never changes anything, in check mode neither."""

from __future__ import annotations

import datetime
import os

import docker
import pytest
from ansible.module_utils import basic

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages
from ansible_collections.dockfleet.docker.plugins.modules import host_report
from ansible_collections.dockfleet.docker.tests.unit.plugins.certs import UTC, pem

VERSION = "5:26.1.5-1~debian.12~bookworm"
START = datetime.datetime(2026, 12, 1, 10, 0, 0, tzinfo=UTC)
TRACKING = (
    "7F7F0101,,8,1795385284.799111011,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,"
    "0.000000000,0.000000000,0.0,Normal\n"
)


class FakeClient:
    root = "/var/lib/docker"
    down = False

    def __init__(self, **_kwargs):
        pass

    def ping(self):
        if FakeClient.down:
            raise docker.errors.DockerException("Error while fetching server API version: connection refused")
        return True

    def version(self):
        return {"Version": "26.1.5"}

    def info(self):
        return {
            "DockerRootDir": FakeClient.root,
            "Swarm": {"LocalNodeState": "active", "NodeID": "m1", "ControlAvailable": True, "Cluster": {"ID": "c1"}},
        }

    def nodes(self):
        return [
            {
                "ID": "m1",
                "Description": {"Hostname": "mgr-1", "Engine": {"EngineVersion": "26.1.5"}},
                "Spec": {"Role": "manager", "Availability": "active", "Labels": {"tier": "control"}},
                "Status": {"State": "ready", "Addr": "10.0.0.1"},
                "ManagerStatus": {"Leader": True, "Reachability": "reachable"},
            }
        ]

    def services(self):
        return [{"ID": "s1", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}}}]

    def tasks(self):
        return [{"ServiceID": "s1", "DesiredState": "running", "Status": {"State": "running"}}]


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A manager whose files live in tmp_path; returns the module arguments and the commands run."""
    socket = tmp_path / "docker.sock"
    socket.write_text("")
    FakeClient.root = str(tmp_path / "docker")
    FakeClient.down = False
    monkeypatch.setattr(docker, "APIClient", FakeClient)
    certs = tmp_path / "docker" / "swarm" / "certificates"
    certs.mkdir(parents=True)
    (certs / "swarm-node.crt").write_text(pem(START, START + datetime.timedelta(days=90), "m1"))
    tls = tmp_path / "tls"
    tls.mkdir()
    for name, mode in (("ca.pem", 0o444), ("server-cert.pem", 0o444), ("server-key.pem", 0o400)):
        (tls / name).write_text(pem(START, START + datetime.timedelta(days=10)) if name == "server-cert.pem" else "x")
        os.chmod(tls / name, mode)
    daemon_json = tmp_path / "daemon.json"
    daemon_json.write_text(
        '{"icc": false, "debug": true, "tlsverify": true, "hosts": ["fd://", "tcp://0.0.0.0:2376"], '
        '"tlscacert": "%s/ca.pem", "tlscert": "%s/server-cert.pem", "tlskey": "%s/server-key.pem"}' % (tls, tls, tls)
    )
    preferences = tmp_path / "engine.pref"
    preferences.write_text(engine_packages.preferences({"docker-ce": VERSION}))
    commands = []
    state = {"chrony": "active"}

    def run_command(self, args, **_kwargs):
        commands.append(list(args))
        if args[0] == "dpkg-query":
            return 0, "docker-ce\t%s\thold ok installed\ncontainerd.io\t1.7.24-1\tinstall ok installed\n" % VERSION, ""
        if args[0].endswith("systemctl"):
            return 0, "ActiveState=%s\n" % state["chrony"], ""
        if state["chrony"] != "active":
            return 1, "", "506 Cannot talk to daemon"
        return 0, TRACKING if args[-1] == "tracking" else "", ""

    monkeypatch.setattr(basic.AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(
        basic.AnsibleModule, "get_bin_path", lambda self, name, required=False, opt_dirs=None: "/usr/bin/" + name
    )
    args = {
        "docker_host": "unix://%s" % socket,
        "engine_version": "26.1",
        "preferences_file": str(preferences),
        "daemon_config_path": str(daemon_json),
        "daemon_settings": {"icc": False, "debug": None},
    }
    return args, commands, state, tls


def test_a_manager_read_whole(run_module, host):
    args, commands, _state, tls = host
    ended = run_module(host_report.main, args)
    assert not ended.failed, ended.result
    result = ended.result
    assert result["changed"] is False
    engine = result["engine"]
    assert (engine["answers"], engine["version"], engine["package_version"]) == (True, "26.1.5", VERSION)
    assert (engine["at_declared"], engine["held"], engine["pinned"]) == (True, True, True)
    assert result["daemon"]["drift"] == [{"key": "debug", "current": True, "declared": None, "restart": True}]
    assert result["tls"] == {
        "path": "%s/server-cert.pem" % tls,
        "not_before": "2026-12-01T10:00:00Z",
        "not_after": "2026-12-11T10:00:00Z",
        "error": None,
    }
    assert result["swarm"]["role"] == "manager" and result["swarm"]["cluster_id"] == "c1"
    assert result["swarm"]["node_cert"]["not_after"] == "2027-03-01T10:00:00Z"
    assert result["cluster"]["managers"]["leader"] == "mgr-1"
    assert result["cluster"]["nodes"][0]["labels"] == {"tier": "control"}
    assert result["cluster"]["services"] == [
        {"name": "web", "mode": "replicated", "desired": 2, "running": 1, "converged": False}
    ]
    assert result["time"]["healthy"] and result["time"]["selected_source"] == "local clock"
    statuses = dict((c["id"], c["status"]) for c in result["controls"])
    # the modes are right; the owner is root only when the tests run as root
    files = ("3.9/3.10", "3.11/3.12", "3.13/3.14", "3.17/3.18")
    assert [statuses[number] for number in files] == ["pass" if os.geteuid() == 0 else "fail"] * 4
    assert statuses["2.2"] == "pass" and statuses["2.15"] == "n/a"
    # reads only: dpkg-query, systemctl show, chronyc tracking and sources
    assert sorted(c[0].rsplit("/", 1)[-1] for c in commands) == ["chronyc", "chronyc", "dpkg-query", "systemctl"]
    assert next(c for c in commands if c[0].endswith("systemctl"))[1] == "show"


def test_check_mode_reads_the_same(run_module, host):
    args = host[0]
    assert run_module(host_report.main, args, check_mode=True).result == run_module(host_report.main, args).result


def test_an_engine_and_a_chronyd_that_do_not_answer_are_results(run_module, host):
    args, _commands, state, _tls = host
    FakeClient.down = True
    state["chrony"] = "inactive"
    ended = run_module(host_report.main, args)
    assert not ended.failed, ended.result
    result = ended.result
    assert result["engine"]["answers"] is False and "connection refused" in result["engine"]["error"]
    assert result["engine"]["package_version"] == VERSION
    assert result["swarm"]["local_node_state"] == "" and result["cluster"] is None
    assert result["swarm"]["node_cert"]["path"] is None
    assert result["time"]["service"] == "inactive" and not result["time"]["healthy"]
    assert "chrony service inactive" in result["time"]["problems"][0]


def test_a_broken_daemon_json_is_reported_not_compared(run_module, host):
    args = host[0]
    with open(args["daemon_config_path"], "w") as handle:
        handle.write("{not json")
    result = run_module(host_report.main, args).result
    assert "is not valid JSON" in result["daemon"]["error"] and result["daemon"]["drift"] is None
    assert result["tls"]["path"] is None


def test_a_bad_offset_is_refused(run_module, host):
    ended = run_module(host_report.main, dict(host[0], time_max_offset=0))
    assert ended.failed and "time_max_offset must be a positive number" in ended.result["msg"]
