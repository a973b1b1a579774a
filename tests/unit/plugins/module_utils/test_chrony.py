# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""chronyc CSV parsing and the sync decision. The samples are real output of
chrony 4.3 (bookworm) and 4.6 (trixie), captured on the test hosts."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import chrony

# A client synchronised to the fleet's server (172.18.0.5), a second server never answered.
TRACKING_SYNCED = (
    "AC120005,172.18.0.5,9,1795385293.967533170,0.000015265,0.000135292,0.000053699,"
    "-1.363,0.032,35.085,0.000048979,0.000076084,4.0,Normal\n"
)
SOURCES_SYNCED = (
    "^,*,172.18.0.5,8,2,37,1,0.000001138,0.000136427,0.000024586\n"
    "^,?,172.18.0.99,0,7,0,4294967295,0.000000000,0.000000000,0.000000000\n"
)
# The same client right after chronyd started: nothing selected yet.
TRACKING_UNSYNCED = (
    "00000000,,0,0.000000000,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,"
    "1.000000000,1.000000000,0.0,Not synchronised\n"
)
SOURCES_STARTING = (
    "^,?,172.18.0.5,8,2,1,0,0.000107958,0.000107958,0.000130269\n"
    "^,?,172.18.0.99,0,6,0,4294967295,0.000000000,0.000000000,0.000000000\n"
)
# The fleet's server: serves its own clock (`local stratum 8`), no sources.
TRACKING_LOCAL = (
    "7F7F0101,,8,1795385284.799111011,0.000000000,0.000000000,0.000000000,0.000,0.000,0.000,"
    "0.000000000,0.000000000,0.0,Normal\n"
)
# The client 22 s after its server stopped: still selected (from old samples), reach draining.
SOURCES_SERVER_GONE = "^,*,172.18.0.5,8,2,300,22,0.000001138,0.000136427,0.000024586\n"


# `chronyc -n ntpdata` of the client above (chrony 4.3), one block per NTP source.
NTPDATA = """
Remote address  : 172.18.0.3 (AC120003)
Remote port     : 123
Local address   : 172.18.0.4 (AC120004)
Leap status     : Normal
Stratum         : 8
Poll interval   : 6 (64 seconds)
Reference ID    : 7F7F0101 ()
Reference time  : Mon Nov 30 20:16:23 2026
NTP tests       : 111 111 1111
Total TX        : 3
Total RX        : 3
Total valid RX  : 3
Total good RX   : 3

Remote address  : 172.18.0.99 (AC120063)
Remote port     : 123
Local address   : 0.0.0.0 (00000000)
Reference time  : Thu Jan 01 00:00:00 1970
Total TX        : 5
Total RX        : 0
Total valid RX  : 0
"""


def tracking(**changes):
    report = chrony.parse_tracking(TRACKING_SYNCED)
    report.update(changes)
    return report


class TestParseTracking:
    def test_synchronised(self):
        report = chrony.parse_tracking(TRACKING_SYNCED)
        assert report["ref_id"] == "AC120005"
        assert report["ref_name"] == "172.18.0.5"
        assert report["stratum"] == 9
        assert report["system_time"] == pytest.approx(0.000015265)
        assert report["last_offset"] == pytest.approx(0.000135292)
        assert report["update_interval"] == pytest.approx(4.0)
        assert report["leap_status"] == "Normal"

    def test_not_synchronised(self):
        report = chrony.parse_tracking(TRACKING_UNSYNCED)
        assert report["ref_id"] == "00000000"
        assert report["ref_name"] == ""
        assert report["stratum"] == 0
        assert report["leap_status"] == "Not synchronised"

    def test_local_reference(self):
        report = chrony.parse_tracking(TRACKING_LOCAL)
        assert report["ref_id"] == chrony.LOCAL_REFERENCE_ID
        assert report["stratum"] == 8

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "506 Cannot talk to daemon\n",
            "AC120005,172.18.0.5,9\n",
            TRACKING_SYNCED + TRACKING_SYNCED,
            TRACKING_SYNCED.replace(",9,", ",nine,"),
        ],
    )
    def test_rejects_what_is_not_a_tracking_report(self, text):
        with pytest.raises(chrony.ChronyOutputError):
            chrony.parse_tracking(text)


