#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_backup
short_description: Back up a swarm manager's raft data, restore it onto a new first manager, and check the result
version_added: 0.1.0
description:
  - V(backup) archives the swarm directory (O(swarm_dir)) on this manager with the engine stopped, as Docker's admin
    guide describes, and writes a metadata file next to it (cluster ID, node ID, engine version, autolock, the engine's
    data root, the names of services, networks, secrets and configs, node labels, time, the archive's SHA-256). The
    engine is started again, unlocked when autolock locked it, and the node is Ready before the module returns, also
    when archiving fails.
  - The swarm directory is found, never assumed - C(swarm) under the engine's data root (C(DockerRootDir) of
    C(docker info)), which C(data-root) and C(userns-remap) move (C(/var/lib/docker/<uid>.<gid>/swarm) with
    userns-remap).
  - V(backup) refuses, with nothing stopped, to run on the leader when other managers are reachable, to stop a manager
    whose absence leaves the swarm without a majority of its raft members unless O(accept_control_plane_outage=true),
    when the swarm directory does not hold a manager's swarm state (the raft log and snapshot directory, the node
    certificates, C(state.json) and C(docker-state.json)), when live-restore is on (dockerd would not start again)
    or a data-root change is not applied yet, and when O(path) cannot be written. The archive written is checked the
    same way before it is called good; a bad one is deleted and the module fails.
  - V(restore) first checks everything it can without touching the host - metadata, archive checksum, archive paths
    and content, engine version, unlock key fingerprint, live-restore, a data-root change not applied yet, that the
    host is not in a working swarm, and room in its data root - each refusal saying how to fix it. Then it stops the
    engine, moves any existing swarm directory aside (never deletes it), extracts the archive into this host's own
    data root, starts the engine, unlocks it and runs C(docker swarm init --force-new-cluster). When a step after the
    move fails, the host is put back as it was and the restored data is kept aside.
  - V(verify) compares the swarm this manager runs with the metadata, waiting up to O(wait_timeout) seconds for the
    replicated services to run their replicas. Given O(archive), it first checks the archive's checksum and content
    as V(restore) does.
  - Changed means a new archive was written (V(backup), always true outside check mode, because every backup stops the
    engine and makes a new archive) or the host's swarm state was replaced (V(restore); false when the host already
    manages the swarm of the backup). V(verify) never changes anything.
  - The unlock key is never written to the archive, the metadata or the result. The metadata holds a SHA-256
    fingerprint of it, so a wrong key is refused before anything is changed. The archive holds the swarm's CA key and,
    without autolock, the key that decrypts its secrets. Store it as carefully as the secrets themselves.
extends_documentation_fragment:
  - dockfleet.docker.engine
  - dockfleet.docker.engine.timeout
options:
  state:
    description:
      - V(backup), V(restore) or V(verify), as described above.
    type: str
    choices: [backup, restore, verify]
    required: true
  swarm_dir:
    description:
      - The engine's swarm state directory.
      - Default C(swarm) under the data root the engine reports (C(DockerRootDir)), or the one C(/etc/docker/daemon.json)
        gives (C(data-root), C(userns-remap)) when the engine does not report it. Set it only when dockerd keeps its
        swarm state elsewhere.
    type: path
  path:
    description:
      - With V(backup), the directory on this host the archive and the metadata file are written to (created C(0700)).
        It is checked to be writable before the engine is stopped.
    type: path
    default: /var/backups/dockfleet-swarm
  archive:
    description:
      - With V(restore), the archive on this host.
      - With V(verify), an archive to check (checksum against O(metadata), content) before the swarm is compared.
    type: path
  metadata:
    description:
      - With V(restore) and V(verify), the metadata file on this host that belongs to O(archive).
    type: path
  accept_control_plane_outage:
    description:
      - With V(backup), stop the engine even though the swarm has no majority of managers without this one (a single
        manager, or two). The swarm accepts no change until the engine is back, usually a few seconds; containers keep
        running. A warning is given.
    type: bool
    default: false
  advertise_addr:
    description:
      - With V(restore), the address the new first manager advertises. Required with V(restore).
    type: str
  listen_addr:
    description:
      - With V(restore), the address the new first manager listens on for swarm traffic.
    type: str
    default: 0.0.0.0:2377
  unlock_key:
    description:
      - With V(restore), the unlock key that was in force when the backup was taken; required when the backup was
        taken with autolock on. Keep it in a vault.
    type: str
  allow_newer_engine:
    description:
      - With V(restore), accept a host engine of a newer release than the one that wrote the backup. An older engine is
        always refused.
    type: bool
    default: true
  force:
    description:
      - With V(restore), replace the swarm state even when this host already manages the swarm of the backup, or is a
        member of another working swarm (its state is moved aside, not deleted).
    type: bool
    default: false
  ignore_live_restore:
    description:
      - With V(restore) in check mode, do not refuse because live-restore is on. For a caller that turns live-restore
        off before the real restore (the C(dockfleet.docker.swarm_restore) playbook reloads dockerd with it off) and
        wants its dry run to check everything else. Without check mode it has no effect - dockerd refuses to start
        with swarm state while live-restore is on, so a real restore always refuses it.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the engine and the node to be back (V(backup), V(restore)) or for services to run their
        replicas (V(verify)).
    type: int
    default: 120
