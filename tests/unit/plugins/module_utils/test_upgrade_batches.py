# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import random

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import upgrade_batches
from ansible_collections.dockfleet.docker.plugins.module_utils.upgrade_batches import plan_batches


def node(name, role="worker", state="ready", availability="active", leader=False, reachable=True, cpus=0, **labels):
    result = {
        "ID": "id-" + name,
        "Description": {"Hostname": name, "Engine": {"EngineVersion": "26.1.4", "Labels": {"disk": "ssd"}}},
        "Spec": {"Role": role, "Availability": availability, "Labels": labels},
        "Status": {"State": state, "Addr": "10.0.%d.%d" % (len(name), sum(map(ord, name)) % 250)},
    }
    if role == "manager":
        result["ManagerStatus"] = {"Reachability": "reachable" if reachable else "unreachable", "Leader": leader}
    if cpus:
        result["Description"]["Resources"] = {"NanoCPUs": cpus * 10**9, "MemoryBytes": 8 * 2**30}
    return result


def service(name, replicas=None, constraints=(), max_per_node=0, spread=(), cpus=0):
    mode = {"Replicated": {"Replicas": replicas}} if replicas is not None else {"Global": {}}
    placement = {"Constraints": list(constraints), "MaxReplicas": max_per_node}
    placement["Preferences"] = [{"Spread": {"SpreadDescriptor": d}} for d in spread]
    template = {"Placement": placement}
    if cpus:
        template["Resources"] = {"Reservations": {"NanoCPUs": cpus * 10**9}}
    return {"ID": "svc-" + name, "Spec": {"Name": name, "Mode": mode, "TaskTemplate": template}}


def task(service_name, node_name, state="running"):
    return {"ServiceID": "svc-" + service_name, "NodeID": "id-" + node_name, "DesiredState": "running",
            "Status": {"State": state}}  # fmt: skip


def managers(count, **kwargs):
    return [node("m%d" % i, "manager", leader=i == 1, **kwargs) for i in range(1, count + 1)]


def workers(count, prefix="w", **kwargs):
    return [node("%s%03d" % (prefix, i), **kwargs) for i in range(1, count + 1)]


def ids(nodes):
    return [n["ID"] for n in nodes]


def worker_batches(batches):
    return [b for b in batches if b["role"] == "worker"]


# ------------------------------------------------------------------ batch size


@pytest.mark.parametrize(
    "value, count, size",
    [(3, 300, 3), ("3", 300, 3), (500, 300, 500), ("10%", 300, 30), ("10%", 5, 1), ("15%", 7, 2),
     (" 100% ", 7, 7), ("1%", 0, 1)],
)  # fmt: skip
def test_worker_batch_size(value, count, size):
    assert upgrade_batches.worker_batch_size(value, count) == size


@pytest.mark.parametrize(
    "value, message",
    [(0, "count of workers must be at least 1"), (-2, "at least 1"), ("0%", "from 1% to 100%"),
     ("150%", "from 1% to 100%"), ("-10%", "from 1% to 100%"), ("abc", "neither a count"), ("", "neither"),
     (None, "neither"), (True, "neither"), (2.5, "neither"), ("12.5%", "whole percent")],
)  # fmt: skip
def test_worker_batch_size_refuses(value, message):
    with pytest.raises(ValueError, match="Batch size .*" + message):
        upgrade_batches.worker_batch_size(value, 300)


def test_plan_refuses_a_bad_batch_size_and_unknown_nodes():
    nodes = managers(3) + workers(3)
    with pytest.raises(ValueError, match="Batch size"):
        plan_batches(nodes, [], [], ids(nodes), "150%")
    with pytest.raises(ValueError, match="not in the swarm: id-gone"):
        plan_batches(nodes, [], [], ["id-gone", "id-w001"], 1)


# ------------------------------------------------------------------ constraints


