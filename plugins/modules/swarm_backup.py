#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_backup
short_description: Back up a swarm manager's raft data with the engine stopped
version_added: 0.1.0
description:
  - Archives the swarm directory (O(swarm_dir)) on this manager with the engine stopped, as Docker's admin guide
    describes, and writes a metadata file next to it (cluster ID, node ID, engine version, autolock, the engine's data
    root, the names of services, networks, secrets and configs, node labels, time, the archive's SHA-256). The engine is
    started again, unlocked when autolock locked it, and the node is Ready before the module returns, also when
    archiving fails.
  - The swarm directory is found, never assumed - C(swarm) under the engine's data root (C(DockerRootDir) of
    C(docker info)), which C(data-root) and C(userns-remap) move (C(/var/lib/docker/<uid>.<gid>/swarm) with
    userns-remap).
  - Refuses, with nothing stopped, to run on the leader when other managers are reachable, to stop a manager whose
    absence leaves the swarm without a majority of its raft members unless O(accept_control_plane_outage=true), when the
    swarm directory does not hold a manager's swarm state (the raft log and snapshot directory, the node certificates,
    C(state.json) and C(docker-state.json)), when live-restore is on (dockerd would not start again) or a data-root
    change is not applied yet, and when O(path) cannot be written. The archive written is checked the same way before
    it is called good; a bad one is deleted and the module fails.
  - Changed is always true outside check mode, because every backup stops the engine and makes a new archive.
  - The unlock key is never written to the archive, the metadata or the result. The metadata holds a SHA-256
    fingerprint of it, so a wrong key is refused by M(dockfleet.docker.swarm_restore) before anything is changed. The
    archive holds the swarm's CA key and, without autolock, the key that decrypts its secrets. Store it as carefully as
    the secrets themselves.
  - It stops and archives the engine of the host it runs on; a O(docker_host) other than a Unix socket is refused.
extends_documentation_fragment:
  - dockfleet.docker.swarm_state
options:
  path:
    description:
      - The directory on this host the archive and the metadata file are written to (created C(0700)). It is checked to
        be writable before the engine is stopped.
    type: path
    default: /var/backups/dockfleet-swarm
  accept_control_plane_outage:
    description:
      - Stop the engine even though the swarm has no majority of managers without this one (a single manager, or two).
        The swarm accepts no change until the engine is back, usually a few seconds; containers keep running. A warning
        is given.
    type: bool
    default: false
attributes:
  diff_mode:
    details:
      - Shows the archive written (none before).
notes:
  - Run on the manager concerned (the module talks to the local engine and systemd). The playbook
    C(dockfleet.docker.swarm_backup) chooses the manager and fetches the files.
"""

EXAMPLES = r"""
- name: Back up a non-leader manager
  dockfleet.docker.swarm_backup:
    path: /var/backups/dockfleet-swarm
  register: backup
"""

RETURN = r"""
archive:
  description: Path of the archive on the host.
  returned: success, not in check mode
  type: str
metadata_path:
  description: Path of the metadata file on the host.
  returned: success, not in check mode
  type: str
metadata:
  description: The metadata of the backup (never holds the unlock key).
  returned: success
  type: dict
problems:
  description: Every reason found to refuse the run before anything was changed; C(msg) is the first.
  returned: when the backup is refused
  type: list
  elements: str
notes:
  description: Things to know about the run (outage accepted, autolock, ...).
  returned: success
  type: list
  elements: str
"""

import json
import os
import tarfile

from ansible_collections.dockfleet.docker.plugins.module_utils import (
    swarm_archive,
    swarm_backup_host,
    swarm_backup_metadata,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import autolock_on, engine_errors
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import raft_members


def backup(module, engine):
    params = module.params
    info, data_root, swarm_dir, problems = swarm_backup_host.read_host(module, engine, "the backup")
    swarm_info = info.get("Swarm") or {}
    with engine_errors(module, "report the swarm this node manages"):
        nodes = engine.client.nodes() if swarm_info.get("ControlAvailable") else []
    refusal, warning = swarm_backup_metadata.backup_refusal(
        nodes, swarm_info.get("NodeID"), params["accept_control_plane_outage"], raft_members(nodes, swarm_info)
    )
    content = swarm_archive.content_problem(
        swarm_archive.directory_entries(swarm_dir), swarm_backup_host.where(swarm_dir, data_root, params["swarm_dir"])
    )
    if content:
        problems.append(content + " Nothing was stopped.")
    problems = [p for p in [refusal, *problems] if p]
    if not problems:
        # Made (0700) and written to only when nothing else refuses: a refused backup changes nothing.
        problem = swarm_backup_host.destination_problem(
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
        autolock = autolock_on(swarm)
        unlock_key = (engine.client.get_unlock_key() or {}).get("UnlockKey") if autolock else None
    hostname = engine.client.inspect_node(swarm_info["NodeID"])["Description"]["Hostname"]
    created = swarm_backup_host.utc_stamp()
    base = os.path.join(params["path"], "swarm-backup-%s-%s" % (hostname, created))
    metadata = swarm_backup_metadata.build_metadata(
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
    if swarm_backup_metadata.autolock_restore_problem(metadata):
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
        except swarm_backup_metadata.MetadataError as exc:
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
    metadata["archive_sha256"] = swarm_backup_metadata.sha256_file(archive)
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


def main():
    module = swarm_backup_host.swarm_state_module(
        path=dict(type="path", default="/var/backups/dockfleet-swarm"),
        accept_control_plane_outage=dict(type="bool", default=False),
    )
    swarm_backup_host.run_on_local_engine(module, backup, "stops and archives the swarm state of")


if __name__ == "__main__":
    main()
