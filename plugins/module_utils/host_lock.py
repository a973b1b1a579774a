# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A host-side lock for the phases of a run that change the Docker engine or its daemon.

Two runs against one host at the same time (two site runs, a site run and an upgrade runbook)
must not both read, compare and change the engine: both would see the old state, both would
install, both would report a change. A module that changes the engine or the daemon holds this
lock from its read to its last change; a second run waits for it a bounded time, then reads
the state the first run left and finds nothing to do.

Use from a module::

    from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import ENGINE, host_lock

    with host_lock(module, ENGINE, timeout=module.params["host_lock_timeout"],
                   variable="daemon_host_lock_timeout (role) / host_lock_timeout (module)"):
        ...read the current state, compare, change...

- ``name``: what is locked; the file is ``/run/dockfleet/<name>.lock``. ``ENGINE`` ("dockerd")
  is the one lock for everything that installs, reconfigures, restarts or stops the engine
  (engine_package, daemon_config): a package install and a daemon.json change must not overlap
  either.
- ``timeout``: seconds to wait for another run (``wait_until`` on the monotonic clock). On
  timeout the module fails (``fail_json``) with a message naming the run that holds the lock
  (pid, module, since when, the user and SSH client of its Ansible connection) and ``variable``,
  the setting that extends the wait.
- The lock is ``fcntl.flock`` on the file, so a run that dies (killed, host rebooted: /run is
  a tmpfs) releases it with its process; there is never a stale lock to remove by hand. The file
  holds a JSON record of the holder while it is held and is emptied on release.
- Take it only when the module may change something (not in check mode: a prediction never
  waits for another run). flock is per open file: a process that takes the same lock twice
  waits for itself, so take it once per module run.

``HostLock`` is the same without Ansible (``acquire(timeout)`` raises ``HostLockTimeout``).
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import json
import os

from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until

LOCK_DIRECTORY = "/run/dockfleet"
# The one lock for every change of the Docker engine or its daemon on a host.
ENGINE = "dockerd"
DEFAULT_TIMEOUT = 300


class HostLockTimeout(Exception):
    """Another run held the lock for longer than the timeout; the message names it."""


def _environ_of(pid):
    """The environment of process ``pid`` (empty when it cannot be read)."""
    try:
        with open("/proc/%d/environ" % pid, "rb") as handle:
            raw = handle.read()
    except OSError:
        return {}
    pairs = (item.decode("utf-8", "replace").partition("=") for item in raw.split(b"\0") if item)
    return dict((key, value) for key, _sep, value in pairs)


def _parent_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            # "pid (comm) state ppid ...": comm may contain spaces and parentheses.
            return int(handle.read().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def connection_hint(pid=None, environ=None, depth=8):
    """Who runs this process: ``{"user": ..., "ssh_client": ...}`` as far as the host can tell.

    Ansible reaches a host over SSH and usually becomes root with sudo, which drops SSH_CLIENT
    from the module's environment: the process's ancestors (sudo, the login shell) still have it.
    """
    pid = pid or os.getpid()
    environ = os.environ if environ is None else environ
    hint = {"user": environ.get("SUDO_USER") or environ.get("USER") or "", "ssh_client": ""}
    current = pid
    for _step in range(depth):
        found = environ if current == pid else _environ_of(current)
        client = found.get("SSH_CLIENT") or found.get("SSH_CONNECTION") or ""
        if client:
            # "address port [server port]": the address and its source port identify the connection.
            hint["ssh_client"] = " ".join(client.split()[:2])
            hint["user"] = hint["user"] or found.get("USER", "")
            break
        current = _parent_of(current)
        if current <= 1:
            break
    return hint


def holder_record(owner):
    """What a lock file says while held: this process, what holds it, since when, for whom."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return dict(
        pid=os.getpid(),
        parent_pid=os.getppid(),
        owner=owner,
        started=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        **connection_hint(),
    )


def describe_holder(text):
    """A lock file's record as words for a message ("pid 123 (engine_package, since ..., ...)")."""
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or "pid" not in record:
        return "another process (it has not written its record yet)"
    details = [str(record.get("owner") or "unknown")]
    if record.get("started"):
        details.append("since %s" % record["started"])
    who = record.get("user") or ""
    if record.get("ssh_client"):
        who = "%s from %s" % (who or "a user", record["ssh_client"])
    if who:
        details.append("Ansible connection of %s" % who)
    return "pid %s (%s)" % (record["pid"], ", ".join(details))


class HostLock:
    """``/run/dockfleet/<name>.lock``, exclusively locked with flock while held."""

    def __init__(self, name, owner, directory=LOCK_DIRECTORY):
        self.name = name
        self.owner = owner
        self.path = os.path.join(directory, "%s.lock" % name)
        self._fd = None

    def _try(self):
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def holder(self):
        """The current holder as words (read from the lock file)."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                return describe_holder(handle.read())
        except OSError:
            return describe_holder("")

    def acquire(self, timeout=DEFAULT_TIMEOUT, variable="timeout", interval=1):
        """Take the lock, waiting at most ``timeout`` seconds. Raises HostLockTimeout naming the holder."""
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o755, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        seen = []

        def taken():
            if self._try():
                return True
            seen.append(self.holder())
            return False

        try:
            wait_until(taken, timeout, "the host lock %s" % self.path, interval=interval)
        except WaitTimeout:
            holder = self.holder() or seen[-1]
            os.close(self._fd)
            self._fd = None
            raise HostLockTimeout(
                "Another run is changing the Docker engine or daemon on this host: %s holds %s. Waited %ss for it; "
                "nothing was changed by this task. Let that run finish and run again, or wait longer with %s."
                % (holder, self.path, timeout, variable)
            ) from None
        record = json.dumps(holder_record(self.owner), sort_keys=True) + "\n"
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, record.encode("utf-8"), 0)

    def release(self):
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None


@contextlib.contextmanager
def host_lock(module, name=ENGINE, timeout=DEFAULT_TIMEOUT, variable="timeout", directory=LOCK_DIRECTORY):
    """Hold the host lock ``name`` for the body; fail the module naming the holder and ``variable`` on timeout."""
    lock = HostLock(name, "dockfleet.docker.%s" % (getattr(module, "_name", None) or "module"), directory)
    try:
        lock.acquire(timeout, variable)
    except HostLockTimeout as exc:
        module.fail_json(msg=str(exc), host_lock=lock.path)
    except OSError as exc:
        module.fail_json(msg="Could not open the host lock %s: %s" % (lock.path, exc), host_lock=lock.path)
    try:
        yield lock
    finally:
        lock.release()
