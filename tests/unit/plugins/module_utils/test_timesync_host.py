# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What timesync_state decides from the host: clock control, competing services, chrony.service."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import timesync_host

# systemctl show -p Id,LoadState,ActiveState,UnitFileState for four units, as systemd 252 prints it.
SHOWN = """Id=systemd-timesyncd.service
LoadState=not-found
ActiveState=inactive
UnitFileState=

Id=ntp.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled

Id=ntpsec.service
LoadState=masked
ActiveState=inactive
UnitFileState=masked

Id=chrony.service
LoadState=loaded
ActiveState=active
UnitFileState=enabled
"""


def test_cap_sys_time_in_the_bounding_set():
    assert timesync_host.can_set_clock("Name:\tsystemd\nCapBnd:\t000001ffffffffff\n") is True
    assert timesync_host.can_set_clock("CapBnd:\t00000000a80425fb\n") is False
    assert timesync_host.can_set_clock("") is None


@pytest.mark.parametrize(
    "control, can_set, steers",
    [("auto", True, True), ("auto", False, False), ("enabled", True, True), ("disabled", True, False)],
)
def test_who_steers_the_clock(control, can_set, steers):
    assert timesync_host.steers_clock(control, can_set) is steers


def test_systemctl_show_blocks_by_unit():
    units = timesync_host.parse_show(SHOWN)
    assert sorted(units) == ["chrony.service", "ntp.service", "ntpsec.service", "systemd-timesyncd.service"]
    assert units["ntp.service"]["ActiveState"] == "active"


def test_only_existing_competing_services_not_yet_masked_and_stopped_are_to_stop():
    units = timesync_host.parse_show(SHOWN)
    assert timesync_host.competing_to_stop(["systemd-timesyncd", "ntp", "ntpsec", "openntpd"], units) == ["ntp"]
    units["ntpsec.service"]["ActiveState"] = "active"  # masked, but still running
    assert timesync_host.competing_to_stop(["ntpsec"], units) == ["ntpsec"]


def test_chrony_service_problems():
    assert timesync_host.service_differs({"UnitFileState": "enabled", "ActiveState": "active"}) == []
    assert timesync_host.service_differs({"UnitFileState": "disabled", "ActiveState": "inactive"}) == [
        "not enabled (disabled)",
        "not running (inactive)",
    ]
