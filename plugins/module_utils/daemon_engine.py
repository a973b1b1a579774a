# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running dockerd as daemon_config sees it, and the changes it refuses because of it.

``read_local_engine`` asks the local engine through the collection's one engine layer (``engine_client``'s
socket reader, which needs no Docker SDK) and returns what engine_info returns; ``engine_refusals`` is pure:
a storage driver or userns-remap change that would hide the host's images and containers, and live-restore on
a swarm node, each refused naming the daemon role variable that decides it.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    DEFAULT_DOCKER_HOST,
    EngineError,
    read_socket,
    unix_socket,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import (
    cluster_view,
    down_result,
    engine_view,
    swarm_view,
)

LOCAL_SOCKET = unix_socket(DEFAULT_DOCKER_HOST)
# LocalNodeState values with which dockerd refuses live-restore.
SWARM_STATES = ("active", "pending", "locked")


def read_local_engine(path=LOCAL_SOCKET, timeout=10):
    """engine_info's result for the engine on the Unix socket ``path`` (``answers`` false when it is down).

    Raises EngineError when something answered, but not as an engine does.
    """
    try:
        info = read_socket(path, "/info", timeout)
        version = read_socket(path, "/version", timeout)
    except EngineError as exc:
        if exc.down:
            return down_result(str(exc))
        raise
    result = dict(
        answers=True,
        server_errors=[],
        engine=engine_view(version, info),
        swarm=swarm_view(info),
        raft_members=[],
        managers={},
        nodes=[],
        cluster_error="",
    )
    if result["swarm"]["role"] == "manager":
        try:
            result.update(cluster_view(read_socket(path, "/nodes", timeout), info))
        except EngineError as exc:
            if exc.down:
                raise
            result["cluster_error"] = str(exc)  # a manager without a leader cannot list the swarm
    return result


def answers(path=LOCAL_SOCKET, timeout=5):
    """Whether the local engine answers GET /version."""
    try:
        read_socket(path, "/version", timeout)
        return True
    except EngineError:
        return False


def engine_refusals(desired, previous, engine_result, force_storage_change=False, force_userns_change=False):
    """Messages for a candidate daemon.json the running engine makes unsafe (pure)."""
    errors = []
    engine = engine_result.get("engine") or {}
    state = (engine_result.get("swarm") or {}).get("local_node_state") or ""
    if desired.get("live-restore") is True and state in SWARM_STATES:
        errors.append(
            "daemon_live_restore is true but this host is a swarm node (%s); dockerd refuses swarm mode with "
            "live-restore on. Set daemon_live_restore to false for swarm nodes (the default for hosts in the swarm "
            "groups)." % state
        )
    content = (engine.get("images") or 0) + (engine.get("containers") or 0)
    held = "the %s images and %s containers of this host" % (engine.get("images") or 0, engine.get("containers") or 0)
    wanted_driver = desired.get("storage-driver") or ""
    running_driver = engine.get("storage_driver") or ""
    if not force_storage_change and wanted_driver and running_driver and wanted_driver != running_driver and content:
        errors.append(
            "Changing the storage driver from %s to %s would hide %s (they stay on disk, but dockerd no longer sees "
            "them). Move or remove them first, or set daemon_force_storage_change: true."
            % (running_driver, wanted_driver, held)
        )
    wanted_remap = desired.get("userns-remap") or ""
    previous_remap = (previous or {}).get("userns-remap") or ""
    running_remapped = any("name=userns" in option for option in engine.get("security_options") or [])
    unchanged = running_remapped == bool(wanted_remap) and previous_remap == wanted_remap
    if not force_userns_change and not unchanged and content:
        errors.append(
            "Changing userns-remap from '%s' to '%s' gives dockerd a new storage root: %s would vanish from view. "
            "Move or remove them first, or set daemon_force_userns_change: true." % (previous_remap, wanted_remap, held)
        )
    return errors
