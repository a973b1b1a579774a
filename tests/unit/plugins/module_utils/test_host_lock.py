# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host lock with real processes: a second process holds it, this one waits, times out
naming the holder, or gets it when the holder finishes or dies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import host_lock as host_lock_utils
from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import (
    HostLock,
    HostLockTimeout,
    connection_hint,
    describe_holder,
    host_lock,
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {path!r})
    from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import HostLock
    lock = HostLock("dockerd", "dockfleet.docker.engine_package", {directory!r})
    lock.acquire(5)
    print("held", flush=True)
    line = sys.stdin.readline()
    if line.startswith("sleep"):
        time.sleep(float(line.split()[1]))
    lock.release()
    """
)


def collections_path():
    return next(path for path in sys.path if path.endswith(os.path.join(".cache", "collections")))


@pytest.fixture
def holder(tmp_path):
    """Start another process that holds ``dockerd`` in tmp_path; yields the process."""
    env = dict(os.environ, SSH_CLIENT="192.0.2.7 50122 22", SUDO_USER="fleetops")
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(path=collections_path(), directory=str(tmp_path))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout.readline().strip() == "held"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


class FakeModule:
    _name = "engine_package"

    def fail_json(self, msg, **result):
        raise SystemExit(dict(result, msg=msg))


def test_the_lock_file_records_the_holder_while_held_and_is_emptied_on_release(tmp_path, monkeypatch):
    monkeypatch.setenv("SUDO_USER", "fleetops")
    monkeypatch.setenv("SSH_CLIENT", "192.0.2.9 40000 22")
    lock = HostLock("dockerd", "dockfleet.docker.engine_package", str(tmp_path / "run"))
    lock.acquire(1)
    record = json.loads((tmp_path / "run" / "dockerd.lock").read_text())
    assert record["pid"] == os.getpid()
    assert record["owner"] == "dockfleet.docker.engine_package"
    assert record["user"] == "fleetops"
    assert record["ssh_client"] == "192.0.2.9 40000"
    assert record["started"].endswith("Z")
    lock.release()
    assert (tmp_path / "run" / "dockerd.lock").read_text() == ""


def test_a_second_run_times_out_naming_the_holder_and_the_variable(tmp_path, holder):
    lock = HostLock("dockerd", "dockfleet.docker.engine_package", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(HostLockTimeout) as raised:
        lock.acquire(0.5, variable="engine_host_lock_timeout", interval=0.1)
    assert time.monotonic() - started >= 0.5
    message = str(raised.value)
    assert "pid %d (dockfleet.docker.engine_package, since " % holder.pid in message
    assert "Ansible connection of fleetops from 192.0.2.7 50122" in message
    assert str(tmp_path / "dockerd.lock") in message
    assert "wait longer with engine_host_lock_timeout" in message
    assert "nothing was changed" in message


def test_a_second_run_waits_and_gets_the_lock_when_the_first_finishes(tmp_path, holder):
    holder.stdin.write("sleep 0.5\n")
    holder.stdin.flush()
    lock = HostLock("dockerd", "dockfleet.docker.engine_package", str(tmp_path))
    started = time.monotonic()
    lock.acquire(10, interval=0.1)
    assert 0.3 <= time.monotonic() - started < 10
    assert holder.wait(5) == 0
    assert json.loads((tmp_path / "dockerd.lock").read_text())["pid"] == os.getpid()
    lock.release()


def test_a_holder_that_dies_releases_the_lock(tmp_path, holder):
    holder.kill()
    holder.wait()
    lock = HostLock("dockerd", "dockfleet.docker.engine_package", str(tmp_path))
    lock.acquire(0)
    lock.release()


def test_other_names_are_other_locks(tmp_path, holder):
    lock = HostLock("timesync", "dockfleet.docker.timesync_check", str(tmp_path))
    lock.acquire(0)
    lock.release()


def test_host_lock_fails_the_module_with_the_message(tmp_path, holder):
    module = FakeModule()
    with pytest.raises(SystemExit) as ended, host_lock(
        module, timeout=0, directory=str(tmp_path), variable="x_timeout"
    ):
        pytest.fail("the body must not run without the lock")
    result = ended.value.args[0]
    assert "pid %d" % holder.pid in result["msg"]
    assert "wait longer with x_timeout" in result["msg"]
    assert result["host_lock"] == str(tmp_path / "dockerd.lock")


def test_host_lock_holds_for_the_body_and_releases_after_it(tmp_path):
    with host_lock(FakeModule(), "dockerd", timeout=0, directory=str(tmp_path)) as lock:
        record = json.loads((tmp_path / "dockerd.lock").read_text())
        assert record["owner"] == "dockfleet.docker.engine_package"
        with pytest.raises(HostLockTimeout):
            HostLock("dockerd", "other", str(tmp_path)).acquire(0)
    assert lock.path == str(tmp_path / "dockerd.lock")
    HostLock("dockerd", "other", str(tmp_path)).acquire(0)


def test_host_lock_releases_when_the_body_fails(tmp_path):
    with pytest.raises(RuntimeError), host_lock(FakeModule(), "dockerd", timeout=0, directory=str(tmp_path)):
        raise RuntimeError("apt failed")
    HostLock("dockerd", "other", str(tmp_path)).acquire(0)


def test_the_ssh_client_is_found_in_an_ancestor_when_sudo_dropped_it():
    script = (
        "import sys; sys.path.insert(0, %r); import json;"
        "from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import connection_hint;"
        "print(json.dumps(connection_hint(environ={'SUDO_USER': 'fleetops'})))" % collections_path()
    )
    parent = (
        "import subprocess, sys; env = {'PATH': '/usr/bin:/bin'};"
        "sys.exit(subprocess.call([sys.executable, '-c', %r], env=env))" % script
    )
    out = subprocess.run(
        [sys.executable, "-c", parent],
        env=dict(os.environ, SSH_CLIENT="198.51.100.4 61000 22"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == {"user": "fleetops", "ssh_client": "198.51.100.4 61000"}


def test_connection_hint_without_ssh_is_the_user_only(monkeypatch):
    monkeypatch.setattr(host_lock_utils, "_parent_of", lambda pid: 1)
    assert connection_hint(environ={"USER": "root"}) == {"user": "root", "ssh_client": ""}


@pytest.mark.parametrize("text", ["", "garbage", "[]", '{"owner": "x"}'])
def test_a_record_not_written_yet_is_described_as_such(text):
    assert describe_holder(text) == "another process (it has not written its record yet)"


def test_a_record_is_described_in_words():
    record = {"pid": 42, "owner": "dockfleet.docker.daemon_config", "started": "2026-12-02T17:00:00Z", "user": "ops"}
    assert describe_holder(json.dumps(record)) == (
        "pid 42 (dockfleet.docker.daemon_config, since 2026-12-02T17:00:00Z, Ansible connection of ops)"
    )
