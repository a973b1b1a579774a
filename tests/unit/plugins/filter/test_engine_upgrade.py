# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_upgrade filters: the pre-flight's problems per host, its table and the closing summary."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.engine_upgrade import (
    engine_upgrade_batch_table,
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


def facts(docker_error="", target=None, timesync=None, note_error="", before=None, after=None):
    """A host's facts as the pre-flight leaves them: engine_upgrade_state's result registered as _engine_upgrade_host."""
    target = dict(target or RESOLVED)
    if before or after:
        target.update(version_before={"server": before}, version_after={"server": after})
    engine = {"answers": not docker_error, "server_errors": [docker_error] if docker_error else []}
    read = dict(engine=engine, target=target, note=None, note_error=note_error, timesync=timesync or {})
    return {"_engine_upgrade_host": read}


def problems(hostvars, play_hosts=None, manager="m1", plan=None, **kwargs):
    hosts = sorted(hostvars) + kwargs.pop("unreachable", [])
    return engine_upgrade_problems(
        hosts, hostvars, play_hosts or sorted(hostvars), manager, "swarm_managers", plan or PLAN, **kwargs
    )


def test_a_healthy_fleet_has_no_problem():
    assert problems({"m1": facts(), "w1": facts()}) == []


def test_a_host_without_the_preflight_read_is_one_problem():
    assert problems({"m1": facts(), "w1": {}}) == [{"host": "w1", "problem": "engine_upgrade_state gave no result"}]


def test_every_host_problem_is_named():
    hostvars = {
        "a": facts(docker_error="no socket"),
        "b": facts(target={"msg": "no 99.0 in the repository"}),
        "c": facts(timesync={"healthy": False, "problems": ["offset 2s", "no source"]}),
        "d": facts(timesync={"msg": "chronyc is not installed"}),
        "e": facts(timesync={"skipped": True}),
        "f": facts(note_error="/var/lib/dockfleet/engine-upgrade.json cannot be read (bad JSON)"),
    }
    found = problems(hostvars, unreachable=["gone"])
    assert found == [
        {"host": "a", "problem": "docker does not answer (no socket); is docker.service running?"},
        {"host": "b", "problem": "target version: no 99.0 in the repository"},
        {"host": "c", "problem": "clock: offset 2s; no source"},
        {"host": "d", "problem": "clock: chronyc is not installed"},
        {
            "host": "f",
            "problem": "note of an interrupted run: /var/lib/dockfleet/engine-upgrade.json cannot be read (bad JSON)",
        },
        {"host": "gone", "problem": "unreachable (Ansible could not connect or a task failed)"},
    ]


NO_CHRONY = {"installed": False, "healthy": False, "problems": ["chronyc is not installed: install chrony"]}
IN_SYNC = {"installed": True, "healthy": True, "problems": []}
OFF = {"installed": True, "healthy": False, "problems": ["clock offset +2.0 s"]}


def test_auto_counts_no_clock_when_no_host_runs_chrony():
    hostvars = {"m1": facts(timesync=NO_CHRONY), "w1": facts(timesync=NO_CHRONY)}
    assert problems(hostvars, timesync="auto") == []
    # forced on, the same fleet has a clock problem on every host
    assert [p["host"] for p in problems(hostvars, timesync="true")] == ["m1", "w1"]


def test_auto_counts_every_clock_once_any_host_runs_chrony():
    hostvars = {
        "m1": facts(timesync=IN_SYNC),
        "w1": facts(timesync=NO_CHRONY),
        "w2": facts(timesync=OFF),
    }
    assert problems(hostvars, timesync="auto") == [
        {"host": "w1", "problem": "clock: chronyc is not installed: install chrony"},
        {"host": "w2", "problem": "clock: clock offset +2.0 s"},
    ]


def test_auto_ignores_chrony_on_a_host_that_left_the_run():
    hostvars = {"m1": facts(timesync=NO_CHRONY), "gone": facts(timesync=IN_SYNC)}
    found = problems(hostvars, play_hosts=["m1"], timesync="auto")
    assert [p["problem"] for p in found] == ["unreachable (Ansible could not connect or a task failed)"]


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
        "w1": facts(before="20.10.24", after="26.1.5"),
        "m1": facts(before="26.1.5", after="26.1.5"),
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
        "m1": facts(before="26.1.5", after="26.1.5"),
    }
    lines = engine_upgrade_summary_table(PLAN, hostvars)
    assert lines[1].split() == ["w1", "worker", "-", "20.10.24", "->", "26.1.5", "42s", "ok"]
    assert "26.1.5 (unchanged)" in lines[2] and lines[2].endswith("already on the target, skipped")
    assert lines[-1] == "1 node(s) changed in 42s, 1 already on the target."


