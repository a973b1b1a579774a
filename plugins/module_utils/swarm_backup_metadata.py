# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a swarm backup records about the swarm, and the checks a restore makes with it.

Pure: works on the JSON the engine returns (``/info``, ``/swarm``, ``/services``, ...)
and on file contents, never talks to the engine. Used by the ``swarm_backup``, ``swarm_restore`` and
``swarm_backup_verify`` modules and the ``swarm_backup_host`` filter:

- ``summarize_state`` / ``build_metadata``: the metadata file written next to the archive;
- ``validate_metadata``, ``checksum_problem``, ``engine_compatibility``, ``unlock_key_problem``
  and ``unsafe_members``: every reason to refuse a restore before anything is touched;
- ``backup_refusal``: whether stopping the engine on this manager is safe;
- ``choose_backup_host``: which manager of a play the backup runbook backs up;
- ``load_metadata``: the metadata file, read and validated;
- ``compare_state``, ``compare_labels``, ``replica_status``: what a restored swarm holds
  compared to the backup.
"""

from __future__ import annotations

import hashlib
import json

from ansible_collections.dockfleet.docker.plugins.module_utils import quorum, versions
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_tasks import runs

METADATA_FORMAT = 1
ARCHIVE_ROOT = "swarm"

_REQUIRED = {
    "format": int,
    "cluster_id": str,
    "node_id": str,
    "hostname": str,
    "engine_version": str,
    "autolock": bool,
    "created": str,
    "archive": str,
    "archive_sha256": str,
    "state": dict,
    "counts": dict,
}
KINDS = ("services", "networks", "secrets", "configs")


class MetadataError(Exception):
    """The metadata file cannot be used; the message says why."""


# ---------------------------------------------------------------- backup


def summarize_state(services, networks, secrets, configs, nodes):
    """The swarm's objects by name, as the engine lists them.

    Only swarm-scoped networks are kept (local ones belong to a host, not to the swarm).
    A replicated service records its replica count; a global one records None.
    """
    summary = {"services": {}, "networks": [], "secrets": [], "configs": [], "nodes": {}}
    for service in services or []:
        spec = service.get("Spec") or {}
        mode = spec.get("Mode") or {}
        replicated = mode.get("Replicated")
        summary["services"][spec.get("Name", service.get("ID"))] = {
            "mode": "replicated" if replicated is not None else "global",
            "replicas": (replicated or {}).get("Replicas", 1) if replicated is not None else None,
        }
    summary["networks"] = sorted(n.get("Name") for n in networks or [] if n.get("Scope") == "swarm")
    summary["secrets"] = sorted((s.get("Spec") or {}).get("Name") for s in secrets or [])
    summary["configs"] = sorted((c.get("Spec") or {}).get("Name") for c in configs or [])
    for node in nodes or []:
        spec = node.get("Spec") or {}
        hostname = (node.get("Description") or {}).get("Hostname") or node.get("ID")
        entry = {"role": spec.get("Role", "worker"), "labels": dict(spec.get("Labels") or {})}
        # A reinstalled host leaves its old node Down under the same hostname: keep the Ready one.
        if hostname not in summary["nodes"] or (node.get("Status") or {}).get("State") == "ready":
            summary["nodes"][hostname] = entry
    return summary


def unlock_key_fingerprint(key):
    """A digest that tells a wrong unlock key from the right one without storing the key."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


def build_metadata(
    cluster_id,
    node_id,
    hostname,
    engine_version,
    autolock,
    state,
    created,
    archive,
    archive_sha256,
    unlock_key=None,
    data_root=None,
    swarm_dir=None,
):
    """The metadata document written next to an archive (never holds the unlock key itself).

    ``data_root`` and ``swarm_dir`` record where the backed-up engine kept its state (``DockerRootDir``); a
    restore extracts into the restore host's own data root, whatever they say.
    """
    metadata = {
        "format": METADATA_FORMAT,
        "cluster_id": cluster_id,
        "node_id": node_id,
        "hostname": hostname,
        "engine_version": engine_version,
        "autolock": bool(autolock),
        "created": created,
        "archive": archive,
        "archive_sha256": archive_sha256,
        "state": state,
        "counts": dict((kind, len(state[kind])) for kind in (*KINDS, "nodes")),
    }
    if data_root:
        metadata["data_root"] = data_root
    if swarm_dir:
        metadata["swarm_dir"] = swarm_dir
    if autolock and unlock_key:
        metadata["unlock_key_fingerprint"] = unlock_key_fingerprint(unlock_key)
    return metadata


