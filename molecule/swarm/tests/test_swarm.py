"""The swarm role on one manager and two workers.

The first tests check what converge left on the engines. The later ones change something
(a label dropped from the inventory, a refused drain, a node that left and formed its own
swarm), run the scenario's converge playbook or a module again from the controller, and
check the engines afterwards. They run in file order and build on each other.
"""

import json
import os
import pathlib
import re
import subprocess
import tempfile
import time

import pytest
import testinfra

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
MANAGER = "swarm-manager-1"
WORKER_1 = "swarm-worker-1"
WORKER_2 = "swarm-worker-2"
ROLES = {MANAGER: "manager", WORKER_1: "worker", WORKER_2: "worker"}
LABELS = {
    MANAGER: {"tier": "control"},
    WORKER_1: {"zone": "a", "disk": "ssd", "scratch": "true"},
    WORKER_2: {"zone": "b"},
}


def engine_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


@pytest.fixture(scope="module")
def manager():
    return engine_host(MANAGER)


def nodes(manager):
    """Every node the manager lists, as the engine reports it."""
    ids = manager.check_output("docker node ls -q").split()
    return json.loads(manager.check_output("docker node inspect %s" % " ".join(ids)))


def by_hostname(manager):
    """Ready nodes by hostname (a node that left stays listed as Down until pruned)."""
    result = {}
    for node in nodes(manager):
        if node["Status"]["State"] == "ready":
            result[node["Description"]["Hostname"]] = node
    return result


def run(command):
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=str(SCENARIO), check=False
    )
    return done.returncode, done.stdout


