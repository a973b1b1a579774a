# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks swarm_backup makes on the host before it stops the engine."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_host import (
    destination_problem,
    host_state,
    live_restore_problem,
    swarm_location,
)

FIX = "Set path (in the swarm_backup playbook swarm_backup_remote_dir) to a writable directory."


def test_swarm_location_follows_the_engine():
    assert swarm_location({"DockerRootDir": "/var/lib/docker"}) == ("/var/lib/docker", "/var/lib/docker/swarm")
    remapped = {"DockerRootDir": "/var/lib/docker/165536.231072"}
    assert swarm_location(remapped, "/ignored") == (
        "/var/lib/docker/165536.231072",
        "/var/lib/docker/165536.231072/swarm",
    )


def test_swarm_location_without_an_answer_uses_daemon_json_then_the_default():
    assert swarm_location({}, "/srv/docker") == ("/srv/docker", "/srv/docker/swarm")
    assert swarm_location({}) == ("/var/lib/docker", "/var/lib/docker/swarm")
    assert swarm_location({"DockerRootDir": "/d"}, None, "/elsewhere/swarm") == ("/d", "/elsewhere/swarm")


def test_live_restore_off_is_no_problem():
    assert live_restore_problem({}, {"LiveRestoreEnabled": False}, "the restore") is None
    assert live_restore_problem({"live-restore": False}, {}, "the restore") is None


@pytest.mark.parametrize(
    "config, info, where",
    [
        ({"live-restore": True}, {"LiveRestoreEnabled": True}, "in /etc/docker/daemon.json and in the running engine"),
        ({"live-restore": True}, {"LiveRestoreEnabled": False}, "in /etc/docker/daemon.json"),
        ({}, {"LiveRestoreEnabled": True}, "in the running engine"),  # a --live-restore flag, or not reloaded yet
    ],
)
def test_live_restore_on_names_the_variable_and_the_fix(config, info, where):
    message = live_restore_problem(config, info, "the restore")
    assert "(%s)" % where in message
    assert "--live-restore daemon configuration is incompatible with swarm mode" in message
    assert "would not come back after the restore" in message
    assert "Nothing was changed" in message
    assert "daemon_live_restore: false" in message and "swarm_managers and swarm_workers" in message
    assert '"live-restore": false' in message


def test_a_missing_backup_directory_is_made(tmp_path):
    path = tmp_path / "backups" / "swarm"
    assert destination_problem(str(path), "the backup", FIX, create=True) is None
    assert path.is_dir() and oct(path.stat().st_mode & 0o777) == "0o700"
    assert os.listdir(path) == []  # the write test leaves nothing


def test_check_mode_only_looks(tmp_path):
    path = tmp_path / "backups" / "swarm"
    assert destination_problem(str(path), "the backup", FIX) is None
    assert not path.exists()


def test_a_file_in_the_way_is_named_with_the_option(tmp_path):
    (tmp_path / "backups").write_text("not a directory")
    message = destination_problem(str(tmp_path / "backups" / "swarm"), "the backup", FIX, create=True)
    assert message == (
        "Cannot write the backup to %s/backups/swarm: %s/backups is not a directory. Nothing was changed. %s"
        % (tmp_path, tmp_path, FIX)
    )
    assert "[Errno" not in message


def test_no_room_is_refused(tmp_path):
    message = destination_problem(str(tmp_path), "the restored swarm state", "Free some space.", needed=10**18)
    assert "GiB free there" in message and message.endswith("Free some space.")


def _as_unprivileged(function):
    """``function()``'s result, computed in a child process that is not root (uid nobody when the tests run as
    root, where every directory is writable), so a permission refusal is a real one."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(reader)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            os.write(writer, json.dumps(function()).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def test_a_directory_that_cannot_be_written():
    # Outside pytest's private tmp_path: the unprivileged child must reach it (and nothing else).
    base = tempfile.mkdtemp(prefix="dockfleet-unit-")
    try:
        os.chmod(base, 0o755)
        locked = os.path.join(base, "locked")
        os.mkdir(locked, 0o555)
        target = os.path.join(locked, "swarm")
        checked, created = _as_unprivileged(
            lambda: [
                destination_problem(target, "the backup", FIX),
                destination_problem(target, "the backup", FIX, create=True),
            ]
        )
        assert checked == "Cannot write the backup to %s: %s cannot be written. Nothing was changed. %s" % (
            target,
            locked,
            FIX,
        )
        assert "Permission denied" in created and "[Errno" not in created
        assert not os.path.exists(target)
    finally:
        os.chmod(os.path.join(base, "locked"), 0o755)
        shutil.rmtree(base)


def etc_with(tmp_path, config, subuid="dockremap:165536:65536\n", subgid="dockremap:231072:65536\n"):
    etc = tmp_path / "etc"
    (etc / "docker").mkdir(parents=True)
    (etc / "docker" / "daemon.json").write_text(json.dumps(config))
    (etc / "subuid").write_text(subuid)
    (etc / "subgid").write_text(subgid)
    return dict(config_path=str(etc / "docker" / "daemon.json"), etc=str(etc))


USERS = {"dockremap": ("dockremap", 999)}.get


def test_host_state_of_a_remapped_engine(tmp_path):
    files = etc_with(tmp_path, {"userns-remap": "default"})
    info = {"DockerRootDir": "/var/lib/docker/165536.231072"}
    assert host_state(info, None, "the backup", lookup_user=USERS, **files) == (
        "/var/lib/docker/165536.231072",
        "/var/lib/docker/165536.231072/swarm",
        [],
    )


def test_host_state_before_dockerd_made_its_dockremap_user_compares_nothing(tmp_path):
    files = etc_with(tmp_path, {"userns-remap": "default"}, subuid="", subgid="")
    info = {"DockerRootDir": "/var/lib/docker"}
    assert host_state(info, None, "the restore", lookup_user=lambda name: None, **files)[2] == []


def test_host_state_reports_a_remap_user_dockerd_cannot_start_with(tmp_path):
    files = etc_with(tmp_path, {"userns-remap": "app", "live-restore": True})
    problems = host_state({"DockerRootDir": "/var/lib/docker"}, None, "the restore", lookup_user=USERS, **files)[2]
    assert "there is no such user" in problems[0] and "would not start again after the restore" in problems[0]
    assert "live-restore is on" in problems[1]


def test_host_state_can_leave_live_restore_to_the_caller(tmp_path):
    files = etc_with(tmp_path, {"live-restore": True})
    info = {"DockerRootDir": "/var/lib/docker", "LiveRestoreEnabled": True}
    assert "live-restore is on" in host_state(info, None, "the restore", lookup_user=USERS, **files)[2][0]
    assert host_state(info, None, "the restore", lookup_user=USERS, check_live_restore=False, **files)[2] == []
