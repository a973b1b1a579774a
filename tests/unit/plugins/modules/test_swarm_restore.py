# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_restore against a scripted engine: every refusal happens before the engine is stopped, each naming
its fix, and the swarm state goes into this host's own data root."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import MetadataError
from ansible_collections.dockfleet.docker.plugins.modules import swarm_restore
from ansible_collections.dockfleet.docker.tests.unit.plugins.modules.swarm_backup_fakes import (
    MANAGER_FILES,
    SPARE,
    FakeEngine,
    backup_files,
    engine_info,
    restore_module,
    run,
)


def test_restore_in_check_mode_passes_every_check_on_a_good_archive(tmp_path, backup_host):
    backup_host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_restore.restore, restore_module(archive, metadata, check_mode=True), engine)
    assert not ended.failed, ended.result["msg"]
    assert ended.result["msg"] == "would restore %s into %s/spare/swarm" % (archive, tmp_path)
    assert engine.calls == []


def test_restore_on_a_spare_with_live_restore_is_refused_before_the_engine_stops(tmp_path, backup_host):
    # The spare prepared by the site playbook outside the swarm groups: live-restore on, in daemon.json and running.
    backup_host({"live-restore": True})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", live_restore=True, swarm=SPARE))
    ended = run(swarm_restore.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    message = ended.result["msg"]
    assert "(in %s/etc/docker/daemon.json and in the running engine)" % tmp_path in message
    assert "daemon_live_restore: false" in message and "would not come back after the restore" in message


@pytest.mark.parametrize("check_mode", [True, False])
def test_ignore_live_restore_lets_only_a_dry_run_through(tmp_path, backup_host, check_mode):
    # The swarm_restore playbook turns live-restore off before the real restore; its dry run cannot, so it asks the
    # module to check everything else. A real restore still refuses live-restore, whatever the option says.
    backup_host({"live-restore": True})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", live_restore=True, swarm=SPARE))
    module = restore_module(archive, metadata, check_mode=check_mode)
    module.params["ignore_live_restore"] = True
    ended = run(swarm_restore.restore, module, engine)
    assert engine.calls == []
    if check_mode:
        assert not ended.failed, ended.result["msg"]
        assert ended.result["msg"].startswith("would restore %s" % archive)
    else:
        assert ended.failed and "live-restore is on" in ended.result["msg"]


def test_restore_of_an_archive_without_raft_state_is_refused(tmp_path, backup_host):
    backup_host({})
    files = dict((k, v) for k, v in MANAGER_FILES.items() if not k.startswith("raft/"))
    archive, metadata = backup_files(tmp_path, files)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_restore.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert "does not hold a manager's swarm state: it lacks the raft log" in ended.result["msg"]
    assert "use another backup" in ended.result["msg"]


def test_restore_onto_an_older_engine_names_the_fix(tmp_path, backup_host):
    backup_host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE), version="20.10.24")
    ended = run(swarm_restore.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert 'engine_version: "26.1"' in ended.result["msg"]


def test_restore_onto_a_member_of_another_swarm_names_force(tmp_path, backup_host):
    backup_host({})
    archive, metadata = backup_files(tmp_path)
    (tmp_path / "spare").mkdir()
    other = {"NodeID": "x", "ControlAvailable": False, "LocalNodeState": "active", "Cluster": {"ID": "other"}}
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=other))
    ended = run(swarm_restore.restore, restore_module(archive, metadata), engine)
    assert ended.failed and engine.calls == []
    assert "swarm_restore_force=true" in ended.result["msg"]


def test_restore_notes_the_data_root_it_restores_into(tmp_path, backup_host):
    backup_host({})
    archive, metadata = backup_files(tmp_path, data_root="/var/lib/docker/165536.231072")
    (tmp_path / "spare").mkdir()
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    ended = run(swarm_restore.restore, restore_module(archive, metadata, check_mode=True), engine)
    assert any("restored into this host's own, %s/spare" % tmp_path in n for n in ended.result["notes"])


def test_a_remote_docker_host_is_refused_naming_it(run_module, tmp_path):
    archive, metadata = backup_files(tmp_path)
    args = {"archive": archive, "metadata": metadata, "advertise_addr": "10.0.0.21", "docker_host": "ssh://ops@mgr-1"}
    ended = run_module(swarm_restore.main, args)
    assert ended.failed and ended.result["msg"].startswith("docker_host is ssh://ops@mgr-1, but this module stops")


def test_a_metadata_file_that_cannot_be_read_changes_nothing(tmp_path, backup_host):
    backup_host({})
    archive, _metadata = backup_files(tmp_path)
    engine = FakeEngine(engine_info(tmp_path / "spare", swarm=SPARE))
    with pytest.raises(MetadataError) as refused:  # main() turns it into fail_json
        swarm_restore.restore(restore_module(archive, str(tmp_path / "missing.json")), engine)
    assert engine.calls == []
    assert str(refused.value).startswith("Cannot use the metadata file %s/missing.json" % tmp_path)
    assert str(refused.value).endswith("Nothing was changed.")
