# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_config: option handling and refusals, on a host without a docker unit or dockerd."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import daemon_config


class NoDockerHost:
    """A host where systemd knows no docker unit and dockerd is not installed."""

    systemctl = None

    def __init__(self, module):
        self.module = module

    def run(self, args):
        raise AssertionError("nothing to run on this host: %r" % args)

    def unit_command(self, service, own_dropin):
        return None, []

    def dockerd(self, tokens):
        return None

    def engine(self, dockerd):
        return None, False


@pytest.fixture
def host(monkeypatch, tmp_path):
    monkeypatch.setattr(daemon_config, "Host", NoDockerHost)
    return tmp_path / "daemon.json"


def test_an_unknown_key_is_refused_with_the_closest_one(run_module, host):
    ended = run_module(daemon_config.main, {"settings": {"storage-drivr": "overlay2"}, "path": str(host)})
    assert ended.failed and ended.result["msg"].startswith("daemon.json not changed: ")
    assert "storage-driver" in ended.result["msg"]
    assert not host.exists()


def test_check_mode_reports_the_change_and_writes_nothing(run_module, host):
    ended = run_module(daemon_config.main, {"settings": {"live-restore": True}, "path": str(host)}, check_mode=True)
    assert not ended.failed and ended.result["changed"] and ended.result["file_changed"]
    assert ended.result["config"] == {"live-restore": True}
    assert not host.exists()


def test_merge_keeps_the_keys_it_is_not_given_and_null_removes_one(run_module, host):
    host.write_text(json.dumps({"debug": True, "log-level": "warn"}))
    ended = run_module(daemon_config.main, {"settings": {"debug": None}, "path": str(host)}, check_mode=True)
    assert ended.result["config"] == {"log-level": "warn"}
    assert ended.result["restart_required"] is True


def test_validation_required_without_dockerd_is_refused(run_module, host):
    ended = run_module(
        daemon_config.main,
        {"settings": {"live-restore": True}, "path": str(host), "dockerd_validation": "required"},
        check_mode=True,
    )
    assert ended.failed and "dockerd_validation=required" in ended.result["msg"]


def test_an_unknown_mode_is_refused(run_module, host):
    ended = run_module(daemon_config.main, {"settings": {}, "path": str(host), "mode": "overwrite"})
    assert ended.failed and "mode" in ended.result["msg"]


def test_it_takes_no_engine_connection_options(run_module, host):
    # Not in the action group dockfleet.docker.docker: it writes a file, it does not call the engine API.
    ended = run_module(daemon_config.main, {"settings": {}, "path": str(host), "docker_host": "unix:///x.sock"})
    assert ended.failed and "docker_host" in ended.result["msg"]


@pytest.mark.skipif(os.geteuid() != 0, reason="daemon_config writes daemon.json owned by root")
def test_a_write_keeps_only_the_newest_backups(run_module, host):
    host.write_text(json.dumps({"debug": True}))
    old = ["daemon.json.%d.2026-01-0%d@10:00:00~" % (100 + day, day) for day in range(1, 5)]
    for name in old:
        (host.parent / name).write_text("{}")
    ended = run_module(daemon_config.main, {"settings": {"debug": False}, "path": str(host), "backups_to_keep": 2})
    assert not ended.failed and ended.result["backup_file"]
    left = sorted(p.name for p in host.parent.iterdir() if p.name.endswith("~"))
    assert left == sorted([os.path.basename(ended.result["backup_file"]), old[-1]])
    assert sorted(os.path.basename(p) for p in ended.result["removed_backups"]) == sorted(old[:3])


def test_backups_to_keep_below_one_is_refused_naming_the_role_variable(run_module, host):
    ended = run_module(daemon_config.main, {"settings": {"debug": True}, "path": str(host), "backups_to_keep": 0})
    assert ended.failed and "daemon_backups_to_keep" in ended.result["msg"]
    assert not host.exists()