attributes:
  check_mode:
    description: Runs every check and reports what would be done; stops nothing.
    support: full
  diff_mode:
    description: Shows the node's swarm membership before and after.
    support: full
notes:
  - Run on the host concerned (the module talks to the local engine and systemd). The playbooks
    C(dockfleet.docker.swarm_backup) and C(dockfleet.docker.swarm_restore) choose the hosts, fetch and copy the files,
    re-join the nodes and re-apply the labels.
seealso:
  - module: dockfleet.docker.swarm
  - module: dockfleet.docker.swarm_node
  - name: Docker swarm administration guide, back up and recover a swarm
    link: https://docs.docker.com/engine/swarm/admin_guide/
    description: The procedure this module follows.
author:
  - dockfleet maintainers (@dockfleet)
"""

EXAMPLES = r"""
- name: Back up a non-leader manager
  dockfleet.docker.swarm_backup:
    state: backup
    path: /var/backups/dockfleet-swarm
  register: backup

- name: Restore onto a new first manager
  dockfleet.docker.swarm_backup:
    state: restore
    archive: /var/tmp/swarm-backup-mgr2-20260101T020000Z.tar.gz
    metadata: /var/tmp/swarm-backup-mgr2-20260101T020000Z.json
    advertise_addr: 10.0.0.21
    unlock_key: "{{ vault_swarm_unlock_key }}"
  register: restored
  no_log: true  # the result holds the join tokens

- name: Check the swarm holds every object of the backup
  dockfleet.docker.swarm_backup:
    state: verify
    metadata: /var/tmp/swarm-backup-mgr2-20260101T020000Z.json
"""

RETURN = r"""
archive:
  description: Path of the archive on the host.
  returned: with backup and restore
  type: str
metadata_path:
  description: Path of the metadata file on the host.
  returned: with backup
  type: str
metadata:
  description: The metadata of the backup (never holds the unlock key).
  returned: always
  type: dict
moved_aside:
  description: Where the host's previous swarm directory was moved (null when it had none).
  returned: with restore, when changed
  type: str
data_root:
  description: The restore host's data root (C(DockerRootDir)) the swarm state was restored into.
  returned: with restore, when changed
  type: str
problems:
  description: Every reason found to refuse the run before anything was changed; C(msg) is the first.
  returned: when a backup or restore is refused
  type: list
  elements: str
cluster_id:
  description: ID of the restored swarm.
  returned: with restore
  type: str
node_id:
  description: Node ID of the new first manager.
  returned: with restore
  type: str
