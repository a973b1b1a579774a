"""A live swarm of three managers and two workers changes engine 20.10 -> 26.1 -> 20.10 - the two workers together
in one batch, then one manager at a time - while a probe on the controller (outside the swarm, like a load
balancer) requests the published service on every manager: no request may fail, every replica must run afterwards,
re-runs change nothing, a failed pre-flight changes nothing at all, and --check shows a batch shrunk for a service
that needs a worker. Autolock is on: every manager comes back locked from its engine restart, and the run unlocks it
in its turn."""

import json
import os
import re
import subprocess
import time

import testinfra

NODES = ("upgrade-manager-1", "upgrade-manager-2", "upgrade-manager-3")
WORKERS = ("upgrade-worker-1", "upgrade-worker-2")
ALL = NODES + WORKERS
STOPPED = "upgrade-manager-3"
# The note a rolling run keeps on a node until the node has its availability back.
NOTE = "/var/lib/dockfleet/engine-upgrade.json"
SCENARIO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECAP = re.compile(r"^(upgrade-[\w-]+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
DOWNGRADE = ("-e", "engine_upgrade_version=20.10", "-e", "engine_upgrade_allow_downgrade=true")


def inventory():
    return os.environ["MOLECULE_INVENTORY_FILE"]


def probe_dir():
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "probe")


def fleet_host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={inventory()}")


