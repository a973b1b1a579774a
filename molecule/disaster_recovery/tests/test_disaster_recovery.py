"""Disaster recovery, end to end, through the playbooks an operator runs.

Converge left a swarm with autolock on: dr-manager-1 (the only manager), dr-worker-1 (labelled
zone=a, runs the two replicas of dr-web), an overlay network, a secret and a config. dr-spare-1
has an engine and no swarm. The tests run in file order and build on each other:

1. the backup refuses a single manager without confirmation, and stops nothing;
2. the backup with confirmation writes a verified archive and metadata to the controller, keeps
   the last N, never writes the unlock key, and leaves the manager Ready;
3. restores that must be refused (corrupted archive, newer engine in the metadata, wrong unlock
   key) change nothing on the spare; a wrong key that only the engine can judge is rolled back;
4. the manager's swarm state is destroyed; the restore onto the spare brings every object back,
   re-joins the worker, re-applies its labels and runs the service's replicas.

The runbooks run as an operator runs them: as the unprivileged controller account (no sudo on the
controller), `ansible-playbook -i inventory -b dockfleet.docker.<runbook>`, over SSH to the hosts'
unprivileged account (tests/platform/controller.py). What lands on the controller is the operator's.
"""

import gzip
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "platform"))
import controller  # tests/platform/controller.py: run as the operator

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
WORKSPACE = controller.workspace("disaster_recovery")
OPERATOR_INVENTORY = controller.export_inventory(INVENTORY, WORKSPACE / "inventory.yml") if INVENTORY else None
BACKUPS = WORKSPACE / "backups"
MANAGER, WORKER, SPARE = "dr-manager-1", "dr-worker-1", "dr-spare-1"
STATE = {}  # what earlier tests learnt (the unlock key stays here, never printed)


def engine_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def playbook(name, *extra, check=False):
    """Run one of the collection's runbooks as the operator, with -b; return (rc, output)."""
    return controller.playbook(
        OPERATOR_INVENTORY, name, "swarm_backup_dir=%s" % BACKUPS, *extra, check=check, cwd=WORKSPACE
    )


def swarm_info(name):
    return json.loads(engine_host(name).check_output("docker info --format '{{json .Swarm}}'"))


def engine_started_at(name):
    return engine_host(name).check_output("systemctl show docker -p ActiveEnterTimestampMonotonic --value")


def docker_dir(name):
    return sorted(engine_host(name).check_output("ls /var/lib/docker").split())


def dated_backups():
    return sorted(p for p in BACKUPS.glob("2*") if p.is_dir())


def spare_untouched(before):
    """The spare's engine was not restarted, it is in no swarm and /var/lib/docker holds the same entries."""
    assert engine_started_at(SPARE) == before["started"], "the engine on the spare was restarted"
    assert swarm_info(SPARE)["LocalNodeState"] == "inactive"
    assert docker_dir(SPARE) == before["dir"]


@pytest.fixture()
def spare_before():
    return {"started": engine_started_at(SPARE), "dir": docker_dir(SPARE)}


