"""Changes on daemon-1, run as an operator would (ansible-playbook with converge.yml):
an unknown key is refused before anything is written, a reloadable key reloads without
a restart, and a config dockerd refuses at start is rolled back with containers running."""

import hashlib
import json
import time

from conftest import run_playbook

testinfra_hosts = ["ansible://daemon-1"]

DAEMON_JSON = "/etc/docker/daemon.json"
DROPIN = "/etc/systemd/system/docker.service.d/dockfleet-hosts.conf"


def daemon_process(host):
    """(MainPID, ExecMainStartTimestamp) of docker.service."""
    out = host.check_output("systemctl show -p MainPID -p ExecMainStartTimestamp docker.service")
    props = dict(line.split("=", 1) for line in out.splitlines())
    return props["MainPID"], props["ExecMainStartTimestamp"]


def file_state(host, path):
    f = host.file(path)
    return hashlib.sha256(f.content).hexdigest(), f.mtime


def backups(host):
    return host.run("ls -1 /etc/docker/ | grep -c '^daemon.json\\..*~$'").stdout.strip()


def task_outcome(output, task):
    """'ok', 'changed', 'skipping' or 'failed' for the first result of ``task`` in ansible-playbook output."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "[dockfleet.docker.daemon : %s" % task in line)
    for line in lines[start + 1 :]:
        for word in ("ok", "changed", "skipping", "failed", "fatal"):
            if line.startswith(word + ": [daemon-1]"):
                return word
    return None


def test_unknown_key_fails_before_anything_is_written(host):
    before = (file_state(host, DAEMON_JSON), file_state(host, DROPIN), backups(host), daemon_process(host))
    result = run_playbook(
        "converge.yml", limit="daemon-1", extra_vars={"daemon_options": {"storage-drivr": "overlay2"}}
    )
    assert result.returncode != 0
    assert "unknown daemon.json key 'storage-drivr' (did you mean 'storage-driver'?)" in result.stdout + result.stderr
    after = (file_state(host, DAEMON_JSON), file_state(host, DROPIN), backups(host), daemon_process(host))
    assert after == before


def test_reloadable_change_reloads_without_restarting(host):
    label = "dockfleet.test=reload-%d" % time.time_ns()
    pid, started = daemon_process(host)
    result = run_playbook("converge.yml", limit="daemon-1", extra_vars={"daemon_labels": [label]})
    assert result.returncode == 0, result.stdout + result.stderr
    assert task_outcome(result.stdout, "Reload dockerd (SIGHUP)") == "changed"
    assert task_outcome(result.stdout, "Restart dockerd") == "skipping"
    assert daemon_process(host) == (pid, started)
    labels = json.loads(host.check_output("docker info --format '{{json .Labels}}'"))
    assert label in labels
    assert json.loads(host.file(DAEMON_JSON).content_string)["labels"] == [label]


def test_config_refused_at_start_is_rolled_back_and_containers_keep_running(host, fixtures_ready):
    host.run("docker rm -f dockfleet-canary")
    host.check_output("docker run -d --name dockfleet-canary dockfleet/busybox:latest sleep 100000")
    canary_before = host.check_output("docker inspect --format '{{.Id}} {{.State.StartedAt}}' dockfleet-canary")
    config_before = host.file(DAEMON_JSON).content_string
    dropin_before = host.file(DROPIN).content_string
    pid_before, _started = daemon_process(host)

    # Valid JSON, known keys, passes `dockerd --validate`, but overlay2 refuses the option at start.
    result = run_playbook(
        "converge.yml", limit="daemon-1", extra_vars={"daemon_options": {"storage-opts": ["overlay2.bogus=1"]}}
    )
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "rescued=1" in result.stdout  # the restart failed and the rollback ran
    assert "Rolled back: dockerd is up again with the previous configuration." in output
    assert "overlay2.bogus" in output  # dockerd's own error, from its journal

    assert host.file(DAEMON_JSON).content_string == config_before
    assert host.file(DROPIN).content_string == dropin_before
    assert host.service("docker").is_running
    assert daemon_process(host)[0] != pid_before  # it really was restarted (twice)
    # live-restore: the container started before never stopped.
    assert host.check_output("docker inspect --format '{{.Id}} {{.State.StartedAt}}' dockfleet-canary") == canary_before
    assert host.check_output("docker inspect --format '{{.State.Running}}' dockfleet-canary") == "true"
    host.run("docker rm -f dockfleet-canary")


def recap(output, name="daemon-1"):
    """The PLAY RECAP counters of a host, as a dict."""
    line = next(line for line in output.splitlines() if line.startswith(name + " ") and "ok=" in line)
    return {key: int(value) for key, value in (pair.split("=") for pair in line.split(":", 1)[1].split())}


def test_a_converged_host_costs_one_read_and_drift_is_found_predicted_and_fixed(host):
    # The tests above left other labels: converge once, then the host is converged.
    first = run_playbook("converge.yml", limit="daemon-1")
    assert first.returncode == 0, first.stdout + first.stderr
    pid, started = daemon_process(host)
    # Converged: argument validation, the variable check (an assertion on the controller, no module call on the host),
    # the one read, two skipped includes; the same with --check.
    for check in (False, True):
        result = run_playbook("converge.yml", limit="daemon-1", check=check)
        assert result.returncode == 0, result.stdout + result.stderr
        counts = recap(result.stdout)
        assert (counts["ok"], counts["changed"], counts["skipped"]) == (3, 0, 2), result.stdout
    # Drift by hand: a key of the hardened preset removed from daemon.json.
    config = json.loads(host.file(DAEMON_JSON).content_string)
    del config["icc"]
    host.check_output("printf '%%s' '%s' > %s" % (json.dumps(config), DAEMON_JSON))
    before = file_state(host, DAEMON_JSON)
    predicted = run_playbook("converge.yml", limit="daemon-1", check=True)
    assert predicted.returncode == 0, predicted.stdout + predicted.stderr
    assert recap(predicted.stdout)["changed"] > 0
    assert task_outcome(predicted.stdout, "Restart dockerd") == "changed"
    assert file_state(host, DAEMON_JSON) == before and daemon_process(host) == (pid, started)
    fixed = run_playbook("converge.yml", limit="daemon-1")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert task_outcome(fixed.stdout, "Restart dockerd") == "changed"
    assert json.loads(host.file(DAEMON_JSON).content_string)["icc"] is False
    assert (
        json.loads(host.check_output("docker network inspect bridge --format '{{json .Options}}'"))[
            "com.docker.network.bridge.enable_icc"
        ]
        == "false"
    )