def test_file_permissions_reports_and_fixes_a_loose_daemon_json_directory(run_module, host, monkeypatch):
    host.write_text("{}\n")
    os.chmod(host.parent, 0o777)
    chowned = []
    monkeypatch.setattr(daemon_config.os, "chown", lambda path, uid, gid: chowned.append((path, uid, gid)))
    monkeypatch.setattr(NoDockerHost, "unit_properties", lambda self, unit, *names: {}, raising=False)
    monkeypatch.setattr(daemon_config.daemon_files, "CERTS_DIR", str(host.parent / "certs.d"))
    monkeypatch.setattr(daemon_config.daemon_files, "ENVIRONMENT_FILES", ())
    params = {"settings": {}, "path": str(host), "file_permissions": True}
    ended = run_module(daemon_config.main, params, check_mode=True)
    assert ended.result["changed"] and not ended.result["file_changed"]
    [change] = [c for c in ended.result["permission_changes"] if c["path"] == str(host.parent)]
    assert (change["mode_before"], change["mode_after"], change["control"]) == ("0777", "0755", "3.5/3.6")
    assert os.stat(host.parent).st_mode & 0o777 == 0o777  # check mode changed nothing
    ended = run_module(daemon_config.main, params)
    assert os.stat(host.parent).st_mode & 0o777 == 0o755
    assert (str(host.parent), 0, 0) in chowned


def down_engine(monkeypatch):
    monkeypatch.setattr(
        daemon_config.daemon_engine,
        "read_local_engine",
        lambda: daemon_config.daemon_engine.down_result("no socket at /var/run/docker.sock"),
    )


def test_a_plan_on_a_host_whose_engine_does_not_run_plans_nothing(run_module, host, monkeypatch):
    down_engine(monkeypatch)
    ended = run_module(
        daemon_config.main, {"settings": {"debug": True}, "path": str(host), "engine": "optional"}, check_mode=True
    )
    assert not ended.failed and ended.result["answers"] is False and ended.result["differs"] == []
    assert ended.result["restart_required"] is False


def test_the_role_needs_the_engine_to_answer(run_module, host, monkeypatch):
    down_engine(monkeypatch)
    ended = run_module(
        daemon_config.main, {"settings": {"debug": True}, "path": str(host), "engine": "required"}, check_mode=True
    )
    assert ended.failed and ended.result["msg"].startswith("dockerd does not answer on /var/run/docker.sock")
    assert "dockfleet.docker.engine" in ended.result["msg"]


def test_live_restore_on_a_swarm_node_is_refused_before_writing(run_module, host, monkeypatch):
    engine = daemon_config.daemon_engine.down_result("")
    engine.update(answers=True, swarm={"local_node_state": "active"}, server_errors=[])
    monkeypatch.setattr(daemon_config.daemon_engine, "read_local_engine", lambda: engine)
    ended = run_module(
        daemon_config.main, {"settings": {"live-restore": True}, "path": str(host), "engine": "required"}
    )
    assert ended.failed and "daemon_live_restore is true but this host is a swarm node" in ended.result["msg"]
    assert not host.exists()


def test_local_host_auto_puts_the_default_socket_first_without_a_socket_unit(run_module, host, monkeypatch):
    monkeypatch.setattr(NoDockerHost, "unit_properties", lambda self, unit, *names: {}, raising=False)
    settings = {"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": True, "tlscacert": "/ca", "tlscert": "/c", "tlskey": "/k"}
    params = {"settings": settings, "path": str(host), "local_host": "auto", "check_tls_files": False}
    ended = run_module(daemon_config.main, params, check_mode=True)
    assert ended.result["config"]["hosts"] == ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]
    monkeypatch.setattr(
        NoDockerHost, "unit_properties", lambda self, unit, *names: {"LoadState": ["loaded"]}, raising=False
    )
    ended = run_module(daemon_config.main, params, check_mode=True)
    assert ended.result["config"]["hosts"] == ["fd://", "tcp://0.0.0.0:2376"]


def test_apply_reload_refuses_a_change_that_needs_a_restart(run_module, host):
    host.write_text(json.dumps({"debug": True}))
    ended = run_module(
        daemon_config.main,
        {"settings": {"storage-driver": "vfs"}, "path": str(host), "apply": "reload"},
        check_mode=True,
    )
    assert ended.failed and "needs a restart of dockerd (keys storage-driver), but apply=reload" in ended.result["msg"]


def test_apply_in_check_mode_predicts_the_reload(run_module, host):
    host.write_text(json.dumps({"debug": True}))
    ended = run_module(
        daemon_config.main, {"settings": {"debug": False}, "path": str(host), "apply": "reload"}, check_mode=True
    )
    assert not ended.failed and ended.result["action"] == "reload" and ended.result["differs"] == ["daemon.json"]
    assert json.loads(host.read_text()) == {"debug": True}