def converge(*args, playbook=None):
    """Run the scenario's converge (probe + engine_upgrade) with extra args; return (rc, output, recap)."""
    result = subprocess.run(
        ["ansible-playbook", "-i", inventory(), playbook or os.path.join(SCENARIO_DIR, "converge.yml"), *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    recap = {
        name: (int(changed), int(unreachable), int(failed))
        for name, changed, unreachable, failed in RECAP.findall(output)
    }
    return result.returncode, output, recap


def dockerd_outages():
    """Per node: dockerd's last (stop, start) in systemd's monotonic microseconds (one clock for all the test hosts:
    they share the machine's kernel)."""
    outages = {}
    for name in ALL:
        shown = dict(
            line.split("=", 1)
            for line in fleet_host(name)
            .check_output("systemctl show docker -p ActiveEnterTimestampMonotonic -p ActiveExitTimestampMonotonic")
            .splitlines()
        )
        outages[name] = (int(shown["ActiveExitTimestampMonotonic"]), int(shown["ActiveEnterTimestampMonotonic"]))
    return outages


def assert_batches(outages):
    """The two workers were down together (one batch), before any manager; no two managers were down at once."""
    print("dockerd down (monotonic s):", {n: (round(a / 1e6, 1), round(b / 1e6, 1)) for n, (a, b) in outages.items()})
    (stop_1, start_1), (stop_2, start_2) = outages[WORKERS[0]], outages[WORKERS[1]]
    assert stop_1 < start_2 and stop_2 < start_1, f"the workers were not down at the same time: {outages}"
    managers = sorted(outages[name] for name in NODES)
    assert max(start_1, start_2) < managers[0][0], f"a manager went down before the workers' batch was back: {outages}"
    for (_stop, end), (start, _end) in zip(managers, managers[1:]):
        assert end < start, f"two managers were down at the same time: {outages}"


def assert_batch_output(output):
    """The plan shows the workers' batch first, then one batch per manager; the summary says the same."""
    table = re.search(r"BATCH\s+ROLE\s+HOSTS\s+ROOM KEPT\s+NOTES(.*?)(?:\]|\n\n)", output, re.DOTALL)
    assert table, output[-4000:]
    rows = [row.strip(' ",') for row in table.group(1).splitlines() if row.strip(' ",')]
    assert re.match(r"1\s+worker\s+upgrade-worker-1, upgrade-worker-2\s+yes", rows[0]), rows
    assert [row.split()[:2] for row in rows[1:]] == [[str(i), "manager"] for i in (2, 3, 4)], rows
    for name in WORKERS:
        assert re.search(rf"{name}\s+worker\s+1\s+", output), output[-4000:]


def manager():
    """A manager that answers (the fleet's nodes take turns restarting their engines)."""
    for name in NODES:
        candidate = fleet_host(name)
        if candidate.run("docker node ls -q").rc == 0:
            return candidate
    raise AssertionError("no manager answers `docker node ls`")


def swarm_nodes():
    """Every node once, by its hostname, as the first manager that answers lists them."""
    for name in NODES:
        answer = fleet_host(name).run("docker node ls --format '{{json .}}'")
        if answer.rc == 0:
            break
    else:
        raise AssertionError("no manager answers `docker node ls`")
    lines = answer.stdout.splitlines()
    nodes = {node["Hostname"]: node for node in map(json.loads, lines)}
    assert sorted(nodes) == sorted(ALL) and len(lines) == len(ALL), (name, lines)
    return nodes


def replicas():
    return manager().check_output("docker service ls --filter name=web --format '{{.Replicas}}'").strip()


def assert_fleet(release):
    """Every node runs `release` (engine, CLI and held packages) and is Ready and Active, every manager is
    reachable, and the service runs both replicas."""
    for name in ALL:
        node = fleet_host(name)
        assert node.check_output("docker version --format '{{.Server.Version}}'").startswith(release + "+"), name
        for package in ("docker-ce", "docker-ce-cli"):
            version = node.check_output(f"dpkg-query -W -f '${{Version}}' {package}")
            assert version.startswith(f"5:{release}-1~debian.12~"), (name, package, version)
        assert "docker-ce" in node.check_output("apt-mark showhold").split(), name
    nodes = swarm_nodes()
    for name, node in nodes.items():
        assert node["Status"] == "Ready", (name, node)
        assert node["Availability"] == "Active", (name, node)
        assert node["ManagerStatus"] in (("Leader", "Reachable") if name in NODES else ("",)), (name, node)
        assert node["EngineVersion"].startswith(release + "+"), (name, node)
    assert replicas() == "2/2"
    states = manager().check_output("docker service ps web --filter desired-state=running --format '{{.CurrentState}}'")
    assert [line.split()[0] for line in states.splitlines()] == ["Running"] * 2, states
    assert_unlocked()


def assert_unlocked():
    """Autolock is on and no node is left locked (every manager was unlocked after its engine restarted)."""
    assert (
        manager().check_output("docker info --format '{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}'")
        == "true"
    )
    for name in ALL:
        state = fleet_host(name).check_output("docker info --format '{{.Swarm.LocalNodeState}}'")
        assert state == "active", (name, state)


def assert_managers_unlocked_in_their_turn(output):
    """Each manager's turn unlocked it (autolock locked it on the engine restart), and the key was never printed."""
    unlocked = [
        re.search(r"changed: \[(upgrade-manager-\d)\]", chunk).group(1)
        for chunk in output.split("TASK [")
        if chunk.startswith("Unlock this manager with the key read before its engine restarted]")
        and re.search(r"changed: \[(upgrade-manager-\d)\]", chunk)
    ]
    assert sorted(unlocked) == sorted(NODES), output[-6000:]
    key = manager().check_output("docker swarm unlock-key -q")
    assert key and key not in output


def assert_probe(name):
    path = os.path.join(probe_dir(), name + ".json")
    with open(path) as handle:
        report = json.load(handle)
    print(
        f"probe {name}: {report['requests']} requests in {report['seconds']}s, {report['failed']} failed, "
        f"node misses covered by another node: {report['node_misses']}, answered by: {report['answered_by']}"
    )
    assert report["stopped_by"] == "stop file", report["stopped_by"]
    # About 5 requests a second; at least one a second shows it really ran for the whole playbook.
    assert report["requests"] >= max(10, report["seconds"]), "the probe hardly ran: %s" % report
    assert report["failed"] == 0, json.dumps(report["failures"], indent=2)
    # Every answer is counted, and the nodes running the two replicas both answered.
    assert sum(report["answered_by"].values()) == report["requests"], report
    assert len([count for count in report["answered_by"].values() if count > 0]) >= 2, report["answered_by"]
    return report


def stop_probe(name):
    """A converge that fails never reaches its "stop the probe" play: stop that probe the same way."""
    stop = os.path.join(probe_dir(), "stop")
    with open(stop, "w"):
        pass
    try:
        wait_until(lambda: os.path.exists(os.path.join(probe_dir(), name + ".json")), timeout=30, what="probe report")
    finally:
        os.remove(stop)


def backups():
    """The dated swarm backups the runs took (engine_upgrade_backup is on by default)."""
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "backups")
    return (
        sorted(name for name in os.listdir(path) if re.fullmatch(r"\d{8}T\d{6}Z", name)) if os.path.isdir(path) else []
    )


def workers_batch_drain_stop(output):
    """A run that stopped in the workers' batch drain: the worker whose message says so (one message for the batch,
    from the first worker), the other worker, and the message (one line, from after the step to "Fix the cause")."""
    stopped = set(re.findall(r"The engine upgrade stopped at (upgrade-[a-z]+-\d)", output))
    assert len(stopped) == 1 and stopped <= set(WORKERS), stopped
    (worker,) = stopped
    (mate,) = set(WORKERS) - {worker}
    said = re.search(
        rf'The engine upgrade stopped at {worker}, in step \\?"([^"\\]+)\\?": (.*?)Fix the cause', output, re.S
    )
    assert said, output[-4000:]
    step, message = said.group(1), " ".join(said.group(2).replace("\\n", " ").split())
    assert step == "Drain the node with the other nodes of its batch, and wait until their tasks run on other nodes"
    return worker, mate, message


def assert_only_the_workers_batch_touched(message):
    """After a stop in the workers' batch drain: the message says the managers were not touched, nobody was
    downgraded, and each worker of the batch keeps a note of the availability to give back (active)."""
    untouched = re.search(r"Not touched: ([^.]+)\.", message)
    assert untouched and set(untouched.group(1).split(", ")) == set(NODES), message
    for name in ALL:
        assert fleet_host(name).check_output("docker version --format '{{.Server.Version}}'").startswith("26.1.5+")
    for name in WORKERS:
        note = json.loads(fleet_host(name).file(NOTE).content_string)
        assert note["availability"] == "active", (name, note)


def wait_until(check, timeout=180, what="condition"):
    deadline = time.time() + timeout
    while True:
        try:
            if check():
                return
        except AssertionError:
            pass
        if time.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(3)


# Upgrade (converge) ------------------------------------------------------------------------------------------


def test_upgrade_left_every_node_on_26_1_5_with_all_replicas_running():
    assert_fleet("26.1.5")


def test_upgrade_took_the_two_workers_in_one_batch_then_one_manager_at_a_time():
    assert_batches(dockerd_outages())


def test_probe_saw_no_failed_request_during_the_upgrade():
    assert_probe("upgrade")


def test_rerun_of_the_upgrade_changes_nothing():
    # Molecule's idempotence step ran converge a second time; run it here when only `verify` is run.
    if not os.path.exists(os.path.join(probe_dir(), "upgrade-rerun.json")):
        rc, output, recap = converge()
        assert rc == 0, output[-4000:]
        assert recap and all(changed == 0 for changed, _u, _f in recap.values()), recap
    assert_probe("upgrade-rerun")
    assert_fleet("26.1.5")
    # The upgrade took one backup before its first node; the re-run, with nothing to change, took none.
    assert len(backups()) == 1, backups()


# Pre-flight failure ------------------------------------------------------------------------------------------


def test_preflight_failure_changes_nothing():
    stopped = fleet_host(STOPPED)
    noted = fleet_host(WORKERS[1])
    stopped.check_output("systemctl stop docker.socket docker.service")
    noted.check_output(f"mkdir -p /var/lib/dockfleet && printf '{{not json' > {NOTE}")
    try:
        # A downgrade without allow_downgrade while one node's docker is stopped, another holds a note of an
        # interrupted run that cannot be read and no clock can be checked: all of it is reported, in one table.
        # The clock check is forced on: the test hosts run no chrony, so every host must show up with a clock row.
        rc, output, recap = converge(
            "-e",
            "engine_upgrade_version=20.10",
            "-e",
            "engine_upgrade_timesync_check=true",
            "-e",
            "upgrade_probe_name=preflight",
        )
        stop_probe("preflight")
        assert rc != 0, output[-4000:]
        assert "Pre-flight failed on" in output, output[-4000:]
        assert "Nothing was changed." in output
        assert re.search(rf"{STOPPED}: docker does not answer", output), output[-4000:]
        assert re.search(r"upgrade-manager-1: target version: [^|]*allow_downgrade", output), output[-4000:]
        assert re.search(r"upgrade-manager-2: clock: chronyc is not installed", output), output[-4000:]
        assert re.search(rf"{WORKERS[1]}: note of an interrupted run: {NOTE} cannot be read", output), output[-4000:]
        assert "Drain the node" not in output
        assert "Back up the swarm" not in output
        assert len(backups()) == 1, backups()
        assert {name: changed for name, (changed, _u, _f) in recap.items()} == dict.fromkeys(ALL, 0), recap
        for name in ("upgrade-manager-1", "upgrade-manager-2"):
            node = fleet_host(name)
            assert node.check_output("docker version --format '{{.Server.Version}}'").startswith("26.1.5+"), name
        availability = {name: node["Availability"] for name, node in swarm_nodes().items()}
        assert availability == dict.fromkeys(ALL, "Active"), availability
    finally:
        noted.check_output(f"rm -f {NOTE}")
        # Autolock locks the manager when its engine starts again: unlock it by hand, as an operator would.
        key = fleet_host(NODES[0]).check_output("docker swarm unlock-key -q")
        stopped.check_output("systemctl start docker.service")
        stopped.check_output(f"printf '%s' {key} | docker swarm unlock")
    wait_until(
        lambda: (
            all(
                n["Status"] == "Ready" and (name in WORKERS or n["ManagerStatus"] in ("Leader", "Reachable"))
                for name, n in swarm_nodes().items()
            )
            and replicas() == "2/2"
        ),
        what=f"{STOPPED} to be back in the swarm",
    )
    assert_fleet("26.1.5")


# A node that fails, and the re-run that finishes it ----------------------------------------------------------


def scale(replicas_wanted):
    manager().check_output(f"docker service scale --detach web={replicas_wanted}")
    wait_until(lambda: replicas() == f"{replicas_wanted}/{replicas_wanted}", what=f"web at {replicas_wanted} replicas")


def test_failing_node_stops_the_run_and_is_left_drained():
    # Three host-mode replicas on three managers: a drained manager's task has nowhere to go, so the wait for it to
    # run elsewhere times out on the first manager, after its drain. The run takes the managers only (the workers
    # run no task of the service).
    scale(3)
    try:
        rc, output, _recap = converge(
            *DOWNGRADE,
            "-e",
            "engine_upgrade_hosts=swarm_managers",
            "-e",
            "engine_upgrade_drain_timeout=10",
            "-e",
            "upgrade_probe_name=failed-node",
        )
        stop_probe("failed-node")
        assert rc != 0, output[-4000:]
        stopped = re.search(r'The engine upgrade stopped at (upgrade-manager-\d), in step \\?"([^"\\]+)\\?"', output)
        assert stopped, output[-4000:]
        first, step = stopped.groups()
        assert step == "Drain the node with the other nodes of its batch, and wait until their tasks run on other nodes"
        assert f"The drain stopped. Waited 10s for the tasks of {first} to run on other nodes" in output, output[-4000:]
        assert f"{first} is left drained" in output
        rest = set(NODES) - {first}
        untouched = re.search(r"Not touched: ([^.]+)\.", output)
        assert untouched and set(untouched.group(1).split(", ")) == rest, output[-4000:]
        availability = {name: node["Availability"] for name, node in swarm_nodes().items()}
        assert availability == {**dict.fromkeys(set(rest) | set(WORKERS), "Active"), first: "Drain"}, availability
        # The planner saw it coming: the plan marks every manager's batch as one that leaves web without room.
        assert re.search(r"manager\s+upgrade-manager-\d\s+NO\s+Draining upgrade-manager-\d: service web", output)
        for name in ALL:  # nobody was downgraded
            assert fleet_host(name).check_output("docker version --format '{{.Server.Version}}'").startswith("26.1.5+")
        note = json.loads(fleet_host(first).file(NOTE).content_string)
        assert note["availability"] == "active", note
        assert_probe("failed-node")
    finally:
        scale(2)


def stubborn_running():
    shown = manager().check_output(
        "docker service ps stubborn --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'"
    )
    return sorted(line.split()[0] for line in shown.splitlines() if line.split()[1:2] == ["Running"])


def test_failed_batch_drain_stops_the_run_and_says_where_each_node_of_the_batch_is_left():
    # A global service on the workers whose tasks ignore SIGTERM (sleep is the container's PID 1) for a 20 s grace
    # period: the workers' batch, drained together, still holds them when the 5 s drain timeout ends. The first
    # manager is still drained from the test above (its note says what to restore); the run takes the workers first.
    manager().check_output(
        "docker service create --detach --name stubborn --mode global --constraint node.role==worker "
        "--stop-grace-period 20s dockfleet/busybox:latest sleep 3600"
    )
    try:
        wait_until(lambda: stubborn_running() == sorted(WORKERS), what="a stubborn task on each worker")
        rc, output, _recap = converge(
            *DOWNGRADE, "-e", "engine_upgrade_drain_timeout=5", "-e", "upgrade_probe_name=failed-batch"
        )
        stop_probe("failed-batch")
        assert rc != 0, output[-4000:]
        # The plan said so: the workers' batch stops the global service's tasks while it is drained.
        assert re.search(
            r"1\s+worker\s+upgrade-worker-1, upgrade-worker-2\s+yes\s+global services stopped on these nodes "
            r"meanwhile: stubborn",
            output,
        ), output[-4000:]
        # One message for the batch (the drain ran once for both), from the first worker, naming the other.
        worker, mate, message = workers_batch_drain_stop(output)
        waited = re.search(r"The drain stopped\. Waited 5s for the tasks of ([^.]+?) to run on other nodes", message)
        assert waited and set(waited.group(1).split(", ")) == set(WORKERS), message
        assert f"{worker} is left drained (a note in {NOTE}" in message, message
        assert f"left where they got to: {mate} drained." in message, message
        assert_only_the_workers_batch_touched(message)
        availability = {name: node["Availability"] for name, node in swarm_nodes().items()}
        assert [availability[name] for name in WORKERS] == ["Drain", "Drain"], availability
        assert sorted(availability[name] for name in NODES) == ["Active", "Active", "Drain"], availability
        assert_probe("failed-batch")
        assert len(backups()) == 3, backups()  # taken before the first batch, as by every run with a node to change
    finally:
        manager().check_output("docker service rm stubborn")


def test_rerun_finishes_the_interrupted_node():
    rc, output, _recap = converge("-e", "upgrade_probe_name=finish")
    assert rc == 0, output[-4000:]
    assert output.count("finished an interrupted run") == 3, output[-4000:]
    assert output.count("already on the target, skipped") == 2, output[-4000:]
    for name in ALL:
        assert not fleet_host(name).file(NOTE).exists, name
    assert_fleet("26.1.5")
    assert_probe("finish")
    assert len(backups()) == 4, backups()


# Downgrade ---------------------------------------------------------------------------------------------------


def split_nodes():
    """The nodes where the tasks of the split service run now."""
    answer = manager().check_output("docker service ps split --filter desired-state=running --format '{{.Node}}'")
    return sorted(answer.split())


def test_failed_first_stage_of_a_batch_drain_leaves_the_rest_of_the_batch_paused():
    # A replicated service with one task on each worker and none elsewhere (created while the managers are paused;
    # a swarm does not move tasks back when they are active again), whose tasks ignore SIGTERM for a 20 s grace
    # period. Draining both workers at once would stop it, so the batch drain pauses both, drains one first and
    # waits for that task's replacement on a manager - which the swarm starts only once the old task has stopped,
    # long after the 5 s drain timeout. The run stops in that first stage: the other worker is left paused.
    for name in NODES:
        manager().check_output(f"docker node update --availability pause {name}")
    try:
        manager().check_output(
            "docker service create --detach --name split --replicas 2 --replicas-max-per-node 1 "
            "--stop-grace-period 20s dockfleet/busybox:latest sleep 3600"
        )
        wait_until(lambda: split_nodes() == sorted(WORKERS), what="a split task on each worker")
    finally:
        for name in NODES:
            manager().check_output(f"docker node update --availability active {name}")
    try:
        rc, output, _recap = converge(
            *DOWNGRADE, "-e", "engine_upgrade_drain_timeout=5", "-e", "upgrade_probe_name=paused-batch"
        )
        stop_probe("paused-batch")
        assert rc != 0, output[-4000:]
        worker, mate, message = workers_batch_drain_stop(output)
        # The first stage held one worker; split's replacement did not run within the timeout.
        waited = re.search(
            r"The drain stopped\. Waited 5s for the tasks of (upgrade-worker-\d) to run on other nodes", message
        )
        assert waited, message
        first = waited.group(1)
        (second,) = set(WORKERS) - {first}
        assert "split" in message, message
        left = {
            worker: re.search(rf"{worker} is left (\w+)", message),
            mate: re.search(rf"got to: {mate} (\w+)", message),
        }
        assert {name: found and found.group(1) for name, found in left.items()} == {
            first: "drained",
            second: "paused",
        }, message
        assert_only_the_workers_batch_touched(message)
        availability = {name: node["Availability"] for name, node in swarm_nodes().items()}
        assert (availability[first], availability[second]) == ("Drain", "Pause"), availability
        assert [availability[name] for name in NODES] == ["Active"] * 3, availability
        assert_probe("paused-batch")
        assert len(backups()) == 5, backups()
    finally:
        manager().check_output("docker service rm split")
        # Its stopping tasks hold containers for their grace period; the re-run below starts without them.
        wait_until(
            lambda: all(not fleet_host(name).check_output("docker ps -q --filter name=split.") for name in ALL),
            what="the split containers gone",
        )


def test_downgrade_to_20_10_keeps_the_service_up():
    # It also finishes the batch the test above left drained and paused: the workers get back the availability
    # their notes keep (assert_fleet: Active), and the notes go.
    left = {name: node["Availability"] for name, node in swarm_nodes().items()}
    assert sorted(left[name] for name in WORKERS) == ["Drain", "Pause"], left
    rc, output, recap = converge(*DOWNGRADE, "-e", "upgrade_probe_name=downgrade")
    assert rc == 0, output[-6000:]
    assert all(changed > 0 for changed, _u, _f in recap.values()), recap
    for name in WORKERS:
        assert not fleet_host(name).file(NOTE).exists, name
    assert re.search(r"26\.1\.5\+dfsg1 -> 20\.10\.24\+dfsg1", output), output[-4000:]
    assert "5 node(s) changed" in output
    assert_batch_output(output)
    assert_batches(dockerd_outages())
    assert_managers_unlocked_in_their_turn(output)
    assert_fleet("20.10.24")
    assert_probe("downgrade")
    assert len(backups()) == 6, backups()


def test_rerun_of_the_downgrade_changes_nothing():
    rc, output, recap = converge(*DOWNGRADE, "-e", "upgrade_probe_name=downgrade")
    assert rc == 0, output[-4000:]
    assert {name: changed for name, (changed, _u, _f) in recap.items()} == dict.fromkeys(ALL, 0), recap
    assert output.count("already on the target, skipped") == 5, output[-4000:]
    assert "0 node(s) changed" in output
    # Nothing queued: the queue and backup plays match no host, quietly (no warning about the runbook's own groups).
    assert "Could not match supplied host pattern" not in output, output[-4000:]
    assert_probe("downgrade-rerun")
    assert_fleet("20.10.24")
    assert len(backups()) == 6, backups()


# The plan in --check ----------------------------------------------------------------------------------------


def test_check_mode_shows_a_batch_shrunk_for_a_service_that_needs_a_worker_and_changes_nothing():
    # One replica that may only run on a worker: draining both workers at once would leave it no room, so the
    # planner holds one back for a second batch.
    manager().check_output(
        "docker service create --detach --name pinned --replicas 1 --constraint node.role==worker "
        "dockfleet/busybox:latest sleep 100000"
    )
    try:
        wait_until(
            lambda: manager().check_output("docker service ls --filter name=pinned --format '{{.Replicas}}'") == "1/1",
            what="pinned at 1 replica",
        )
        # The worker that does not run pinned's task goes first (it moves nothing); the other is held back.
        holder = manager().check_output("docker service ps pinned --filter desired-state=running --format '{{.Node}}'")
        assert holder in WORKERS, holder
        first, second = sorted(WORKERS, key=lambda name: name == holder)
        before = dockerd_outages()
        rc, output, recap = converge(
            "--check", "-e", "engine_upgrade_version=26.1", playbook="dockfleet.docker.engine_upgrade"
        )
        assert rc == 0, output[-4000:]
        assert re.search(rf"1\s+worker\s+{first}\s+yes\s+held back for a later batch: {second} "
                         r"\(draining them with this batch would leave service pinned \(node.role==worker\) room", output), output[-4000:]  # fmt: skip
        assert re.search(rf"2\s+worker\s+{second}\s+yes", output), output[-4000:]
        assert "Drain the node" not in output
        assert {name: changed for name, (changed, _u, _f) in recap.items()} == dict.fromkeys(ALL, 0), recap
        assert dockerd_outages() == before
        assert_fleet("20.10.24")
    finally:
        manager().check_output("docker service rm pinned")


# A change that fails on one node of a batch -------------------------------------------------------------------

# Holds the dpkg frontend lock (an fcntl lock, as apt takes it) for up to ten minutes.
DPKG_LOCK_UNIT = "dockfleet-test-dpkg-lock"
HOLD_DPKG_LOCK = (
    f"systemd-run --unit {DPKG_LOCK_UNIT} /usr/bin/python3 -c "
    '\'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "a"); fcntl.lockf(f, fcntl.LOCK_EX); '
    "time.sleep(600)'"
)
# Takes the lock and lets it go at once; fails while another process holds it.
TRY_DPKG_LOCK = (
    "/usr/bin/python3 -c "
    '\'import fcntl; f = open("/var/lib/dpkg/lock-frontend", "a"); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\''
)


def test_a_node_whose_change_fails_stays_drained_while_its_batch_mate_gets_its_availability_back():
    # The workers change together; on one of them another process holds the dpkg lock longer than the run waits
    # (engine_apt_lock_timeout=5), so its change fails with nothing installed. The other worker's change goes
    # through: it is Ready again on 26.1 and gets its availability back in the batch's one call, which leaves out
    # the worker whose change failed - that one stays drained, with its note. The managers are not touched.
    held, mate = WORKERS[1], WORKERS[0]
    upgrade = ("-e", "engine_upgrade_version=26.1", "-e", "engine_upgrade_backup=false")
    fleet_host(held).check_output(HOLD_DPKG_LOCK)
    try:
        wait_until(
            lambda: fleet_host(held).run(TRY_DPKG_LOCK).rc != 0, timeout=30, what=f"the dpkg lock held on {held}"
        )
        rc, output, _recap = converge(
            *upgrade, "-e", "engine_apt_lock_timeout=5", "-e", "upgrade_probe_name=failed-change"
        )
        stop_probe("failed-change")
        assert rc != 0, output[-4000:]
        stopped = set(re.findall(r"The engine upgrade stopped at (upgrade-[a-z]+-\d)", output))
        assert stopped == {held}, output[-4000:]
        said = re.search(rf'stopped at {held}, in step \\?"([^"\\]+)\\?": (.*?)Fix the cause', output, re.S)
        assert said, output[-4000:]
        step, message = said.group(1), " ".join(said.group(2).replace("\\n", " ").split())
        assert step == "Change the engine version", message
        assert "Could not download the packages, nothing was changed" in message, message
        assert "lock_timeout=5" in message, message
        assert f"{held} is left drained (a note in {NOTE}" in message, message
        assert f"got to: {mate} with availability active" in message, message
        untouched = re.search(r"Not touched: ([^.]+)\.", message)
        assert untouched and set(untouched.group(1).split(", ")) == set(NODES), message
        availability = {name: node["Availability"] for name, node in swarm_nodes().items()}
        assert availability == {**dict.fromkeys((*NODES, mate), "Active"), held: "Drain"}, availability
        engines = {name: fleet_host(name).check_output("docker version --format '{{.Server.Version}}'") for name in ALL}
        assert engines[mate].startswith("26.1.5+"), engines
        assert all(engines[name].startswith("20.10.24+") for name in (*NODES, held)), engines
        assert json.loads(fleet_host(held).file(NOTE).content_string)["availability"] == "active"
        assert not fleet_host(mate).file(NOTE).exists
        assert_probe("failed-change")
    finally:
        fleet_host(held).run(f"systemctl stop {DPKG_LOCK_UNIT}")
    # Back to 20.10, as the tests after this one expect: the drained worker, still on 20.10, finishes its turn (it
    # gets back what its note keeps), its mate is downgraded again, and the managers, on 20.10, are skipped.
    rc, output, recap = converge(
        *DOWNGRADE, "-e", "engine_upgrade_backup=false", "-e", "upgrade_probe_name=finish-change"
    )
    assert rc == 0, output[-6000:]
    assert all(recap[name][0] > 0 for name in WORKERS) and all(recap[name][0] == 0 for name in NODES), recap
    assert output.count("already on the target, skipped") == 3, output[-4000:]
    assert not fleet_host(held).file(NOTE).exists
    assert_fleet("20.10.24")
    assert_probe("finish-change")
