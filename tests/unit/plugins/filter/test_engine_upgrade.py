# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_upgrade filters: the pre-flight's problems per host, its table and the closing summary."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.engine_upgrade import (
    engine_upgrade_preflight_table,
    engine_upgrade_problems,
    engine_upgrade_summary_table,
)

RESOLVED = {"changes": [{"package": "docker-ce"}]}
PLAN = {
    "problems": [],
    "managers": {"total": 3},
    "order": [
        {"host": "w1", "role": "worker", "leader": False, "action": "upgrade"},
        {"host": "m1", "role": "manager", "leader": True, "action": "skip"},
    ],
}


def facts(**extra):
    base = dict(_engine_upgrade_docker_error="", _engine_upgrade_resolve=RESOLVED, _engine_upgrade_timesync={})
    base.update(extra)
    return base


def problems(hostvars, play_hosts=None, manager="m1", plan=None, **kwargs):
    hosts = sorted(hostvars) + kwargs.pop("unreachable", [])
    return engine_upgrade_problems(
        hosts, hostvars, play_hosts or sorted(hostvars), manager, "swarm_managers", plan or PLAN, **kwargs
    )


def test_a_healthy_fleet_has_no_problem():
    assert problems({"m1": facts(), "w1": facts()}) == []


def test_every_host_problem_is_named():
    hostvars = {
        "a": facts(_engine_upgrade_docker_error="no socket"),
        "b": facts(_engine_upgrade_resolve={"msg": "no 99.0 in the repository"}),
        "c": facts(_engine_upgrade_timesync={"healthy": False, "problems": ["offset 2s", "no source"]}),
        "d": facts(_engine_upgrade_timesync={"msg": "chronyc is not installed"}),
        "e": facts(_engine_upgrade_timesync={"skipped": True}),
    }
    found = problems(hostvars, unreachable=["gone"])
    assert found == [
        {"host": "a", "problem": "docker does not answer (no socket); is docker.service running?"},
        {"host": "b", "problem": "target version: no 99.0 in the repository"},
        {"host": "c", "problem": "clock: offset 2s; no source"},
        {"host": "d", "problem": "clock: chronyc is not installed"},
        {"host": "gone", "problem": "unreachable (Ansible could not connect or a task failed)"},
    ]


def test_no_manager_and_a_manager_that_could_not_list():
    assert problems({"w1": facts()}, manager="")[-1]["problem"].startswith("no manager answers")
    assert problems({"w1": facts()}, plan={"msg": "rpc error"})[-1] == {
        "host": "swarm",
        "problem": "manager m1 could not list the swarm: rpc error",
    }


def test_the_swarms_problems_and_the_backup_of_a_small_swarm():
    plan = dict(PLAN, problems=[{"host": "w1", "problem": "node is down"}], managers={"total": 1})
    found = problems({"w1": facts()}, plan=plan)
    assert found[0] == {"host": "w1", "problem": "node is down"}
    assert "swarm_backup_single_manager_ok=true" in found[1]["problem"]
    assert problems({"w1": facts()}, plan=plan, single_manager_ok=True) == [found[0]]
    assert problems({"w1": facts()}, plan=plan, backup=False) == [found[0]]


def test_the_preflight_table_lists_the_plan_then_the_others_then_the_swarm():
    hostvars = {
        "w1": facts(_engine_upgrade_before="20.10.24", _engine_upgrade_target="26.1.5"),
        "m1": facts(_engine_upgrade_before="26.1.5", _engine_upgrade_target="26.1.5"),
        "x9": facts(),
    }
    found = [{"host": "x9", "problem": "unreachable"}, {"host": "swarm", "problem": "no quorum"}]
    lines = engine_upgrade_preflight_table(["m1", "w1", "x9"], hostvars, PLAN, found)
    assert lines == [
        "HOST   ROLE              ENGINE NOW  TARGET  PLAN  PROBLEMS",
        "w1     worker            20.10.24    26.1.5  #1    ok",
        "m1     manager (leader)  26.1.5      26.1.5  skip  ok",
        "x9     -                 -           -       -     unreachable",
        "swarm  -                 -           -       -     no quorum",
    ]


def test_the_summary_counts_changed_and_skipped_nodes():
    hostvars = {
        "w1": {"_engine_upgrade_result": {"before": "20.10.24", "after": "26.1.5", "seconds": 42, "result": "ok"}},
        "m1": {"_engine_upgrade_before": "26.1.5"},
    }
    lines = engine_upgrade_summary_table(PLAN, hostvars)
    assert lines[1].split() == ["w1", "worker", "20.10.24", "->", "26.1.5", "42s", "ok"]
    assert "26.1.5 (unchanged)" in lines[2] and lines[2].endswith("already on the target, skipped")
    assert lines[-1] == "1 node(s) changed in 42s, 1 already on the target."


def test_the_summary_says_which_node_the_run_did_not_reach():
    lines = engine_upgrade_summary_table(PLAN, {"w1": {"_engine_upgrade_before": "20.10.24"}, "m1": {}})
    assert lines[1].split() == ["w1", "worker", "20.10.24", "(unchanged)", "-", "not", "reached"]
    assert lines[-1] == "1 node(s) changed in 0s, 1 already on the target."