def backup_refusal(nodes, self_id, accept_outage=False, members=None):
    """Whether stopping the engine on node ``self_id`` to back it up is safe.

    ``nodes`` is the engine's node list, ``members`` its raft view (``quorum.raft_members``; by default read from
    the nodes). Returns ``(refusal, warning)``: a message when the backup must not run here (else None), and a
    warning to show when it runs with an outage accepted.
    """
    views = [quorum.node_view(n, members) for n in nodes]
    me = [v for v in views if v["id"] == self_id and quorum.counts_as_manager(v)]
    if not me:
        return (
            "This node is not a swarm manager: only a manager holds the swarm's raft data. Run the backup on a manager.",
            None,
        )
    counts = quorum.ManagerCounts(views)
    others = [v for v in counts.managers if v["reachable"] and v["id"] != self_id]
    if me[0]["leader"] and others:
        names = ", ".join(sorted(v["hostname"] for v in others))
        return (
            "This node is the swarm's leader. Back up a non-leader manager (%s) so the leader keeps the swarm "
            "running while this node's engine is stopped." % names,
            None,
        )
    if counts.reachable_without(self_id) >= counts.quorum:
        return None, None
    outage = (
        "Stopping the engine on this node leaves %d of %d managers reachable, below the majority of %d: the swarm "
        "accepts no change (no scheduling, no updates) until the engine is back, usually for some seconds. Running "
        "containers keep running." % (counts.reachable_without(self_id), counts.total, counts.quorum)
    )
    if not accept_outage:
        return (
            outage + " Nothing was stopped. Confirm the outage (accept_control_plane_outage=true; in the playbook "
            "swarm_backup_single_manager_ok=true), or bring the other managers back first.",
            None,
        )
    return None, outage


def choose_backup_host(engines, requested=None):
    """The manager the backup runbook backs up, and how many managers the raft cluster has.

    ``engines`` maps each inventory host of the play to its ``engine_info`` result, in play order. The
    nodes come from the first manager that lists them. A Ready, reachable non-leader manager is chosen
    when there is one (the leader keeps the swarm running while its engine is stopped), else the Ready
    leader; ``requested`` (swarm_backup_host) wins when given. ``backup_refusal`` checks the choice
    again on the host before its engine stops. Returns ``{"host": name or "", "managers": count}``.
    """
    nodes = next(
        (result.get("nodes") for result in engines.values() if (result or {}).get("nodes")),
        [],
    )
    members = [node for node in nodes if node.get("role") == "manager" and node.get("raft_member")]
    if requested:
        return {"host": requested, "managers": len(members)}
    by_id = dict((node.get("id"), node) for node in members if node.get("state") == "ready")
    ready = []
    for host, result in engines.items():
        node = by_id.get(((result or {}).get("swarm") or {}).get("node_id"))
        if node and (node.get("leader") or node.get("manager_reachability") == "reachable"):
            ready.append((bool(node.get("leader")), host))
    followers = [host for leader, host in ready if not leader]
    leaders = [host for leader, host in ready if leader]
    return {"host": (followers + leaders + [""])[0], "managers": len(members)}


# ---------------------------------------------------------------- restore checks


def load_metadata(path):
    """The metadata file at ``path``, validated; ``MetadataError`` saying why it cannot be used."""
    try:
        with open(path) as handle:
            metadata = json.load(handle)
        validate_metadata(metadata)
    except (OSError, ValueError, MetadataError) as exc:
        raise MetadataError("Cannot use the metadata file %s: %s Nothing was changed." % (path, exc)) from exc
    return metadata