@pytest.mark.parametrize(
    "constraint, matches",
    [("node.labels.zone==a", True), ("node.labels.zone == A", True), ("node.labels.zone!=a", False),
     ("node.labels.rack!=r1", True), ("node.labels.rack==", True), ("node.role==worker", True),
     ("node.role!=manager", True), ("node.hostname==w001", True), ("node.id==id-w002", False),
     ("engine.labels.disk==ssd", True), ("node.platform.os==linux", False), ("node.ip==10.0.4.0/24", True),
     ("node.ip==192.168.0.0/16", False), ("node.weird==x", None), ("nonsense", None), ("node.ip==bad", None)],
)  # fmt: skip
def test_constraint_matches(constraint, matches):
    assert upgrade_batches.constraint_matches(node("w001", zone="a"), constraint) is matches


# ------------------------------------------------------------------ plans


def test_five_managers_300_workers_ten_percent_is_ten_worker_batches_then_managers_leader_last():
    nodes = managers(5) + workers(300)
    services = [service("web", 40), service("api", 12, ["node.role==worker"], max_per_node=1), service("exporter")]
    tasks = [task("exporter", n["Description"]["Hostname"]) for n in nodes]
    batches = plan_batches(nodes, services, tasks, ids(reversed(nodes)), "10%")
    assert len(batches) == 15
    assert [(b["role"], len(b["node_ids"])) for b in batches] == [("worker", 30)] * 10 + [("manager", 1)] * 5
    assert batches[0]["hostnames"][:3] == ["w001", "w002", "w003"]
    assert [b["hostnames"][0] for b in batches[10:]] == ["m2", "m3", "m4", "m5", "m1"]
    assert batches[-1]["leader"] and not any(b["leader"] for b in batches[:-1])
    assert all(b["safe"] and not b["warnings"] and not b["shrunk"] for b in batches)
    assert all(b["global_services"] == ["exporter"] for b in batches)
    assert plan_batches(list(reversed(nodes)), services, tasks, ids(nodes), "10%") == batches


def test_the_only_two_zone_a_nodes_are_never_in_the_same_batch():
    nodes = managers(3) + workers(2, "a", zone="a") + workers(20, zone="b")
    services = [service("api", 3, ["node.labels.zone==a"]), service("web", 5, ["node.labels.zone!=a"])]
    for size in (5, "50%", "100%"):
        batches = plan_batches(nodes, services, [], ids(nodes), size)
        together = [b for b in batches if {"a001", "a002"} <= set(b["hostnames"])]
        assert together == []
        assert all(b["safe"] for b in batches)
        assert batches[0]["hostnames"][0] == "a001"
        assert batches[0]["shrunk"] == [
            {
                "hostnames": ["a002"],
                "reason": "draining them with this batch would leave service api (node.labels.zone==a) room for "
                "fewer than the 3 tasks it needs",
            }
        ]
    assert len(plan_batches(nodes, services, [], ids(nodes), "100%")) == 2 + 3


def test_max_replicas_limits_how_many_of_a_services_nodes_go_at_once():
    nodes = managers(1) + workers(4, "b", zone="b") + workers(6)
    services = [service("db", 6, ["node.labels.zone==b"], max_per_node=2)]  # room for 8, needs 6
    batches = plan_batches(nodes, services, [], ids(nodes), 10)
    assert [len([h for h in b["hostnames"] if h.startswith("b")]) for b in worker_batches(batches)] == [1, 1, 1, 1]
    assert [len(b["node_ids"]) for b in worker_batches(batches)] == [7, 1, 1, 1]
    assert all(b["safe"] for b in batches)


def test_a_node_that_can_never_be_drained_gets_its_own_unsafe_batch_after_the_safe_ones():
    nodes = managers(3) + workers(4, "b", zone="b") + workers(6)
    services = [service("db", 8, ["node.labels.zone==b"], max_per_node=2)]  # every b node holds the last room
    batches = plan_batches(nodes, services, [], ids(nodes), "100%")
    assert [(b["hostnames"], b["safe"]) for b in worker_batches(batches)] == [
        (["w001", "w002", "w003", "w004", "w005", "w006"], True),
        (["b001"], False),
        (["b002"], False),
        (["b003"], False),
        (["b004"], False),
    ]
    assert batches[1]["warnings"] == [
        "Draining b001 alone: service db (node.labels.zone==b, at most 2 per node) would have room for 6 of the 8 "
        "tasks it needs."
    ]
    assert all(b["safe"] for b in batches if b["role"] == "manager")


