"""The engine role and engine_package module on Debian 12 and 13, asserted on the hosts.

The first tests check what converge left (20.10 pinned). The later ones run the role
again from the controller (engine.yml, with extra vars) and check the hosts after each
run: refused inputs, check mode, a failed upgrade rolled back, the upgrade to 26.1,
a refused and an allowed downgrade, and the bounded wait for a held apt lock.
They run in file order and build on each other; every playbook run targets both hosts.
"""

import concurrent.futures
import hashlib
import json
import os
import pathlib
import subprocess
import time

import pytest
import testinfra

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
HOSTS = {"engine-bookworm": ("12", "bookworm"), "engine-trixie": ("13", "trixie")}
PACKAGE_TASK = "Install the Docker packages at the chosen version and pin them"  # in the role
MODULE_TASK = "Install the Docker packages at the requested version"  # in module.yml
READ_TASK = "Read the repository, packages, pin, service and users of the engine"  # the role's read step
PREFERENCES = "/etc/apt/preferences.d/dockfleet-docker-engine.pref"
KEYRING = "/etc/apt/keyrings/docker.asc"
KEY_RECORD = "/var/lib/dockfleet/engine-repository-key.json"
DOCKER_PACKAGES = ("docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin", "docker-compose-plugin")
# What converge.yml set; later runs pass the same so only the version moves.
BASE_VARS = {"engine_plugins": ["buildx", "compose"], "engine_users": ["nobody"]}


def package_version(name, release):
    number, codename = HOSTS[name]
    return "5:%s-1~debian.%s~%s" % (release, number, codename)


@pytest.fixture(scope="module")
def hosts():
    # Over SSH as the hosts' unprivileged account with sudo, as the playbooks reach them.
    return {name: testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY)) for name in HOSTS}


