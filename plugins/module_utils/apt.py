# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""apt and dpkg as dockfleet modules use them: what is offered, what is installed,
installing exact versions, holds, and a bounded wait for the apt/dpkg lock.

The parsers are pure functions (unit-tested); ``Apt`` runs the commands through
``module.run_command`` with a fixed locale so the output can be parsed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time

from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until

APT_ENV = {
    "LC_ALL": "C",
    "LANG": "C",
    "DEBIAN_FRONTEND": "noninteractive",
    # Ubuntu's needrestart would otherwise prompt or restart other services.
    "NEEDRESTART_SUSPEND": "1",
    "APT_LISTCHANGES_FRONTEND": "none",
}
DPKG_OPTIONS = ["-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
APT_HELPER = "/usr/lib/apt/apt-helper"

_LOCK_MESSAGES = (
    "could not get lock",
    "unable to acquire the dpkg frontend lock",
    "unable to lock the administration directory",
    "unable to lock directory",
    "dpkg frontend lock",
    "dpkg status database is locked",
)
_LOCK_HOLDER = re.compile(r"held by process (\d+)(?: \(([^)]*)\))?")


class AptError(Exception):
    """An apt or dpkg command failed; the message says which and why."""


class AptLockTimeout(AptError):
    """apt/dpkg stayed locked by another process for longer than allowed."""


def parse_madison(text, name):
    """Versions of ``name`` in ``apt-cache madison`` output, without duplicates, in output order."""
    found = []
    for line in (text or "").splitlines():
        fields = [field.strip() for field in line.split("|")]
        if len(fields) >= 3 and fields[0] == name and fields[1] and fields[1] not in found:
            found.append(fields[1])
    return found


def parse_dpkg_query(text):
    """Parse ``dpkg-query -W -f='${Package}\\t${Version}\\t${Status}\\n'`` output.

    Returns ``({package: version}, {held packages})``; packages that are not installed
    (only known, or only config files left) are left out of the versions.
    """
    installed, held = {}, set()
    for line in (text or "").splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        name, version, status = (part.strip() for part in parts)
        name = name.split(":", 1)[0]
        words = status.split()
        if len(words) != 3:
            continue
        want, _flag, state = words
        if want == "hold":
            held.add(name)
        if version and state not in ("not-installed", "config-files"):
            installed[name] = version
    return installed, held


def parse_field(text, field):
    """The value of ``field`` in the first paragraph of ``apt-cache show`` output ('' if absent)."""
    value = None
    for line in (text or "").splitlines():
        if not line.strip():
            if value is not None:
                break
            continue
        if value is not None and line[0] in " \t":
            value += " " + line.strip()
            continue
        if value is not None:
            break
        key, sep, rest = line.partition(":")
        if sep and key == field:
            value = rest.strip()
    return value or ""


def is_lock_error(text):
    text = (text or "").lower()
    return any(marker in text for marker in _LOCK_MESSAGES)


def lock_holder(text):
    """``process 1234 (unattended-upgr)`` when apt named who holds the lock, else ''."""
    match = _LOCK_HOLDER.search(text or "")
    if not match:
        return ""
    return "process %s%s" % (match.group(1), " (%s)" % match.group(2) if match.group(2) else "")


def last_error(text, limit=6):
    """The lines of apt's output worth showing a user (its E:/W: lines, or the tail)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("E:", "dpkg:", "W:"))]
    return "\n".join((errors or lines)[-limit:])


class Apt:
    """Runs apt/dpkg for a module. Every locking command waits at most ``lock_timeout`` seconds."""

    def __init__(self, module, lock_timeout=300, sleep=time.sleep, clock=time.monotonic):
        self.module = module
        self.lock_timeout = lock_timeout
        self._sleep = sleep
        self._clock = clock

    def run(self, args, locking=False, data=None):
        """Run a command; return stdout. Raise AptError when it fails, AptLockTimeout on a lock."""
        deadline = self._clock() + self.lock_timeout
        locked = []

        def ran():
            cmd = list(args)
            if locking and cmd[0] in ("apt-get", "apt-mark"):
                # apt's own bounded wait for the dpkg frontend lock, within our deadline.
                remaining = max(0, int(deadline - self._clock()))
                cmd[1:1] = ["-o", "DPkg::Lock::Timeout=%d" % remaining]
            rc, out, err = self.module.run_command(cmd, environ_update=APT_ENV, data=data)
            if rc == 0:
                return (out,)
            combined = "%s\n%s" % (out, err)
            if locking and is_lock_error(combined):
                locked.append(combined)
                return None
            raise AptError("`%s` failed (rc=%d):\n%s" % (" ".join(args), rc, last_error(combined)))

        try:
            return wait_until(
                ran, self.lock_timeout, "the apt/dpkg lock", interval=2, clock=self._clock, sleep=self._sleep
            )[0]
        except WaitTimeout as exc:
            combined = locked[-1]
            raise AptLockTimeout(
                "apt/dpkg is locked by another %s and stayed locked for lock_timeout=%d seconds; "
                "nothing was changed by this step. Wait for that process to finish (often "
                "unattended-upgrades, apt-daily or another Ansible run) or raise lock_timeout. "
                "apt said: %s" % (lock_holder(combined) or "process", self.lock_timeout, last_error(combined, 2))
            ) from exc

    def update(self):
        self.run(["apt-get", "-q", "update"], locking=True)

    def available(self, names):
        """``{package: [versions]}`` the configured repositories offer, for every name (empty when none)."""
        names = sorted(names)
        rc, out, _err = self.module.run_command(["apt-cache", "madison", *names], environ_update=APT_ENV)
        return dict((name, parse_madison(out, name) if rc == 0 else []) for name in names)

    def depends(self, name, version):
        rc, out, _err = self.module.run_command(
            ["apt-cache", "show", "%s=%s" % (name, version)], environ_update=APT_ENV
        )
        return parse_field(out, "Depends") if rc == 0 else ""

    def installed(self, names):
        """``({package: version}, {held})`` for the given package names."""
        rc, out, err = self.module.run_command(
            ["dpkg-query", "-W", "-f=${Package}\\t${Version}\\t${Status}\\n", *sorted(names)],
            environ_update=APT_ENV,
        )
        # rc 1 only means some names are unknown to dpkg: the others are still printed.
        if rc not in (0, 1):
            raise AptError("dpkg-query failed (rc=%d): %s" % (rc, err.strip()))
        return parse_dpkg_query(out)

    def _install_args(self, specs, allow_downgrades):
        args = ["apt-get", "-q", "-y", "--no-install-recommends", "--allow-change-held-packages", *DPKG_OPTIONS]
        if allow_downgrades:
            args.append("--allow-downgrades")
        return [*args, "install", *list(specs)]

    def download(self, specs, allow_downgrades=False):
        """Fetch the .debs first, so a repository or network failure happens before anything changes."""
        args = self._install_args(specs, allow_downgrades)
        args.insert(1, "--download-only")
        self.run(args, locking=True)

    def install(self, specs, allow_downgrades=False):
        return self.run(self._install_args(specs, allow_downgrades), locking=True)

    def architecture(self):
        """The host's Debian architecture (``dpkg --print-architecture``: amd64, arm64, ...)."""
        rc, out, err = self.module.run_command(["dpkg", "--print-architecture"], environ_update=APT_ENV)
        if rc != 0:
            raise AptError("dpkg --print-architecture failed (rc=%d): %s" % (rc, err.strip()))
        return out.strip()

    def fetch(self, url, timeout=15):
        """The text at ``url``, downloaded by apt itself, so apt's proxy, TLS and credentials settings apply (a host
        that reaches its mirror only through ``Acquire::http::Proxy`` or ``auth.conf`` reaches it here too).

        One try, ``timeout`` seconds without an answer at the most. Raises AptError saying why it failed.
        """
        options = ["-o", "Acquire::Retries=0"]
        for scheme in ("http", "https"):
            options += ["-o", "Acquire::%s::Timeout=%d" % (scheme, timeout)]
        directory = tempfile.mkdtemp(prefix="dockfleet-fetch-")
        path = os.path.join(directory, "download")
        try:
            rc, out, err = self.module.run_command(
                [APT_HELPER, *options, "download-file", url, path], environ_update=APT_ENV
            )
            if rc != 0:
                raise AptError("apt could not download %s: %s" % (url, last_error("%s\n%s" % (out, err), 2)))
            with open(path, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError as exc:
            raise AptError("apt could not download %s: %s" % (url, exc)) from exc
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def hold(self, names):
        if names:
            self.run(["apt-mark", "hold", *sorted(names)], locking=True)

    def unhold(self, names):
        if names:
            self.run(["apt-mark", "unhold", *sorted(names)], locking=True)


def read_os_release(path="/etc/os-release"):
    """The fields of os-release (ID, ID_LIKE, VERSION_CODENAME, PRETTY_NAME, ...), unquoted; {} when unreadable."""
    try:
        with open(path) as handle:
            lines = handle.read().splitlines()
    except OSError:
        return {}
    fields = {}
    for line in lines:
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            fields[key] = value.strip().strip("\"'")
    return fields


def is_apt_family(fields):
    """Whether os-release describes Debian, Ubuntu or a derivative of them."""
    family = ("%s %s" % (fields.get("ID", ""), fields.get("ID_LIKE", ""))).split()
    return bool({"debian", "ubuntu"} & set(family))


def platform_problem(module, who, fields):
    """'' on a Debian or Ubuntu host with apt-get (``fields``: its os-release); else why ``who`` cannot run here."""
    if is_apt_family(fields) and module.get_bin_path("apt-get"):
        return ""
    return "%s supports Debian and Ubuntu hosts (apt) only; this host runs %s." % (
        who,
        fields.get("PRETTY_NAME") or "an unknown system",
    )


# apt's own record of its last successful update, where the host has it; else the lists directory's time.
UPDATE_STAMPS = ("/var/lib/apt/periodic/update-success-stamp", "/var/lib/apt/lists")


def lists_age(now, stamps=UPDATE_STAMPS):
    """Seconds since apt's package lists were last refreshed (as the apt module's cache_valid_time reads it)."""
    for path in stamps:
        try:
            return max(now - os.path.getmtime(path), 0)
        except OSError:
            continue
    return None


def lists_older_than(seconds, now=None, stamps=UPDATE_STAMPS):
    """Whether apt's package lists are older than ``seconds`` (cache_valid_time), or were never refreshed."""
    age = lists_age(time.time() if now is None else now, stamps)
    return age is None or age > seconds
