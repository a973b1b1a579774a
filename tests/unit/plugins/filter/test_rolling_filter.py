# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rolling_left: where a failed batch of a rolling runbook leaves each node, for the one message Ansible prints."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.filter.rolling import (
    FilterModule,
    rolling_give_back,
    rolling_left,
    rolling_left_text,
)

BATCH = ["w1", "w2", "w3"]
IDS = ["id-1", "id-2", "id-3"]


def facts(left, before="active"):
    return {"_rolling_left": left, "_rolling_before": before}


def test_a_drain_that_failed_part_of_the_way_speaks_for_every_node_of_the_batch():
    hostvars = {"w1": facts("draining"), "w2": facts("draining"), "w3": facts("draining", before="pause")}
    actions = [
        {"kind": "pause", "id": "id-1", "before": "active", "after": "pause"},
        {"kind": "pause", "id": "id-2", "before": "active", "after": "pause"},
        {"kind": "drain", "id": "id-1", "before": "pause", "after": "drain"},
    ]
    assert rolling_left(BATCH, hostvars, IDS, actions) == {"w1": "drain", "w2": "pause", "w3": "pause"}


def test_a_node_the_drain_never_reached_keeps_what_it_had():
    hostvars = {"w1": facts("draining"), "w2": facts("draining", before="pause")}
    assert rolling_left(["w1", "w2"], hostvars, ["id-1", "id-2"], []) == {"w1": "active", "w2": "pause"}


def test_after_the_drain_each_node_says_what_its_turn_set_last():
    hostvars = {"w1": facts("drain"), "w2": facts("active"), "w3": facts("drain")}
    # actions of an earlier step do not matter once the drain is over
    assert rolling_left(BATCH, hostvars, IDS, [{"id": "id-1", "after": "pause"}]) == {
        "w1": "drain",
        "w2": "active",
        "w3": "drain",
    }


def test_missing_facts_or_ids_do_not_raise():
    assert rolling_left(["w1", "gone"], {"w1": facts("draining")}, None, None) == {"w1": "active", "gone": "as it was"}


@pytest.mark.parametrize(
    "availability, text",
    [("drain", "drained"), ("pause", "paused"), ("active", "with availability active")],
)
def test_rolling_left_text(availability, text):
    assert rolling_left_text(availability) == text


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"rolling_give_back", "rolling_left", "rolling_left_text"}


def test_every_node_ready_again_gets_back_what_it_had_in_one_list():
    hostvars = {
        "w1": dict(facts("drain"), _rolling_ready={"failed": False}),
        "w2": dict(facts("drain", before="pause"), _rolling_ready={"failed": False}),
        "w3": dict(facts("drain"), _rolling_ready={"failed": False}),
    }
    assert rolling_give_back(BATCH, hostvars, IDS) == [
        {"node": "id-1", "availability": "active"},
        {"node": "id-2", "availability": "pause"},
        {"node": "id-3", "availability": "active"},
    ]


def test_a_node_whose_change_or_wait_failed_stays_drained():
    hostvars = {
        "w1": dict(facts("drain"), _rolling_ready={"failed": True, "msg": "not Ready within 180 s"}),
        "w2": dict(facts("drain"), _rolling_ready={"failed": False}),
        "w3": dict(facts("drain"), _rolling_ready={}),  # its change failed: the wait was never reached this turn
    }
    assert rolling_give_back(BATCH, hostvars, IDS) == [{"node": "id-2", "availability": "active"}]
    assert rolling_give_back(BATCH, {"w1": facts("drain")}, IDS) == []
