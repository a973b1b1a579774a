# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_backup against a scripted engine: every refusal happens before the engine is stopped, the swarm
directory comes from the engine's data root, and a backup is checked before it is called good."""

from __future__ import annotations

import shutil
import tarfile

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import sha256_file
from ansible_collections.dockfleet.docker.plugins.modules import swarm_backup
from ansible_collections.dockfleet.docker.tests.unit.plugins.modules.swarm_backup_fakes import (
    FakeEngine,
    FakeModule,
    engine_info,
    make_swarm,
    manager,
    run,
)


def test_backup_archives_the_swarm_under_the_remapped_data_root(tmp_path, backup_host):
    # userns-remap: the engine reports /var/lib/docker/<uid>.<gid>; an empty <data-root>/swarm beside it is not used.
    base = tmp_path / "var-lib-docker"
    backup_host({"data-root": str(base), "userns-remap": "default"})
    (base / "swarm").mkdir(parents=True)
    remapped = base / "165536.231072"
    make_swarm(remapped)
    engine = FakeEngine(engine_info(remapped), [manager()])
    module = FakeModule(path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert not ended.failed, ended.result["msg"]
    assert engine.calls == ["stop", "bring_back"]
    metadata = ended.result["metadata"]
    assert metadata["data_root"] == str(remapped) and metadata["swarm_dir"] == str(remapped / "swarm")
    with tarfile.open(ended.result["archive"]) as tar:
        names = tar.getnames()
    assert "swarm/raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal" in names
    assert metadata["archive_sha256"] == sha256_file(ended.result["archive"])


def test_backup_of_an_empty_swarm_directory_is_refused_before_the_engine_stops(tmp_path, backup_host):
    # daemon.json agrees with the engine; the directory simply holds no swarm state.
    backup_host({})
    root = tmp_path / "docker"
    (root / "swarm").mkdir(parents=True)
    engine = FakeEngine(engine_info(root), [manager()])
    module = FakeModule(path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert ended.result["msg"].startswith(
        "The swarm directory %s/swarm (under the engine's data root %s) does not hold a manager's swarm state"
        % (root, root)
    )
    assert ended.result["msg"].endswith("Nothing was stopped.")
    assert not (tmp_path / "backups").exists()


def test_backup_to_a_path_it_cannot_write_names_the_option_before_the_engine_stops(tmp_path, backup_host):
    backup_host({})
    make_swarm(tmp_path / "docker")
    (tmp_path / "backups").write_text("a file in the way")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(path=str(tmp_path / "backups" / "swarm"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    message = ended.result["msg"]
    assert "Cannot write the backup to %s/backups/swarm" % tmp_path in message
    assert "path (in the swarm_backup playbook swarm_backup_remote_dir)" in message
    assert "[Errno" not in message


def test_backup_refuses_when_daemon_json_turned_live_restore_on(tmp_path, backup_host):
    backup_host({"live-restore": True})
    make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert "would not come back after the backup" in ended.result["msg"]


def test_backup_refuses_a_data_root_change_not_applied_yet(tmp_path, backup_host):
    backup_host({"data-root": str(tmp_path / "new-root")})
    make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    module = FakeModule(path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == []
    assert "a change not applied yet" in ended.result["msg"] and "Restart docker" in ended.result["msg"]


def test_an_archive_without_the_swarm_state_is_not_kept(tmp_path, backup_host):
    # What the archive holds is checked once more after it is written, whatever happened while the engine was stopped.
    backup_host({})
    swarm = make_swarm(tmp_path / "docker")
    engine = FakeEngine(engine_info(tmp_path / "docker"), [manager()])
    engine.stop = lambda: (engine.calls.append("stop"), shutil.rmtree(swarm / "raft"))
    module = FakeModule(path=str(tmp_path / "backups"), accept_control_plane_outage=True)
    ended = run(swarm_backup.backup, module, engine)
    assert ended.failed and engine.calls == ["stop", "bring_back"]
    assert ended.result["msg"].startswith("The archive written does not hold a manager's swarm state")
    assert ended.result["msg"].endswith("No archive was kept.")
    assert list((tmp_path / "backups").iterdir()) == []


# ------------------------------------------------------------------------------------------------ restore


def test_a_remote_docker_host_is_refused_naming_it(run_module):
    ended = run_module(swarm_backup.main, {"docker_host": "tcp://10.0.0.11:2376"})
    assert ended.failed
    assert ended.result["msg"].startswith("docker_host is tcp://10.0.0.11:2376, but this module stops and archives")
    assert "Nothing was changed" in ended.result["msg"]
