#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_restore
short_description: Restore a swarm backup onto this host, the new first manager
version_added: 0.1.0
description:
  - Restores an archive made by M(dockfleet.docker.swarm_backup) onto this host and makes it the only manager of the
    swarm of the backup.
  - First checks everything it can without touching the host - metadata, archive checksum, archive paths and content,
    engine version, unlock key fingerprint, live-restore, a data-root change not applied yet, that the host is not in a
    working swarm, and room in its data root - each refusal saying how to fix it. Then it stops the engine, moves any
    existing swarm directory aside (never deletes it), extracts the archive into this host's own data root, starts the
    engine, unlocks it and runs C(docker swarm init --force-new-cluster). When a step after the move fails, the host is
    put back as it was and the restored data is kept aside.
  - Changed means the host's swarm state was replaced; false when the host already manages the swarm of the backup.
  - It stops and replaces the swarm state of the engine of the host it runs on; a O(docker_host) other than a Unix
    socket is refused.
extends_documentation_fragment:
  - dockfleet.docker.swarm_state
options:
  archive:
    description:
      - The archive on this host.
    type: path
    required: true
  metadata:
    description:
      - The metadata file on this host that belongs to O(archive).
    type: path
    required: true
  advertise_addr:
    description:
      - The address the new first manager advertises.
    type: str
    required: true
  listen_addr:
    description:
      - The address the new first manager listens on for swarm traffic.
    type: str
    default: 0.0.0.0:2377
  unlock_key:
    description:
      - The unlock key that was in force when the backup was taken; required when the backup was taken with autolock on.
        Keep it in a vault.
    type: str
  allow_newer_engine:
    description:
      - Accept a host engine of a newer release than the one that wrote the backup. An older engine is always refused.
    type: bool
    default: true
  force:
    description:
      - Replace the swarm state even when this host already manages the swarm of the backup, or is a member of another
        working swarm (its state is moved aside, not deleted).
    type: bool
    default: false
  ignore_live_restore:
    description:
      - In check mode, do not refuse because live-restore is on. For a caller that turns live-restore off before the
        real restore (the C(dockfleet.docker.swarm_restore) playbook reloads dockerd with it off) and wants its dry run
        to check everything else. Without check mode it has no effect - dockerd refuses to start with swarm state while
        live-restore is on, so a real restore always refuses it.
    type: bool
    default: false
attributes:
  diff_mode:
    details:
      - Shows the node's swarm membership before and after.
notes:
  - Run on the host concerned (the module talks to the local engine and systemd). The playbook
    C(dockfleet.docker.swarm_restore) copies the files, re-joins the nodes and re-applies the labels.
"""

EXAMPLES = r"""
- name: Restore onto a new first manager
  dockfleet.docker.swarm_restore:
    archive: /var/tmp/swarm-backup-mgr2-20260101T020000Z.tar.gz
    metadata: /var/tmp/swarm-backup-mgr2-20260101T020000Z.json
    advertise_addr: 10.0.0.21
    unlock_key: "{{ vault_swarm_unlock_key }}"
  register: restored
  no_log: true  # the result holds the join tokens
"""

RETURN = r"""
archive:
  description: Path of the archive on the host.
  returned: when changed, not in check mode
  type: str
metadata:
  description: The metadata of the backup (never holds the unlock key).
  returned: always
  type: dict
moved_aside:
  description: Where the host's previous swarm directory was moved (null when it had none).
  returned: when changed, not in check mode
  type: str
data_root:
  description: The restore host's data root (C(DockerRootDir)) the swarm state was restored into.
  returned: when changed
  type: str
problems:
  description: Every reason found to refuse the run before anything was changed; C(msg) is the first.
  returned: when the restore is refused
  type: list
  elements: str
notes:
  description: Things to know about the run (newer engine, data root, raft address, autolock, ...).
  returned: success
  type: list
  elements: str

cluster_id:
  description: ID of the restored swarm.
  returned: success, not in check mode
  type: str
node_id:
  description: Node ID of the new first manager.
  returned: success, not in check mode
  type: str
node_addr:
  description: Address of the new first manager, where other nodes join it.
  returned: success, not in check mode
  type: str
raft_addr:
  description:
    - Address the restored manager has in raft. Docker keeps the backed-up manager's address here even when
      O(advertise_addr) differs (docker/for-linux#523); managers that join reach the new manager there.
  returned: success, not in check mode
  type: str
join_tokens:
  description: Join tokens of the restored swarm (worker, manager). Sensitive; register with C(no_log).
  returned: success, not in check mode
  type: dict"""

import os
import tarfile
import tempfile

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_archive, swarm_backup_host
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import engine_errors
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    autolock_restore_problem,
    engine_compatibility,
    load_metadata,
    unlock_key_problem,
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
    metadata = load_metadata(params["metadata"])
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
    full_info, data_root, swarm_dir, problems = swarm_backup_host.read_host(
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
        swarm_backup_host.destination_problem(
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

    stamp = swarm_backup_host.utc_stamp()
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


def main():
    module = swarm_backup_host.swarm_state_module(
        archive=dict(type="path", required=True),
        metadata=dict(type="path", required=True),
        advertise_addr=dict(type="str", required=True),
        listen_addr=dict(type="str", default="0.0.0.0:2377"),
        unlock_key=dict(type="str", no_log=True),
        allow_newer_engine=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        ignore_live_restore=dict(type="bool", default=False),
    )
    swarm_backup_host.run_on_local_engine(module, restore, "stops and replaces the swarm state of")


if __name__ == "__main__":
    main()
