# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_backup against a scripted engine: every refusal happens before the engine is stopped, the swarm
directory comes from the engine's data root, and a backup is checked before it is called good."""

from __future__ import annotations

import functools
import json
import shutil
import tarfile

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_backup_host
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    build_metadata,
    sha256_file,
    summarize_state,
)
from ansible_collections.dockfleet.docker.plugins.modules import swarm_backup

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
            state=None,
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


@pytest.fixture
def host(tmp_path, monkeypatch):
    """This host's /etc (daemon.json, subuid, subgid) in tmp_path; returns a writer for daemon.json."""
    etc = tmp_path / "etc"
    (etc / "docker").mkdir(parents=True)
    (etc / "subuid").write_text("dockremap:165536:65536\n")
    (etc / "subgid").write_text("dockremap:231072:65536\n")
    daemon_json = etc / "docker" / "daemon.json"
    monkeypatch.setattr(
        swarm_backup,
        "host_state",
        functools.partial(
            swarm_backup_host.host_state,
            config_path=str(daemon_json),
            etc=str(etc),
            lookup_user={"dockremap": ("dockremap", 999)}.get,
        ),
    )

    def write(config):
        daemon_json.write_text(json.dumps(config))

    return write


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


# ------------------------------------------------------------------------------------------------ backup


