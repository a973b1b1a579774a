# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""timesync_problems: the one clock rule of the rolling runbooks' pre-flights (engine_upgrade and rotate)."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.filter.timesync import clocks_count, timesync_problems

NO_CHRONY = {"installed": False, "healthy": False, "problems": ["chronyc is not installed: install chrony"]}
IN_SYNC = {"installed": True, "healthy": True, "problems": []}
OFF = {"installed": True, "healthy": False, "problems": ["clock offset +2.0 s", "no source selected"]}
FAILED = {"failed": True, "msg": "chronyc tracking timed out"}
SKIPPED = {"skipped": True, "changed": False}


def hostvars(**results):
    return {host: {"_sync": result} for host, result in results.items()}


def test_auto_without_chrony_anywhere_counts_no_clock():
    facts = hostvars(m1=NO_CHRONY, w1=NO_CHRONY)
    assert not clocks_count(["m1", "w1"], facts, "_sync", "auto")
    assert timesync_problems(["m1", "w1"], facts, "_sync", "auto") == []


def test_auto_with_chrony_on_one_host_counts_every_clock():
    facts = hostvars(m1=IN_SYNC, w1=NO_CHRONY, w2=OFF, w3=FAILED)
    assert timesync_problems(["m1", "w1", "w2", "w3"], facts, "_sync", "auto") == [
        {"host": "w1", "problem": "clock: chronyc is not installed: install chrony"},
        {"host": "w2", "problem": "clock: clock offset +2.0 s; no source selected"},
        {"host": "w3", "problem": "clock: chronyc tracking timed out"},
    ]


def test_auto_ignores_chrony_on_a_host_outside_the_hosts_given():
    facts = hostvars(gone=IN_SYNC, w1=NO_CHRONY)
    assert timesync_problems(["w1"], facts, "_sync", "auto") == []


def test_true_counts_every_clock_and_false_none():
    facts = hostvars(m1=NO_CHRONY, w1=OFF)
    assert [row["host"] for row in timesync_problems(["m1", "w1"], facts, "_sync", "true")] == ["m1", "w1"]
    assert [row["host"] for row in timesync_problems(["m1", "w1"], facts, "_sync", True)] == ["m1", "w1"]
    assert timesync_problems(["m1", "w1"], facts, "_sync", "false") == []


def test_a_skipped_or_missing_check_is_not_counted():
    facts = hostvars(m1=OFF, w1=SKIPPED)
    assert [row["host"] for row in timesync_problems(["m1", "w1", "w2"], facts, "_sync", "true")] == ["m1"]


def test_an_unknown_mode_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="auto, true, false"):
        timesync_problems(["m1"], hostvars(m1=IN_SYNC), "_sync", "sometimes")
