# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted local engine, a module stand-in and backup files, shared by the tests of swarm_backup,
swarm_restore and swarm_backup_verify (the ``backup_host`` fixture in conftest.py writes this host's /etc)."""

from __future__ import annotations

import json
import tarfile

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    build_metadata,
    sha256_file,
    summarize_state,
)

MANAGER_FILES = {
    "docker-state.json": b'{"AdvertiseAddr":"10.0.0.11"}',
    "state.json": b'[{"node_id":"m1","addr":"10.0.0.11:2377"}]',
    "certificates/swarm-node.crt": b"crt",
    "certificates/swarm-node.key": b"key",
    "certificates/swarm-root-ca.crt": b"ca",
    "raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal": b"\0" * 64,
}


class Ended(Exception):
    def __init__(self, failed, result):
        super().__init__(result.get("msg"))
        self.failed, self.result = failed, result


class FakeModule:
    def __init__(self, check_mode=False, **params):
        self.params = dict(
            swarm_dir=None,
            path=None,
            archive=None,
            metadata=None,
            accept_control_plane_outage=False,
            advertise_addr="10.0.0.21",
            listen_addr="0.0.0.0:2377",
            unlock_key=None,
            allow_newer_engine=True,
            force=False,
            ignore_live_restore=False,
            wait_timeout=5,
        )
        self.params.update(params)
        self.check_mode = check_mode
        self.warnings = []

    def fail_json(self, msg, **result):
        raise Ended(True, dict(result, msg=msg))

    def exit_json(self, **result):
        raise Ended(False, result)

    def warn(self, text):
        self.warnings.append(text)


class FakeClient:
    def __init__(self, info, nodes, version="26.1.5"):
        self._info, self._nodes, self._version = info, nodes, version

    def info(self):
        return self._info

    def nodes(self):
        return self._nodes

    def version(self):
        return {"Version": self._version}

    def inspect_swarm(self):
        return {"ID": "cluster1", "Spec": {"EncryptionConfig": {"AutoLockManagers": False}}}

    def inspect_node(self, node_id):
        return {"Description": {"Hostname": "mgr-1"}, "ManagerStatus": {"Addr": "10.0.0.11:2377"}}

    def get_unlock_key(self):
        return {}


class FakeEngine:
    """The local engine; records whether it was ever stopped."""

    def __init__(self, info, nodes=(), version="26.1.5"):
        self.client = FakeClient(info, list(nodes), version)
        self.calls = []

    def stop(self):
        self.calls.append("stop")

    def bring_back(self, unlock_key, timeout):
        self.calls.append("bring_back")
        return self.client.info()["Swarm"]

    def state(self):
        return summarize_state([], [], [], [], self.client.nodes())


def manager(node_id="m1", hostname="mgr-1"):
    return {
        "ID": node_id,
        "Description": {"Hostname": hostname},
        "Spec": {"Role": "manager", "Availability": "active", "Labels": {}},
        "Status": {"State": "ready"},
        "ManagerStatus": {"Reachability": "reachable", "Leader": True},
    }


def make_swarm(root, files=None):
    swarm = root / "swarm"
    swarm.mkdir(parents=True)
    for name, content in (MANAGER_FILES if files is None else files).items():
        (swarm / name).parent.mkdir(parents=True, exist_ok=True)
        (swarm / name).write_bytes(content)
    (swarm / "raft" / "snap-v3-encrypted").mkdir(parents=True, exist_ok=True)
    return swarm


def engine_info(root, live_restore=False, swarm=None):
    return {
        "DockerRootDir": str(root),
        "LiveRestoreEnabled": live_restore,
        "Swarm": swarm
        or {"NodeID": "m1", "ControlAvailable": True, "LocalNodeState": "active", "Cluster": {"ID": "cluster1"}},
    }


def run(function, module, engine):
    with pytest.raises(Ended) as ended:
        function(module, engine)
    return ended.value


def backup_files(tmp_path, files=None, data_root="/var/lib/docker"):
    source = make_swarm(tmp_path / "source", files)
    archive = tmp_path / "swarm-backup-mgr-1-20260101T020000Z.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(str(source), arcname="swarm")
    metadata = build_metadata(
        "cluster1",
        "m1",
        "mgr-1",
        "26.1.5",
        False,
        summarize_state([], [], [], [], [manager()]),
        "20260101T020000Z",
        archive.name,
        sha256_file(str(archive)),
        data_root=data_root,
        swarm_dir=data_root + "/swarm",
    )
    path = tmp_path / "swarm-backup-mgr-1-20260101T020000Z.json"
    path.write_text(json.dumps(metadata))
    return str(archive), str(path)


SPARE = {"NodeID": "", "ControlAvailable": False, "LocalNodeState": "inactive"}


def restore_module(archive, metadata, check_mode=False):
    return FakeModule(check_mode=check_mode, archive=archive, metadata=metadata)
