# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The timesync_check waiting loop against a scripted chronyd on a simulated clock.

The case that matters most: the fleet's server stopped a moment before the check.
chronyd's last sample from it is then younger than a second, and only the count of
responses received since the probe can tell that it no longer answers."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import timesync_host
from ansible_collections.dockfleet.docker.plugins.modules import timesync_check

SERVER = "172.18.0.5"
TRACKING = (
    "AC120005,172.18.0.5,9,1795385293.967533170,0.000015265,0.000135292,0.000053699,"
    "-1.363,0.032,35.085,0.000048979,0.000076084,4.0,Normal\n"
)


class FakeChrony:
    """chronyd with one server, on a clock the test controls.

    ``live``: whether the server answers a burst (after ANSWER_AFTER seconds).
    ``ntpdata``: whether this chrony prints response counters.
    ``burst_reply``: what ``chronyc burst`` returns (rc, stdout, stderr).
    """

    ANSWER_AFTER = 0.05

    def __init__(self, live, ntpdata=True, burst_reply=(0, "200 OK\n", "")):
        self.now = 1000.0
        self.last_sample = self.now - 0.4  # taken just before the check started
        self.valid_rx = 3
        self.live = live
        self.ntpdata = ntpdata
        self.burst_reply = burst_reply
        self.pending = []
        self.calls = []

    # the module's clock
    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        self._deliver()

    def _deliver(self):
        for at in [at for at in self.pending if at <= self.now]:
            self.pending.remove(at)
            self.valid_rx += 1
            self.last_sample = at

    # the module's chronyc
    def run_command(self, argv):
        self.now += 0.01
        self._deliver()
        command = [word for word in argv[1:] if word not in ("-n", "-c")]
        self.calls.append(command[0])
        if command[0] == "tracking":
            return 0, TRACKING, ""
        if command[0] == "sources":
            age = int(self.now - self.last_sample)
            return 0, "^,*,%s,8,2,377,%d,0.000001138,0.000136427,0.000024586\n" % (SERVER, age), ""
        if command[0] == "burst":
            if self.burst_reply[0] == 0 and self.live:
                self.pending.append(self.now + self.ANSWER_AFTER)
            return self.burst_reply
        if command[0] == "ntpdata":
            if not self.ntpdata:
                return 1, "", "Unrecognized command\n"
            return 0, "\nRemote address  : %s (AC120005)\nTotal valid RX  : %d\n" % (SERVER, self.valid_rx), ""
        raise AssertionError("unexpected chronyc command %r" % argv)


class FakeModule:
    def __init__(self, chrony, wait_timeout, probe=True):
        self.params = dict(max_offset=0.1, wait_timeout=wait_timeout, probe=probe)
        self.run_command = chrony.run_command


@pytest.fixture
def run_check(monkeypatch):
    def run(chrony, wait_timeout=15, probe=True):
        monkeypatch.setattr(timesync_host.time, "monotonic", chrony.monotonic)
        monkeypatch.setattr(timesync_host.time, "sleep", chrony.sleep)
        return timesync_host.check(FakeModule(chrony, wait_timeout, probe), "/usr/bin/chronyc")

    return run


def test_a_server_that_stopped_just_before_the_check_does_not_answer(run_check):
    chrony = FakeChrony(live=False)
    result = run_check(chrony)
    assert not result["healthy"]
    assert result["problems"] == ["no reachable time source: none of its 1 sources answered (%s)" % SERVER]
    assert result["unreachable_sources"] == [SERVER]
    assert result["probed"]
    assert result["waited"] > 14  # it kept looking for (nearly) the whole wait


def test_a_live_server_passes_as_soon_as_it_answers_the_probe(run_check):
    chrony = FakeChrony(live=True)
    result = run_check(chrony)
    assert result["healthy"], result["problems"]
    assert result["reachable_sources"] == [SERVER]
    assert result["waited"] < 1
    assert chrony.calls.count("burst") == 1
    # the baseline is read before the burst, the counters again after it
    burst = chrony.calls.index("burst")
    assert "ntpdata" in chrony.calls[:burst]
    assert "ntpdata" in chrony.calls[burst + 1 :]


def test_a_server_that_comes_back_during_the_wait_passes(run_check):
    chrony = FakeChrony(live=False)
    original_sleep = chrony.sleep

    def sleep(seconds):
        original_sleep(seconds)
        if chrony.now > 1006 and not chrony.live:
            chrony.live = True  # the next burst (PROBE_EVERY) reaches it

    chrony.sleep = sleep
    result = run_check(chrony, wait_timeout=30)
    assert result["healthy"], result["problems"]
    assert 10 <= result["waited"] < 12


def test_without_counters_a_sample_taken_since_the_probe_counts(run_check):
    result = run_check(FakeChrony(live=True, ntpdata=False))
    assert result["healthy"], result["problems"]


def test_without_counters_a_server_gone_for_seconds_does_not_answer(run_check):
    chrony = FakeChrony(live=False, ntpdata=False)
    chrony.last_sample = chrony.now - 5
    result = run_check(chrony)
    assert not result["healthy"]


def test_without_root_it_warns_and_judges_by_the_last_samples(run_check):
    chrony = FakeChrony(live=False, burst_reply=(1, "", "501 Not authorised\n"))
    result = run_check(chrony, wait_timeout=0)
    assert not result["probed"]
    assert result["warnings"] == [
        "could not ask chronyd for fresh measurements (501 Not authorised); sources are judged by their last samples"
    ]
    assert result["healthy"]  # its last sample is recent: without the probe that is all it can know


def test_a_host_without_chrony_says_so_at_once(run_module, monkeypatch):
    monkeypatch.setattr(timesync_check.AnsibleModule, "get_bin_path", lambda self, name, required=False: None)
    ended = run_module(timesync_check.main, dict(fail_on_unhealthy=False))
    assert not ended.failed
    assert ended.result["installed"] is False and ended.result["healthy"] is False
    assert ended.result["problems"][0].startswith("chronyc is not installed")
    assert ended.result["waited"] == 0.0
    # and, by default, that fails the task naming the cause
    ended = run_module(timesync_check.main, {})
    assert ended.failed and "chronyc is not installed" in ended.result["msg"] and ended.result["installed"] is False


def test_a_host_with_chrony_says_it_is_installed(run_module, monkeypatch):
    monkeypatch.setattr(timesync_check.AnsibleModule, "get_bin_path", lambda self, name, required=False: "/usr/bin/x")
    monkeypatch.setattr(
        timesync_host,
        "check",
        lambda module, binary, settings=None: dict(healthy=True, problems=[], warnings=[], summary="ok"),
    )
    ended = run_module(timesync_check.main, {})
    assert not ended.failed and ended.result["installed"] is True and ended.result["healthy"] is True
