"""The test platform works end to end on every host of the scenario."""

import json


def test_systemd_is_pid1_and_system_is_healthy(host):
    assert host.file("/proc/1/comm").content_string.strip() == "systemd"
    state = host.run("systemctl is-system-running").stdout.strip()
    # `degraded` would mean a unit failed: the images mask the units that cannot
    # work in a container (udev, getty, kernel mounts), so anything failed is real.
    failed = host.run("systemctl --failed --no-legend --plain").stdout.strip()
    assert state == "running", f"system is {state}; failed units: {failed}"


def test_no_time_or_resource_capability(host):
    # The host must never be able to move the real clock (CAP_SYS_TIME = bit 25)
    # and runs without CAP_SYS_RESOURCE (bit 24), which cannot be granted here.
    status = host.file("/proc/1/status").content_string
    cap_eff = int(next(line for line in status.splitlines() if line.startswith("CapEff:")).split()[1], 16)
    assert not cap_eff & (1 << 25)
    assert not cap_eff & (1 << 24)


def test_dockerd_answers_with_overlay2(host):
    info = json.loads(host.check_output("docker info --format '{{json .}}'"))
    assert info["ServerVersion"].startswith("26.1.5")
    assert info["Driver"] == "overlay2"
    assert host.service("docker").is_running
    assert host.service("docker").is_enabled


def test_inner_dockerd_runs_a_container(host):
    out = host.run("docker run --rm dockfleet/busybox:latest echo inner-container-ok")
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "inner-container-ok"


def test_mirror_versions_visible_to_apt(host):
    madison = host.check_output("apt-cache madison docker-ce")
    codename = host.check_output(". /etc/os-release && echo $VERSION_CODENAME")
    number = {"bookworm": "12", "trixie": "13"}[codename]
    for upstream in ("20.10.24", "26.1.5"):
        assert f"5:{upstream}-1~debian.{number}~{codename}" in madison
    assert "http://dockfleet-mirror/linux/debian" in madison


def test_mirror_is_trusted_by_signature_not_trusted_yes(host):
    source = host.file("/etc/apt/sources.list.d/docker.sources").content_string
    assert "Signed-By: /etc/apt/keyrings/dockfleet-test-mirror.asc" in source
    assert "trusted" not in source.lower()
    policy = host.check_output("apt-get update 2>&1")
    assert "NO_PUBKEY" not in policy and "not signed" not in policy