def validate_metadata(metadata):
    """Raise MetadataError when ``metadata`` is not a usable backup metadata document."""
    if not isinstance(metadata, dict):
        raise MetadataError("The metadata file does not hold a JSON object.")
    problems = []
    for key, kind in _REQUIRED.items():
        if key not in metadata:
            problems.append("'%s' is missing" % key)
        elif not isinstance(metadata[key], kind):
            problems.append("'%s' should be a %s" % (key, kind.__name__))
    if not problems and metadata["format"] != METADATA_FORMAT:
        problems.append("format %s is not the one this collection reads (%d)" % (metadata["format"], METADATA_FORMAT))
    if not problems:
        missing = [kind for kind in (*KINDS, "nodes") if kind not in metadata["state"]]
        if missing:
            problems.append("state lacks %s" % ", ".join(missing))
    if problems:
        raise MetadataError(
            "The metadata file is not a dockfleet swarm backup metadata file: %s." % "; ".join(problems)
        )


def sha256_file(path, chunk=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_problem(expected, actual, archive):
    if expected.lower() == actual.lower():
        return None
    return (
        "The archive %s is corrupted or is not the one the metadata describes: its SHA-256 is %s, the metadata "
        "records %s. Nothing was changed. Use the archive fetched together with this metadata file."
        % (archive, actual, expected)
    )


def _engine_release(text):
    """``(major, minor)`` of an engine version (``versions.release``); MetadataError when it holds none."""
    parts = versions.release(text)
    if not parts:
        raise MetadataError("Cannot read the engine version '%s'." % text)
    return (*parts, 0)[:2]


def engine_compatibility(backup_version, host_version, allow_newer=True):
    """``(problem, note)``: whether the host's engine may load raft data the backup's engine wrote.

    The same major.minor release is compatible. A newer engine is accepted when ``allow_newer`` (the engine
    migrates raft data forward, never back); an older engine is refused.
    """
    backup = _engine_release(backup_version)
    host = _engine_release(host_version)
    if backup[:2] == host[:2]:
        return None, None
    if host[:2] > backup[:2]:
        if allow_newer:
            return None, (
                "The host's engine %s is newer than the backup's %s: the restored raft data is upgraded to %s and "
                "cannot go back to %s afterwards." % (host_version, backup_version, host_version, backup_version)
            )
        return (
            "The host's engine %s is newer than the engine %s that wrote the backup, and newer engines are not "
            "allowed (allow_newer_engine=false). Nothing was changed. Install engine %d.%d on this host."
            % (host_version, backup_version, backup[0], backup[1]),
            None,
        )
    return (
        "The host's engine %s is older than the engine %s that wrote the backup; an older engine cannot be trusted "
        "to read newer raft data. Nothing was changed. Install engine %d.%d or newer on this host (the engine role, "
        'engine_version: "%d.%d").' % (host_version, backup_version, backup[0], backup[1], backup[0], backup[1]),
        None,
    )


def unlock_key_problem(metadata, unlock_key):
    """Why the given unlock key cannot unlock this backup (None when it can, or cannot be told)."""
    if not metadata.get("autolock"):
        return None
    if not unlock_key:
        return (
            "The backup was taken with autolock on: its raft data is encrypted with the swarm's unlock key. "
            "Nothing was changed. Pass the key that was in force when the backup was taken (unlock_key; in the "
            "playbook swarm_restore_unlock_key, from your vault)."
        )
    expected = metadata.get("unlock_key_fingerprint")
    if expected and unlock_key_fingerprint(unlock_key) != expected:
        return (
            "The unlock key given is not the one that was in force when the backup was taken (its fingerprint "
            "differs from the metadata's). Nothing was changed. Use the key stored in your vault for that date; "
            "a key rotated after the backup does not unlock it."
        )
    return None


def autolock_restore_problem(metadata):
    """Why locked raft data of this backup cannot become a new cluster (None when it can).

    ``docker swarm init --force-new-cluster`` restarts the node without the unlock key and fails on locked raft
    data (moby/moby#36852). The restore turns autolock off for the switch, which needs the restored manager to
    lead alone: only possible when the backed-up swarm had a single manager.
    """
    if not metadata.get("autolock"):
        return None
    managers = sorted(
        n for n, e in (metadata.get("state") or {}).get("nodes", {}).items() if e.get("role") == "manager"
    )
    if len(managers) <= 1:
        return None
    return (
        "This backup was taken with autolock on from a swarm of %d managers (%s). Docker cannot force a new cluster "
        "from locked raft data (moby/moby#36852), and the restored manager cannot turn autolock off without a "
        "majority. Nothing was changed. Bring a majority of the old managers back instead, or take backups of "
        "multi-manager swarms with autolock off." % (len(managers), ", ".join(managers))
    )


def unsafe_members(members, root=ARCHIVE_ROOT):
    """Archive entries that would land outside ``root`` when extracted.

    ``members`` are ``(name, linkname)`` pairs (linkname empty for anything but links).
    """
    bad = []
    for name, linkname in members:
        parts = name.strip("/").split("/") if name else [""]
        if (
            name.startswith("/")
            or ".." in parts
            or parts[0] != root
            or (linkname and (linkname.startswith("/") or ".." in linkname.split("/")))
        ):
            bad.append(name)
    return bad


# ---------------------------------------------------------------- comparison


def compare_state(expected, current):
    """What of the backup's services, networks, secrets and configs the swarm holds now.

    Returns ``{kind: {matched, missing, unexpected}}`` plus ``ok`` (nothing missing) and ``summary`` lines.
    Objects created after the restore are listed as unexpected but do not make ``ok`` false.
    """
    report = {}
    ok = True
    lines = []
    for kind in KINDS:
        want = set(expected.get(kind) or [])
        have = set(current.get(kind) or [])
        entry = {
            "matched": sorted(want & have),
            "missing": sorted(want - have),
            "unexpected": sorted(have - want),
        }
        report[kind] = entry
        ok = ok and not entry["missing"]
        lines.append(
            "%s: %d of %d back%s%s"
            % (
                kind,
                len(entry["matched"]),
                len(want),
                (" (%s)" % ", ".join(entry["matched"])) if entry["matched"] else "",
                ("; MISSING: %s" % ", ".join(entry["missing"])) if entry["missing"] else "",
            )
            + (("; not in the backup: %s" % ", ".join(entry["unexpected"])) if entry["unexpected"] else "")
        )
    report["ok"] = ok
    report["summary"] = lines
    return report


def compare_labels(expected_nodes, current_nodes):
    """Nodes whose labels match the backup's, differ, or are not in the swarm now (by hostname)."""
    result = {"matched": [], "differ": {}, "absent": []}
    for hostname in sorted(expected_nodes):
        want = dict((expected_nodes[hostname] or {}).get("labels") or {})
        if hostname not in current_nodes:
            result["absent"].append(hostname)
            continue
        have = dict((current_nodes[hostname] or {}).get("labels") or {})
        if have == want:
            result["matched"].append(hostname)
        else:
            result["differ"][hostname] = {"backup": want, "now": have}
    return result


def replica_status(expected_services, tasks):
    """Running tasks of each replicated service of the backup against its replica count.

    ``tasks`` are the engine's tasks, each with a ``ServiceName`` added by the caller.
    """
    running = {}
    for task in tasks or []:
        if runs(task):
            running[task.get("ServiceName")] = running.get(task.get("ServiceName"), 0) + 1
    status = {}
    for name, service in sorted((expected_services or {}).items()):
        if service.get("mode") != "replicated":
            continue
        status[name] = {"desired": service.get("replicas"), "running": running.get(name, 0)}
    return status


def replicas_converged(status):
    return all(entry["running"] >= entry["desired"] for entry in status.values())