class TestParseSources:
    def test_selected_and_never_reached(self):
        good, never = chrony.parse_sources(SOURCES_SYNCED)
        assert good == dict(
            mode="server",
            state="selected",
            selected=True,
            address="172.18.0.5",
            stratum=8,
            poll=2,
            reach=0o37,
            last_rx=1,
            offset=pytest.approx(0.000001138),
            measured_offset=pytest.approx(0.000136427),
            error=pytest.approx(0.000024586),
        )
        assert never["state"] == "unusable"
        assert never["reach"] == 0
        assert never["last_rx"] is None
        assert not never["selected"]

    def test_reach_is_octal(self):
        (source,) = chrony.parse_sources("^,+,10.0.0.1,2,6,377,12,0.0,0.0,0.0\n")
        assert source["reach"] == 255
        assert source["state"] == "combined"

    def test_peer_and_refclock_modes(self):
        peer, refclock = chrony.parse_sources("=,-,10.0.0.2,3,6,377,5,0.0,0.0,0.0\n#,x,PPS0,0,4,377,3,0.0,0.0,0.0\n")
        assert peer["mode"] == "peer"
        assert peer["state"] == "not combined"
        assert refclock["mode"] == "refclock"
        assert refclock["state"] == "falseticker"

    def test_no_sources(self):
        assert chrony.parse_sources("") == []

    @pytest.mark.parametrize(
        "text",
        [
            "^,*,10.0.0.1,2,6\n",
            "!,*,10.0.0.1,2,6,377,12,0.0,0.0,0.0\n",
            "^,!,10.0.0.1,2,6,377,12,0.0,0.0,0.0\n",
            "^,*,10.0.0.1,2,6,389,12,0.0,0.0,0.0\n",  # reach is octal: 9 is not a digit
            "^,*,10.0.0.1,2,6,377,-,0.0,0.0,0.0\n",
        ],
    )
    def test_rejects_what_is_not_a_sources_report(self, text):
        with pytest.raises(chrony.ChronyOutputError):
            chrony.parse_sources(text)


class TestAnswering:
    def source(self, **changes):
        source = chrony.parse_sources(SOURCES_SYNCED)[0]
        source.update(changes)
        return source

    def test_never_reached_source_does_not_answer(self):
        never = chrony.parse_sources(SOURCES_SYNCED)[1]
        assert not chrony.is_answering(never)
        assert not chrony.is_answering(never, probe_age=5)

    def test_empty_reach_register_does_not_answer(self):
        assert not chrony.is_answering(self.source(reach=0, last_rx=3))

    def test_without_probe_a_sample_within_four_polls_counts(self):
        # poll 2 = 4 s: 16 s is the limit
        assert chrony.is_answering(self.source(last_rx=16))
        assert not chrony.is_answering(self.source(last_rx=17))

    def test_with_probe_only_a_sample_taken_since_the_probe_counts(self):
        assert chrony.is_answering(self.source(last_rx=3), probe_age=2.2)
        assert not chrony.is_answering(self.source(last_rx=5), probe_age=2.2)


