# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_change_guard import decide, host_plan

UPGRADE = [{"package": "docker-ce", "before": "5:20.10.24-1", "after": "5:26.1.5-1"}]


def member(host, role, node_id, **change):
    return host_plan(
        host,
        swarm={"local_node_state": "active", "role": role, "node_id": node_id},
        in_swarm_group=True,
        engine_running=change.pop("running", "20.10.24"),
        **change,
    )


def fleet(**change):
    """3 managers (mgr2 leads) and 2 workers, in inventory order, all planning the same change."""
    return [
        member("mgr1", "manager", "m1", **dict(change)),
        member("mgr2", "manager", "m2", **dict(change)),
        member("mgr3", "manager", "m3", **dict(change)),
        member("wrk1", "worker", "w1", **dict(change)),
        member("wrk2", "worker", "w2", **dict(change)),
    ]


def test_engine_upgrade_of_3_managers_and_2_workers_is_refused_in_rolling_order():
    result = decide(fleet(engine_target="26.1.5", engine_changes=UPGRADE), ["m2"], engine_version="26.1")
    assert result["refused"]
    assert [row["host"] for row in result["rows"]] == ["wrk1", "wrk2", "mgr1", "mgr3", "mgr2"]
    assert [row["leader"] for row in result["rows"]] == [False, False, False, False, True]
    message = result["message"]
    assert "5 swarm member(s)" in message
    assert "mgr2 (manager, leader) 20.10.24 -> 26.1.5" in message
    assert "wrk1 (worker) 20.10.24 -> 26.1.5" in message
    assert "in this order: wrk1, wrk2, mgr1, mgr3, mgr2" in message
    assert "dockfleet.docker.engine_upgrade -e engine_upgrade_version=26.1" in message
    assert "daemon_rolling" not in message
    assert "Nothing was changed on any host" in message
    assert "dockfleet_allow_swarm_restart=true" in message


def test_daemon_restart_names_the_keys_and_the_daemon_runbook():
    result = decide(fleet(daemon_action="restart", daemon_keys=["default-address-pools"]), ["m1"])
    assert result["refused"]
    assert [row["host"] for row in result["rows"]][-1] == "mgr1"
    assert "mgr3 (manager): restart for default-address-pools" in result["message"]
    assert "dockfleet.docker.daemon_rolling" in result["message"]
    assert "engine_upgrade" not in result["message"]


def test_reload_only_changes_are_never_refused():
    result = decide(fleet(daemon_action="reload", daemon_keys=["debug", "labels"]), ["m1"])
    assert not result["refused"]
    assert result["rows"] == []
    assert result["reload_only"] == ["mgr1", "mgr2", "mgr3", "wrk1", "wrk2"]


def test_nothing_planned_is_allowed():
    result = decide(fleet(), ["m1"])
    assert not result["refused"] and result["rows"] == []
    assert result["message"] == "No swarm member's engine restarts in this run."


def test_standalone_hosts_keep_the_converge_behaviour():
    plans = [
        host_plan(
            "solo",
            swarm={"local_node_state": "inactive"},
            engine_running="20.10.24",
            engine_target="26.1.5",
            engine_changes=UPGRADE,
            daemon_action="restart",
            daemon_keys=["data-root"],
        ),
        # In the swarm groups but not joined yet: there is no swarm to protect on it.
        host_plan(
            "new",
            swarm={"local_node_state": "inactive"},
            in_swarm_group=True,
            engine_running="20.10.24",
            daemon_action="restart",
            daemon_keys=["storage-driver"],
        ),
        # A fresh host: the engine does not run yet, installing it restarts nothing.
        host_plan(
            "fresh", in_swarm_group=True, engine_target="26.1.5", engine_changes=UPGRADE, daemon_action="restart"
        ),
    ]
    result = decide(plans)
    assert not result["refused"]
    assert result["standalone"] == ["solo", "new", "fresh"]


def test_mixed_fleet_lists_both_changes_and_both_runbooks():
    plans = [
        member("mgr1", "manager", "m1", engine_target="26.1.5", engine_changes=UPGRADE),
        member("mgr2", "manager", "m2", daemon_action="reload", daemon_keys=["debug"]),
        member(
            "mgr3",
            "manager",
            "m3",
            engine_target="26.1.5",
            engine_changes=UPGRADE,
            daemon_action="restart",
            daemon_keys=["storage-opts"],
        ),
        member("wrk1", "worker", "w1", daemon_action="restart", daemon_keys=["log-opts"]),
        member("wrk2", "worker", "w2"),
        host_plan(
            "solo",
            swarm={"local_node_state": "inactive"},
            engine_running="20.10.24",
            engine_target="26.1.5",
            engine_changes=UPGRADE,
        ),
    ]
    result = decide(plans, ["m1"], engine_version="26.1")
    assert result["refused"]
    assert [row["host"] for row in result["rows"]] == ["wrk1", "mgr3", "mgr1"]
    assert result["reload_only"] == ["mgr2"]
    assert result["standalone"] == ["solo"]
    message = result["message"]
    assert "3 swarm member(s)" in message
    assert (
        "engine version change on mgr3 (manager) 20.10.24 -> 26.1.5, mgr1 (manager, leader) 20.10.24 -> 26.1.5"
        in message
    )
    assert "wrk1 (worker): restart for log-opts, mgr3 (manager): restart for storage-opts" in message
    assert "dockfleet.docker.engine_upgrade" in message and "dockfleet.docker.daemon_rolling" in message
    assert "solo" not in message and "mgr2" not in message


def test_the_override_lets_it_through_and_warns():
    result = decide(fleet(engine_target="26.1.5", engine_changes=UPGRADE), ["m1"], allow=True)
    assert not result["refused"]
    assert len(result["rows"]) == 5
    assert result["message"].startswith("WARNING: dockfleet_allow_swarm_restart=true")


def test_a_single_member_is_refused_too():
    plans = [member("wrk1", "worker", "w1", daemon_action="restart", daemon_keys=["default-address-pools"])]
    assert decide(plans)["refused"]


def test_role_without_engine_role_field_follows_control_available():
    plans = [
        host_plan(
            "a",
            swarm={"local_node_state": "active", "control_available": True, "node_id": "a1"},
            engine_running="26.1.5",
            daemon_action="restart",
        ),
        host_plan(
            "b", swarm={"local_node_state": "active", "node_id": "b1"}, engine_running="26.1.5", daemon_action="restart"
        ),
    ]
    rows = decide(plans, ["a1"])["rows"]
    assert [(row["host"], row["role"], row["leader"]) for row in rows] == [
        ("b", "worker", False),
        ("a", "manager", True),
    ]
