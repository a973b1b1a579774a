# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local engine as the swarm backup and restore see it: its API, and systemd to
stop and start it, unlock it and wait until this node is Ready again."""

from __future__ import annotations

import contextlib

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    DEFAULT_DOCKER_HOST,
    EngineError,
    connect,
    unix_socket,
    unlock_swarm,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    summarize_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import DockerService, SystemdError
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


def local_engine(module, what):
    """The ``Engine`` of this host; fails naming docker_host when the module is pointed at another engine.

    ``what`` completes "The module ... the LOCAL engine", e.g. "stops the engine and archives the swarm state of".
    """
    docker_host = module.params.get("docker_host") or DEFAULT_DOCKER_HOST
    if not unix_socket(docker_host):
        module.fail_json(
            msg="docker_host is %s, but this module %s the local engine with systemd and its files on this host, "
            "whatever engine docker_host names. Nothing was changed. Run the task on the host concerned (delegate_to "
            "or the play's hosts) and leave docker_host unset, or set it to that host's Unix socket "
            "(unix:///var/run/docker.sock)." % (docker_host, what)
        )
    return Engine(module)


class Engine:
    """The local engine: its API, and systemd to stop and start it."""

    def __init__(self, module):
        self.module = module
        self.client = connect(module)
        self.service = DockerService(module)

    def stop(self):
        try:
            self.service.stop()
        except SystemdError as exc:
            raise MetadataError("Could not stop the engine: %s" % exc) from exc

    def start(self, timeout):
        try:
            self.service.start()
        except SystemdError as exc:
            raise MetadataError(str(exc)) from exc

        def answers():
            try:
                return self.client.ping()
            except Exception:
                return False

        try:
            wait_until(answers, timeout, "the engine to answer after systemctl start docker")
        except WaitTimeout as exc:
            raise MetadataError("The engine did not answer within %ss after systemctl start docker." % timeout) from exc

    def swarm(self):
        return self.client.info().get("Swarm") or {}

    def settle(self, timeout):
        """Wait until the engine has loaded its swarm state (it reports 'inactive' or 'pending' until then)."""
        with contextlib.suppress(WaitTimeout):  # the caller reads the state it has
            wait_until(
                lambda: self.swarm().get("LocalNodeState") in ("locked", "active", "error"),
                min(timeout, 30),
                "the engine to load its swarm state",
            )

    def unlock(self, unlock_key):
        """Unlock the engine when autolock locked it; return its swarm state."""
        info = self.swarm()
        try:
            unlocked = unlock_swarm(self.client, info, unlock_key)
        except EngineError as exc:
            raise MetadataError(str(exc)) from exc
        return self.swarm() if unlocked else info

    def set_autolock(self, enabled, timeout):
        """Turn autolock on or off once this manager leads (the restored raft data may need a moment)."""
        errors = []

        def inspected():
            try:
                return self.client.inspect_swarm()
            except Exception as exc:
                errors.append(exc)
                return None

        try:
            swarm = wait_until(inspected, timeout, "a leader of the restored swarm", interval=2)
        except WaitTimeout as exc:
            raise MetadataError(
                "The restored swarm has no leader to change autolock with: %s" % (errors[-1] if errors else exc)
            ) from exc
        spec = swarm["Spec"]
        spec.setdefault("EncryptionConfig", {})["AutoLockManagers"] = enabled
        self.client.update_swarm(version=swarm["Version"]["Index"], swarm_spec=spec)

    def bring_back(self, unlock_key, timeout):
        """Start the engine, unlock it when autolock locked it, and wait for this node to be Ready."""
        self.start(timeout)
        seen = {}

        def ready():
            info = self.unlock(unlock_key)
            seen["info"] = info
            if info.get("LocalNodeState") == "active" and info.get("NodeID"):
                try:
                    if (self.client.inspect_node(info["NodeID"]).get("Status") or {}).get("State") == "ready":
                        return info
                except Exception:
                    pass  # no leader elected yet
            return None

        try:
            return wait_until(ready, timeout, "this node to be Ready in the swarm", interval=2)
        except WaitTimeout as exc:
            raise MetadataError(
                "This node's swarm state is '%s', not Ready, %ss after the engine started."
                % (seen.get("info", {}).get("LocalNodeState"), timeout)
            ) from exc

    def state(self):
        c = self.client
        return summarize_state(c.services(), c.networks(), c.secrets(), c.configs(), c.nodes())