class TestResponseCounts:
    def test_parse_ntpdata_counts_valid_responses_per_source(self):
        # "Reference time : Mon Nov 30 20:16:23" has colons of its own: only the first splits
        assert chrony.parse_ntpdata(NTPDATA) == {"172.18.0.3": 3, "172.18.0.99": 0}

    def test_parse_ntpdata_without_the_counter_is_empty(self):
        assert chrony.parse_ntpdata("Remote address  : 172.18.0.3 (AC120003)\nRemote port     : 123\n") == {}
        assert chrony.parse_ntpdata("") == {}

    def test_parse_ntpdata_rejects_a_counter_that_is_not_a_number(self):
        with pytest.raises(chrony.ChronyOutputError):
            chrony.parse_ntpdata("Remote address  : 172.18.0.3 (AC120003)\nTotal valid RX  : many\n")

    def test_answered_only_when_the_count_went_up(self):
        baseline = {"172.18.0.3": 3, "172.18.0.99": 0}
        assert chrony.answered_since(baseline, {"172.18.0.3": 3, "172.18.0.99": 0}) == {
            "172.18.0.3": False,
            "172.18.0.99": False,
        }
        assert chrony.answered_since(baseline, {"172.18.0.3": 4, "172.18.0.99": 0})["172.18.0.3"]

    def test_a_source_added_after_the_baseline_answered_if_it_counted_anything(self):
        assert chrony.answered_since({}, {"10.0.0.1": 1, "10.0.0.2": 0}) == {"10.0.0.1": True, "10.0.0.2": False}

    def test_counters_restarted_by_a_chronyd_restart_count_from_zero(self):
        assert chrony.answered_since({"172.18.0.3": 30}, {"172.18.0.3": 2}) == {"172.18.0.3": True}
        assert chrony.answered_since({"172.18.0.3": 30}, {"172.18.0.3": 0}) == {"172.18.0.3": False}

    def test_counts_decide_over_a_fresh_looking_sample(self):
        # The server stopped a moment before the probe: its last sample is 0 s old,
        # but it has not answered since, and that is what the counter says.
        fresh = chrony.parse_sources(SOURCES_SYNCED)[0]
        assert fresh["last_rx"] <= 1
        assert chrony.is_answering(fresh, probe_age=0.1)
        assert not chrony.is_answering(fresh, probe_age=0.1, answered={"172.18.0.5": False})
        assert chrony.is_answering(fresh, probe_age=0.1, answered={"172.18.0.5": True})

    def test_sources_the_counts_do_not_name_are_judged_by_sample_age(self):
        fresh = chrony.parse_sources(SOURCES_SYNCED)[0]
        assert chrony.is_answering(fresh, probe_age=0.1, answered={"10.9.9.9": False})

    def test_assess_with_counts_fails_a_client_whose_server_just_stopped(self):
        result = chrony.assess(
            chrony.parse_tracking(TRACKING_SYNCED),
            chrony.parse_sources(SOURCES_SYNCED),
            max_offset=0.1,
            probe_age=0.1,
            answered={"172.18.0.5": False, "172.18.0.99": False},
        )
        assert not result["healthy"]
        assert result["problems"] == [
            "no reachable time source: none of its 2 sources answered (172.18.0.5, 172.18.0.99)"
        ]