def copy_backup(name, change=None, corrupt=False):
    """A copy of the backup under BACKUPS/<name>/<date>, its metadata changed or its archive corrupted."""
    source = STATE["backup"]
    target = BACKUPS.parent / name / source.name
    shutil.rmtree(target.parent, ignore_errors=True)
    shutil.copytree(source, target)
    if corrupt:
        archive = next(target.glob("*.tar.gz"))
        data = bytearray(archive.read_bytes())
        data[len(data) // 2] ^= 0xFF
        archive.write_bytes(bytes(data))
    if change:
        meta_path = next(target.glob("*.json"))
        metadata = json.loads(meta_path.read_text())
        change(metadata)
        meta_path.write_text(json.dumps(metadata))
    controller.give(target.parent)
    return target


# 1. backup ---------------------------------------------------------------------------------


def test_single_manager_backup_needs_confirmation():
    started = engine_started_at(MANAGER)
    rc, output = playbook("swarm_backup")
    assert rc != 0
    assert "swarm_backup_single_manager_ok=true" in output
    assert "Nothing was stopped" in output
    assert engine_started_at(MANAGER) == started, "the engine was stopped although the backup was refused"
    assert dated_backups() == []


def test_backup_writes_archive_and_metadata_and_keeps_the_last_n():
    manager = engine_host(MANAGER)
    STATE["key"] = manager.check_output("docker swarm unlock-key -q").strip()
    # Two older backups: with swarm_backup_keep=2 the oldest goes, the newer one stays.
    for old in ("20200101T000000Z", "20200102T000000Z"):
        (BACKUPS / old).mkdir(parents=True, exist_ok=True)
    controller.give(BACKUPS)
    started = engine_started_at(MANAGER)
    rc, output = playbook("swarm_backup", "swarm_backup_single_manager_ok=true", "swarm_backup_keep=2")
    assert rc == 0, output
    assert STATE["key"] not in output

    backups = dated_backups()
    assert backups[0].name == "20200102T000000Z"
    assert len(backups) == 2
    STATE["backup"] = backups[-1]
    archive = next(backups[-1].glob("swarm-backup-dr-manager-1-*.tar.gz"))
    meta_path = next(backups[-1].glob("swarm-backup-dr-manager-1-*.json"))
    # Fetched by the operator's own account: its files, private to it.
    operator = controller.account()
    for path in (archive, meta_path, backups[-1]):
        assert (path.stat().st_uid, path.stat().st_gid) == (operator.pw_uid, operator.pw_gid), path
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert oct(meta_path.stat().st_mode & 0o777) == "0o600"
    assert oct(backups[-1].stat().st_mode & 0o777) == "0o700"
    metadata = json.loads(meta_path.read_text())
    STATE["metadata"] = metadata

    info = swarm_info(MANAGER)
    assert metadata["cluster_id"] == info["Cluster"]["ID"]
    assert metadata["node_id"] == info["NodeID"]
    assert metadata["autolock"] is True
    assert metadata["engine_version"].startswith("26.1.")
    assert metadata["state"]["services"] == {"dr-web": {"mode": "replicated", "replicas": 2}}
    assert "dr-frontend" in metadata["state"]["networks"]
    assert metadata["state"]["secrets"] == ["dr-secret"]
    assert metadata["state"]["configs"] == ["dr-config"]
    assert metadata["state"]["nodes"][WORKER]["labels"] == {"zone": "a", "disk": "ssd"}
    assert metadata["state"]["nodes"][MANAGER]["labels"] == {"tier": "control"}
    assert metadata["counts"] == {"services": 1, "networks": 2, "secrets": 1, "configs": 1, "nodes": 2}
    digest = subprocess.run(["sha256sum", str(archive)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert metadata["archive_sha256"] == digest

    key = STATE["key"].encode()
    assert key not in gzip.decompress(archive.read_bytes())
    assert STATE["key"] not in meta_path.read_text()
    listing = subprocess.run(["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True).stdout.split()
    assert any(name.startswith("swarm/raft/") for name in listing)
    assert all(name == "swarm" or name.startswith("swarm/") for name in listing)

    # The engine really was stopped for the archive, and is back, unlocked and Ready.
    assert engine_started_at(MANAGER) != started
    assert info["LocalNodeState"] == "active"
    assert manager.check_output("docker node inspect self --format '{{.Status.State}}'") == "ready"
    assert (
        not manager.file("/var/backups/dockfleet-swarm").exists
        or manager.check_output("ls /var/backups/dockfleet-swarm") == ""
    )


# 2. refused restores change nothing ----------------------------------------------------------


def test_corrupted_archive_is_refused(spare_before):
    bad = copy_backup("corrupted", corrupt=True)
    rc, output = playbook(
        "swarm_restore",
        "swarm_restore_host=%s" % SPARE,
        "swarm_restore_backup=%s" % bad,
        "swarm_restore_unlock_key=%s" % STATE["key"],
    )
    assert rc != 0
    assert "is corrupted or is not the one the metadata describes" in output
    assert "Nothing was changed" in output
    spare_untouched(spare_before)


def test_backup_from_a_newer_engine_is_refused(spare_before):
    newer = copy_backup("newer-engine", change=lambda m: m.update(engine_version="99.0.1"))
    rc, output = playbook(
        "swarm_restore",
        "swarm_restore_host=%s" % SPARE,
        "swarm_restore_backup=%s" % newer,
        "swarm_restore_unlock_key=%s" % STATE["key"],
    )
    assert rc != 0
    assert "is older than the engine 99.0.1 that wrote the backup" in output
    assert "Nothing was changed" in output
    spare_untouched(spare_before)
    assert not engine_host(SPARE).file("/var/tmp/dockfleet-swarm-restore").exists


def test_restore_with_a_wrong_unlock_key_is_refused(spare_before):
    # A restore without a key is refused the same way (unit-tested: unlock_key_problem).
    rc, output = playbook(
        "swarm_restore",
        "swarm_restore_host=%s" % SPARE,
        "swarm_restore_backup=%s" % STATE["backup"],
        "swarm_restore_unlock_key=SWMKEY-1-wrongwrongwrongwrongwrongwrongwrongwrongw",
    )
    assert rc != 0
    assert "is not the one that was in force when the backup was taken" in output
    spare_untouched(spare_before)


def test_wrong_key_the_engine_refuses_is_rolled_back(spare_before):
    # Without the fingerprint (a hand-made metadata file) only the engine can tell the key is wrong:
    # the restore gets as far as unlocking, then puts the spare back as it was.
    blind = copy_backup("no-fingerprint", change=lambda m: m.pop("unlock_key_fingerprint"))
    rc, output = playbook(
        "swarm_restore",
        "swarm_restore_host=%s" % SPARE,
        "swarm_restore_backup=%s" % blind,
        "swarm_restore_unlock_key=SWMKEY-1-wrongwrongwrongwrongwrongwrongwrongwrongw",
    )
    assert rc != 0
    assert "The engine refused the unlock key" in output
    assert "The host was put back as it was" in output
    assert swarm_info(SPARE)["LocalNodeState"] == "inactive"
    after = docker_dir(SPARE)
    kept = [name for name in after if name.startswith("swarm.failed-restore-")]
    assert len(kept) == 1, after
    assert [name for name in after if name != kept[0]] == spare_before["dir"]


def test_dry_run_checks_everything_and_changes_nothing(spare_before):
    rc, output = playbook(
        "swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_unlock_key=%s" % STATE["key"], check=True
    )
    assert rc == 0, output
    assert "passed every check (would restore /var/tmp/dockfleet-swarm-restore/" in output
    spare_untouched(spare_before)
    assert not engine_host(SPARE).file("/var/tmp/dockfleet-swarm-restore").exists


# 3. disaster and restore ---------------------------------------------------------------------


def test_destroy_the_managers_swarm_state():
    manager = engine_host(MANAGER)
    manager.check_output("systemctl stop docker.socket docker.service && rm -rf /var/lib/docker/swarm")
    manager.check_output("systemctl start docker")
    assert swarm_info(MANAGER)["LocalNodeState"] == "inactive"


def test_restore_onto_the_spare():
    rc, output = playbook(
        "swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_unlock_key=%s" % STATE["key"]
    )
    STATE["restore_output"] = output
    assert rc == 0, output
    assert STATE["key"] not in output
    for line in (
        "services: 1 of 1 back (dr-web)",
        "secrets: 1 of 1 back (dr-secret)",
        "configs: 1 of 1 back (dr-config)",
        "replicas: every replicated service runs its replicas",
        "labels as in the backup: dr-worker-1",
    ):
        assert line in output
    assert "networks: 2 of 2 back" in output
    # dr-manager-1 has the address the restored manager keeps in raft (docker/for-linux#523):
    # it must not be joined as a manager.
    assert "WARNING: dr-manager-1" in output and "was NOT re-joined" in output
    assert "nodes of the backup not in the swarm now: dr-manager-1" in output


def test_restored_swarm_holds_every_object_of_the_backup():
    spare = engine_host(SPARE)
    metadata = STATE["metadata"]
    info = swarm_info(SPARE)
    assert info["Cluster"]["ID"] == metadata["cluster_id"]
    assert info["ControlAvailable"] is True
    assert info["NodeID"] == metadata["node_id"], "the spare takes over the backed-up manager's node"
    networks = spare.check_output("docker network ls --filter scope=swarm --format '{{.Name}}'").split()
    assert set(metadata["state"]["networks"]) <= set(networks)
    assert spare.check_output("docker network inspect dr-frontend --format '{{.Driver}}'") == "overlay"
    assert spare.check_output("docker secret ls --format '{{.Name}}'").split() == ["dr-secret"]
    assert spare.check_output("docker config ls --format '{{.Name}}'").split() == ["dr-config"]
    assert (
        spare.check_output("docker config inspect dr-config --format '{{printf \"%s\" .Spec.Data}}'") == "listen 8080"
    )


def test_worker_rejoined_with_its_labels_and_runs_the_replicas():
    spare = engine_host(SPARE)
    nodes = json.loads(spare.check_output("docker node inspect $(docker node ls -q)"))
    by_name = {n["Description"]["Hostname"]: n for n in nodes}
    assert sorted(by_name) == [SPARE, WORKER], "Down nodes of the old swarm must be pruned"
    assert len(nodes) == 2
    worker = by_name[WORKER]
    assert worker["Status"]["State"] == "ready"
    assert worker["Spec"]["Role"] == "worker"
    assert worker["Spec"]["Labels"] == {"zone": "a", "disk": "ssd"}
    assert swarm_info(WORKER)["LocalNodeState"] == "active"
    tasks = spare.check_output(
        "docker service ps dr-web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"
    ).splitlines()
    assert len(tasks) == 2 and all(t.startswith(WORKER + " Running") for t in tasks), tasks


def test_autolock_is_on_with_a_new_key_and_the_old_state_was_kept():
    spare = engine_host(SPARE)
    spec = json.loads(spare.check_output("docker info --format '{{json .Swarm.Cluster.Spec.EncryptionConfig}}'"))
    assert spec["AutoLockManagers"] is True
    assert spare.check_output("docker swarm unlock-key -q").strip() != STATE["key"]
    assert any(name.startswith("swarm.before-restore-") for name in docker_dir(SPARE))
    assert not spare.file("/var/tmp/dockfleet-swarm-restore").exists


def test_manager_with_the_old_raft_address_stayed_out():
    assert swarm_info(MANAGER)["LocalNodeState"] == "inactive"


def test_restore_again_changes_nothing_in_the_swarm():
    spare = engine_host(SPARE)
    nodes_before = spare.check_output("docker node ls -q")
    rc, output = playbook(
        "swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_unlock_key=%s" % STATE["key"]
    )
    assert rc == 0, output
    assert "Already restored: swarm" in output
    assert "changed: [dr-worker-1]" not in output
    assert spare.check_output("docker node ls -q") == nodes_before
