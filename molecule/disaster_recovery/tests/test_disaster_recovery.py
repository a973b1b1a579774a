"""Disaster recovery, end to end, through the playbooks an operator runs.

Converge left a swarm without autolock: dr-manager-1..3 (managers), dr-worker-1 (labelled zone=a,
runs the two replicas of dr-web), dr-api placed anywhere, an overlay network, a secret and a
config; dr-manager-3 is userns-remapped. dr-spare-1 was prepared like any Docker host outside the
swarm groups: engine, daemon role, live-restore on. The tests run in file order and build on each
other:

1. a backup directory the operator cannot write is refused before any engine is stopped;
2. the backup of the three managers, taken on the remapped dr-manager-3, archives the raft state and
   the certificates from its remapped data root, writes verified metadata to the controller, keeps
   the last N, and leaves the manager Ready;
3. restores that must be refused (corrupted archive, newer engine in the metadata, an autolocked
   backup without its key) change nothing on the spare (live-restore is on again after a refusal
   that came after it was turned off); a dry run checks everything;
4. ALL managers are destroyed (their machines removed, still in the inventory); the restore onto
   the spare turns live-restore off with a reload, names the unreachable hosts in one line, brings
   every object back with identical service specs and full replica counts, re-joins the worker
   with its labels, prunes the Down nodes, and ends with rc=0.

The runbooks run as an operator runs them: as the unprivileged controller account (no sudo on the
controller), `ansible-playbook -i inventory -b dockfleet.docker.<runbook>`, over SSH to the hosts'
unprivileged account (tests/platform/controller.py). What lands on the controller is the operator's.
Docker is used from outside only to destroy the managers' machines (fault injection).
"""

import fnmatch
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import testinfra
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "platform"))
import controller  # tests/platform/controller.py: run as the operator


def check_host_keys(inventory, known_hosts):
    """Make the operator's inventory check host keys, as a fleet's does: the destroyed managers' addresses are
    freed and may be handed to other test hosts on the shared network, which accept the same login; with their
    keys pinned those answer as what they are, hosts that are not the destroyed managers (unreachable)."""
    data = yaml.safe_load(inventory.read_text())
    hosts = {}

    def walk(group):
        for name, host_vars in (group.get("hosts") or {}).items():
            hosts.setdefault(name, host_vars or {})
        for child in (group.get("children") or {}).values():
            walk(child or {})

    walk(data["all"])
    lines = []
    for host_vars in hosts.values():
        scan = subprocess.run(
            ["ssh-keyscan", "-T", "5", "-t", "ed25519", host_vars["ansible_host"]],
            capture_output=True,
            text=True,
            check=True,
        )
        lines += [line for line in scan.stdout.splitlines() if line and not line.startswith("#")]
        host_vars["ansible_ssh_common_args"] = (
            host_vars["ansible_ssh_common_args"]
            .replace("UserKnownHostsFile=/dev/null", "UserKnownHostsFile=%s" % known_hosts)
            .replace("StrictHostKeyChecking=no", "StrictHostKeyChecking=yes")
        )
    known_hosts.write_text("\n".join(lines) + "\n")
    inventory.write_text(yaml.safe_dump(data))
    controller.give(known_hosts)
    controller.give(inventory)
    return inventory


INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
WORKSPACE = controller.workspace("disaster_recovery")
OPERATOR_INVENTORY = (
    check_host_keys(controller.export_inventory(INVENTORY, WORKSPACE / "inventory.yml"), WORKSPACE / "known_hosts")
    if INVENTORY
    else None
)
BACKUPS = WORKSPACE / "backups"
MANAGERS = ["dr-manager-1", "dr-manager-2", "dr-manager-3"]
WORKER, SPARE, REMAPPED = "dr-worker-1", "dr-spare-1", "dr-manager-3"
CONNECT_TIMEOUT = "swarm_restore_connect_timeout=10"
STATE = {}  # what earlier tests learnt


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


def live_restore(name):
    """(live-restore in daemon.json, live-restore of the running engine)."""
    host = engine_host(name)
    configured = json.loads(host.file("/etc/docker/daemon.json").content_string).get("live-restore")
    return configured, host.check_output("docker info --format '{{.LiveRestoreEnabled}}'") == "true"


def service_specs(name):
    host = engine_host(name)
    return {
        service: json.loads(host.check_output("docker service inspect %s --format '{{json .Spec}}'" % service))
        for service in ("dr-web", "dr-api")
    }


def replicas(name):
    return dict(
        line.split()
        for line in engine_host(name).check_output("docker service ls --format '{{.Name}} {{.Replicas}}'").splitlines()
    )


def dated_backups(directory=BACKUPS):
    return sorted(p for p in directory.glob("2*") if p.is_dir())