def test_the_summary_says_which_node_the_run_did_not_reach():
    lines = engine_upgrade_summary_table(PLAN, {"w1": facts(before="20.10.24", after="26.1.5"), "m1": {}})
    assert lines[1].split() == ["w1", "worker", "-", "20.10.24", "(unchanged)", "-", "not", "reached"]
    assert lines[-1] == "1 node(s) changed in 0s, 1 already on the target."


BATCHED = {
    "order": [
        {"host": "m2", "role": "manager", "leader": False, "action": "skip", "batch": None},
        {"host": "w1", "role": "worker", "leader": False, "action": "upgrade", "batch": 1},
        {"host": "w3", "role": "worker", "leader": False, "action": "upgrade", "batch": 1},
        {"host": "w2", "role": "worker", "leader": False, "action": "upgrade", "batch": 2},
        {"host": "m1", "role": "manager", "leader": True, "action": "upgrade", "batch": 3},
    ],
    "batches": [
        {"hosts": ["w1", "w3"], "role": "worker", "leader": False, "safe": True, "warnings": [],
         "shrunk": [{"hostnames": ["w2"], "reason": "draining them with this batch would leave service api room"}],
         "global_services": ["agent"], "notes": []},
        {"hosts": ["w2"], "role": "worker", "leader": False, "safe": True, "warnings": [], "shrunk": [],
         "global_services": ["agent"], "notes": []},
        {"hosts": ["m1"], "role": "manager", "leader": True, "safe": False,
         "warnings": ["Draining m1: service ctl would have room for 0 of the 1 tasks it needs."], "shrunk": [],
         "global_services": [], "notes": []},
    ],
}  # fmt: skip


def test_the_batch_table_shows_each_batch_its_hosts_and_what_the_planner_said():
    lines = engine_upgrade_batch_table(BATCHED)
    assert lines[0].split()[:2] == ["BATCH", "ROLE"]
    assert lines[1].split()[:5] == ["1", "worker", "w1,", "w3", "yes"]
    assert "held back for a later batch: w2 (draining them with this batch would leave service api room)" in lines[1]
    assert "global services stopped on these nodes meanwhile: agent" in lines[1]
    assert lines[2].split()[:4] == ["2", "worker", "w2", "yes"]
    assert lines[3].split()[:5] == ["3", "manager", "(leader)", "m1", "NO"]
    assert lines[3].endswith("Draining m1: service ctl would have room for 0 of the 1 tasks it needs.")
    assert engine_upgrade_batch_table({}) == ["BATCH  ROLE  HOSTS  ROOM KEPT  NOTES"]


def test_the_preflight_table_names_the_batch_and_the_summary_counts_a_batch_as_its_slowest_node():
    hostvars = dict((h, facts(before="20.10.24", after="26.1.5")) for h in ["w1", "w2", "w3", "m1", "m2"])
    lines = engine_upgrade_preflight_table(["m1", "m2", "w1", "w2", "w3"], hostvars, BATCHED, [])
    assert [line.split()[0] for line in lines[1:]] == ["m2", "w1", "w3", "w2", "m1"]
    assert "skip" in lines[1] and "batch 1" in lines[2] and "batch 1" in lines[3] and "batch 3" in lines[5]
    results = {"w1": 40, "w3": 55, "w2": 30, "m1": 60}
    for host, seconds in results.items():
        hostvars[host]["_engine_upgrade_result"] = dict(before="20.10.24", after="26.1.5", seconds=seconds, result="ok")
    lines = engine_upgrade_summary_table(BATCHED, hostvars)
    assert [line.split()[2] for line in lines[1:-1]] == ["-", "1", "1", "2", "3"]
    assert lines[-1] == "4 node(s) changed in 145s, 1 already on the target."


def test_a_round_numbers_its_one_batch_and_the_summary_takes_the_batch_the_run_took():
    lines = engine_upgrade_batch_table({"batches": BATCHED["batches"][1:2]}, 4)
    assert lines[1].split()[:3] == ["4", "worker", "w2"]
    hostvars = {
        "w2": {"_engine_upgrade_result": {"before": "1", "after": "2", "seconds": 5, "result": "ok", "batch": 4}}
    }
    lines = engine_upgrade_summary_table({"order": BATCHED["order"][3:4]}, hostvars)
    assert lines[1].split()[:3] == ["w2", "worker", "4"]
