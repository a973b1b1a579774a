# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What host_report makes of one host: engine packages against the declared version and the pin, daemon.json against
the declared settings (as the daemon role would write them), the hardened-preset controls, the time source."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages
from ansible_collections.dockfleet.docker.plugins.module_utils import host_checks as report

VERSION = "5:26.1.5-1~debian.12~bookworm"
INSTALLED = {"docker-ce": VERSION, "docker-ce-cli": VERSION, "containerd.io": "1.7.24-1", "other": "1"}
PREFERENCES = engine_packages.preferences({"docker-ce": VERSION, "docker-ce-cli": VERSION})

HARDENED = {
    "icc": False,
    "userns-remap": "default",
    "no-new-privileges": True,
    "live-restore": False,
    "log-driver": "journald",
    "userland-proxy": False,
    "hosts": ["fd://", "tcp://0.0.0.0:2376"],
    "tlsverify": True,
    "tlscacert": "/etc/docker/tls/ca.pem",
    "tlscert": "/etc/docker/tls/server-cert.pem",
    "tlskey": "/etc/docker/tls/server-key.pem",
}
GOOD_STATS = {
    "/etc/docker/tls/ca.pem": {"mode": 0o100444, "uid": 0, "gid": 0},
    "/etc/docker/tls/server-cert.pem": {"mode": 0o100444, "uid": 0, "gid": 0},
    "/etc/docker/tls/server-key.pem": {"mode": 0o100400, "uid": 0, "gid": 0},
    "/etc/docker/daemon.json": {"mode": 0o100644, "uid": 0, "gid": 0},
}
DAEMON_JSON = "/etc/docker/daemon.json"


def test_the_pinned_versions_of_the_engine_role_preferences_file():
    assert report.pinned_versions(PREFERENCES) == {"docker-ce": VERSION, "docker-ce-cli": VERSION}
    assert report.pinned_versions(None) == {}


def test_engine_held_and_pinned_at_the_declared_version():
    result = report.engine_packages(INSTALLED, {"docker-ce", "docker-ce-cli"}, PREFERENCES, "26.1")
    assert result == {
        "package_version": VERSION,
        "packages": {"docker-ce": VERSION, "docker-ce-cli": VERSION, "containerd.io": "1.7.24-1"},
        "declared": "26.1",
        "at_declared": True,
        "held": True,
        "pinned": True,
        "pinned_version": VERSION,
    }


@pytest.mark.parametrize(
    "installed, held, preferences, declared, expected",
    [
        (INSTALLED, set(), PREFERENCES, "26.1", {"held": False, "pinned": True, "at_declared": True}),
        (INSTALLED, {"docker-ce"}, None, "26.1", {"held": True, "pinned": False, "at_declared": True}),
        (INSTALLED, {"docker-ce"}, PREFERENCES, "27.0", {"at_declared": False}),
        (INSTALLED, {"docker-ce"}, PREFERENCES, "not a version!", {"at_declared": False}),
        (INSTALLED, {"docker-ce"}, PREFERENCES, None, {"at_declared": None, "declared": None}),
        ({}, set(), None, "26.1", {"package_version": None, "held": False, "pinned": False, "at_declared": None}),
    ],
)
def test_engine_not_held_not_pinned_or_elsewhere(installed, held, preferences, declared, expected):
    result = report.engine_packages(installed, held, preferences, declared)
    assert dict((key, result[key]) for key in expected) == expected


def test_daemon_drift_as_the_daemon_role_would_write():
    current = {"debug": True, "icc": False, "log-level": "warn", "storage-driver": "overlay2"}
    declared = {"icc": False, "log-level": "info", "debug": None, "live-restore": False}
    assert report.daemon_drift(current, declared) == [
        {"key": "debug", "current": True, "declared": None, "restart": True},  # a removed key needs a restart
        {"key": "live-restore", "current": None, "declared": False, "restart": False},
        {"key": "log-level", "current": "warn", "declared": "info", "restart": True},
    ]
    # merge leaves undeclared keys alone; replace makes them drift
    assert report.daemon_drift(current, {"icc": False, "debug": True, "log-level": "warn"}) == []
    replaced = report.daemon_drift(current, {"icc": False, "debug": True, "log-level": "warn"}, "replace")
    assert replaced == [{"key": "storage-driver", "current": "overlay2", "declared": None, "restart": True}]


def statuses(controls):
    return dict((control["id"], control["status"]) for control in controls)


