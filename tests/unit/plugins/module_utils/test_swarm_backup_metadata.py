# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import hashlib

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    autolock_restore_problem,
    backup_refusal,
    build_metadata,
    checksum_problem,
    compare_labels,
    compare_state,
    engine_compatibility,
    replica_status,
    replicas_converged,
    sha256_file,
    summarize_state,
    unlock_key_fingerprint,
    unlock_key_problem,
    unsafe_members,
    validate_metadata,
)


def node(node_id, hostname, role="worker", labels=None, leader=False, reachable=True, ready=True):
    result = {
        "ID": node_id,
        "Description": {"Hostname": hostname},
        "Spec": {"Role": role, "Labels": labels or {}, "Availability": "active"},
        "Status": {"State": "ready" if ready else "down"},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Leader": leader, "Reachability": "reachable" if reachable else "unreachable"}
    return result


SERVICES = [
    {"ID": "s1", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 3}}}},
    {"ID": "s2", "Spec": {"Name": "agent", "Mode": {"Global": {}}}},
]
NETWORKS = [
    {"Name": "ingress", "Scope": "swarm"},
    {"Name": "frontend", "Scope": "swarm"},
    {"Name": "bridge", "Scope": "local"},
    {"Name": "docker_gwbridge", "Scope": "local"},
]
SECRETS = [{"ID": "x", "Spec": {"Name": "db-password"}}]
CONFIGS = [{"ID": "y", "Spec": {"Name": "nginx.conf"}}, {"ID": "z", "Spec": {"Name": "app.conf"}}]
NODES = [
    node("m1", "mgr-1", "manager", {"tier": "control"}, leader=True),
    node("w1", "wrk-1", labels={"zone": "a"}),
    node("w1-old", "wrk-1", labels={"zone": "old"}, ready=False),
]


def state():
    return summarize_state(SERVICES, NETWORKS, SECRETS, CONFIGS, NODES)


def metadata(**changes):
    result = build_metadata(
        "cluster1", "m1", "mgr-1", "26.1.5+dfsg1", False, state(), "20260101T020000Z", "a.tar.gz", "ab" * 32
    )
    result.update(changes)
    return result


# ---------------------------------------------------------------- metadata


def test_summary_keeps_swarm_networks_and_names_sorted():
    summary = state()
    assert summary["networks"] == ["frontend", "ingress"]
    assert summary["secrets"] == ["db-password"]
    assert summary["configs"] == ["app.conf", "nginx.conf"]
    assert summary["services"] == {
        "web": {"mode": "replicated", "replicas": 3},
        "agent": {"mode": "global", "replicas": None},
    }


def test_summary_keeps_the_ready_node_of_a_reinstalled_host():
    summary = state()
    assert summary["nodes"]["wrk-1"] == {"role": "worker", "labels": {"zone": "a"}}
    assert summary["nodes"]["mgr-1"] == {"role": "manager", "labels": {"tier": "control"}}
    reversed_order = summarize_state([], [], [], [], list(reversed(NODES)))
    assert reversed_order["nodes"]["wrk-1"]["labels"] == {"zone": "a"}


def test_metadata_counts_and_validates():
    result = metadata()
    assert result["counts"] == {"services": 2, "networks": 2, "secrets": 1, "configs": 2, "nodes": 2}
    validate_metadata(result)
    assert "unlock_key_fingerprint" not in result


def test_metadata_never_holds_the_unlock_key():
    key = "SWMKEY-1-abcdefghijklmnopqrstuvwxyz0123456789"
    result = build_metadata("c", "n", "h", "26.1.5", True, state(), "t", "a", "0" * 64, key)
    assert key not in repr(result)
    assert result["unlock_key_fingerprint"] == "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def test_metadata_records_the_data_root_and_older_metadata_stays_valid():
    result = build_metadata(
        "c",
        "n",
        "h",
        "26.1.5",
        False,
        state(),
        "t",
        "a",
        "0" * 64,
        data_root="/var/lib/docker/165536.231072",
        swarm_dir="/var/lib/docker/165536.231072/swarm",
    )
    assert result["data_root"] == "/var/lib/docker/165536.231072"
    assert result["swarm_dir"] == "/var/lib/docker/165536.231072/swarm"
    validate_metadata(result)
    older = build_metadata("c", "n", "h", "26.1.5", False, state(), "t", "a", "0" * 64)
    assert "data_root" not in older
    validate_metadata(older)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"format": 2}, "format 2"),
        ({"cluster_id": None}, "'cluster_id' should be a str"),
        ({"state": {"services": {}}}, "state lacks networks"),
    ],
)
def test_invalid_metadata_is_refused(change, words):
    with pytest.raises(MetadataError, match=words):
        validate_metadata(metadata(**change))