def test_down_and_drained_nodes_are_no_room_and_cost_none():
    nodes = managers(3) + workers(3)
    nodes += [node("a1", state="down", zone="a"), node("a2", availability="drain", zone="a")]
    nodes += [node("a3", zone="a"), node("a4", availability="pause", zone="a")]
    services = [service("api", 2, ["node.labels.zone==a"])]
    batches = plan_batches(nodes, services, [], ids(nodes), 3)
    assert [(b["hostnames"], b["safe"]) for b in worker_batches(batches)] == [
        (["a1", "a2", "a4"], True),  # none of them is room: draining them costs nothing
        (["w001", "w002", "w003"], True),
        (["a3"], False),  # the only active zone=a node
    ]
    # the same, with a3 not part of the run: nothing is unsafe, a3 keeps api running
    batches = plan_batches(nodes, services, [], [i for i in ids(nodes) if i != "id-a3"], 3)
    assert all(b["safe"] for b in batches)


def test_manager_batches_respect_the_majority_and_room_on_managers():
    nodes = [
        node("m1", "manager", leader=True),
        node("m2", "manager"),
        node("m3", "manager", state="down", reachable=False),
    ]
    nodes += workers(2)
    services = [service("ctl", 1, ["node.role==manager", "node.hostname!=m2"])]
    batches = plan_batches(nodes, services, [], ids(nodes), 2)
    assert [(b["role"], b["hostnames"], b["safe"]) for b in batches] == [
        ("worker", ["w001", "w002"], True),
        ("manager", ["m2"], False),
        ("manager", ["m3"], True),  # down already: its outage costs nothing
        ("manager", ["m1"], False),
    ]
    assert "below the majority of 2" in batches[1]["warnings"][0]
    assert batches[3]["warnings"][0].startswith("Draining m1: service ctl (node.role==manager, node.hostname!=m2)")


def test_unknown_constraint_counts_only_the_nodes_the_service_runs_on():
    nodes = managers(1) + workers(4)
    services = [service("odd", 2, ["node.labels.zone==a", "node.weird==1"]), service("odder", 1, ["node.weird==1"])]
    nodes[1]["Spec"]["Labels"]["zone"] = "a"
    tasks = [task("odd", "w001"), task("odder", "w002"), task("odder", "w003", state="shutdown")]
    batches = plan_batches(nodes, services, tasks, ids(nodes), 10)
    assert [(b["hostnames"], b["safe"]) for b in worker_batches(batches)] == [
        (["w003", "w004"], True),
        (["w001"], False),
        (["w002"], False),
    ]


def test_cpu_reservations_limit_each_node_and_the_whole_swarm():
    nodes = [node("m1", "manager", leader=True, availability="drain", cpus=4), *workers(4, cpus=2)]
    services = [service("big", 1, cpus=3), service("small", 6, cpus=1)]  # big fits nowhere: already short
    batches = plan_batches(nodes, services, [], ids(nodes), 4)
    assert [len(b["node_ids"]) for b in worker_batches(batches)] == [1, 1, 1, 1]
    assert batches[0]["shrunk"][0]["reason"].startswith("draining them with this batch would leave service small")
    assert all(b["safe"] for b in batches)
    room = upgrade_batches.Room(nodes, services, [])
    assert room.short == [
        "service big has room for 0 of its 1 tasks before any node is drained; the upgrade keeps what it has."
    ]
    assert room.lacking(["id-w001", "id-w002"]) == [
        "service small would have room for 4 of the 6 tasks it needs",
        "the reservations of all replicated services would have room for 4 of the 6 CPUs it needs",
    ]


