"""An isolated fleet keeps one time: the server serves its own clock, both clients
follow it, the fleet-wide sync check passes, and fails naming the clients when the
server stops. No host can set the clock: chronyd runs without clock control."""

import json
import os
import re
import subprocess

import testinfra

SERVER = "timesync-server"
CLIENTS = ("timesync-client-1", "timesync-client-2")
SCENARIO_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r'^\s*"(timesync-[\w-]+)\s+(ok|FAIL)\s+(.*?)",?$', re.MULTILINE)
CAP_SYS_TIME = 1 << 25


def inventory():
    return os.environ["MOLECULE_INVENTORY_FILE"]


def fleet_host(name):
    return testinfra.get_host(f"ansible://{name}?ansible_inventory={inventory()}")


def ansible_playbook(*args):
    """Run ansible-playbook against the scenario's hosts; return (rc, stdout and stderr)."""
    result = subprocess.run(
        ["ansible-playbook", "-i", inventory(), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def sync_check(wait):
    """Run the pre-flight playbook; return (rc, output, {host: (status, text)})."""
    rc, output = ansible_playbook("dockfleet.docker.timesync_check", "-e", f"timesync_check_wait={wait}")
    rows = {name: (status, text) for name, status, text in ROW.findall(output)}
    return rc, output, rows


def server_address():
    return fleet_host(SERVER).check_output("hostname -i").split()[0]


# Every host -------------------------------------------------------------------


def test_chronyd_runs_without_clock_control(host):
    status = host.file("/proc/1/status").content_string
    bounding = int(re.search(r"CapBnd:\s*([0-9a-f]+)", status).group(1), 16)
    assert not bounding & CAP_SYS_TIME, "test hosts must never get CAP_SYS_TIME"
    chrony = host.service("chrony")
    assert chrony.is_running
    assert chrony.is_enabled
    assert " -x" in host.check_output("pgrep -a chronyd")
    assert 'DAEMON_OPTS="-F 1 -x"' in host.file("/etc/default/chrony").content_string
    dropin = host.file("/etc/systemd/system/chrony.service.d/dockfleet-no-clock-control.conf")
    assert "\nConditionCapability=\n" in dropin.content_string


def test_chrony_config_names_the_fleet_source(host):
    conf = host.file("/etc/chrony/chrony.conf").content_string
    lines = conf.splitlines()
    assert not [line for line in lines if line.startswith("pool ")]
    assert "rtcsync" not in lines  # pointless without clock control
    if host.backend.get_hostname() == SERVER:
        assert "local stratum 8" in lines
        assert "allow all" in lines
        assert not [line for line in lines if line.startswith("server ")]
    else:
        assert [line for line in lines if line.startswith("server ")] == ["server timesync-server iburst"]
        assert not [line for line in lines if line.startswith(("allow", "local"))]


def test_competing_time_service_is_stopped_and_masked(host):
    if host.backend.get_hostname() != "timesync-client-2":
        # prepare.yml gave only timesync-client-2 a competing service
        assert host.run("systemctl list-unit-files --no-legend ntp.service").stdout.strip() == ""
        return
    assert host.run("systemctl is-enabled ntp.service").stdout.strip() == "masked"
    assert host.run("systemctl is-active ntp.service").stdout.strip() == "inactive"
    assert host.run("systemctl show --property=MainPID --value ntp.service").stdout.strip() == "0"


# The fleet --------------------------------------------------------------------


def test_server_serves_its_own_clock():
    tracking = fleet_host(SERVER).check_output("chronyc -c tracking").split(",")
    assert tracking[0] == "7F7F0101"  # the local reference
    assert tracking[2] == "8"
    assert tracking[-1] == "Normal"


def test_each_client_follows_the_server():
    address = server_address()
    for name in CLIENTS:
        sources = fleet_host(name).check_output("chronyc -n sources")
        selected = [line for line in sources.splitlines() if line.startswith("^*")]
        assert len(selected) == 1, f"{name} selects no source:\n{sources}"
        assert selected[0].split()[1] == address, f"{name} follows {selected[0]}, not the server {address}"
        tracking = fleet_host(name).check_output("chronyc -c tracking").split(",")
        assert tracking[1] == address
        assert tracking[2] == "9"  # one below the server's local stratum 8


def test_sync_check_passes_for_the_fleet():
    rc, output, rows = sync_check(wait=60)
    assert rc == 0, output
    assert set(rows) == {SERVER, *CLIENTS}
    assert rows[SERVER][0] == "ok"
    assert rows[SERVER][1].startswith("serves its local clock, stratum 8")
    for name in CLIENTS:
        status, text = rows[name]
        assert status == "ok", text
        assert text.startswith(f"source {server_address()}, stratum 9, offset ")
        assert text.endswith("1/1 sources answering")


def test_sync_check_fails_naming_the_clients_when_the_server_stops():
    server = fleet_host(SERVER)
    server.check_output("systemctl stop chrony")
    try:
        assert not server.service("chrony").is_running
        rc, output, rows = sync_check(wait=15)
        assert rc != 0, output
        for name in CLIENTS:
            status, text = rows[name]
            assert status == "FAIL", text
            assert f"no reachable time source: none of its 1 sources answered ({server_address()})" in text
        assert rows[SERVER][0] == "FAIL"
        assert "Cannot talk to daemon" in rows[SERVER][1]
        failure = re.search(r"Time is not in sync on (\d+) of 3 hosts: ([\w, -]+)\.", output)
        assert failure, output
        assert failure.group(1) == "3"
        assert set(failure.group(2).split(", ")) == {SERVER, *CLIENTS}
    finally:
        server.check_output("systemctl start chrony")
    # and the fleet recovers once its server is back
    rc, output, rows = sync_check(wait=60)
    assert rc == 0, output
    assert {status for status, _offset in rows.values()} == {"ok"}


# Inputs that must fail and change nothing --------------------------------------


def config_state():
    server = fleet_host(SERVER)
    return (
        server.file("/etc/chrony/chrony.conf").content_string,
        server.file("/etc/default/chrony").content_string,
        server.check_output("systemctl show chrony --property=ActiveEnterTimestampMonotonic"),
    )


def refused_extra_config(line):
    """Run the role with ``line`` as its extra chrony.conf line; it must fail and leave the server as it was. Returns
    the output."""
    before = config_state()
    rc, output = ansible_playbook(
        os.path.join(SCENARIO_DIR, "negative.yml"), "-e", json.dumps({"timesync_extra_config": [line]})
    )
    assert rc != 0
    assert config_state() == before  # nothing written, chronyd not restarted
    return output


def test_unknown_chrony_directive_is_refused_naming_the_variable_before_anything_is_read():
    output = refused_extra_config("serverr timesync-client-1 iburst")
    assert 'timesync_extra_config[0] "serverr timesync-client-1 iburst": "serverr" is not a chrony.conf' in output
    assert "TASK [dockfleet.docker.timesync : Write chrony.conf]" not in output


def test_invalid_chrony_config_is_refused_by_chronyd_before_it_is_written():
    # A known directive with an argument chronyd cannot read passes the role's check; chronyd -p refuses the file.
    output = refused_extra_config("maxupdateskew notanumber")
    assert "TASK [dockfleet.docker.timesync : Write chrony.conf]" in output
    assert "Could not parse maxupdateskew directive at line" in output


def test_clock_control_cannot_be_forced_on_a_host_without_cap_sys_time():
    before = config_state()
    rc, output = ansible_playbook(os.path.join(SCENARIO_DIR, "negative.yml"), "-e", "timesync_clock_control=enabled")
    assert rc != 0
    assert "this host has no CAP_SYS_TIME" in output
    assert config_state() == before
