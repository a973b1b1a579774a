# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a dockfleet module drives systemd: ``Systemd`` runs systemctl through an
AnsibleModule, ``DockerService`` stops and starts docker (the service and its socket unit).

Waiting for the engine to answer afterwards is ``waiting.wait_until``; this file only talks
to systemd.
"""

from __future__ import annotations

DOCKER_SERVICE = "docker.service"
DOCKER_SOCKET = "docker.socket"


class SystemdError(Exception):
    """A systemctl command failed; the message names the command and systemd's answer."""


class Systemd:
    """systemctl on the managed host, in the C locale."""

    def __init__(self, module, required=True):
        self.module = module
        self.systemctl = module.get_bin_path("systemctl", required=required)

    def run(self, *args):
        """(rc, stdout, stderr) of ``systemctl *args``."""
        return self.module.run_command([self.systemctl, *args], environ_update={"LC_ALL": "C"})

    def must(self, *args):
        """Run ``systemctl *args``; raise ``SystemdError`` when it fails."""
        rc, out, err = self.run(*args)
        if rc != 0:
            raise SystemdError("systemctl %s failed: %s" % (" ".join(args), (err or out).strip() or "rc=%s" % rc))
        return out

    def show(self, unit, *names):
        """``systemctl show`` properties; a property systemd prints several times becomes a list of values."""
        props = {}
        if not self.systemctl:
            return props
        rc, out, _err = self.run("show", unit, *["-p%s" % name for name in names])
        for line in out.splitlines() if rc == 0 else []:
            if "=" in line:
                key, value = line.split("=", 1)
                props.setdefault(key, []).append(value)
        return props

    def loaded(self, unit):
        return (self.show(unit, "LoadState").get("LoadState") or [""])[0] == "loaded"

    def is_failed(self, unit):
        """True once systemd gave up on ``unit`` (e.g. a crash loop hit its start limit)."""
        _rc, out, _err = self.run("is-failed", unit)
        return out.strip() == "failed"

    def status(self, unit, lines=8):
        """The tail of ``systemctl status``, for an error message."""
        _rc, out, err = self.run("status", "--no-pager", "--lines=%d" % lines, unit)
        return (out or err).strip()


class DockerService:
    """docker.service and docker.socket as a module stops and starts them."""

    def __init__(self, module, systemd=None):
        self.systemd = systemd or Systemd(module)

    def stop(self):
        """Stop docker; the socket unit first when there is one, as it would start docker on the next API call."""
        units = [DOCKER_SERVICE]
        if self.systemd.loaded(DOCKER_SOCKET):
            units.insert(0, DOCKER_SOCKET)
        self.systemd.must("stop", *units)

    def start(self, restart=False):
        """Start (or restart) docker.service; raise ``SystemdError`` when systemctl fails.

        A crash loop or several deliberate stops in a minute leave the unit at its start limit:
        that is cleared first so the start is really tried.
        """
        self.systemd.run("reset-failed", DOCKER_SERVICE, DOCKER_SOCKET)
        return self.systemd.must("restart" if restart else "start", DOCKER_SERVICE)

    def failed(self):
        return self.systemd.is_failed(DOCKER_SERVICE)

    def status(self):
        return self.systemd.status(DOCKER_SERVICE)