def test_global_services_and_spread_preferences_are_recorded_not_blocking():
    nodes = managers(1) + workers(2, "b", zone="b") + [node("c001", zone="c")]
    services = [service("web", 3, spread=["node.labels.zone"]), service("agent", constraints=["node.role==worker"])]
    tasks = [task("agent", "b001"), task("agent", "b002"), task("agent", "c001", state="shutdown")]
    batches = plan_batches(nodes, services, tasks, ids(nodes), 1)
    assert [(b["hostnames"], b["global_services"]) for b in batches] == [
        (["b001"], ["agent"]),
        (["b002"], ["agent"]),
        (["c001"], []),
        (["m1"], []),
    ]
    assert batches[2]["notes"] == [
        "Service web spreads over node.labels.zone: no node it can use with node.labels.zone==c stays active "
        "during this batch."
    ]
    assert batches[0]["notes"] == [] and all(b["safe"] for b in batches)


# ------------------------------------------------------------------ properties on random swarms


def room_left(nodes, services, drained):
    """An independent count: per replicated service, (room left after draining, room it needs)."""
    active = [n for n in nodes if n["Status"]["State"] == "ready" and n["Spec"]["Availability"] == "active"]

    def capacity(svc, pool):
        placement = svc["Spec"]["TaskTemplate"]["Placement"]
        replicas = svc["Spec"]["Mode"]["Replicated"]["Replicas"]
        fits = 0
        for n in pool:
            values = dict(n["Spec"]["Labels"], role=n["Spec"]["Role"])
            ok = True
            for constraint in placement["Constraints"]:
                key, op, want = constraint.replace("==", " == ").replace("!=", " != ").split()
                ok = ok and (values.get(key.split(".")[-1], "") == want) == (op == "==")
            fits += ok
        return min(replicas, fits * (placement["MaxReplicas"] or replicas))

    return [
        (capacity(s, [n for n in active if n["ID"] not in drained]), capacity(s, active))
        for s in services
        if "Replicated" in s["Spec"]["Mode"]
    ]


def random_swarm(rng):
    count = rng.choice([1, 2, 3, 3, 5])
    nodes = [node("m%d" % i, "manager", leader=i == 1, reachable=rng.random() > 0.1) for i in range(1, count + 1)]
    for i in range(rng.randint(0, 60)):
        labels = dict(zone=rng.choice("aabbbcd"), **({"gpu": "yes"} if rng.random() < 0.1 else {}))
        state = "down" if rng.random() < 0.05 else "ready"
        availability = rng.choice(["active"] * 12 + ["drain", "pause"])
        nodes.append(node("w%03d" % rng.randint(0, 999) + "-%d" % i, state=state, availability=availability, **labels))
    choices = ["node.labels.zone==a", "node.labels.zone!=b", "node.labels.zone==d", "node.labels.gpu==yes",
               "node.role==worker", "node.role==manager"]  # fmt: skip
    services = []
    for i in range(rng.randint(0, 6)):
        constraints = rng.sample(choices, rng.choice([0, 0, 1, 1, 2]))
        replicas = None if rng.random() < 0.15 else rng.randint(0, 12)
        services.append(service("s%d" % i, replicas, constraints, max_per_node=rng.choice([0, 0, 1, 2, 3])))
    upgrade = [n["ID"] for n in nodes if rng.random() < 0.8]
    size = rng.choice([rng.randint(1, 12), "%d%%" % rng.randint(1, 100)])
    return nodes, services, upgrade, size


@pytest.mark.parametrize("seed", range(300))
def test_random_swarms_keep_every_invariant(seed):
    rng = random.Random(seed)
    nodes, services, upgrade, size = random_swarm(rng)
    batches = plan_batches(nodes, services, [], upgrade, size)
    by_id = dict((n["ID"], n) for n in nodes)

    planned = [i for b in batches for i in b["node_ids"]]
    assert sorted(planned) == sorted(upgrade)  # every node to upgrade exactly once
    roles = [b["role"] for b in batches]
    assert roles == sorted(roles, key=lambda r: r == "manager")  # managers after workers
    limit = upgrade_batches.worker_batch_size(size, len([i for i in upgrade if by_id[i]["Spec"]["Role"] == "worker"]))
    for batch in batches:
        members = [by_id[i]["Spec"]["Role"] for i in batch["node_ids"]]
        assert batch["node_ids"] and set(members) == {batch["role"]}
        assert len(batch["node_ids"]) <= (1 if batch["role"] == "manager" else limit)
        assert batch["hostnames"] == sorted(batch["hostnames"])
        left = room_left(nodes, services, set(batch["node_ids"]))
        if batch["safe"]:
            assert all(have >= need for have, need in left), batch
        else:
            assert len(batch["node_ids"]) == 1 and batch["warnings"]
            if batch["role"] == "worker":
                assert any(have < need for have, need in left), batch
    leaders = [i for i in upgrade if (by_id[i].get("ManagerStatus") or {}).get("Leader")]
    if leaders:
        assert batches[-1]["node_ids"] == leaders
    shuffled = list(nodes)
    rng.shuffle(shuffled)
    assert plan_batches(shuffled, services, [], list(reversed(upgrade)), size) == batches


