# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local engine as the swarm backup and restore see it: its API, and systemd to
stop and start it, unlock it and wait until this node is Ready again."""

from __future__ import annotations

import time

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import connect
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    summarize_state,
)


class Engine:
    """The local engine: its API, and systemd to stop and start it."""

    def __init__(self, module):
        self.module = module
        self.client = connect(module)

    def systemctl(self, *args):
        rc, out, err = self.module.run_command(["systemctl", *args])
        return rc, (out + err).strip()

    def stop(self):
        # The socket unit would start the engine again on the first API call.
        units = ["docker.service"]
        if self.systemctl("show", "-p", "LoadState", "--value", "docker.socket")[1] == "loaded":
            units.insert(0, "docker.socket")
        rc, out = self.systemctl("stop", *units)
        if rc != 0:
            raise MetadataError("Could not stop the engine (systemctl stop %s): %s" % (" ".join(units), out))

    def start(self, timeout):
        # Several stops and starts in a minute hit systemd's start limit; this start is deliberate.
        self.systemctl("reset-failed", "docker.service", "docker.socket")
        rc, out = self.systemctl("start", "docker.service")
        if rc != 0:
            raise MetadataError("systemctl start docker failed: %s" % out)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                self.client.ping()
                return
            except Exception:
                time.sleep(1)
        raise MetadataError("The engine did not answer within %ss after systemctl start docker (%s)." % (timeout, out))

    def swarm(self):
        return self.client.info().get("Swarm") or {}

    def settle(self, timeout):
        """Wait until the engine has loaded its swarm state (it reports 'inactive' or 'pending' until then)."""
        deadline = time.time() + min(timeout, 30)
        while self.swarm().get("LocalNodeState") not in ("locked", "active", "error") and time.time() < deadline:
            time.sleep(1)

    def unlock(self, unlock_key):
        """Unlock the engine when autolock locked it; return its swarm state."""
        info = self.swarm()
        if info.get("LocalNodeState") != "locked":
            return info
        if not unlock_key:
            raise MetadataError("The engine is back but its swarm is locked and no unlock key was given.")
        try:
            self.client.unlock_swarm(unlock_key)
        except Exception as exc:
            raise MetadataError(
                "The engine refused the unlock key: %s." % (getattr(exc, "explanation", None) or exc)
            ) from exc
        return self.swarm()

    def set_autolock(self, enabled, timeout):
        """Turn autolock on or off once this manager leads (the restored raft data may need a moment)."""
        deadline = time.time() + timeout
        while True:
            try:
                swarm = self.client.inspect_swarm()
                break
            except Exception as exc:
                if time.time() > deadline:
                    raise MetadataError("The restored swarm has no leader to change autolock with: %s" % exc) from exc
                time.sleep(2)
        spec = swarm["Spec"]
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = enabled
        self.client.update_swarm(version=swarm["Version"]["Index"], swarm_spec=spec)

    def bring_back(self, unlock_key, timeout):
        """Start the engine, unlock it when autolock locked it, and wait for this node to be Ready."""
        self.start(timeout)
        deadline = time.time() + timeout
        while True:
            info = self.unlock(unlock_key)
            if info.get("LocalNodeState") == "active" and info.get("NodeID"):
                try:
                    if (self.client.inspect_node(info["NodeID"]).get("Status") or {}).get("State") == "ready":
                        return info
                except Exception:
                    pass  # no leader elected yet
            if time.time() > deadline:
                raise MetadataError(
                    "This node's swarm state is '%s', not Ready, %ss after the engine started."
                    % (info.get("LocalNodeState"), timeout)
                )
            time.sleep(2)

    def state(self):
        c = self.client
        return summarize_state(c.services(), c.networks(), c.secrets(), c.configs(), c.nodes())