raft_addr:
  description:
    - Address the restored manager has in raft. Docker keeps the backed-up manager's address here even when
      O(advertise_addr) differs (docker/for-linux#523); managers that join reach the new manager there.
  returned: with restore
  type: str
join_tokens:
  description: Join tokens of the restored swarm (worker, manager). Sensitive; register with C(no_log).
  returned: with restore
  type: dict
notes:
  description: Things to know about the run (newer engine, outage accepted, ...).
  returned: always
  type: list
  elements: str
comparison:
  description: Per kind (services, networks, secrets, configs) the names matched, missing and unexpected, plus C(ok)
    and C(summary) lines.
  returned: with verify
  type: dict
labels:
  description: Nodes (by hostname) whose labels match the backup, differ, or are absent.
  returned: with verify
  type: dict
replicas:
  description: Desired and running replicas of each replicated service of the backup.
  returned: with verify
  type: dict
"""

import datetime
import json
import os
import tarfile
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_archive
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    engine_argument_spec,
    engine_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import raft_members
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_host import (
    destination_problem,
    host_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    autolock_restore_problem,
    backup_refusal,
    build_metadata,
    compare_labels,
    compare_state,
    engine_compatibility,
    replica_status,
    replicas_converged,
    sha256_file,
    unlock_key_problem,
    validate_metadata,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_engine import Engine


def utc_stamp():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def read_metadata(module):
    try:
        with open(module.params["metadata"]) as handle:
            metadata = json.load(handle)
        validate_metadata(metadata)
    except (OSError, ValueError, MetadataError) as exc:
        module.fail_json(
            msg="Cannot use the metadata file %s: %s Nothing was changed." % (module.params["metadata"], exc)
        )
    return metadata


def read_host(module, engine, action, check_live_restore=True):
    """``docker info`` of the engine, then ``swarm_backup_host.host_state``: data root, swarm directory, problems."""
    with engine_errors(module, "report its settings (docker info)"):
        info = engine.client.info()
    return (info, *host_state(info, module.params["swarm_dir"], action, check_live_restore=check_live_restore))


def where(swarm_dir, data_root, explicit):
    if explicit:
        return "The swarm directory %s (swarm_dir)" % swarm_dir
    return "The swarm directory %s (under the engine's data root %s)" % (swarm_dir, data_root)


def backup(module, engine):
    params = module.params
    info, data_root, swarm_dir, problems = read_host(module, engine, "the backup")
    swarm_info = info.get("Swarm") or {}
    with engine_errors(module, "report the swarm this node manages"):
        nodes = engine.client.nodes() if swarm_info.get("ControlAvailable") else []
    refusal, warning = backup_refusal(
        nodes, swarm_info.get("NodeID"), params["accept_control_plane_outage"], raft_members(nodes, swarm_info)
    )
    content = swarm_archive.content_problem(
        swarm_archive.directory_entries(swarm_dir), where(swarm_dir, data_root, params["swarm_dir"])
    )
    if content:
        problems.append(content + " Nothing was stopped.")
    problems = [p for p in [refusal, *problems] if p]
    if not problems:
        # Made (0700) and written to only when nothing else refuses: a refused backup changes nothing.
        problem = destination_problem(
            params["path"],
            "the backup",
            "Set path (in the swarm_backup playbook swarm_backup_remote_dir) to a directory this host can write.",
            create=not module.check_mode,
        )
        problems = [problem] if problem else []
    if problems:
        module.fail_json(msg=problems[0], problems=problems)
    notes = [warning] if warning else []
    for note in notes:
        module.warn(note)
    with engine_errors(module, "read the swarm's objects, settings and version"):
        swarm = engine.client.inspect_swarm()
        state = engine.state()
        version = engine.client.version().get("Version")
        autolock = bool(((swarm.get("Spec") or {}).get("EncryptionConfig") or {}).get("AutoLockManagers"))
        unlock_key = (engine.client.get_unlock_key() or {}).get("UnlockKey") if autolock else None
    hostname = engine.client.inspect_node(swarm_info["NodeID"])["Description"]["Hostname"]
    created = utc_stamp()
    base = os.path.join(params["path"], "swarm-backup-%s-%s" % (hostname, created))
    metadata = build_metadata(
        swarm["ID"],
        swarm_info["NodeID"],
        hostname,
        version,
        autolock,
        state,
        created,
        os.path.basename(base) + ".tar.gz",
        "",
        unlock_key,
        data_root=data_root,
        swarm_dir=swarm_dir,
    )
    if autolock_restore_problem(metadata):
        notes.append(
            "WARNING: autolock is on and the swarm has several managers. Docker cannot force a new cluster from "
            "locked raft data (moby/moby#36852), so swarm_restore refuses this backup; turn autolock off while "
            "taking backups you may need to restore onto a new host."
        )
    if autolock:
        notes.append(
            "Autolock is on: this archive can only be restored with the unlock key in force now. It is not "
            "stored anywhere by dockfleet: read it with 'docker swarm unlock-key -q' on a manager and keep it "
            "in your vault for the restore (swarm_restore_unlock_key)."
        )
    if module.check_mode:
        module.exit_json(
            changed=True,
            metadata=metadata,
            notes=notes,
            msg="would stop the engine and archive %s" % swarm_dir,
        )

    archive, partial = base + ".tar.gz", base + ".tar.gz.partial"
    failure = None
    try:
        engine.stop()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            tar.add(swarm_dir, arcname=swarm_archive.ROOT)
    except Exception as exc:
        failure = "Archiving %s failed: %s." % (swarm_dir, getattr(exc, "strerror", None) or exc)
    finally:
        try:
            engine.bring_back(unlock_key, params["wait_timeout"])
        except MetadataError as exc:
            failure = (
                failure + " " if failure else ""
            ) + "The engine is NOT back: %s Check 'systemctl status docker'." % exc
    if not failure:
        # A backup is good only when it holds what a restore needs.
        try:
            failure = swarm_archive.content_problem(swarm_archive.tar_entries(partial), "The archive written")
        except (OSError, tarfile.TarError) as exc:
            failure = "The archive written cannot be read back: %s." % exc
        if not failure:
            os.rename(partial, archive)
    if failure:
        for path in (partial, archive):
            if os.path.exists(path):
                os.unlink(path)
        module.fail_json(msg=failure + " No archive was kept.")
    metadata["archive_sha256"] = sha256_file(archive)
    fd = os.open(base + ".json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(metadata, handle, indent=2, sort_keys=True)
    module.exit_json(
        changed=True,
        archive=archive,
        metadata_path=base + ".json",
        metadata=metadata,
        notes=notes,
        diff=dict(before={"archive": None}, after={"archive": archive}),
    )


def membership(info):
    return {"local_node_state": info.get("LocalNodeState"), "cluster_id": (info.get("Cluster") or {}).get("ID")}


def restore_result(engine, info):
    swarm = engine.client.inspect_swarm()
    tokens = swarm.get("JoinTokens") or {}
    raft_addr = (engine.client.inspect_node(info.get("NodeID")).get("ManagerStatus") or {}).get("Addr")
    return dict(
        raft_addr=raft_addr,
        cluster_id=swarm.get("ID"),
        node_id=info.get("NodeID"),
        node_addr=info.get("NodeAddr"),
        join_tokens={"worker": tokens.get("Worker"), "manager": tokens.get("Manager")},
    )


def restore(module, engine):
    params = module.params
    metadata = read_metadata(module)
    archive = params["archive"]
    problem, entries = swarm_archive.archive_problem(archive, metadata["archive_sha256"])
    if problem:
        module.fail_json(msg=problem, metadata=metadata)
    with engine_errors(module, "report its version"):
        host_version = engine.client.version().get("Version")
    try:
        problem, note = engine_compatibility(metadata["engine_version"], host_version, params["allow_newer_engine"])
    except MetadataError as exc:
        problem, note = str(exc), None
    problem = problem or unlock_key_problem(metadata, params["unlock_key"]) or autolock_restore_problem(metadata)
    if problem:
        module.fail_json(msg=problem, metadata=metadata)
    notes = [note] if note else []

    # Only a dry run may leave live-restore to the caller: a real restore must find it off.
    full_info, data_root, swarm_dir, problems = read_host(
        module, engine, "the restore", check_live_restore=not (module.check_mode and params["ignore_live_restore"])
    )
    info = full_info.get("Swarm") or {}
    before = membership(info)
    healthy = False
    if info.get("LocalNodeState") == "active":
        try:
            healthy = bool(engine.client.inspect_swarm().get("ID")) if info.get("ControlAvailable") else True
        except Exception:
            healthy = False  # a manager without a majority: exactly what a restore is for
    if healthy and not params["force"]:
        if before["cluster_id"] == metadata["cluster_id"]:
            module.exit_json(
                changed=False,
                metadata=metadata,
                notes=[*notes, "This host already manages the restored swarm."],
                diff=dict(before=before, after=before),
                **restore_result(engine, info),
            )
        problems.append(
            "This host is a member of a working swarm (%s), not the one of the backup (%s). Nothing was changed. "
            "Restore onto another host, or set force=true (in the swarm_restore playbook swarm_restore_force=true) "
            "to replace its swarm state (moved aside, not deleted)."
            % (before["cluster_id"] or "as a worker", metadata["cluster_id"])
        )
    problems.append(
        destination_problem(
            os.path.dirname(swarm_dir),
            "the restored swarm state",
            "The swarm state is extracted next to %s, in the engine's data root %s; make room there (or restore onto "
            "another host)." % (swarm_dir, data_root),
            needed=swarm_archive.total_size(entries),
        )
    )
    problems = [p for p in problems if p]
    if problems:
        module.fail_json(msg=problems[0], problems=problems, metadata=metadata)
    if metadata.get("data_root") and metadata["data_root"] != data_root:
        notes.append(
            "The backup was taken from the data root %s; it is restored into this host's own, %s."
            % (metadata["data_root"], data_root)
        )
    if module.check_mode:
        module.exit_json(
            changed=True,
            metadata=metadata,
            notes=notes,
            msg="would restore %s into %s" % (archive, swarm_dir),
            data_root=data_root,
            diff=dict(before=before, after={"local_node_state": "active", "cluster_id": metadata["cluster_id"]}),
        )

    stamp = utc_stamp()
    steps = {"aside": None, "extracted": False}
    try:
        engine.stop()
        if os.path.lexists(swarm_dir):
            steps["aside"] = "%s.before-restore-%s" % (swarm_dir, stamp)
            os.rename(swarm_dir, steps["aside"])
        staging = tempfile.mkdtemp(prefix=".restore-", dir=os.path.dirname(swarm_dir))
        with tarfile.open(archive, "r:*") as tar:
            # Entries were checked by unsafe_members above; the "tar" filter checks again where Python has it.
            tar.extractall(staging, numeric_owner=True, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
        os.rename(os.path.join(staging, "swarm"), swarm_dir)
        steps["extracted"] = True
        os.rmdir(staging)
        engine.start(params["wait_timeout"])
        engine.settle(params["wait_timeout"])
        engine.unlock(params["unlock_key"])
        if metadata["autolock"]:
            # --force-new-cluster restarts the node without the unlock key and fails on locked raft data
            # (moby/moby#36852): autolock is turned off for the switch and on again right after.
            engine.set_autolock(False, params["wait_timeout"])
        engine.client.init_swarm(
            advertise_addr=params["advertise_addr"], listen_addr=params["listen_addr"], force_new_cluster=True
        )
        info = engine.bring_back(params["unlock_key"], params["wait_timeout"])
        raft_addr = restore_result(engine, info)["raft_addr"] or ""
        if raft_addr.rsplit(":", 1)[0] != params["advertise_addr"].rsplit(":", 1)[0]:
            notes.append(
                "Docker kept the raft address %s of the backed-up manager instead of %s (docker/for-linux#523): "
                "managers that join reach this one there. Do not re-join a host that has the address %s as a "
                "manager; restoring onto a host with the backed-up manager's address avoids this."
                % (raft_addr, params["advertise_addr"], raft_addr)
            )
        if metadata["autolock"]:
            engine.set_autolock(True, params["wait_timeout"])
            notes.append(
                "Autolock is on again with a NEW unlock key: the key of the backup no longer unlocks this swarm. "
                "Read it now with 'docker swarm unlock-key -q' on %s and store it in your vault."
                % module.params["advertise_addr"]
            )
    except Exception as exc:
        reason = getattr(exc, "explanation", None) or str(exc)
        module.fail_json(
            msg="Restoring %s failed: %s %s" % (archive, reason, roll_back(engine, swarm_dir, steps, stamp))
        )
    module.exit_json(
        changed=True,
        archive=archive,
        metadata=metadata,
        moved_aside=steps["aside"],
        data_root=data_root,
        notes=notes,
        diff=dict(before=before, after=membership(info)),
        **restore_result(engine, info),
    )


def roll_back(engine, swarm_dir, steps, stamp):
    """Put the host's previous swarm state back after a failed restore; say what was done."""
    done = []
    try:
        engine.stop()
        if steps["extracted"] and os.path.lexists(swarm_dir):
            kept = "%s.failed-restore-%s" % (swarm_dir, stamp)
            os.rename(swarm_dir, kept)
            done.append("the restored data was moved to %s" % kept)
        if steps["aside"]:
            os.rename(steps["aside"], swarm_dir)
            done.append("the previous swarm state was put back")
        engine.start(60)
        done.append("the engine was started again")
        return "The host was put back as it was: %s." % ", ".join(done)
    except Exception as exc:
        return "Putting the host back failed too (%s; done so far: %s). Check %s and 'systemctl status docker'." % (
            exc,
            ", ".join(done) or "nothing",
            swarm_dir,
        )


def verify(module, engine):
    metadata = read_metadata(module)
    if module.params["archive"]:
        problem, _entries = swarm_archive.archive_problem(module.params["archive"], metadata["archive_sha256"])
        if problem:
            module.fail_json(msg=problem, metadata=metadata)
    deadline = time.time() + module.params["wait_timeout"]
    with engine_errors(module, "list the swarm's objects (run verify on a manager of the restored swarm)"):
        while True:
            state = engine.state()
            services = dict((s["ID"], s["Spec"]["Name"]) for s in engine.client.services())
            tasks = [dict(t, ServiceName=services.get(t.get("ServiceID"))) for t in engine.client.tasks()]
            replicas = replica_status(metadata["state"]["services"], tasks)
            if replicas_converged(replicas) or time.time() > deadline:
                break
            time.sleep(3)
    comparison = compare_state(metadata["state"], state)
    labels = compare_labels(metadata["state"]["nodes"], state["nodes"])
    lagging = [
        "%s (%d of %d running)" % (n, r["running"], r["desired"])
        for n, r in replicas.items()
        if r["running"] < r["desired"]
    ]
    summary = comparison["summary"] + [
        "replicas: " + ("; ".join(lagging) if lagging else "every replicated service runs its replicas")
    ]
    result = dict(
        changed=False,
        metadata=metadata,
        comparison=comparison,
        labels=labels,
        replicas=replicas,
        summary=summary,
        notes=[],
    )
    if not comparison["ok"] or lagging:
        module.fail_json(msg="The swarm does not match the backup: " + " | ".join(summary), **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            state=dict(type="str", required=True, choices=["backup", "restore", "verify"]),
            swarm_dir=dict(type="path"),
            path=dict(type="path", default="/var/backups/dockfleet-swarm"),
            archive=dict(type="path"),
            metadata=dict(type="path"),
            accept_control_plane_outage=dict(type="bool", default=False),
            advertise_addr=dict(type="str"),
            listen_addr=dict(type="str", default="0.0.0.0:2377"),
            unlock_key=dict(type="str", no_log=True),
            allow_newer_engine=dict(type="bool", default=True),
            force=dict(type="bool", default=False),
            ignore_live_restore=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=120),
        ),
        required_if=[
            ("state", "restore", ["archive", "metadata", "advertise_addr"]),
            ("state", "verify", ["metadata"]),
        ],
        supports_check_mode=True,
    )
    engine = Engine(module)
    try:
        {"backup": backup, "restore": restore, "verify": verify}[module.params["state"]](module, engine)
    except MetadataError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