# ------------------------------------------------------------------ host-mode ports and serving services


def test_a_port_published_in_host_mode_holds_one_task_per_node():
    nodes = managers(1) + workers(4)
    web = service("web", 3)
    web["Spec"]["EndpointSpec"] = {"Ports": [{"PublishedPort": 8080, "TargetPort": 8080, "PublishMode": "host"}]}
    batches = plan_batches(nodes, [web], [], ids(nodes), 3)  # 5 nodes, one task each: 2 may go at once
    assert [len(b["node_ids"]) for b in worker_batches(batches)] == [2, 2]
    assert batches[0]["shrunk"][0]["reason"] == (
        "draining them with this batch would leave service web (at most 1 per node (port 8080 published in host "
        "mode)) room for fewer than the 3 tasks it needs"
    )
    ingress = service("api", 3)
    ingress["Spec"]["EndpointSpec"] = {"Ports": [{"PublishedPort": 80, "TargetPort": 80, "PublishMode": "ingress"}]}
    assert [len(b["node_ids"]) for b in worker_batches(plan_batches(nodes, [ingress], [], ids(nodes), 3))] == [3, 1]


def test_a_batch_may_hold_every_node_running_a_service_the_drain_stages_it():
    # The bench fleet after a first batch: api's four tasks sit on w004-w006, w001-w003 are back and empty. The
    # remaining workers have room elsewhere, so they form one batch; swarm_drain drains it in stages
    # (drain_stages.py), keeping a task of api running, instead of the planner splitting it into 2 + 1.
    nodes = managers(1) + workers(6)
    services = [service("api", 4, ["node.role==worker"])]
    tasks = [task("api", "w004"), task("api", "w004"), task("api", "w005"), task("api", "w006")]
    remaining = [n["ID"] for n in nodes if n["Description"]["Hostname"] in ("m1", "w004", "w005", "w006")]
    batches = plan_batches(nodes, services, tasks, remaining, 3)
    assert [b["hostnames"] for b in batches] == [["w004", "w005", "w006"], ["m1"]]
    assert batches[0]["shrunk"] == [] and batches[0]["safe"]


def test_workers_running_the_fewest_replicated_tasks_go_first():
    # api's tasks all sit on w001-w003 (an earlier batch moved them there): w004-w006 go first, so their batch drains
    # in one stage and only the second batch holds all of api. Global tasks run everywhere and do not count.
    nodes = managers(1) + workers(6)
    services = [service("api", 4, ["node.role==worker"]), service("agent")]
    tasks = [task("api", "w001"), task("api", "w001"), task("api", "w002"), task("api", "w003")]
    tasks += [task("agent", n["Description"]["Hostname"]) for n in nodes]
    batches = plan_batches(nodes, services, tasks, ids(nodes), 3)
    assert [b["hostnames"] for b in batches] == [["w004", "w005", "w006"], ["w001", "w002", "w003"], ["m1"]]
    # Ties go by hostname, and a batch lists its nodes by hostname whatever order they were chosen in.
    tasks = [task("api", "w001"), task("api", "w005")]
    batches = plan_batches(nodes, services, tasks, ids(nodes), 4)
    assert [b["hostnames"] for b in batches] == [["w002", "w003", "w004", "w006"], ["w001", "w005"], ["m1"]]
