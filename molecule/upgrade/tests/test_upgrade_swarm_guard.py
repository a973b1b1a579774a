"""The site playbook never restarts a live swarm's engines all at once (issue 14). Runs after test_upgrade.py, on the
three-manager swarm left on engine 20.10.24 with the probed service, while a probe on the controller requests the
service on every node:

1. site (engine and daemon stage) with another engine_version is refused before anything changes, naming the three
   nodes in rolling order and dockfleet.docker.engine_upgrade: same versions, no dockerd restarted, every probe round
   answered;
2. the same for daemon.json settings that need a restart (the daemon role's first daemon.json: log-driver, log-opts,
   ...), naming dockfleet.docker.daemon_rolling;
3. dockfleet.docker.daemon_rolling applies them one node at a time: every probe round answered, dockerd restarted
   once per node and never two down at once (systemd's own stop/start times of every node, read afterwards from the
   controller), every node has the settings;
4. a reload-only change (debug) goes through site without refusal and without restarting dockerd.
"""

import contextlib
import json
import os
import subprocess
import sys

from test_upgrade import (
    NODES,
    SCENARIO_DIR,
    assert_managers_unlocked_in_their_turn,
    assert_probe,
    assert_unlocked,
    fleet_host,
    inventory,
    probe_dir,
    replicas,
    swarm_nodes,
)

ROOT = os.path.dirname(os.path.dirname(SCENARIO_DIR))
MIRROR = os.path.join(ROOT, "tests", "fixtures", "test-mirror.yml")
SITE = ("dockfleet.docker.site", "--tags", "engine,daemon", "-e", f"@{MIRROR}", "-e", "engine_version=20.10")


