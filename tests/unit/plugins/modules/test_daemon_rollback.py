# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_rollback: what it puts back, when it restarts dockerd, and the message the role fails with."""

from __future__ import annotations

import contextlib

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import daemon_rollback


class Recorder:
    def __init__(self):
        self.calls = []


@pytest.fixture
def host(monkeypatch, tmp_path):
    recorder = Recorder()
    monkeypatch.setattr(daemon_rollback, "host_lock", lambda *a, **k: contextlib.nullcontext())
    monkeypatch.setattr(daemon_rollback.activation.Journal, "lines_after", lambda self, cursor: ["level=error msg=bad"])
    monkeypatch.setattr(daemon_rollback.activation.os, "chown", lambda *a: None)
    monkeypatch.setattr(daemon_rollback, "Systemd", lambda module: "systemd")
    monkeypatch.setattr(
        daemon_rollback.activation, "restart", lambda systemd, service, timeout: recorder.calls.append(service)
    )
    recorder.answers = True
    monkeypatch.setattr(daemon_rollback.daemon_engine, "answers", lambda: recorder.answers)
    recorder.tmp = tmp_path
    return recorder


def test_a_failed_restart_puts_the_files_back_and_restarts(run_module, host):
    dest, backup = host.tmp / "daemon.json", host.tmp / "daemon.json.1~"
    dest.write_text("new")
    backup.write_text("old")
    ended = run_module(
        daemon_rollback.main,
        {
            "restore": [{"dest": str(dest), "backup": str(backup)}],
            "action": "restart",
            "changed_keys": ["storage-opts"],
        },
    )
    assert not ended.failed and ended.result["restarted"] and host.calls == ["docker.service"]
    assert dest.read_text() == "old"
    assert ended.result["message"] == (
        "dockerd did not accept the new configuration (restart failed; changed keys: storage-opts). Rolled back: "
        "dockerd is up again with the previous configuration. dockerd said: level=error msg=bad"
    )


def test_a_refused_reload_only_puts_the_files_back(run_module, host):
    ended = run_module(daemon_rollback.main, {"action": "reload"})
    assert not ended.result["restarted"] and host.calls == []


def test_a_dockerd_that_stays_down_is_said_loudly(run_module, host):
    host.answers = False
    ended = run_module(daemon_rollback.main, {"action": "reload"})
    assert ended.result["restarted"] and "ROLLBACK DID NOT BRING DOCKERD BACK" in ended.result["message"]


def test_a_task_that_failed_before_dockerd_was_asked_keeps_its_message(run_module, host):
    ended = run_module(daemon_rollback.main, {"action": "none", "failure": "daemon.json not changed: bad key"})
    assert not ended.result["restarted"] and ended.result["message"] == "daemon.json not changed: bad key"
