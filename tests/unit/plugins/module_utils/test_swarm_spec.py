# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import hashlib

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import (
    SpecError,
    desired_setting_values,
    find_node,
    format_duration,
    init_only_mismatches,
    init_spec,
    normalize_addr,
    plan_nodes,
    plan_swarm_spec,
    same_swarm,
    token_digest,
)

H = 3600 * 10**9


def node(node_id, hostname, role="worker", state="ready", labels=None, availability="active", reachable=True):
    result = {
        "ID": node_id,
        "Version": {"Index": 10},
        "Description": {"Hostname": hostname},
        "Spec": {"Role": role, "Availability": availability, "Labels": dict(labels or {})},
        "Status": {"State": state},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Reachability": "reachable" if reachable else "unreachable"}
    return result


# ------------------------------------------------------------ durations and swarm settings


@pytest.mark.parametrize("value", [90, "90", "90 days", "h", "", "1x", True])
def test_a_duration_setting_without_a_unit_or_unreadable_is_refused_naming_the_option(value):
    # The parsing itself is durations.py's (tests/unit/plugins/module_utils/test_durations.py).
    with pytest.raises(SpecError, match="node_cert_expiry"):
        desired_setting_values({"node_cert_expiry": value})


def test_duration_settings_become_nanoseconds():
    assert desired_setting_values({"node_cert_expiry": "90d", "dispatcher_heartbeat_period": "5s"}) == {
        "node_cert_expiry": 2160 * H,
        "dispatcher_heartbeat_period": 5 * 10**9,
    }


def test_format_duration():
    assert format_duration(2160 * H) == "2160h"
    assert format_duration(5 * 10**9) == "5s"
    assert format_duration(None) is None


def test_plan_swarm_spec_changes_only_given_settings_and_keeps_the_rest():
    current = {
        "Name": "default",
        "Orchestration": {"TaskHistoryRetentionLimit": 5},
        "CAConfig": {"NodeCertExpiry": 2160 * H, "ExternalCAs": []},
        "EncryptionConfig": {"AutoLockManagers": False},
        "Raft": {"SnapshotInterval": 10000},
    }
    new, changes = plan_swarm_spec(
        current, {"node_cert_expiry": "30d", "task_history_retention_limit": 5, "autolock_managers": None}
    )
    assert changes == {"node_cert_expiry": ["2160h", "720h"]}
    assert new["CAConfig"] == {"NodeCertExpiry": 720 * H, "ExternalCAs": []}
    assert new["Raft"] == {"SnapshotInterval": 10000} and new["Name"] == "default"
    assert current["CAConfig"]["NodeCertExpiry"] == 2160 * H  # input untouched


def test_plan_swarm_spec_is_idempotent():
    current = {"EncryptionConfig": {"AutoLockManagers": True}, "Dispatcher": {"HeartbeatPeriod": 5 * 10**9}}
    _new, changes = plan_swarm_spec(current, {"autolock_managers": True, "dispatcher_heartbeat_period": "5s"})
    assert changes == {}


def test_plan_swarm_spec_fills_missing_sections():
    new, changes = plan_swarm_spec({}, {"autolock_managers": True})
    assert new == {"EncryptionConfig": {"AutoLockManagers": True}}
    assert changes == {"autolock_managers": [False, True]}
    assert init_spec({"snapshot_interval": 5000}) == {"Raft": {"SnapshotInterval": 5000}}


def test_init_only_settings_that_differ_are_warned_about():
    info = {
        "NodeAddr": "10.0.0.1",
        "Cluster": {"DefaultAddrPool": ["10.0.0.0/8"], "SubnetSize": 24, "DataPathPort": 4789},
    }
    warnings = init_only_mismatches(
        info,
        {
            "default_addr_pool": ["10.20.0.0/16"],
            "subnet_size": 24,
            "data_path_port": 4789,
            "advertise_addr": "10.0.0.2",
        },
    )
    assert len(warnings) == 2
    assert "default_addr_pool" in warnings[0] and "advertise_addr" in warnings[1]
    assert init_only_mismatches(info, {"default_addr_pool": ["10.0.0.0/8"], "advertise_addr": "10.0.0.1:2377"}) == []
    assert init_only_mismatches(info, {"advertise_addr": "eth0"}) == []  # an interface name cannot be compared


# ------------------------------------------------------------ membership


@pytest.mark.parametrize(
    "addr, expected",
    [
        ("10.0.0.1", "10.0.0.1:2377"),
        ("10.0.0.1:4000", "10.0.0.1:4000"),
        ("mgr", "mgr:2377"),
        ("fd00::1", "[fd00::1]:2377"),
        ("[fd00::1]:2377", "[fd00::1]:2377"),
    ],
)
def test_normalize_addr(addr, expected):
    assert normalize_addr(addr) == expected


def test_token_digest_matches_the_root_ca_digest():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    digest = int(hashlib.sha256(pem.encode()).hexdigest(), 16)
    base36 = ""
    while digest:
        digest, rest = divmod(digest, 36)
        base36 = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + base36
    token = "SWMTKN-1-%s-%s" % (base36.rjust(50, "0"), "secret0123456789abcdefghi")
    assert token_digest(token) == hashlib.sha256(pem.encode()).hexdigest()
    manager_info = {"Cluster": {"TLSInfo": {"TrustRoot": pem}}, "RemoteManagers": [{"Addr": "10.9.9.9:2377"}]}
    assert same_swarm(manager_info, ["10.0.0.1"], token) is True
    assert same_swarm(manager_info, ["10.9.9.9"], "SWMTKN-1-%s-x" % ("1" * 50)) is False
    assert token_digest("not-a-token") is None


def test_worker_membership_is_known_by_its_managers_addresses():
    info = {"RemoteManagers": [{"Addr": "10.0.0.1:2377"}, {"Addr": "10.0.0.2:2377"}]}
    assert same_swarm(info, ["10.0.0.2"], "SWMTKN-1-abc-def") is True
    assert same_swarm(info, ["10.0.0.3:2377"], None) is False


def test_a_worker_root_ca_on_disk_beats_matching_addresses():
    # A swarm re-created on the same manager address: the addresses match, the CA does not.
    info = {"RemoteManagers": [{"Addr": "10.0.0.1:2377"}]}
    old_ca = "-----BEGIN CERTIFICATE-----\nOLD\n-----END CERTIFICATE-----\n"
    token = "SWMTKN-1-%s-x" % ("1" * 50)
    assert same_swarm(info, ["10.0.0.1"], token, local_trust_root=old_ca) is False
    assert same_swarm(info, ["10.0.0.1"], token) is True


# ------------------------------------------------------------ nodes


def test_find_node_by_id_hostname_and_prefix():
    nodes = [node("abcdef123456", "mgr"), node("fedcba654321", "wrk")]
    assert find_node(nodes, "wrk")[0]["ID"] == "fedcba654321"
    assert find_node(nodes, "abcdef123456")[0]["ID"] == "abcdef123456"
    assert find_node(nodes, "abcdef")[0]["ID"] == "abcdef123456"
    found, error = find_node(nodes, "nope")
    assert found is None and "no node 'nope'" in error and "mgr (abcdef123456)" in error


def test_find_node_prefers_the_ready_node_of_a_reinstalled_host():
    nodes = [node("old000000000", "wrk", state="down"), node("new000000000", "wrk")]
    assert find_node(nodes, "wrk")[0]["ID"] == "new000000000"
    nodes = [node("old000000000", "wrk", state="down"), node("old111111111", "wrk", state="down")]
    found, error = find_node(nodes, "wrk")
    assert found is None and "matches 2 nodes" in error


def test_plan_nodes_labels_exact_and_nothing_when_converged():
    nodes = [node("m1", "mgr", "manager"), node("w1", "w1", labels={"zone": "a", "old": "x"})]
    plan = plan_nodes(nodes, [{"node": "w1", "labels": {"zone": "a"}, "labels_mode": "exact"}])
    assert plan["errors"] == []
    [action] = plan["actions"]
    assert action["kind"] == "update" and action["spec"]["Labels"] == {"zone": "a"}
    assert action["before"]["labels"] == {"zone": "a", "old": "x"} and action["after"]["labels"] == {"zone": "a"}
    plan = plan_nodes(
        nodes, [{"node": "w1", "labels": {"zone": "a", "old": "x"}, "labels_mode": "exact", "role": "worker"}]
    )
    assert plan["actions"] == []


def test_plan_nodes_orders_promotions_first_and_demotions_last():
    nodes = [node("m1", "m1", "manager"), node("m2", "m2", "manager"), node("w1", "w1")]
    plan = plan_nodes(
        nodes,
        [
            {"node": "m2", "role": "worker"},
            {"node": "w1", "labels": {"a": "b"}},
            {"node": "w1b", "role": "manager"},
        ],
    )
    assert plan["errors"] == ["no node 'w1b' in this swarm; its nodes are: m1 (m1), m2 (m2), w1 (w1)"]
    plan = plan_nodes(
        [*nodes, node("w2", "w2")],
        [
            {"node": "m2", "role": "worker"},
            {"node": "w1", "labels": {"a": "b"}},
            {"node": "w2", "role": "manager"},
        ],
    )
    assert [a["kind"] for a in plan["actions"]] == ["promote", "update", "demote"]
    assert plan["errors"] == []


def test_plan_nodes_refuses_the_whole_batch_when_one_change_breaks_quorum():
    nodes = [node("m1", "m1", "manager"), node("w1", "w1")]
    plan = plan_nodes(nodes, [{"node": "w1", "labels": {"a": "b"}}, {"node": "m1", "availability": "drain"}])
    assert len(plan["errors"]) == 1 and "last active reachable manager" in plan["errors"][0]
    plan = plan_nodes(nodes, [{"node": "m1", "availability": "drain"}], allow_unsafe_change=True)
    assert plan["errors"] == []
    assert plan["warnings"][0].startswith(
        "allow_unsafe_change is set, so this run will set manager 'm1' (m1) to drain:"
    )
    plan = plan_nodes(nodes, [{"node": "m1", "role": "worker"}], allow_unsafe_change=True)
    assert plan["warnings"][0].startswith("allow_unsafe_change is set, so this run will demote manager 'm1' (m1):")


def test_plan_nodes_warns_about_an_even_manager_count():
    nodes = [node("m1", "m1", "manager"), node("w1", "w1")]
    plan = plan_nodes(nodes, [{"node": "w1", "role": "manager"}])
    assert any("2 managers" in w for w in plan["warnings"])


def test_plan_nodes_removal_rules():
    nodes = [node("m1", "m1", "manager"), node("w1", "w1"), node("w2", "w2", state="down")]
    plan = plan_nodes(nodes, [{"node": "w1", "state": "absent"}])
    assert "needs force=true" in plan["errors"][0]
    plan = plan_nodes(nodes, [{"node": "w2", "state": "absent"}, {"node": "gone", "state": "absent"}])
    assert plan["errors"] == [] and [a["id"] for a in plan["actions"]] == ["w2"]


def test_prune_removes_down_nodes_not_listed_and_demotes_down_managers_first():
    nodes = [
        node("m1", "m1", "manager"),
        node("m2", "m2", "manager"),
        node("m3", "m3", "manager", state="down", reachable=False),
        node("w1", "w1"),
        node("w1old", "w1", state="down"),
        node("w9", "w9", state="down"),
    ]
    requests = [{"node": n} for n in ("m1", "m2", "w1", "w9")]
    plan = plan_nodes(nodes, requests, prune_down_nodes=True)
    assert plan["errors"] == []
    removed = dict((a["id"], a) for a in plan["actions"] if a["kind"] == "remove")
    assert sorted(removed) == ["m3", "w1old"]  # w9 is listed, so it stays even though it is down
    assert removed["m3"]["demote_first"] is True and removed["m3"]["spec"]["Role"] == "worker"
    assert removed["w1old"]["demote_first"] is False


def old_manager(node_id, hostname):
    """An old manager after a forced new cluster elsewhere: manager role, Down, no raft membership (no ManagerStatus)."""
    result = node(node_id, hostname, "manager", state="down")
    del result["ManagerStatus"]
    return result


def test_after_force_new_cluster_the_old_managers_are_pruned_without_a_demotion():
    # The restore case of issue 15: the restored manager is the only raft member; the three old managers are Down and
    # still managers by role. Labels and pruning in one call: nothing is refused.
    nodes = [
        node("new", "mgr-new", "manager", labels={"tier": "control"}),
        old_manager("o1", "mgr-1"),
        old_manager("o2", "mgr-2"),
        old_manager("o3", "mgr-3"),
        node("w1", "wrk-1"),
    ]
    requests = [{"node": "mgr-new"}, {"node": "wrk-1", "labels": {"zone": "a"}, "labels_mode": "exact"}]
    plan = plan_nodes(nodes, requests, prune_down_nodes=True, self_id="new", members=frozenset(["new"]))
    assert plan["errors"] == [], plan["errors"]
    removed = dict((a["id"], a) for a in plan["actions"] if a["kind"] == "remove")
    assert sorted(removed) == ["o1", "o2", "o3"]
    # The engine refuses to demote a manager it has no raft member for, and removes it as it is.
    assert all(a["demote_first"] is False and a["spec"] is None for a in removed.values())
    assert [a["id"] for a in plan["actions"] if a["kind"] == "update"] == ["w1"]
    # The same list read without the raft view given explicitly: the node list's ManagerStatus tells the same.
    assert plan_nodes(nodes, requests, prune_down_nodes=True, self_id="new")["errors"] == []


def test_a_down_manager_that_is_still_a_raft_member_is_quorum_checked():
    # A normal swarm of three with one manager down: it is still a member, counted (3 managers, 2 reachable).
    nodes = [
        node("m1", "m1", "manager"),
        node("m2", "m2", "manager"),
        node("m3", "m3", "manager", state="down", reachable=False),
    ]
    plan = plan_nodes(nodes, [{"node": "m1"}, {"node": "m2", "role": "worker"}], prune_down_nodes=True)
    assert any("3 managers, 2 reachable (a majority needs 2)" in e for e in plan["errors"]), plan["errors"]


def test_a_node_listed_twice_is_an_error():
    nodes = [node("abcdef123456", "w1")]
    plan = plan_nodes(nodes, [{"node": "w1"}, {"node": "abcdef123456"}])
    assert "listed twice" in plan["errors"][0]


def test_a_negative_count_is_refused_naming_the_option():
    with pytest.raises(SpecError, match="task_history_retention_limit: -5 is negative"):
        desired_setting_values({"task_history_retention_limit": -5})