def run(*args):
    result = subprocess.run(
        ["ansible-playbook", "-i", inventory(), *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


@contextlib.contextmanager
def probe(name):
    """The scenario's probe (probe.py) on the controller for the duration of the block; its report is checked."""
    os.makedirs(probe_dir(), exist_ok=True)
    stop = os.path.join(probe_dir(), "stop")
    out = os.path.join(probe_dir(), name + ".json")
    urls = [f"http://{fleet_host(node).ansible.get_variables()['ansible_host']}:8080/" for node in NODES]
    process = subprocess.Popen(
        [
            sys.executable,
            os.path.join(SCENARIO_DIR, "probe.py"),
            "--out",
            out,
            "--stop-file",
            stop,
            "--timeout",
            "1",
            "--interval",
            "0.2",
            "--max-seconds",
            "600",
            "--max-requests",
            "5000",
            *urls,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        with open(stop, "w"):
            pass
        try:
            process.wait(timeout=30)
        finally:
            os.remove(stop)
    assert_probe(name)


def dockerd():
    """Per node: the engine version, dockerd's last stop and start (systemd's monotonic microseconds, one clock for
    all the test hosts: they share the machine's kernel) and daemon.json."""
    state = {}
    for name in NODES:
        node = fleet_host(name)
        shown = dict(
            line.split("=", 1)
            for line in node.check_output(
                "systemctl show docker -p ActiveEnterTimestampMonotonic -p ActiveExitTimestampMonotonic"
            ).splitlines()
        )
        config = node.file("/etc/docker/daemon.json")
        state[name] = {
            "version": node.check_output("docker version --format '{{.Server.Version}}'"),
            "started": int(shown["ActiveEnterTimestampMonotonic"]),
            "stopped": int(shown["ActiveExitTimestampMonotonic"]),
            "daemon.json": json.loads(config.content_string) if config.exists else None,
        }
    return state


def assert_refused_with_nothing_changed(rc, output, before, runbook):
    assert rc != 0, output[-4000:]
    assert "Refused: this run would restart the engines of 3 swarm member(s) at once" in output, output[-4000:]
    assert runbook in output, output[-4000:]
    assert "Nothing was changed on any host" in output
    for name in NODES:
        assert name + " (manager" in output, name
    leader = [name for name, node in swarm_nodes().items() if node["ManagerStatus"] == "Leader"]
    order = output.split("in this order: ", 1)[1].split(":", 1)[0].split(", ")
    assert sorted(order) == sorted(NODES) and order[-1] == leader[0], (order, leader)
    # The play stopped at the refusal: no role task after it ran.
    assert "Install the Docker packages at the chosen version" not in output
    assert "Write daemon.json" not in output
    assert dockerd() == before
    assert replicas() == "2/2"


def test_site_refuses_an_engine_version_change_on_swarm_members_with_nothing_changed():
    before = dockerd()
    with probe("guard-engine"):
        rc, output = run(*SITE, "-e", "engine_version=26.1")
    assert_refused_with_nothing_changed(
        rc, output, before, "dockfleet.docker.engine_upgrade -e engine_upgrade_version=26.1"
    )
    assert "20.10.24+dfsg1 -> 26.1.5" in output, output[-4000:]


def test_site_check_mode_says_the_same():
    before = dockerd()
    rc, output = run(*SITE, "-e", "engine_version=26.1", "--check", "--diff")
    assert_refused_with_nothing_changed(rc, output, before, "dockfleet.docker.engine_upgrade")


def test_site_refuses_a_daemon_change_that_needs_a_restart_with_nothing_changed():
    before = dockerd()
    with probe("guard-daemon"):
        rc, output = run(*SITE)
    assert_refused_with_nothing_changed(rc, output, before, "dockfleet.docker.daemon_rolling")
    assert "engine_upgrade" not in output.split("Refused:", 1)[1].split("\n", 1)[0]
    assert "log-opts" in output, output[-4000:]


def test_daemon_rolling_restarts_one_node_at_a_time_with_the_service_up():
    before = dockerd()
    with probe("daemon-rolling"):
        # The managers only: they are the docker_hosts the daemon role configures in this scenario.
        rc, output = run(
            "dockfleet.docker.daemon_rolling", "-e", f"@{MIRROR}", "-e", "daemon_rolling_hosts=swarm_managers"
        )
    assert rc == 0, output[-6000:]
    # Autolock is on: every manager came back locked from its restart and was unlocked in its turn.
    assert_managers_unlocked_in_their_turn(output)
    assert_unlocked()
    after = dockerd()
    outages = []
    for name in NODES:
        assert after[name]["version"] == before[name]["version"], name
        assert after[name]["daemon.json"]["log-driver"] == "json-file", after[name]
        assert after[name]["daemon.json"]["log-opts"], after[name]
        assert after[name]["daemon.json"]["live-restore"] is False, after[name]
        assert after[name]["started"] > before[name]["started"], f"{name}: dockerd was not restarted"
        assert after[name]["stopped"] > before[name]["started"], name
        outages.append((after[name]["stopped"], after[name]["started"], name))
    outages.sort()
    print("dockerd down (monotonic s):", [(n, round(a / 1e6, 1), round(b / 1e6, 1)) for a, b, n in outages])
    for (_s1, end, first), (start, _e2, second) in zip(outages, outages[1:]):
        assert end < start, f"{first} and {second} were down at the same time"
    leader = [name for name, node in swarm_nodes().items() if node["ManagerStatus"] == "Leader"]
    assert output.count("Apply the daemon role to this drained node") == 3, output[-4000:]
    nodes = swarm_nodes()
    assert all(n["Status"] == "Ready" and n["Availability"] == "Active" for n in nodes.values()), nodes
    assert replicas() == "2/2"
    assert leader


def test_site_applies_a_reload_only_change_without_refusal_or_restart():
    before = dockerd()
    with probe("guard-reload"):
        rc, output = run(*SITE, "-e", '{"daemon_options": {"debug": true}}')
    assert rc == 0, output[-6000:]
    assert "Refused" not in output
    after = dockerd()
    for name in NODES:
        assert after[name]["daemon.json"]["debug"] is True, after[name]
        assert after[name]["started"] == before[name]["started"], f"{name}: dockerd restarted"
        assert fleet_host(name).check_output("docker info --format '{{.Debug}}'") == "true", name
    assert "Reload dockerd (SIGHUP)" in output