def test_metadata_missing_a_key_is_refused():
    broken = metadata()
    del broken["archive_sha256"]
    with pytest.raises(MetadataError, match="'archive_sha256' is missing"):
        validate_metadata(broken)
    with pytest.raises(MetadataError, match="JSON object"):
        validate_metadata([])


# ---------------------------------------------------------------- where to back up


def test_backup_runs_on_a_non_leader_of_three():
    nodes = [node("a", "m1", "manager", leader=True), node("b", "m2", "manager"), node("c", "m3", "manager")]
    assert backup_refusal(nodes, "b") == (None, None)


def test_backup_refuses_the_leader_when_others_are_reachable():
    nodes = [node("a", "m1", "manager", leader=True), node("b", "m2", "manager"), node("c", "m3", "manager")]
    refusal, warning = backup_refusal(nodes, "a", accept_outage=True)
    assert "leader" in refusal and "m2, m3" in refusal
    assert warning is None


def test_backup_refuses_a_worker():
    refusal, _warning = backup_refusal([node("a", "m1", "manager", leader=True), node("w", "w1")], "w")
    assert "not a swarm manager" in refusal


def test_single_manager_needs_confirmation():
    nodes = [node("a", "m1", "manager", leader=True), node("w", "w1")]
    refusal, warning = backup_refusal(nodes, "a")
    assert "0 of 1 managers reachable" in refusal and "swarm_backup_single_manager_ok" in refusal
    assert "Nothing was stopped" in refusal
    refusal, warning = backup_refusal(nodes, "a", accept_outage=True)
    assert refusal is None and "below the majority of 1" in warning


def test_two_managers_lose_quorum_while_one_is_stopped():
    nodes = [node("a", "m1", "manager", leader=True), node("b", "m2", "manager")]
    refusal, _warning = backup_refusal(nodes, "b")
    assert "1 of 2 managers reachable, below the majority of 2" in refusal


def test_three_managers_with_one_unreachable_refuse_the_backup():
    nodes = [
        node("a", "m1", "manager", leader=True),
        node("b", "m2", "manager"),
        node("c", "m3", "manager", reachable=False),
    ]
    refusal, _warning = backup_refusal(nodes, "b")
    assert "1 of 3 managers reachable" in refusal


def test_backup_after_a_restore_counts_the_raft_members_only():
    # After a forced new cluster the old managers keep the manager role but are no raft members (no ManagerStatus).
    nodes = [node("new", "mgr-new", "manager", leader=True), node("b", "m2", "manager"), node("c", "m3", "manager")]
    for old in nodes[1:]:
        del old["ManagerStatus"]
    refusal, _warning = backup_refusal(nodes, "new")
    assert "0 of 1 managers reachable, below the majority of 1" in refusal
    assert backup_refusal(nodes, "new", accept_outage=True)[0] is None
    # An old manager is no manager to back up.
    assert "not a swarm manager" in backup_refusal(nodes, "b")[0]


def test_backup_takes_the_raft_view_it_is_given():
    nodes = [node("a", "m1", "manager", leader=True), node("b", "m2", "manager"), node("c", "m3", "manager")]
    assert backup_refusal(nodes, "b", members=frozenset(["a", "b", "c"])) == (None, None)
    refusal, _warning = backup_refusal(nodes, "b", members=frozenset(["a", "b"]))
    assert "1 of 2 managers reachable, below the majority of 2" in refusal


# ---------------------------------------------------------------- restore checks


def test_checksum(tmp_path):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(b"swarm data")
    digest = sha256_file(str(archive))
    assert digest == hashlib.sha256(b"swarm data").hexdigest()
    assert checksum_problem(digest.upper(), digest, "a.tar.gz") is None
    problem = checksum_problem("0" * 64, digest, "a.tar.gz")
    assert "corrupted" in problem and "Nothing was changed" in problem and digest in problem


@pytest.mark.parametrize("backup", ["26.1.5", "26.1.5+dfsg1", "26.1", "v26.1.0"])
def test_engine_versions_are_read_as_the_engine_writes_them(backup):
    assert engine_compatibility(backup, "26.1.9") == (None, None)


def test_unreadable_engine_version():
    with pytest.raises(MetadataError, match="Cannot read the engine version 'dev'"):
        engine_compatibility("dev", "26.1.5")


def test_same_release_is_compatible():
    assert engine_compatibility("26.1.4", "26.1.5+dfsg1") == (None, None)


