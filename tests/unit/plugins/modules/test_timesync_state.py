# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""timesync_state through main(): what differs, the variant of the files that applies, the refusal of clock control
on a host without CAP_SYS_TIME, and the sync check only where nothing differs."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import host_files
from ansible_collections.dockfleet.docker.plugins.modules import timesync_state

CONVERGED_UNITS = {
    "ntp.service": {"Id": "ntp.service", "LoadState": "masked", "ActiveState": "inactive", "UnitFileState": "masked"},
    "chrony.service": {
        "Id": "chrony.service",
        "LoadState": "loaded",
        "ActiveState": "active",
        "UnitFileState": "enabled",
    },
}


@pytest.fixture
def host(monkeypatch, tmp_path):
    """A host without CAP_SYS_TIME whose files are in tmp_path; returns (state, files, checks)."""
    monkeypatch.setattr(host_files, "_name", lambda *_: "root")
    state = dict(can_set_clock=False, chrony_installed=True, chrony_version="4.3-2+deb12u1", units=CONVERGED_UNITS)
    checks = []
    monkeypatch.setattr(timesync_state, "read_host", lambda module, systemd, competing: dict(state))

    def check(module, binary):
        checks.append(binary)
        return dict(healthy=True, problems=[], warnings=[], summary="source 10.0.0.5, stratum 9")

    monkeypatch.setattr(timesync_state, "check", check)
    monkeypatch.setattr(timesync_state.AnsibleModule, "get_bin_path", lambda self, name, required=False: "/bin/" + name)
    conf = tmp_path / "chrony.conf"
    conf.write_text("server a iburst\n")
    os.chmod(conf, 0o644)
    files = {
        "following": {str(conf): "server a iburst\n", str(tmp_path / "dropin.conf"): None},
        "steering": {str(conf): "server a iburst\nrtcsync\n"},
    }
    return state, files, checks


def args(files, **more):
    return dict(
        files_following=files["following"], files_steering=files["steering"], competing_services=["ntp"], **more
    )


def test_a_converged_host_is_checked_and_differs_in_nothing(run_module, host):
    _state, files, checks = host
    ended = run_module(timesync_state.main, args(files))
    assert not ended.failed and not ended.result["changed"]
    assert ended.result["differs"] is False
    assert ended.result["summary"] == "source 10.0.0.5, stratum 9"
    assert checks == ["/bin/chronyc"]


def test_the_variant_where_chrony_steers_the_clock_applies_with_cap_sys_time(run_module, host):
    state, files, checks = host
    state["can_set_clock"] = True
    ended = run_module(timesync_state.main, args(files), check_mode=True)
    assert ended.result["steers_clock"] is True
    assert ended.result["differs"] is True
    assert list(ended.result["files"].values()) == ["content"]
    assert checks == []  # no check where something differs: the role restarts chronyd and checks after


def test_drift_is_found(run_module, host):
    state, files, _checks = host
    state["units"] = dict(
        CONVERGED_UNITS,
        **{
            "ntp.service": {
                "Id": "ntp.service",
                "LoadState": "loaded",
                "ActiveState": "active",
                "UnitFileState": "enabled",
            },
            "chrony.service": {
                "Id": "chrony.service",
                "LoadState": "loaded",
                "ActiveState": "inactive",
                "UnitFileState": "enabled",
            },
        },
    )
    ended = run_module(timesync_state.main, args(files))
    assert ended.result["competing"] == ["ntp"]
    assert ended.result["service"] == ["not running (inactive)"]
    assert ended.result["summary"] == "differs: ntp not stopped and masked; chrony.service not running (inactive)"


def test_chrony_not_installed_differs(run_module, host):
    state, files, _checks = host
    state.update(chrony_installed=False, chrony_version=None)
    ended = run_module(timesync_state.main, args(files))
    assert ended.result["differs"] is True
    assert ended.result["summary"].startswith("differs: chrony not installed")


def test_clock_control_enabled_without_cap_sys_time_is_refused(run_module, host):
    _state, files, _checks = host
    ended = run_module(timesync_state.main, args(files, clock_control="enabled"))
    assert ended.failed
    assert "timesync_clock_control is 'enabled' but this host has no CAP_SYS_TIME" in ended.result["msg"]


def test_a_host_out_of_sync_fails(run_module, host, monkeypatch):
    _state, files, _checks = host
    monkeypatch.setattr(
        timesync_state,
        "check",
        lambda module, binary: dict(healthy=False, problems=["no reachable time source"], warnings=[], summary="x"),
    )
    ended = run_module(timesync_state.main, args(files))
    assert ended.failed and "Time is not in sync on this host: no reachable time source" in ended.result["msg"]
