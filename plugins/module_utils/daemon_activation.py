# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make dockerd take a written configuration (reload or restart), confirm it did, and put the previous one back.

Used by daemon_config (apply) and daemon_rollback, always under the host lock. systemd through
``systemd.Systemd``, waits through ``waiting.wait_until``, the engine through ``daemon_engine.answers``.
dockerd's own words come from its journal, read after a cursor taken before the change.
"""

from __future__ import annotations

import os
import re
import shutil

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_engine
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import DEFAULT_DOCKER_HOST
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until

RELOAD_DONE = re.compile(r"Reloaded configuration|unable to configure|validation failed|Error reconfiguring")
RELOAD_REFUSED = re.compile(r"unable to configure|validation failed|Error reconfiguring")
ERROR_LINE = re.compile(r"failed to start daemon|level=(error|fatal)|unable to configure|validation failed|Error")


class ActivationError(Exception):
    """dockerd did not take the configuration; the message says what happened."""


def socket_unit(service):
    return service[: -len(".service")] + ".socket" if service.endswith(".service") else service + ".socket"


class Journal:
    """dockerd's journal after a cursor."""

    def __init__(self, module, service):
        self.module = module
        self.service = service
        self.journalctl = module.get_bin_path("journalctl")

    def cursor(self):
        """The cursor of the unit's last journal line, or None (no line yet, or no journal)."""
        if not self.journalctl:
            return None
        _rc, out, _err = self.module.run_command(
            [self.journalctl, "--unit", self.service, "--lines", "1", "--show-cursor", "--no-pager", "--output", "cat"]
        )
        match = re.search(r"^-- cursor: (.*)$", out, re.MULTILINE)
        return match.group(1).strip() if match else None

    def lines_after(self, cursor):
        """The unit's journal lines after ``cursor`` (the last two minutes without one)."""
        if not self.journalctl:
            return []
        where = ["--after-cursor", cursor] if cursor else ["--since", "-2min"]
        _rc, out, _err = self.module.run_command(
            [self.journalctl, "--unit", self.service, "--no-pager", "--output", "cat", *where]
        )
        return [line for line in out.splitlines() if not line.startswith("-- ")]


def local_host(host, service, wanted):
    """The local socket dockerd listens on beside the TCP hosts: fd:// when systemd passes the socket."""
    if wanted != "auto":
        return wanted
    unit_name = socket_unit(service)
    loaded = (host.unit_properties(unit_name, "LoadState").get("LoadState") or [""])[0] == "loaded"
    return "fd://" if loaded else DEFAULT_DOCKER_HOST


def dockerd_errors(lines, keep=8):
    """The last lines of dockerd's journal that say what went wrong (else its last lines)."""
    errors = [line for line in lines if ERROR_LINE.search(line)]
    return (errors or lines)[-keep:]


def wait_for_engine(timeout, what):
    """Wait until the local engine answers; raises ActivationError naming ``what``."""
    try:
        wait_until(daemon_engine.answers, timeout, "dockerd to answer after %s" % what, interval=2)
    except WaitTimeout as exc:
        raise ActivationError(str(exc)) from None


def reload(systemd, journal, service, cursor):
    """SIGHUP through systemd; wait for dockerd's verdict in its journal. Raises ActivationError when refused."""
    systemd.must("reload", service)
    try:
        lines = wait_until(
            lambda: [line for line in journal.lines_after(cursor) if RELOAD_DONE.search(line)],
            10,
            "dockerd to report the reloaded configuration in its journal",
        )
    except WaitTimeout as exc:
        raise ActivationError(str(exc)) from None
    if any(RELOAD_REFUSED.search(line) for line in lines):
        raise ActivationError("dockerd refused the reloaded configuration")


def restart(systemd, service, timeout):
    """Restart dockerd (the start limit cleared first) and wait until it answers."""
    systemd.must("daemon-reload")
    systemd.run("reset-failed", service, socket_unit(service))
    systemd.must("restart", service)
    wait_for_engine(timeout, "systemctl restart %s" % service)


def restore_files(entries):
    """Put back each ``{dest, backup, remove}``: copy the backup over dest (mode kept), or remove dest."""
    restored = []
    for entry in entries:
        dest, backup = entry["dest"], entry.get("backup")
        if backup:
            shutil.copy2(backup, dest)
            os.chown(dest, 0, 0)
            restored.append(dest)
        elif entry.get("remove") and os.path.lexists(dest):
            os.unlink(dest)
            restored.append(dest)
    return restored