def test_backup_archives_the_swarm_under_the_remapped_data_root(tmp_path, host):
    # userns-remap: the engine reports /var/lib/docker/<uid>.<gid>; an empty <data-root>/swarm beside it is not used.
    base = tmp_path / "var-lib-docker"
    host({"data-root": str(base), "userns-remap": "default"})
    (base / "swarm").mkdir(parents=True)
    remapped = base / "165536.231072"
    make_swarm(remapped)
    engine = FakeEngine(engine_info(remapped), [manager()])
    module = FakeModule(state="backup", path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert not ended.failed, ended.result["msg"]
    assert engine.calls == ["stop", "bring_back"]
    metadata = ended.result["metadata"]
    assert metadata["data_root"] == str(remapped) and metadata["swarm_dir"] == str(remapped / "swarm")
    with tarfile.open(ended.result["archive"]) as tar:
        names = tar.getnames()
    assert "swarm/raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal" in names
    assert metadata["archive_sha256"] == sha256_file(ended.result["archive"])


def test_backup_of_an_empty_swarm_directory_is_refused_before_the_engine_stops(tmp_path, host):
    # daemon.json agrees with the engine; the directory simply holds no swarm state.
    host({})
    root = tmp_path / "docker"
    (root / "swarm").mkdir(parents=True)
    engine = FakeEngine(engine_info(root), [manager()])
    module = FakeModule(state="backup", path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert ended.result["msg"].startswith(
        "The swarm directory %s/swarm (under the engine's data root %s) does not hold a manager's swarm state"
        % (root, root)
    )
    assert ended.result["msg"].endswith("Nothing was stopped.")
    assert not (tmp_path / "backups").exists()


def test_backup_to_a_path_it_cannot_write_names_the_option_before_the_engine_stops(tmp_path, host):
    host({})
    make_swarm(tmp_path / "docker")
    (tmp_path / "backups").write_text("a file in the way")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(state="backup", path=str(tmp_path / "backups" / "swarm"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    message = ended.result["msg"]
    assert "Cannot write the backup to %s/backups/swarm" % tmp_path in message
    assert "path (in the swarm_backup playbook swarm_backup_remote_dir)" in message
    assert "[Errno" not in message


def test_backup_refuses_when_daemon_json_turned_live_restore_on(tmp_path, host):
    host({"live-restore": True})
    make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(state="backup", path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert "would not come back after the backup" in ended.result["msg"]


def test_backup_refuses_a_data_root_change_not_applied_yet(tmp_path, host):
    host({"data-root": str(tmp_path / "new-root")})
    make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(state="backup", path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert "a change not applied yet" in ended.result["msg"] and "Restart docker" in ended.result["msg"]


def test_an_archive_without_the_swarm_state_is_not_kept(tmp_path, host):
    # What the archive holds is checked once more after it is written, whatever happened while the engine was stopped.
    host({})
    swarm = make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    engine.stop = lambda: (engine.calls.append("stop"), shutil.rmtree(swarm / "raft"))
    module = FakeModule(state="backup", path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == ["stop", "bring_back"]
    assert ended.result["msg"].startswith("The archive written does not hold a manager's swarm state")
    assert ended.result["msg"].endswith("No archive was kept.")
    assert list((tmp_path / "backups").iterdir()) == []


# ------------------------------------------------------------------------------------------------ restore


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
    return FakeModule(check_mode=check_mode, state="restore", archive=archive, metadata=metadata)


def test_restore_in_check_mode_passes_every_check_on_a_good_archive(tmp_path, host):
    host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_backup.restore, restore_module(archive, metadata, check_mode=True), engine)
    assert not ended.failed, ended.result["msg"]
    assert ended.result["msg"] == "would restore %s into %s/spare/swarm" % (archive, tmp_path)
    assert engine.calls == []


def test_restore_on_a_spare_with_live_restore_is_refused_before_the_engine_stops(tmp_path, host):
    # The spare prepared by the site playbook outside the swarm groups: live-restore on, in daemon.json and running.
    host({"live-restore": True})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", live_restore=True, swarm=SPARE))
    ended = run(swarm_backup.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    message = ended.result["msg"]
    assert "(in %s/etc/docker/daemon.json and in the running engine)" % tmp_path in message
    assert "daemon_live_restore: false" in message and "would not come back after the restore" in message


@pytest.mark.parametrize("check_mode", [True, False])
def test_ignore_live_restore_lets_only_a_dry_run_through(tmp_path, host, check_mode):
    # The swarm_restore playbook turns live-restore off before the real restore; its dry run cannot, so it asks the
    # module to check everything else. A real restore still refuses live-restore, whatever the option says.
    host({"live-restore": True})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", live_restore=True, swarm=SPARE))
    module = restore_module(archive, metadata, check_mode=check_mode)
    module.params["ignore_live_restore"] = True
    ended = run(swarm_backup.restore, module, engine)
    assert engine.calls == []
    if check_mode:
        assert not ended.failed, ended.result["msg"]
        assert ended.result["msg"].startswith("would restore %s" % archive)
    else:
        assert ended.failed and "live-restore is on" in ended.result["msg"]


def test_restore_of_an_archive_without_raft_state_is_refused(tmp_path, host):
    host({})
    files = dict((k, v) for k, v in MANAGER_FILES.items() if not k.startswith("raft/"))
    archive, metadata = backup_files(tmp_path, files)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_backup.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert "does not hold a manager's swarm state: it lacks the raft log" in ended.result["msg"]
    assert "use another backup" in ended.result["msg"]


def test_restore_onto_an_older_engine_names_the_fix(tmp_path, host):
    host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE), version="20.10.24")
    ended = run(swarm_backup.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert 'engine_version: "26.1"' in ended.result["msg"]


def test_restore_onto_a_member_of_another_swarm_names_force(tmp_path, host):
    host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    other = {"NodeID": "x", "ControlAvailable": False, "LocalNodeState": "active", "Cluster": {"ID": "other"}}
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=other))
    ended = run(swarm_backup.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert "swarm_restore_force=true" in ended.result["msg"]


def test_restore_notes_the_data_root_it_restores_into(tmp_path, host):
    host({})
    archive, metadata = backup_files(tmp_path, data_root="/var/lib/docker/165536.231072")
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_backup.restore, restore_module(archive, metadata, check_mode=True), engine)
    assert any("restored into this host's own, %s/spare" % tmp_path in n for n in ended.result["notes"])


def test_verify_checks_the_archive_first(tmp_path, host):
    archive, metadata = backup_files(tmp_path)
    with open(archive, "ab") as handle:
        handle.write(b"corrupted")
    engine = FakeEngine(engine_info(tmp_path))
    module = FakeModule(state="verify", archive=archive, metadata=metadata)
    ended = run(swarm_backup.verify, module, engine)
    assert ended.failed and "is corrupted or is not the one the metadata describes" in ended.result["msg"]
