# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the engine_info module reports, made from the engine's own answers (``GET /version``,
``GET /info``, ``GET /nodes``). Pure: never talks to the engine."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import (
    ManagerCounts,
    fault_tolerance,
    node_view,
    raft_members,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import node_summary

# LocalNodeState values in which this node takes part in a swarm.
IN_SWARM = ("active", "locked")


def engine_view(version, info):
    """The engine's version, data root, storage driver, security options, live-restore, how many containers
    and images it holds, and the warnings it gives about itself."""
    version = version or {}
    info = info or {}
    return {
        "version": version.get("Version") or info.get("ServerVersion"),
        "api_version": version.get("ApiVersion"),
        "os": version.get("Os") or info.get("OSType"),
        "arch": version.get("Arch") or info.get("Architecture"),
        "kernel_version": version.get("KernelVersion") or info.get("KernelVersion"),
        "docker_root_dir": info.get("DockerRootDir"),
        "storage_driver": info.get("Driver"),
        "security_options": list(info.get("SecurityOptions") or []),
        "live_restore_enabled": info.get("LiveRestoreEnabled"),
        "containers": info.get("Containers"),
        "images": info.get("Images"),
        "warnings": list(info.get("Warnings") or []),
    }


def swarm_view(info):
    """This node's swarm membership from the ``Swarm`` section of ``docker info``.

    ``role`` is V(manager) or V(worker) for an active member, else None (not in a swarm, locked,
    pending or in error: ``local_node_state`` says which).
    """
    swarm = (info or {}).get("Swarm") or {}
    state = swarm.get("LocalNodeState") or ""
    control = bool(swarm.get("ControlAvailable"))
    return {
        "local_node_state": state,
        "node_id": swarm.get("NodeID") or "",
        "node_addr": swarm.get("NodeAddr") or "",
        "control_available": control,
        "cluster_id": (swarm.get("Cluster") or {}).get("ID") or "",
        "error": swarm.get("Error") or "",
        "role": ("manager" if control else "worker") if state == "active" else None,
    }


def cluster_view(nodes, info):
    """The raft view, a managers summary and every node, from a manager's node list."""
    members = raft_members(nodes, (info or {}).get("Swarm"))
    views = [node_view(node, members) for node in nodes or []]
    counts = ManagerCounts(views)
    leader = [view["hostname"] for view in views if view["leader"]]
    rows = []
    for node, view in zip(nodes or [], views):
        row = node_summary(node)
        row["engine_version"] = ((node.get("Description") or {}).get("Engine") or {}).get("EngineVersion")
        row["raft_member"] = view["raft_member"]
        rows.append(row)
    return {
        "raft_members": sorted(members),
        "managers": {
            "total": counts.total,
            "reachable": counts.reachable,
            "quorum": counts.quorum,
            "has_quorum": counts.has_quorum,
            "fault_tolerance": fault_tolerance(counts.total),
            "leader": leader[0] if leader else None,
            "outside_raft": counts.outside_raft,
            "summary": counts.describe(),
        },
        "nodes": sorted(rows, key=lambda row: (row["role"] != "manager", row["hostname"] or "", row["id"] or "")),
    }


def down_result(message):
    """What engine_info returns when the daemon is down: every key, empty."""
    return {
        "answers": False,
        "server_errors": [message],
        "engine": engine_view({}, {}),
        "swarm": swarm_view({}),
        "raft_members": [],
        "managers": {},
        "nodes": [],
        "cluster_error": "",
    }