def test_every_control_passes_on_a_hardened_swarm_member():
    controls = report.controls(HARDENED, GOOD_STATS, swarm_member=True, config_path=DAEMON_JSON)
    assert [control["id"] for control in controls] == [number for number, _title in report.CONTROLS]
    assert statuses(controls) == {
        "2.2": "pass",
        "2.7": "pass",
        "2.9": "pass",
        "2.13": "pass",
        "2.14": "pass",
        "2.15": "n/a",
        "2.16": "pass",
        "3.9/3.10": "pass",
        "3.11/3.12": "pass",
        "3.13/3.14": "pass",
        "3.17/3.18": "pass",
    }
    assert controls[0]["detail"] == "icc is false"


def test_an_empty_daemon_json_fails_what_docker_does_not_do_by_default():
    controls = report.controls({}, {}, swarm_member=False)
    assert statuses(controls) == {
        "2.2": "fail",
        "2.7": "n/a",
        "2.9": "fail",
        "2.13": "fail",
        "2.14": "fail",
        "2.15": "fail",
        "2.16": "fail",
        "3.9/3.10": "n/a",
        "3.11/3.12": "n/a",
        "3.13/3.14": "n/a",
        "3.17/3.18": "n/a",
    }
    details = dict((control["id"], control["detail"]) for control in controls)
    assert details["2.2"] == "icc is on (default)"
    assert details["2.13"] == "log-driver json-file keeps the logs on the host"
    assert details["2.16"] == "userland-proxy on"


def test_files_too_open_or_not_roots_and_tcp_without_verification():
    config = dict(HARDENED, tlsverify=False, **{"live-restore": True, "log-driver": "syslog"})
    stats = dict(GOOD_STATS)
    stats["/etc/docker/tls/server-key.pem"] = {"mode": 0o100640, "uid": 0, "gid": 0}
    stats["/etc/docker/tls/server-cert.pem"] = {"mode": 0o100444, "uid": 1000, "gid": 0}
    stats["/etc/docker/tls/ca.pem"] = None
    stats[DAEMON_JSON] = {"mode": 0o100666, "uid": 0, "gid": 0}
    found = report.controls(config, stats, swarm_member=False, config_path=DAEMON_JSON)
    controls = dict((control["id"], control) for control in found)
    assert controls["2.7"]["status"] == "fail" and "tlsverify off" in controls["2.7"]["detail"]
    assert controls["2.13"]["status"] == "pass" and controls["2.13"]["detail"] == "log-driver syslog"
    assert controls["2.15"]["status"] == "pass"
    assert controls["3.9/3.10"] == dict(controls["3.9/3.10"], status="fail", detail="/etc/docker/tls/ca.pem is missing")
    assert controls["3.11/3.12"]["detail"] == "/etc/docker/tls/server-cert.pem: owner 1000:0 (root:root)"
    assert controls["3.13/3.14"]["detail"] == "/etc/docker/tls/server-key.pem: mode 0640 (at most 0400)"
    assert controls["3.17/3.18"]["detail"] == "/etc/docker/daemon.json: mode 0666 (at most 0644)"


TRACKING_SYNCED = (
    "AC120005,172.18.0.5,9,1795385293.967533170,0.000015265,0.000135292,0.000053699,"
    "-1.363,0.032,35.085,0.000048979,0.000076084,4.0,Normal\n"
)
SOURCES_SYNCED = "^,*,172.18.0.5,8,2,37,1,0.000001138,0.000136427,0.000024586\n"


def test_time_in_sync():
    state = report.time_state("active", TRACKING_SYNCED, SOURCES_SYNCED, None, 0.1)
    assert state["healthy"] and state["answers"] and state["problems"] == []
    assert (state["selected_source"], state["stratum"], state["offset"]) == ("172.18.0.5", 9, 0.000015265)
    assert state["summary"].startswith("source 172.18.0.5, stratum 9")


def test_a_stopped_chrony_is_a_problem_naming_the_service_state():
    state = report.time_state("inactive", None, None, "`chronyc tracking`: 506 Cannot talk to daemon", 0.1)
    assert not state["healthy"] and not state["answers"]
    assert state["problems"] == [
        "chronyd does not answer (chrony service inactive): `chronyc tracking`: 506 Cannot talk to daemon"
    ]


def test_an_offset_over_the_limit_and_output_that_cannot_be_read():
    state = report.time_state("active", TRACKING_SYNCED, SOURCES_SYNCED, None, 0.00001)
    assert not state["healthy"] and "exceeds the allowed" in state["problems"][0]
    state = report.time_state("active", "garbage\n", "", None, 0.1)
    assert not state["healthy"] and state["problems"][0].startswith("chronyd does not answer (chrony service active)")