def run_playbook(playbook, extra_vars=None, args=()):
    """Run a playbook of this scenario on both hosts; return (rc, json report, raw output)."""
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_NOCOLOR="1")
    cmd = ["ansible-playbook", "-i", INVENTORY, str(SCENARIO / playbook), *args]
    if extra_vars is not None:
        cmd += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    # The shared config enables profile_tasks, which prints around the JSON document.
    start = 0 if proc.stdout.startswith("{") else proc.stdout.find("\n{") + 1
    try:
        report, _end = json.JSONDecoder().raw_decode(proc.stdout[start:])
    except ValueError:
        report = None
    assert report is not None, "no JSON report from %s:\n%s\n%s" % (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc.returncode, report, proc.stdout + proc.stderr


def results_of(report, task_name):
    """{host: result} of the named task (the last time it ran)."""
    found = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            # Role tasks are named "<role> : <task>".
            if task["task"]["name"].split(" : ")[-1] == task_name:
                found.update(task["hosts"])
    return found


def server_version(host):
    out = host.run("docker version --format '{{.Server.Version}}'")
    assert out.rc == 0, "docker does not answer: %s" % out.stderr
    return out.stdout.strip()


def installed(host, package):
    return host.check_output("dpkg-query -W -f='${Version}' %s" % package)


def holds(host):
    return set(host.check_output("apt-mark showhold").split())


def docker_upgrades(host, command):
    """The docker packages `apt-get -s <command>` would install or change."""
    out = host.check_output("apt-get -s %s" % command)
    return [line for line in out.splitlines() if line.startswith("Inst ") and line.split()[1] in DOCKER_PACKAGES]


def assert_running_pinned(hosts, release):
    for name, host in hosts.items():
        wanted = package_version(name, release)
        assert server_version(host).startswith(release + "+") or server_version(host) == release, name
        assert installed(host, "docker-ce") == wanted, name
        assert installed(host, "docker-ce-cli") == wanted, name
        assert host.service("docker").is_running, name
        assert set(DOCKER_PACKAGES) <= holds(host), name
        preferences = host.file(PREFERENCES).content_string
        assert "Package: docker-ce\nPin: version %s\nPin-Priority: 1001\n" % wanted in preferences, name
        assert "Package: docker-ce-cli\nPin: version %s\nPin-Priority: 1001\n" % wanted in preferences, name


# --- what converge left ---------------------------------------------------------------------


def test_converge_installed_pinned_20_10(hosts):
    assert_running_pinned(hosts, "20.10.24")
    for name, host in hosts.items():
        assert host.check_output("docker --version").startswith("Docker version 20.10.24"), name
        assert installed(host, "containerd.io") == "1.7.24-1", name
        assert host.service("docker").is_enabled, name
        for package in ("docker-buildx-plugin", "docker-compose-plugin"):
            assert installed(host, package).startswith(("0.13.1-1~debian", "2.26.1-1~debian")), (name, package)


def test_repository_is_deb822_with_signed_by_keyring(hosts):
    for name, host in hosts.items():
        source = host.file("/etc/apt/sources.list.d/docker.sources").content_string
        assert "URIs: http://dockfleet-mirror/linux/debian" in source, name
        assert "Suites: %s" % HOSTS[name][1] in source, name
        assert "Signed-By: /etc/apt/keyrings/docker.asc" in source, name
        assert "trusted" not in source.lower(), name
        assert host.file("/etc/apt/keyrings/docker.asc").content_string.startswith("-----BEGIN PGP PUBLIC KEY BLOCK")
        assert not host.file("/etc/apt/trusted.gpg").exists, name
        # prepare.yml left a docker.list naming the same repository with another key.
        assert not host.file("/etc/apt/sources.list.d/docker.list").exists, name


def test_python_docker_sdk_talks_to_the_engine(hosts):
    for name, host in hosts.items():
        out = host.check_output("python3 -c 'import docker; print(docker.from_env().version()[\"Version\"])'")
        assert out.startswith("20.10.24"), name
        assert "docker" in host.user("nobody").groups, name


def test_apt_upgrade_cannot_move_the_pinned_engine(hosts):
    for name, host in hosts.items():
        # The repository really has a newer engine: without pin and hold apt would take it ...
        unpinned = host.check_output(
            "apt-get -s -o Dir::Etc::PreferencesParts=/nonexistent -o APT::Ignore-Hold=true dist-upgrade"
        )
        assert "Inst docker-ce " in unpinned, "%s: the pin test would prove nothing" % name
        # ... with them neither upgrade nor dist-upgrade proposes any docker package,
        assert docker_upgrades(host, "upgrade") == [], name
        assert docker_upgrades(host, "dist-upgrade") == [], name
        # and each mechanism holds on its own: preferences without the holds, holds without the preferences.
        assert docker_upgrades(host, "-o APT::Ignore-Hold=true dist-upgrade") == [], name
        assert docker_upgrades(host, "-o Dir::Etc::PreferencesParts=/nonexistent dist-upgrade") == [], name


# --- inputs that must fail and change nothing -----------------------------------------------


def test_unset_version_fails_clearly(hosts):
    rc, report, _output = run_playbook("engine.yml", dict(BASE_VARS))
    assert rc != 0
    failures = {
        name: result["msg"]
        for play in report["plays"]
        for task in play["tasks"]
        for name, result in task["hosts"].items()
        if result.get("failed")
    }
    assert set(failures) == set(HOSTS)
    for message in failures.values():
        assert "missing required arguments: engine_version" in message, message
    for name in HOSTS:
        assert report["stats"][name]["changed"] == 0, name
    assert_running_pinned(hosts, "20.10.24")


def test_unquoted_numeric_version_is_refused(hosts):
    rc, report, _output = run_playbook("engine.yml", dict(BASE_VARS, engine_version=20.10))
    assert rc != 0
    results = results_of(report, "Fail when engine_version was read as a number")
    for name in HOSTS:
        assert "drops trailing zeros (20.10 becomes 20.1)" in results[name]["msg"], name
        assert report["stats"][name]["changed"] == 0, name
    assert_running_pinned(hosts, "20.10.24")


def test_unknown_version_fails_listing_what_exists(hosts):
    rc, report, _output = run_playbook("module.yml", {"engine_version": "19.03"})
    assert rc != 0
    results = results_of(report, MODULE_TASK)
    for name in HOSTS:
        assert results[name].get("failed"), name
        message = results[name]["msg"]
        assert "No docker-ce version matches '19.03'" in message, message
        assert "26.1.5, 20.10.24" in message, message
    assert_running_pinned(hosts, "20.10.24")


# --- check mode -----------------------------------------------------------------------------


def test_check_mode_reports_the_upgrade_and_touches_nothing(hosts):
    before = {name: host.file(PREFERENCES).sha256sum for name, host in hosts.items()}
    rc, report, _output = run_playbook("engine.yml", dict(BASE_VARS, engine_version="26.1"), ["--check", "--diff"])
    assert rc == 0
    results = results_of(report, PACKAGE_TASK)
    for name, host in hosts.items():
        # Only the package task predicts a change: nothing else in the role pretends to change.
        assert report["stats"][name]["changed"] == 1, name
        result = results[name]
        assert result["changed"] is True, name
        assert result["packages"]["docker-ce"] == package_version(name, "26.1.5"), name
        assert result["version_after"]["server"] == "26.1.5", name
        diff = result["diff"]
        assert "docker-ce=%s (hold)" % package_version(name, "20.10.24") in diff["before"], name
        assert "docker-ce=%s (hold)" % package_version(name, "26.1.5") in diff["after"], name
        assert host.file(PREFERENCES).sha256sum == before[name], name
    assert_running_pinned(hosts, "20.10.24")


# --- a failed upgrade is rolled back ----------------------------------------------------------


def test_failed_upgrade_puts_the_previous_engine_back(hosts):
    # 20.10 accepts --oom-score-adjust, 26.x removed it: the upgraded engine cannot start,
    # exactly like an upgrade that meets a setting the new version rejects.
    for host in hosts.values():
        host.check_output(
            "cp /etc/default/docker /root/docker.default && echo 'DOCKER_OPTS=\"--oom-score-adjust=100\"' >> /etc/default/docker"
        )
        host.check_output("systemctl restart docker")
        assert server_version(host).startswith("20.10.24")
    try:
        rc, report, _output = run_playbook("module.yml", {"engine_version": "26.1", "engine_start_timeout": 60})
        assert rc != 0
        results = results_of(report, MODULE_TASK)
        for name in HOSTS:
            message = results[name]["msg"]
            assert "failed, so the previous versions" in message, message
            assert "docker-ce=%s" % package_version(name, "20.10.24") in message, message
            assert results[name]["rolled_back"] is True, name
        assert_running_pinned(hosts, "20.10.24")
    finally:
        for host in hosts.values():
            host.run("cp /root/docker.default /etc/default/docker && systemctl restart docker")
    for host in hosts.values():
        assert server_version(host).startswith("20.10.24")


# --- upgrade ----------------------------------------------------------------------------------


def test_upgrade_to_26_1_moves_the_pin(hosts):
    start = time.monotonic()
    rc, report, output = run_playbook("engine.yml", dict(BASE_VARS, engine_version="26.1"))
    assert rc == 0, output[-3000:]
    results = results_of(report, PACKAGE_TASK)
    for name, host in hosts.items():
        result = results[name]
        assert result["changed"] and result["restarted"], name
        assert result["version_before"]["server"].startswith("20.10.24"), name
        assert result["version_after"]["server"].startswith("26.1.5"), name
        assert result["version_after"]["client"].startswith("26.1.5"), name
        # containerd still satisfies the engine: an engine upgrade does not move it.
        assert installed(host, "containerd.io") == "1.7.24-1", name
        assert docker_upgrades(host, "dist-upgrade") == [], name
    assert_running_pinned(hosts, "26.1.5")
    print("upgrade took %.0fs" % (time.monotonic() - start))


def test_second_run_changes_nothing(hosts):
    rc, report, _output = run_playbook("module.yml", {"engine_version": "26.1"})
    assert rc == 0
    for name in HOSTS:
        assert report["stats"][name]["changed"] == 0, name
        assert results_of(report, MODULE_TASK)[name]["changes"] == [], name
    assert_running_pinned(hosts, "26.1.5")


def test_a_key_installed_without_a_record_is_recorded_then_never_downloaded_again(hosts):
    # A host whose key was put there without the role's record (by hand, by an older dockfleet): the role downloads
    # the key once, finds it the same, records it; from then on a converged host asks the repository for nothing.
    keys = {}
    for name, host in hosts.items():
        keys[name] = host.file(KEYRING).sha256sum
        host.check_output("rm -f %s" % KEY_RECORD)
    rc, report, output = run_playbook("engine.yml", dict(BASE_VARS, engine_version="26.1"))
    assert rc == 0, output[-3000:]
    read = results_of(report, READ_TASK)
    for name, host in hosts.items():
        key = read[name]["repository"]["key"]
        # downloaded once, through apt, by the role's read step
        assert key["fetch"] and key["fetch_error"] == "" and key["content"].startswith("-----BEGIN PGP"), (name, key)
        assert host.file(KEYRING).sha256sum == keys[name], name
        record = json.loads(host.file(KEY_RECORD).content_string)
        assert record["sha256"] == hashlib.sha256(host.file(KEYRING).content_string.strip().encode()).hexdigest()
    rc, report, output = run_playbook("engine.yml", dict(BASE_VARS, engine_version="26.1"))
    assert rc == 0, output[-3000:]
    read = results_of(report, READ_TASK)
    for name in HOSTS:
        assert report["stats"][name]["changed"] == 0, name
        key = read[name]["repository"]["key"]
        assert key["fetch"] is False and "content" not in key, (name, key)


def test_a_hand_edited_source_file_is_put_back_without_downloading_the_key(hosts):
    sources = "/etc/apt/sources.list.d/docker.sources"
    wanted = {name: host.file(sources).sha256sum for name, host in hosts.items()}
    for host in hosts.values():
        host.check_output("sed -i 's/^Components: .*/Components: stable test/' %s" % sources)
    rc, report, output = run_playbook("engine.yml", dict(BASE_VARS, engine_version="26.1"))
    assert rc == 0, output[-3000:]
    read = results_of(report, READ_TASK)
    for name, host in hosts.items():
        assert host.file(sources).sha256sum == wanted[name], name
        repository = read[name]["repository"]
        assert repository["key"]["fetch"] is False and "content" not in repository["key"], (name, repository)
        # the repository the source file points back to was asked for its release file first
        assert repository["answers"] is True, (name, repository)
        assert report["stats"][name]["changed"] >= 1, name
    assert_running_pinned(hosts, "26.1.5")


# --- downgrade ----------------------------------------------------------------------------------


def test_downgrade_without_permission_is_refused(hosts):
    rc, report, _output = run_playbook("module.yml", {"engine_version": "20.10"})
    assert rc != 0
    results = results_of(report, MODULE_TASK)
    for name in HOSTS:
        message = results[name]["msg"]
        assert "Refusing to downgrade" in message, message
        assert "docker-ce %s is installed" % package_version(name, "26.1.5") in message, message
        assert "'20.10' resolves to %s" % package_version(name, "20.10.24") in message, message
        assert "allow_downgrade=true" in message and "engine_allow_downgrade" in message, message
    assert_running_pinned(hosts, "26.1.5")


def test_downgrade_with_permission(hosts):
    rc, report, output = run_playbook(
        "engine.yml", dict(BASE_VARS, engine_version="20.10", engine_allow_downgrade=True)
    )
    assert rc == 0, output[-3000:]
    results = results_of(report, PACKAGE_TASK)
    for name in HOSTS:
        assert results[name]["restarted"] is True, name
        assert results[name]["version_after"]["server"].startswith("20.10.24"), name
    assert_running_pinned(hosts, "20.10.24")
    for name, host in hosts.items():
        assert docker_upgrades(host, "dist-upgrade") == [], name


# --- apt lock -------------------------------------------------------------------------------------

LOCKER = (
    "systemd-run --unit=dockfleet-test-apt-lock python3 -c "
    '\'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "w"); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(300)\''
)


def test_held_apt_lock_is_waited_for_then_fails_clearly(hosts):
    for host in hosts.values():
        host.check_output(LOCKER)
    try:
        start = time.monotonic()
        rc, report, _output = run_playbook("module.yml", {"engine_version": "26.1", "engine_apt_lock_timeout": 10})
        took = time.monotonic() - start
        assert rc != 0
        results = results_of(report, "Install the Docker packages at the requested version")
        for name in HOSTS:
            message = results[name]["msg"]
            assert "apt/dpkg is locked by another process" in message, message
            assert "lock_timeout=10" in message, message
            assert "(python3)" in message, message
        assert took < 90, "the lock wait is not bounded: %.0fs" % took
    finally:
        for host in hosts.values():
            host.run("systemctl stop dockfleet-test-apt-lock")
    assert_running_pinned(hosts, "20.10.24")


# --- host lock: two runs against one host at the same time ------------------------------------------

HOST_LOCKER = (
    "mkdir -p /run/dockfleet && systemd-run --unit=dockfleet-test-host-lock python3 -c "
    '\'import fcntl, json, os, time; f = open("/run/dockfleet/dockerd.lock", "w"); fcntl.flock(f, fcntl.LOCK_EX); '
    'f.write(json.dumps({"pid": os.getpid(), "owner": "test run", "started": "2026-01-01T00:00:00Z"})); '
    "f.flush(); time.sleep(300)'"
)


def test_a_run_holding_the_host_lock_is_waited_for_then_named(hosts):
    for host in hosts.values():
        host.check_output(HOST_LOCKER)
    try:
        holders = {
            name: host.check_output("systemctl show --property=MainPID --value dockfleet-test-host-lock")
            for name, host in hosts.items()
        }
        start = time.monotonic()
        rc, report, _output = run_playbook("module.yml", {"engine_version": "26.1", "engine_host_lock_timeout": 5})
        took = time.monotonic() - start
        assert rc != 0
        results = results_of(report, MODULE_TASK)
        for name in HOSTS:
            message = results[name]["msg"]
            assert "pid %s (test run, since 2026-01-01T00:00:00Z)" % holders[name] in message, message
            assert "/run/dockfleet/dockerd.lock" in message, message
            assert "engine_host_lock_timeout" in message, message
        assert took < 90, "the host lock wait is not bounded: %.0fs" % took
    finally:
        for host in hosts.values():
            host.run("systemctl stop dockfleet-test-host-lock")
    assert_running_pinned(hosts, "20.10.24")


def test_two_runs_at_once_install_once(hosts):
    # Issue 16: both runs used to read 20.10, both installed, both reported a change.
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(run_playbook, "module.yml", {"engine_version": "26.1"}) for _run in range(2)]
        outcomes = [run.result() for run in runs]
    for rc, _report, output in outcomes:
        assert rc == 0, output[-3000:]
    for name in HOSTS:
        changed = [results_of(report, MODULE_TASK)[name]["changed"] for _rc, report, _output in outcomes]
        assert sorted(changed) == [False, True], (name, changed)
    assert_running_pinned(hosts, "26.1.5")
