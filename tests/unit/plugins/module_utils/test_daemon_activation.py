# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_activation: dockerd's journal, its errors, reload verdicts and putting files back."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_activation as activation


class FakeModule:
    def __init__(self, outputs):
        self.outputs = outputs
        self.commands = []

    def get_bin_path(self, name, required=False):
        return "/usr/bin/" + name

    def run_command(self, args, **_kwargs):
        self.commands.append(args)
        return self.outputs.pop(0) if self.outputs else (0, "", "")


class FakeSystemd:
    def __init__(self):
        self.calls = []

    def must(self, *args):
        self.calls.append(args)
        return ""

    def run(self, *args):
        self.calls.append(args)
        return 0, "", ""


def test_the_socket_unit_of_a_service():
    assert activation.socket_unit("docker.service") == "docker.socket"
    assert activation.socket_unit("docker") == "docker.socket"


def test_the_journal_cursor_and_the_lines_after_it():
    module = FakeModule([(0, "last line\n-- cursor: s=abc;i=1\n", ""), (0, "one\n-- No entries --\ntwo\n", "")])
    journal = activation.Journal(module, "docker.service")
    assert journal.cursor() == "s=abc;i=1"
    assert journal.lines_after("s=abc;i=1") == ["one", "two"]
    assert module.commands[1][-2:] == ["--after-cursor", "s=abc;i=1"]
    journal.lines_after(None)
    assert module.commands[2][-2:] == ["--since", "-2min"]


def test_dockerd_errors_prefers_error_lines():
    lines = ["starting", "level=error msg=boom", "failed to start daemon: overlay2.bogus", "exit"]
    assert activation.dockerd_errors(lines) == lines[1:3]
    assert activation.dockerd_errors(["a", "b"]) == ["a", "b"]


def test_a_reload_dockerd_refuses_raises(monkeypatch):
    module = FakeModule([(0, "unable to configure the Docker daemon with file\n", "")])
    with pytest.raises(activation.ActivationError, match="refused"):
        activation.reload(FakeSystemd(), activation.Journal(module, "docker.service"), "docker.service", "c")


def test_a_reload_dockerd_takes_passes():
    module = FakeModule([(0, "Reloaded configuration: {}\n", "")])
    systemd = FakeSystemd()
    activation.reload(systemd, activation.Journal(module, "docker.service"), "docker.service", "c")
    assert systemd.calls == [("reload", "docker.service")]


def test_a_restart_clears_the_start_limit_and_waits_for_the_engine(monkeypatch):
    monkeypatch.setattr(activation.daemon_engine, "answers", lambda: True)
    systemd = FakeSystemd()
    activation.restart(systemd, "docker.service", 5)
    assert systemd.calls == [
        ("daemon-reload",),
        ("reset-failed", "docker.service", "docker.socket"),
        ("restart", "docker.service"),
    ]


def test_a_restart_that_never_answers_names_what_it_awaited(monkeypatch):
    monkeypatch.setattr(activation.daemon_engine, "answers", lambda: False)
    with pytest.raises(activation.ActivationError, match=r"dockerd to answer after systemctl restart docker\.service"):
        activation.restart(FakeSystemd(), "docker.service", 0)


def test_restore_files_copies_backups_and_removes_created_files(tmp_path, monkeypatch):
    monkeypatch.setattr(activation.os, "chown", lambda *args: None)
    dest, backup, created = tmp_path / "daemon.json", tmp_path / "daemon.json.1~", tmp_path / "dropin.conf"
    dest.write_text("new")
    backup.write_text("old")
    os.chmod(backup, 0o600)
    created.write_text("created")
    restored = activation.restore_files(
        [
            {"dest": str(dest), "backup": str(backup), "remove": False},
            {"dest": str(created), "backup": None, "remove": True},
            {"dest": str(tmp_path / "untouched"), "backup": None, "remove": False},
        ]
    )
    assert restored == [str(dest), str(created)]
    assert dest.read_text() == "old" and os.stat(dest).st_mode & 0o777 == 0o600
    assert not created.exists()
