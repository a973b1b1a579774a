# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's filters: assembled from hostvars, the terminal table and the self-contained HTML page, problems
first and marked."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ansible_collections.dockfleet.docker.plugins.filter.fleet_report import (
    FilterModule,
    fleet_report,
    fleet_report_html,
    fleet_report_table,
)
from ansible_collections.dockfleet.docker.tests.unit.plugins.fleet_report_fixtures import NOW, declared, results


def hostvars():
    found, wanted = results(), declared()
    return dict((name, {"_host": found[name], "_declared": wanted[name]}) for name in found)


def document():
    return fleet_report(["mgr-1", "wrk-1"], hostvars(), "_host", "_declared", now=NOW)


def test_assembled_from_hostvars_and_a_host_without_a_result():
    found = fleet_report(["mgr-1", "wrk-1", "new-1"], dict(hostvars(), **{"new-1": {}}), "_host", "_declared", now=NOW)
    assert [row["name"] for row in found["hosts"]] == ["new-1", "wrk-1", "mgr-1"]
    assert found["hosts"][0]["problems"] == [{"area": "host", "message": "could not be read: no result"}]
    assert found["settings"] == {"tls_warn_days": 30}
    assert fleet_report(["mgr-1"], hostvars(), "_host", "_declared", tls_warn_days=7, now=NOW)["settings"] == {
        "tls_warn_days": 7
    }


def test_the_terminal_table():
    lines = fleet_report_table(document())
    assert lines[0].split() == [
        "HOST",
        "STATUS",
        "ENGINE",
        "DAEMON.JSON",
        "TLS",
        "CERT",
        "NODE",
        "LABELS",
        "NODE",
        "CERT",
        "TIME",
        "CIS",
    ]
    assert lines[1].split() == [
        "wrk-1",
        "PROBLEM",
        "26.1.5",
        "as",
        "declared",
        "9d",
        "worker/active/ready",
        "differ",
        "89d",
        "chrony",
        "inactive",
        "2",
        "pass,",
        "0",
        "fail",
    ]
    assert lines[2].split()[:3] == ["mgr-1", "ok", "26.1.5"] and "+0.000 ms" in lines[2]
    assert lines[4].split()[:8] == [
        "SWARM",
        "STATUS",
        "MANAGERS",
        "REACHABLE/QUORUM",
        "TOLERATES",
        "LEADER",
        "READY",
        "NOT",
    ]
    assert lines[5].split() == ["c1c1c1c1c1c1", "ok", "1", "1", "of", "1", "0", "mgr-1", "2/2", "none"]
    assert lines[7] == "3 problems on 1 of 2 hosts and 1 swarm"
    assert lines[8:] == [
        "  wrk-1 [tls] TLS server certificate expires in 9 days (2026-12-11T17:00:00Z), within 30 days",
        "  wrk-1 [labels] node labels differ from the inventory: zone=b (inventory: a)",
        "  wrk-1 [time] chronyd does not answer (chrony service inactive): 506 Cannot talk to daemon",
    ]


def test_an_unpinned_engine_at_another_version_in_the_table():
    found = results()
    found["mgr-1"]["engine"].update(held=False, at_declared=False, declared="27.0")
    table = fleet_report_table(
        fleet_report(
            ["mgr-1"],
            {"mgr-1": {"_host": found["mgr-1"], "_declared": declared()["mgr-1"]}},
            "_host",
            "_declared",
            now=NOW,
        )
    )
    assert "26.1.5 unpinned (declared 27.0)" in table[1]


class Page(HTMLParser):
    """Collects the tags and the text of a page."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_page_is_self_contained_with_problems_first_and_marked():
    page = fleet_report_html(document())
    parsed = Page()
    parsed.feed(page)
    names = set(tag for tag, _attrs in parsed.tags)
    assert not names & {"script", "link", "img", "iframe", "object"}
    assert not [attrs for _tag, attrs in parsed.tags if "src" in attrs or "href" in attrs]
    assert "url(" not in page
    problems = [attrs for tag, attrs in parsed.tags if tag == "li" and attrs.get("class") == "problem"]
    # the problems section lists each problem once with its host; the worker's detail row lists them again
    assert [p["data-area"] for p in problems] == ["tls", "labels", "time"] * 2
    rows = [(attrs["class"], attrs["data-host"]) for tag, attrs in parsed.tags if tag == "tr" and "data-host" in attrs]
    assert rows == [("problem", "wrk-1"), ("ok", "mgr-1")]
    text = "".join(parsed.text)
    assert "3 problems" in text and "zone=b (inventory: a)" in text
    bad_cells = re.findall(r'<td class="bad">([^<]*)</td>', page)
    assert bad_cells == ["9d", "differ", "chrony inactive"]


def test_the_html_page_escapes_what_hosts_report():
    found = results()
    found["wrk-1"]["time"]["problems"] = ["<script>alert(1)</script>"]
    page = fleet_report_html(
        fleet_report(
            ["wrk-1"],
            {"wrk-1": {"_host": found["wrk-1"], "_declared": declared()["wrk-1"]}},
            "_host",
            "_declared",
            now=NOW,
        ),
        title="<b>fleet</b>",
    )
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>&lt;b&gt;fleet&lt;/b&gt;</title>" in page


def test_a_report_without_problems_says_none():
    found = results()
    found["wrk-1"]["time"] = found["mgr-1"]["time"]
    found["wrk-1"]["tls"]["not_after"] = "2029-01-01T00:00:00Z"
    wanted = declared()
    wanted["wrk-1"]["labels"] = {"zone": "b"}
    both = dict((name, {"_host": found[name], "_declared": wanted[name]}) for name in found)
    page = fleet_report_html(fleet_report(["mgr-1", "wrk-1"], both, "_host", "_declared", now=NOW))
    assert '<section id="problems">\n<p>None.</p>' in page and "0 problems" in page


def test_the_filters_are_registered():
    assert sorted(FilterModule().filters()) == ["fleet_report", "fleet_report_html", "fleet_report_table"]