class TestAssess:
    def test_client_synchronised_to_the_fleet_server(self):
        result = chrony.assess(
            chrony.parse_tracking(TRACKING_SYNCED), chrony.parse_sources(SOURCES_SYNCED), max_offset=0.1, probe_age=1
        )
        assert result["healthy"]
        assert result["problems"] == []
        assert result["selected_source"] == "172.18.0.5"
        assert result["reachable_sources"] == ["172.18.0.5"]
        assert result["unreachable_sources"] == ["172.18.0.99"]
        assert result["warnings"] == ["sources not answering: 172.18.0.99"]
        assert result["stratum"] == 9
        assert result["offset"] == pytest.approx(0.000015265)
        assert not result["local_reference"]

    def test_server_serving_its_own_clock_is_the_reference(self):
        result = chrony.assess(chrony.parse_tracking(TRACKING_LOCAL), [], max_offset=0.1, probe_age=1)
        assert result["healthy"]
        assert result["local_reference"]
        assert result["selected_source"] == "local clock"
        assert result["warnings"] == []

    def test_server_falling_back_to_its_own_clock_warns_about_its_sources(self):
        sources = chrony.parse_sources("^,?,192.0.2.1,0,6,0,4294967295,0.0,0.0,0.0\n")
        result = chrony.assess(chrony.parse_tracking(TRACKING_LOCAL), sources, max_offset=0.1, probe_age=1)
        assert result["healthy"]
        assert result["warnings"] == [
            "serving its local clock at stratum 8; configured sources not answering: 192.0.2.1"
        ]

    def test_just_started_is_not_synchronised(self):
        result = chrony.assess(
            chrony.parse_tracking(TRACKING_UNSYNCED),
            chrony.parse_sources(SOURCES_STARTING),
            max_offset=0.1,
            probe_age=1,
        )
        assert not result["healthy"]
        assert result["selected_source"] is None
        assert result["problems"] == [
            "chronyd is not synchronised yet: sources answering (172.18.0.5) but none selected"
        ]

    def test_unsynchronised_with_no_source_answering(self):
        sources = chrony.parse_sources("^,?,192.0.2.1,0,6,0,4294967295,0.0,0.0,0.0\n")
        result = chrony.assess(chrony.parse_tracking(TRACKING_UNSYNCED), sources, max_offset=0.1, probe_age=1)
        assert not result["healthy"]
        assert result["problems"] == ["chronyd is not synchronised: none of its 1 sources answered (192.0.2.1)"]

    def test_no_source_at_all(self):
        result = chrony.assess(chrony.parse_tracking(TRACKING_UNSYNCED), [], max_offset=0.1)
        assert not result["healthy"]
        assert "no time source configured" in result["problems"][0]

    def test_selected_server_that_stopped_answering_fails_under_probe(self):
        # chronyd still shows ^* for a while after the server went away; the probe
        # (no sample since it asked 10 s ago) is what proves the source is gone.
        sources = chrony.parse_sources(SOURCES_SERVER_GONE)
        result = chrony.assess(tracking(), sources, max_offset=0.1, probe_age=10)
        assert not result["healthy"]
        assert result["selected_source"] == "172.18.0.5"
        assert result["reachable_sources"] == []
        assert result["problems"] == ["no reachable time source: none of its 1 sources answered (172.18.0.5)"]

    def test_selected_server_that_stopped_answering_fails_without_probe_once_stale(self):
        sources = chrony.parse_sources(SOURCES_SERVER_GONE)  # LastRx 22 s > 4 polls of 4 s
        result = chrony.assess(tracking(), sources, max_offset=0.1)
        assert not result["healthy"]

    def test_selected_source_silent_while_another_answers(self):
        sources = chrony.parse_sources("^,*,10.0.0.1,2,6,377,300,0.0,0.0,0.0\n^,+,10.0.0.2,2,6,377,2,0.0,0.0,0.0\n")
        result = chrony.assess(tracking(ref_name="10.0.0.1"), sources, max_offset=0.1, probe_age=4)
        assert not result["healthy"]
        assert result["problems"] == ["selected source 10.0.0.1 does not answer"]

    def test_synchronised_but_nothing_selected_any_more(self):
        sources = chrony.parse_sources("^,-,10.0.0.2,2,6,377,2,0.0,0.0,0.0\n")
        result = chrony.assess(tracking(ref_name="10.0.0.1"), sources, max_offset=0.1, probe_age=4)
        assert not result["healthy"]
        assert result["problems"] == ["no source selected; sources answering: 10.0.0.2"]

    @pytest.mark.parametrize("offset", [0.25, -0.25])
    def test_offset_over_the_threshold_fails_either_way(self, offset):
        result = chrony.assess(
            tracking(system_time=offset), chrony.parse_sources(SOURCES_SYNCED), max_offset=0.1, probe_age=1
        )
        assert not result["healthy"]
        assert result["problems"] == ["clock offset %s exceeds the allowed 0.1 s" % chrony.format_offset(offset)]

    def test_offset_at_the_threshold_passes(self):
        result = chrony.assess(
            tracking(system_time=-0.1), chrony.parse_sources(SOURCES_SYNCED), max_offset=0.1, probe_age=1
        )
        assert result["healthy"]


class TestWords:
    def test_format_offset(self):
        assert chrony.format_offset(0.000015265) == "+0.000015 s (slow)"
        assert chrony.format_offset(-0.5) == "-0.500000 s (fast)"
        assert chrony.format_offset(0.0) == "0 s"
        assert chrony.format_offset(-0.0000004) == "0 s"

    def test_summary_of_a_healthy_client(self):
        result = chrony.assess(
            chrony.parse_tracking(TRACKING_SYNCED), chrony.parse_sources(SOURCES_SYNCED), max_offset=0.1, probe_age=1
        )
        assert (
            chrony.summary(result, 2)
            == "source 172.18.0.5, stratum 9, offset +0.000015 s (slow), 1/2 sources answering"
        )

    def test_summary_names_the_problem(self):
        sources = chrony.parse_sources(SOURCES_SERVER_GONE)
        result = chrony.assess(tracking(), sources, max_offset=0.1, probe_age=10)
        assert chrony.summary(result, 1).endswith(
            "0/1 sources answering: no reachable time source: none of its 1 sources answered (172.18.0.5)"
        )

    def test_summary_of_the_fleet_server(self):
        result = chrony.assess(chrony.parse_tracking(TRACKING_LOCAL), [], max_offset=0.1, probe_age=1)
        assert chrony.summary(result, 0) == "serves its local clock, stratum 8, offset 0 s, 0/0 sources answering"