def test_newer_host_engine_is_accepted_with_a_note_unless_disallowed():
    problem, note = engine_compatibility("20.10.24", "26.1.5")
    assert problem is None and "cannot go back to 20.10.24" in note
    problem, note = engine_compatibility("20.10.24", "26.1.5", allow_newer=False)
    assert "allow_newer_engine=false" in problem and note is None


def test_older_host_engine_is_refused():
    problem, note = engine_compatibility("26.1.5", "20.10.24")
    assert "older" in problem and 'engine_version: "26.1"' in problem and "Nothing was changed" in problem
    assert note is None


def test_unlock_key_checks():
    key = "SWMKEY-1-right"
    locked = metadata(autolock=True, unlock_key_fingerprint=unlock_key_fingerprint(key))
    assert unlock_key_problem(metadata(), None) is None
    assert "autolock on" in unlock_key_problem(locked, None)
    assert "not the one that was in force" in unlock_key_problem(locked, "SWMKEY-1-wrong")
    assert unlock_key_problem(locked, key) is None
    # An older metadata file without the fingerprint: the engine is the judge.
    assert unlock_key_problem(metadata(autolock=True), "SWMKEY-1-anything") is None


def test_archive_entries_must_stay_under_swarm():
    good = [("swarm", ""), ("swarm/raft/wal-v3-encrypted/0.wal", ""), ("swarm/certificates/swarm-node.crt", "")]
    assert unsafe_members(good) == []
    bad = [
        ("/etc/passwd", ""),
        ("swarm/../../etc/cron.d/x", ""),
        ("other/file", ""),
        ("swarm/link", "/etc/shadow"),
        ("swarm/up", "../../root"),
    ]
    assert unsafe_members(good + bad) == [name for name, _link in bad]


# ---------------------------------------------------------------- comparison


def test_compare_reports_matched_missing_and_unexpected():
    now = copy.deepcopy(state())
    now["secrets"] = []
    now["configs"].append("added-later.conf")
    report = compare_state(state(), now)
    assert report["ok"] is False
    assert report["secrets"] == {"matched": [], "missing": ["db-password"], "unexpected": []}
    assert report["configs"]["unexpected"] == ["added-later.conf"]
    assert report["services"]["matched"] == ["agent", "web"]
    assert "secrets: 0 of 1 back; MISSING: db-password" in report["summary"]
    assert "configs: 2 of 2 back (app.conf, nginx.conf); not in the backup: added-later.conf" in report["summary"]


def test_compare_everything_back():
    report = compare_state(state(), state())
    assert report["ok"] is True
    assert all(not report[kind]["missing"] for kind in ("services", "networks", "secrets", "configs"))


def test_compare_labels():
    expected = state()["nodes"]
    current = {
        "mgr-1": {"role": "manager", "labels": {"tier": "control"}},
        "spare-1": {"role": "manager", "labels": {}},
    }
    assert compare_labels(expected, current) == {"matched": ["mgr-1"], "differ": {}, "absent": ["wrk-1"]}
    current["wrk-1"] = {"role": "worker", "labels": {}}
    assert compare_labels(expected, current)["differ"] == {"wrk-1": {"backup": {"zone": "a"}, "now": {}}}


def test_replica_status_counts_running_tasks_of_replicated_services():
    tasks = [
        {"ServiceName": "web", "DesiredState": "running", "Status": {"State": "running"}},
        {"ServiceName": "web", "DesiredState": "running", "Status": {"State": "pending"}},
        {"ServiceName": "web", "DesiredState": "shutdown", "Status": {"State": "running"}},
        {"ServiceName": "agent", "DesiredState": "running", "Status": {"State": "running"}},
    ]
    status = replica_status(state()["services"], tasks)
    assert status == {"web": {"desired": 3, "running": 1}}
    assert not replicas_converged(status)
    assert replicas_converged({"web": {"desired": 3, "running": 3}})


def test_autolock_backup_of_one_manager_can_be_restored():
    assert autolock_restore_problem(metadata()) is None
    assert autolock_restore_problem(metadata(autolock=True)) is None


def test_autolock_backup_of_several_managers_is_refused_before_anything_changes():
    nodes = {
        "mgr-1": {"role": "manager", "labels": {}},
        "mgr-2": {"role": "manager", "labels": {}},
        "mgr-3": {"role": "manager", "labels": {}},
        "wrk-1": {"role": "worker", "labels": {}},
    }
    locked = metadata(autolock=True, state=dict(state(), nodes=nodes))
    problem = autolock_restore_problem(locked)
    assert "3 managers (mgr-1, mgr-2, mgr-3)" in problem
    assert "moby/moby#36852" in problem and "Nothing was changed" in problem
    assert autolock_restore_problem(dict(locked, autolock=False)) is None
