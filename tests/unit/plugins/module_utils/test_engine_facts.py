# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_facts: what engine_info reports, from the engine's own answers."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import (
    cluster_view,
    down_result,
    engine_view,
    swarm_view,
)


@pytest.mark.parametrize(
    "swarm,role",
    [
        ({"LocalNodeState": "active", "ControlAvailable": True}, "manager"),
        ({"LocalNodeState": "active", "ControlAvailable": False}, "worker"),
        ({"LocalNodeState": "locked", "ControlAvailable": True}, None),
        ({"LocalNodeState": "inactive"}, None),
        ({"LocalNodeState": "pending"}, None),
        ({}, None),
    ],
)
def test_the_role_is_known_only_for_an_active_member(swarm, role):
    assert swarm_view({"Swarm": swarm})["role"] == role


def test_swarm_view_reads_the_cluster_id_and_error():
    view = swarm_view({"Swarm": {"LocalNodeState": "error", "Error": "bad", "Cluster": {"ID": "c1"}, "NodeID": "n"}})
    assert (view["cluster_id"], view["error"], view["node_id"]) == ("c1", "bad", "n")


def test_engine_view_falls_back_to_docker_info():
    view = engine_view({}, {"ServerVersion": "20.10.24", "OSType": "linux", "DockerRootDir": "/var/lib/docker"})
    assert (view["version"], view["os"], view["docker_root_dir"], view["warnings"]) == (
        "20.10.24",
        "linux",
        "/var/lib/docker",
        [],
    )


def test_an_old_manager_outside_the_raft_does_not_count():
    nodes = [
        {
            "ID": "m1",
            "Spec": {"Role": "manager"},
            "ManagerStatus": {"Leader": True, "Reachability": "reachable"},
            "Description": {"Hostname": "a"},
        },
        {"ID": "m9", "Spec": {"Role": "manager"}, "Description": {"Hostname": "old"}},
    ]
    view = cluster_view(nodes, {"Swarm": {"ControlAvailable": True, "NodeID": "m1"}})
    assert view["raft_members"] == ["m1"]
    assert view["managers"]["total"] == 1 and view["managers"]["outside_raft"] == ["old"]
    assert view["managers"]["fault_tolerance"] == 0 and view["managers"]["leader"] == "a"


def test_down_result_has_every_key_empty():
    result = down_result("no socket")
    assert result["answers"] is False and result["server_errors"] == ["no socket"]
    assert result["swarm"]["role"] is None and result["nodes"] == []


def test_engine_view_reads_what_the_daemon_role_checks():
    info = {
        "Driver": "overlay2",
        "SecurityOptions": ["name=userns"],
        "LiveRestoreEnabled": True,
        "Containers": 2,
        "Images": 4,
    }
    view = engine_view({}, info)
    assert (view["storage_driver"], view["security_options"], view["live_restore_enabled"]) == (
        "overlay2",
        ["name=userns"],
        True,
    )
    assert (view["containers"], view["images"]) == (2, 4)