def archive_listing(archive):
    return subprocess.run(["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True).stdout.split()


def spare_untouched(before):
    """The spare's engine was not restarted, it is in no swarm, /var/lib/docker holds the same entries and
    live-restore is on as the daemon role left it."""
    assert engine_started_at(SPARE) == before["started"], "the engine on the spare was restarted"
    assert swarm_info(SPARE)["LocalNodeState"] == "inactive"
    assert docker_dir(SPARE) == before["dir"]
    assert live_restore(SPARE) == (True, True)


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


def test_backup_directory_that_cannot_be_written_is_refused_before_any_engine_stops():
    started = {name: engine_started_at(name) for name in MANAGERS}
    rc, output = playbook("swarm_backup", "swarm_backup_dir=/root/dockfleet-swarm-backups")
    assert rc != 0
    assert "(swarm_backup_dir) cannot be written" in output and "Nothing was stopped" in output
    assert {name: engine_started_at(name) for name in MANAGERS} == started


def test_backup_of_three_managers_on_a_remapped_one_holds_the_raft_state_and_keeps_the_last_n():
    # Two older backups: with swarm_backup_keep=2 the oldest goes, the newer one stays.
    for old in ("20200101T000000Z", "20200102T000000Z"):
        (BACKUPS / old).mkdir(parents=True, exist_ok=True)
    controller.give(BACKUPS)
    STATE["specs"] = service_specs(MANAGERS[0])
    root = engine_host(REMAPPED).check_output("docker info --format '{{.DockerRootDir}}'")
    assert root.startswith("/var/lib/docker/") and root != "/var/lib/docker", root
    rc, output = playbook("swarm_backup", "swarm_backup_keep=2", "swarm_backup_host=%s" % REMAPPED)
    assert rc == 0, output
    assert "WARNING: the swarm has" not in output, "three managers keep a majority while one is backed up"

    backups = dated_backups()
    assert backups[0].name == "20200102T000000Z"
    assert len(backups) == 2
    STATE["backup"] = backups[-1]
    archive = next(backups[-1].glob("swarm-backup-dr-manager-3-*.tar.gz"))
    meta_path = next(backups[-1].glob("swarm-backup-dr-manager-3-*.json"))
    operator = controller.account()
    for path in (archive, meta_path, backups[-1]):
        assert (path.stat().st_uid, path.stat().st_gid) == (operator.pw_uid, operator.pw_gid), path
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert oct(backups[-1].stat().st_mode & 0o777) == "0o700"
    metadata = json.loads(meta_path.read_text())
    STATE["metadata"] = metadata

    backed_up = metadata["hostname"]
    assert backed_up == REMAPPED
    info = swarm_info(backed_up)
    assert info["ControlAvailable"] is True
    leader = engine_host(backed_up).check_output(
        "docker node ls --filter role=manager --format '{{.Hostname}} {{.ManagerStatus}}'"
    )
    assert "%s Leader" % backed_up not in leader, "a non-leader manager is backed up"
    assert metadata["cluster_id"] == info["Cluster"]["ID"]
    assert metadata["node_id"] == info["NodeID"]
    assert metadata["autolock"] is False
    assert metadata["data_root"] == root
    assert metadata["state"]["services"] == {
        "dr-web": {"mode": "replicated", "replicas": 2},
        "dr-api": {"mode": "replicated", "replicas": 3},
    }
    assert "dr-frontend" in metadata["state"]["networks"]
    assert metadata["state"]["secrets"] == ["dr-secret"]
    assert metadata["state"]["configs"] == ["dr-config"]
    assert metadata["state"]["nodes"][WORKER]["labels"] == {"zone": "a", "disk": "ssd"}
    assert metadata["counts"]["nodes"] == 4
    digest = subprocess.run(["sha256sum", str(archive)], capture_output=True, text=True, check=True).stdout.split()[0]
    assert metadata["archive_sha256"] == digest
    listing = archive_listing(archive)
    assert fnmatch.filter(listing, "swarm/raft/wal-v3-encrypted/*.wal"), listing
    for name in ("swarm-node.crt", "swarm-node.key", "swarm-root-ca.crt"):
        assert "swarm/certificates/%s" % name in listing, listing
    assert all(name == "swarm" or name.startswith("swarm/") for name in listing)
    assert engine_host(backed_up).check_output("docker node inspect self --format '{{.Status.State}}'") == "ready"


# 2. refused restores change nothing ----------------------------------------------------------


def test_corrupted_archive_is_refused(spare_before):
    bad = copy_backup("corrupted", corrupt=True)
    rc, output = playbook("swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_backup=%s" % bad)
    assert rc != 0
    assert "is corrupted or is not the one the metadata describes" in output
    assert "Nothing was changed" in output
    spare_untouched(spare_before)


def test_backup_from_a_newer_engine_is_refused_and_live_restore_is_on_again(spare_before):
    newer = copy_backup("newer-engine", change=lambda m: m.update(engine_version="99.0.1"))
    rc, output = playbook("swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_backup=%s" % newer)
    assert rc != 0
    assert "is older than the engine 99.0.1 that wrote the backup" in output
    assert "Nothing was changed" in output
    assert "live-restore, turned off for the restore, is on again" in output
    spare_untouched(spare_before)
    assert not engine_host(SPARE).file("/var/tmp/dockfleet-swarm-restore").exists


def test_autolocked_backup_of_several_managers_is_refused(spare_before):
    # Without the key the key check refuses (with one, Docker could not force a new cluster from the locked raft
    # data of several managers, moby/moby#36852: unit-tested), before anything changes.
    locked = copy_backup("autolocked", change=lambda m: m.update(autolock=True))
    rc, output = playbook("swarm_restore", "swarm_restore_host=%s" % SPARE, "swarm_restore_backup=%s" % locked)
    assert rc != 0
    assert "The backup was taken with autolock on" in output and "Nothing was changed" in output
    spare_untouched(spare_before)


def test_dry_run_checks_everything_and_changes_nothing(spare_before):
    rc, output = playbook("swarm_restore", "swarm_restore_host=%s" % SPARE, check=True)
    assert rc == 0, output
    assert "passed every check (would restore /var/tmp/dockfleet-swarm-restore/" in output
    assert "live-restore is on there: the restore would turn it off first" in output
    spare_untouched(spare_before)
    assert not engine_host(SPARE).file("/var/tmp/dockfleet-swarm-restore").exists


# 3. disaster and restore ---------------------------------------------------------------------


def test_destroy_every_manager():
    # Lost machines: removed from outside, left in the inventory.
    subprocess.run(["docker", "rm", "-f", "-v", *MANAGERS], capture_output=True, text=True, check=True)


def test_restore_onto_the_spare_with_the_managers_gone():
    rc, output = playbook("swarm_restore", "swarm_restore_host=%s" % SPARE, CONNECT_TIMEOUT)
    STATE["restore_output"] = output
    assert rc == 0, output
    assert "Module result deserialization failed" not in output
    unreachable = [line for line in output.splitlines() if "Not reachable, left out of the restore:" in line]
    assert len(unreachable) == 1, output
    assert all(name in unreachable[0] for name in MANAGERS)
    assert "dockfleet.docker.site --limit <host>" in output and "remove it from the inventory" in output
    assert "live-restore was on and has been turned off on dr-spare-1" in output
    assert "Put dr-spare-1 in swarm_managers" in output
    assert "it is restored into this host's own, /var/lib/docker" in output
    for line in (
        "services: 2 of 2 back",
        "secrets: 1 of 1 back (dr-secret)",
        "configs: 1 of 1 back (dr-config)",
        "replicas: every replicated service runs its replicas",
        "labels as in the backup: dr-worker-1",
    ):
        assert line in output


def test_spare_runs_with_live_restore_off_without_a_restart_for_it():
    assert live_restore(SPARE) == (False, False)


def test_restored_swarm_holds_every_object_with_identical_specs_and_full_replicas():
    spare = engine_host(SPARE)
    metadata = STATE["metadata"]
    info = swarm_info(SPARE)
    assert info["Cluster"]["ID"] == metadata["cluster_id"]
    assert info["ControlAvailable"] is True
    assert info["NodeID"] == metadata["node_id"], "the spare takes over the backed-up manager's node"
    assert service_specs(SPARE) == STATE["specs"]
    assert replicas(SPARE) == {"dr-web": "2/2", "dr-api": "3/3"}
    networks = spare.check_output("docker network ls --filter scope=swarm --format '{{.Name}}'").split()
    assert set(metadata["state"]["networks"]) <= set(networks)
    assert spare.check_output("docker network inspect dr-frontend --format '{{.Driver}}'") == "overlay"
    assert spare.check_output("docker secret ls --format '{{.Name}}'").split() == ["dr-secret"]
    assert spare.check_output("docker config ls --format '{{.Name}}'").split() == ["dr-config"]


def test_worker_rejoined_with_its_labels_and_down_nodes_were_pruned():
    spare = engine_host(SPARE)
    nodes = json.loads(spare.check_output("docker node inspect $(docker node ls -q)"))
    by_name = {n["Description"]["Hostname"]: n for n in nodes}
    assert sorted(by_name) == [SPARE, WORKER] and len(nodes) == 2, "Down nodes of the old swarm must be pruned"
    worker = by_name[WORKER]
    assert worker["Status"]["State"] == "ready"
    assert worker["Spec"]["Role"] == "worker"
    assert worker["Spec"]["Labels"] == {"zone": "a", "disk": "ssd"}
    tasks = spare.check_output(
        "docker service ps dr-web --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"
    ).splitlines()
    assert len(tasks) == 2 and all(t.startswith(WORKER + " Running") for t in tasks), tasks
