# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_fault_tolerance import (
    fault_tolerance_loss,
    tolerance_change,
)


def node(node_id, role="manager", reachable=True, state="ready"):
    result = {
        "ID": node_id,
        "Description": {"Hostname": node_id},
        "Spec": {"Role": role, "Availability": "active"},
        "Status": {"State": state},
    }
    if role == "manager":
        result["ManagerStatus"] = {
            "Reachability": "reachable" if reachable else "unreachable",
            "Leader": node_id == "m1",
        }
    return result


def demote(node_id):
    return {"id": node_id, "kind": "demote", "after": {"role": "worker"}}


def test_three_to_one_manager_is_refused_without_the_variable():
    nodes = [node("m1"), node("m2"), node("m3")]
    before, after = tolerance_change(nodes, [demote("m2"), demote("m3")])
    error, warning = fault_tolerance_loss(before, after)
    assert warning is None
    assert "from 3 reachable managers of 3 (it can lose 1) to 1 of 1: afterwards it can lose 0 managers" in error
    assert "swarm_allow_fault_tolerance_loss" in error


def test_three_to_one_with_the_variable_warns_what_remains():
    nodes = [node("m1"), node("m2"), node("m3")]
    error, warning = fault_tolerance_loss(*tolerance_change(nodes, [demote("m2"), demote("m3")]), allow=True)
    assert error is None
    assert "afterwards it can lose 0 managers" in warning


def test_five_to_three_warns_only():
    nodes = [node("m%d" % i) for i in range(1, 6)]
    error, warning = fault_tolerance_loss(*tolerance_change(nodes, [demote("m4"), demote("m5")]))
    assert error is None
    assert "(it can lose 2) to 3 of 3: afterwards it can lose 1 manager." in warning


def test_no_loss_no_message():
    nodes = [node("m1"), node("m2"), node("m3"), node("w1", role="worker")]
    promote = {"id": "w1", "kind": "promote", "after": {"role": "manager"}}
    assert fault_tolerance_loss(*tolerance_change(nodes, [promote])) == (None, None)
    drain = {"id": "m2", "kind": "update", "after": {"availability": "drain"}}
    assert fault_tolerance_loss(*tolerance_change(nodes, [drain])) == (None, None)


def test_removing_down_managers_loses_nothing_already_lost():
    nodes = [node("m1"), node("m2"), node("m3", reachable=False, state="down")]
    remove = {"id": "m3", "kind": "remove", "after": None}
    assert fault_tolerance_loss(*tolerance_change(nodes, [remove])) == (None, None)