def converge(variables=None, *options):
    """Run the scenario's converge playbook with ``variables`` as extra vars; return (rc, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(variables or {}, handle)
    try:
        return run(
            ["ansible-playbook", "-i", INVENTORY, str(SCENARIO / "converge.yml"), "-e", "@" + handle.name, *options]
        )
    finally:
        os.unlink(handle.name)


def swarm_node(arguments, *options):
    """Run dockfleet.docker.swarm_node on the manager; return (rc, output)."""
    return run(
        [
            "ansible",
            MANAGER,
            "-i",
            INVENTORY,
            "-m",
            "dockfleet.docker.swarm_node",
            "-a",
            json.dumps(arguments),
            *options,
        ]
    )


def changes(output, host_name):
    match = re.search(r"^%s\s*:\s*ok=\d+\s+changed=(\d+)" % re.escape(host_name), output, re.M)
    assert match, output
    return int(match.group(1))


# --------------------------------------------------------------------------- converged state


def test_all_nodes_are_ready_with_their_declared_roles(manager):
    listed = nodes(manager)
    assert len(listed) == 3, [(n["Description"]["Hostname"], n["Status"]["State"]) for n in listed]
    ready = by_hostname(manager)
    assert sorted(ready) == sorted(ROLES)
    for hostname, node in ready.items():
        assert node["Spec"]["Role"] == ROLES[hostname], hostname
        assert node["Spec"]["Availability"] == "active", hostname
    assert ready[MANAGER]["ManagerStatus"]["Leader"] is True


def test_every_node_carries_exactly_its_declared_labels(manager):
    ready = by_hostname(manager)
    for hostname, labels in LABELS.items():
        assert ready[hostname]["Spec"]["Labels"] == labels, hostname


def test_swarm_settings_are_as_declared(manager):
    spec = json.loads(manager.check_output("docker info --format '{{json .Swarm.Cluster.Spec}}'"))
    assert spec["CAConfig"]["NodeCertExpiry"] == 30 * 24 * 3600 * 10**9
    assert spec["Orchestration"]["TaskHistoryRetentionLimit"] == 3


# --------------------------------------------------------------------------- placement


def test_a_service_constrained_to_a_label_runs_only_on_the_labelled_node(manager):
    manager.check_output(
        "docker service create --detach=false --no-resolve-image --name pinned --replicas 3 "
        "--constraint node.labels.disk==ssd dockfleet/busybox:latest sleep 3600"
    )
    try:
        running = manager.check_output(
            "docker service ps pinned --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"
        ).splitlines()
        assert len(running) == 3, running
        assert all(line.startswith(WORKER_1 + " Running") for line in running), running
    finally:
        manager.run("docker service rm pinned")


# --------------------------------------------------------------------------- declarative labels


def test_a_label_removed_from_the_inventory_disappears_on_the_next_run(manager):
    # A label added by hand is not declared either: exact mode removes it too.
    worker_2 = by_hostname(manager)[WORKER_2]
    manager.check_output("docker node update --label-add manual=1 %s" % worker_2["ID"])
    dropped = {"swarm_test_worker_1_labels": {"zone": "a", "disk": "ssd"}}

    # Check mode reports the change and makes none.
    rc, output = converge(dropped, "--check", "--diff")
    assert rc == 0, output
    assert changes(output, MANAGER) == 1, output
    assert re.search(r'^-\s+"scratch": "true"', output, re.M), output
    ready = by_hostname(manager)
    assert ready[WORKER_1]["Spec"]["Labels"] == LABELS[WORKER_1]
    assert ready[WORKER_2]["Spec"]["Labels"] == dict(LABELS[WORKER_2], manual="1")

    # Verbose, so every result is printed: the join tokens must still never appear.
    rc, output = converge(dropped, "-v")
    assert rc == 0, output
    assert "SWMTKN-" not in output
    ready = by_hostname(manager)
    assert ready[WORKER_1]["Spec"]["Labels"] == {"zone": "a", "disk": "ssd"}
    assert ready[WORKER_2]["Spec"]["Labels"] == LABELS[WORKER_2]
    # The next converge (in the membership test) runs with the inventory as written and puts `scratch` back.


# --------------------------------------------------------------------------- quorum safety


def test_draining_the_last_manager_is_refused_and_changes_nothing(manager):
    before = by_hostname(manager)
    # One call: a harmless label change on a worker and the drain. The drain is refused,
    # so the label change must not be made either.
    rc, output = swarm_node(
        {
            "nodes": [
                {"node": WORKER_1, "labels": {"maintenance": "soon"}},
                {"node": MANAGER, "availability": "drain"},
            ]
        }
    )
    assert rc != 0, output
    assert "Nothing was changed" in output, output
    assert "Refusing to set manager '%s'" % MANAGER in output, output
    assert "the swarm has 1 manager, 1 reachable (a majority needs 1)" in output, output
    assert "last active reachable manager" in output, output
    after = by_hostname(manager)
    for hostname in (MANAGER, WORKER_1):
        assert after[hostname]["Version"]["Index"] == before[hostname]["Version"]["Index"], hostname
    assert after[MANAGER]["Spec"]["Availability"] == "active"
    assert "maintenance" not in after[WORKER_1]["Spec"]["Labels"]


def test_demoting_the_only_manager_is_refused(manager):
    rc, output = swarm_node({"node": MANAGER, "role": "worker"})
    assert rc != 0, output
    assert "it is the only manager" in output, output
    assert by_hostname(manager)[MANAGER]["Spec"]["Role"] == "manager"


def test_promotion_waits_for_a_reachable_manager_and_demotion_is_checked(manager):
    rc, output = swarm_node({"node": WORKER_2, "role": "manager"})
    assert rc == 0, output
    assert "The swarm has 2 managers: an even count" in output, output  # the even-count warning
    promoted = by_hostname(manager)[WORKER_2]
    assert promoted["Spec"]["Role"] == "manager"
    assert promoted["ManagerStatus"]["Reachability"] == "reachable"  # the module waited for it
    # Two reachable managers: demoting one keeps a majority of the one left.
    rc, output = swarm_node({"node": WORKER_2, "role": "worker"}, "--diff")
    assert rc == 0, output
    assert '-        "role": "manager"' in output and '+        "role": "worker"' in output, output
    assert by_hostname(manager)[WORKER_2]["Spec"]["Role"] == "worker"


# --------------------------------------------------------------------------- time-sync pre-flight


def test_the_time_sync_preflight_stops_the_run_before_any_change(manager):
    # These hosts run no chrony (the timesync role is not part of this scenario), so no
    # clock can be shown to be in sync: the pre-flight must stop every host first.
    before = dict((n["ID"], n["Spec"]) for n in nodes(manager))
    rc, output = converge({"swarm_timesync_check": True, "swarm_test_worker_1_labels": {"zone": "a"}})
    assert rc != 0, output
    assert "Clocks are not in sync; the swarm was not touched" in output, output
    for name in ROLES:
        assert re.search(r"^%s: chronyc is not installed" % name, output, re.M), output
        assert changes(output, name) == 0, output
    assert "Declare every node's role" not in output, output
    assert dict((n["ID"], n["Spec"]) for n in nodes(manager)) == before  # `scratch` is still on worker-1


# --------------------------------------------------------------------------- membership


def test_a_node_in_another_swarm_is_refused_then_moved_and_its_old_node_pruned(manager):
    worker_2 = engine_host(WORKER_2)
    old_id = by_hostname(manager)[WORKER_2]["ID"]
    worker_2.check_output("docker swarm leave")
    worker_2.check_output("docker swarm init --advertise-addr eth0")
    deadline = time.time() + 60
    while time.time() < deadline:
        states = dict((n["ID"], n["Status"]["State"]) for n in nodes(manager))
        if states.get(old_id) == "down":
            break
        time.sleep(2)
    assert states.get(old_id) == "down", states

    rc, output = converge()
    assert rc != 0, output
    assert "already in a different swarm" in output, output
    assert "Nothing was changed" in output, output
    assert json.loads(worker_2.check_output("docker info --format '{{json .Swarm}}'"))["ControlAvailable"] is True
    assert old_id in [n["ID"] for n in nodes(manager)]  # a failed host in the play: nothing is pruned

    # Allowed to leave, and declared a manager this time: it joins with the manager token.
    rc, output = converge(
        {
            "swarm_leave_other_swarm": True,
            "swarm_managers_group": "swarm_two_managers",
            "swarm_workers_group": "swarm_one_worker",
        },
        "-i",
        str(SCENARIO / "two-managers.ini"),
    )
    assert rc == 0, output
    assert "The swarm has 2 managers: an even count" in output, output
    listed = nodes(manager)
    assert old_id not in [n["ID"] for n in listed], "the Down node that left was not pruned"
    assert sorted(n["Description"]["Hostname"] for n in listed) == sorted(ROLES)
    ready = by_hostname(manager)
    assert ready[WORKER_2]["Spec"]["Role"] == "manager"
    assert ready[WORKER_2]["ManagerStatus"]["Reachability"] == "reachable"
    for hostname, labels in LABELS.items():  # worker-1 has `scratch` back: the inventory as written again
        assert ready[hostname]["Spec"]["Labels"] == labels, hostname


def test_the_inventory_as_written_demotes_the_extra_manager(manager):
    rc, output = converge()
    assert rc == 0, output
    assert changes(output, MANAGER) == 1, output  # the one swarm_node call: the demotion
    assert changes(output, WORKER_1) == 0 and changes(output, WORKER_2) == 0, output
    ready = by_hostname(manager)
    assert ready[WORKER_2]["Spec"]["Role"] == "worker"
    assert [h for h, n in ready.items() if n["Spec"]["Role"] == "manager"] == [MANAGER]
