# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of the dockfleet.docker.report playbook: the report assembled from every host's host_report
result (``fleet_report.assemble``), and rendered as a short terminal table and as one self-contained HTML page."""

from __future__ import annotations

import datetime
import html

from ansible_collections.dockfleet.docker.plugins.filter.text_table import text_table
from ansible_collections.dockfleet.docker.plugins.module_utils.fleet_report import assemble
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact


def _entry(hostvars, host, name):
    value = host_fact(hostvars, host, name, {})
    return value if isinstance(value, dict) else {}


def fleet_report(hosts, hostvars, result_name, declared_name, tls_warn_days=None, now=None):
    """The report for ``hosts`` from the ``host_report`` result each registered as ``result_name`` and the
    declarations each set as ``declared_name``."""
    moment = now or datetime.datetime.now(datetime.timezone.utc)
    results = dict((host, _entry(hostvars, host, result_name)) for host in hosts)
    declared = dict((host, _entry(hostvars, host, declared_name)) for host in hosts)
    return assemble(list(hosts), results, declared, moment, tls_warn_days=tls_warn_days)


# ----------------------------------------------------------------------------------------------------- cells


def _days(cert):
    return "%dd" % cert["days_left"] if cert and cert.get("days_left") is not None else "-"


def _areas(row):
    return set(problem["area"] for problem in row.get("problems") or [])


def cells(row):
    """The short cells of a host row, by column, each ``(text, bad)``."""
    areas = _areas(row)
    if row.get("engine") is None:
        return {"engine": ("unreadable", True)}
    engine = row["engine"]
    engine_text = "%s%s" % (
        engine.get("version") or "down",
        "" if engine.get("held") and engine.get("pinned") else " unpinned",
    )
    if engine.get("at_declared") is False:
        engine_text += " (declared %s)" % engine.get("declared")
    drift = (row.get("daemon") or {}).get("drift")
    daemon_text = "not compared" if drift is None else ("%d differ" % len(drift) if drift else "as declared")
    node = row.get("node") or {}
    if node.get("state"):
        node_text = "%s/%s/%s" % (node.get("role"), node.get("availability"), node.get("state"))
    else:
        node_text = node.get("local_node_state") or "-"
    if node.get("declared_labels") is None or node.get("labels") is None:
        labels_text = "-"
    else:
        labels_text = "differ" if "labels" in areas else "as declared"
    time = row.get("time") or {}
    if time.get("offset") is not None and time.get("service") == "active":
        time_text = "%+.3f ms" % (time["offset"] * 1000)
    else:
        time_text = "chrony %s" % (time.get("service") or "unknown")
    controls = row.get("controls") or []
    failed = len([c for c in controls if c["status"] == "fail"])
    passed = len([c for c in controls if c["status"] == "pass"])
    return {
        "engine": (engine_text, "engine" in areas),
        "daemon": (daemon_text, "daemon" in areas),
        "tls": (_days(row.get("tls")), "tls" in areas),
        "node": (node_text, "swarm" in areas),
        "labels": (labels_text, "labels" in areas),
        "node_cert": (
            _days(node.get("cert")),
            any("certificate" in p["message"] for p in row["problems"] if p["area"] == "swarm"),
        ),
        "time": (time_text, "time" in areas),
        "controls": ("%d pass, %d fail" % (passed, failed), "controls" in areas),
    }


COLUMNS = (
    ("engine", "ENGINE"),
    ("daemon", "DAEMON.JSON"),
    ("tls", "TLS CERT"),
    ("node", "NODE"),
    ("labels", "LABELS"),
    ("node_cert", "NODE CERT"),
    ("time", "TIME"),
    ("controls", "CIS"),
)


def fleet_report_table(report):
    """The report as short text lines: one per host, one per swarm, then every problem."""
    rows = []
    for row in report["hosts"]:
        found = cells(row)
        rows.append(
            [row["name"], "PROBLEM" if row["status"] == "problem" else "ok"]
            + [found.get(key, ("-", False))[0] for key, _title in COLUMNS]
        )
    lines = text_table(rows, headers=["HOST", "STATUS"] + [title for _key, title in COLUMNS])
    swarms = []
    for swarm in report["swarms"]:
        swarms.append(
            [
                swarm["cluster_id"][:12],
                "PROBLEM" if swarm["status"] == "problem" else "ok",
                swarm.get("managers"),
                "%s of %s" % (swarm.get("reachable_managers"), swarm.get("quorum")) if swarm.get("quorum") else "-",
                swarm.get("fault_tolerance"),
                swarm.get("leader"),
                "%s/%s" % (swarm.get("nodes_ready"), swarm.get("nodes")) if swarm.get("nodes") is not None else "-",
                ", ".join("%s %d/%d" % (s["name"], s["running"], s["desired"]) for s in swarm["services_degraded"])
                or "none",
            ]
        )
    if swarms:
        headers = [
            "SWARM",
            "STATUS",
            "MANAGERS",
            "REACHABLE/QUORUM",
            "TOLERATES",
            "LEADER",
            "READY",
            "NOT AT FULL REPLICAS",
        ]
        lines += ["", *text_table(swarms, headers=headers)]
    summary = report["summary"]
    lines += [
        "",
        "%d problem%s on %d of %d host%s and %d swarm%s"
        % (
            summary["problems"],
            "" if summary["problems"] == 1 else "s",
            summary["hosts_with_problems"],
            summary["hosts"],
            "" if summary["hosts"] == 1 else "s",
            summary["swarms"],
            "" if summary["swarms"] == 1 else "s",
        ),
    ]
    lines += [
        "  %s [%s] %s" % (p["name"] if p["scope"] == "host" else "swarm " + p["name"][:12], p["area"], p["message"])
        for p in report["problems"]
    ]
    return lines


# ----------------------------------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1f2328;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .4em}
.meta{color:#57606a;margin:0 0 1em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}
tr.problem>th{background:#ffd7d5}tr.ok>th{background:#dafbe1}
td.bad{background:#ffebe9;color:#a40e26;font-weight:600}td.good{color:#1a7f37}
.pill{display:inline-block;padding:0 .5em;border-radius:1em;font-size:.8em;font-weight:700}
.pill.problem{background:#cf222e;color:#fff}.pill.ok{background:#1a7f37;color:#fff}
ul.problems li{color:#a40e26;margin:.2em 0}ul.notes li{color:#7d4e00;margin:.2em 0}
.area{display:inline-block;min-width:5.5em;font-weight:700}
details{margin:.3em 0}summary{cursor:pointer}
td.pass{color:#1a7f37}td.fail{color:#a40e26;font-weight:600}td.na{color:#57606a}
"""


def _e(value):
    return html.escape("-" if value is None else str(value))


def _list(items, kind, name=None):
    if not items:
        return ""
    lines = []
    for item in items:
        who = '<b data-name="%s">%s</b> ' % (_e(item["name"]), _e(item["name"])) if name else ""
        lines.append(
            '<li class="%s" data-area="%s">%s<span class="area">%s</span> %s</li>'
            % (kind[:-1], _e(item["area"]), who, _e(item["area"]), _e(item["message"]))
        )
    return '<ul class="%s">%s</ul>' % (kind, "".join(lines))


def _host_details(row):
    parts = []
    if row.get("problems") or row.get("notes"):
        parts.append(_list(row.get("problems"), "problems") + _list(row.get("notes"), "notes"))
    controls = row.get("controls") or []
    if controls:
        body = "".join(
            '<tr><td>%s</td><td>%s</td><td class="%s">%s</td><td>%s</td></tr>'
            % (
                _e(c["id"]),
                _e(c["title"]),
                "na" if c["status"] == "n/a" else c["status"],
                _e(c["status"]),
                _e(c["detail"]),
            )
            for c in controls
        )
        parts.append(
            "<details><summary>Hardened-preset controls%s</summary><table><tr><th>CIS</th><th>Control</th><th>Result</th>"
            "<th>Found</th></tr>%s</table></details>" % ("" if row.get("hardened") else " (preset not declared)", body)
        )
    time = row.get("time") or {}
    if time.get("summary"):
        parts.append('<div class="time">time: %s</div>' % _e(time["summary"]))
    return "".join(parts)


def fleet_report_html(report, title="dockfleet fleet report"):
    """The report as one HTML page with everything inline (no scripts, fonts, images or links to fetch)."""
    summary = report["summary"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head><body>'
        % (_e(title), _STYLE),
        "<h1>%s</h1>" % _e(title),
        '<p class="meta">Generated %s &middot; %d host%s, %d swarm%s &middot; <span class="pill %s" id="summary">%d problem%s</span></p>'
        % (
            _e(report["generated"]),
            summary["hosts"],
            "" if summary["hosts"] == 1 else "s",
            summary["swarms"],
            "" if summary["swarms"] == 1 else "s",
            "problem" if summary["problems"] else "ok",
            summary["problems"],
            "" if summary["problems"] == 1 else "s",
        ),
    ]
    out.append('<h2>Problems</h2><section id="problems">')
    out.append(_list(report["problems"], "problems", name=True) or "<p>None.</p>")
    out.append("</section>")

    out.append(
        '<h2>Hosts</h2><table id="hosts"><tr><th>Host</th>%s</tr>' % "".join("<th>%s</th>" % _e(t) for _k, t in COLUMNS)
    )
    for row in report["hosts"]:
        found = cells(row)
        tds = "".join(
            '<td class="%s">%s</td>'
            % ("bad" if found.get(key, ("", False))[1] else "good", _e(found.get(key, ("-", False))[0]))
            for key, _title in COLUMNS
        )
        out.append(
            '<tr class="%s" data-host="%s"><th><span class="pill %s">%s</span> %s</th>%s</tr>'
            % (
                row["status"],
                _e(row["name"]),
                row["status"],
                "problem" if row["status"] == "problem" else "ok",
                _e(row["name"]),
                tds,
            )
        )
        details = _host_details(row)
        if details:
            out.append('<tr class="detail"><td></td><td colspan="%d">%s</td></tr>' % (len(COLUMNS), details))
    out.append("</table>")

    out.append(
        '<h2>Swarms</h2><table id="swarms"><tr><th>Swarm</th><th>Managers</th><th>Reachable / quorum</th>'
        "<th>Can lose</th><th>Leader</th><th>Nodes ready</th><th>Services not at full replicas</th></tr>"
    )
    for swarm in report["swarms"]:
        degraded = ", ".join("%s %d/%d" % (s["name"], s["running"], s["desired"]) for s in swarm["services_degraded"])
        out.append(
            '<tr class="%s"><th><span class="pill %s">%s</span> %s</th><td>%s</td><td class="%s">%s</td><td>%s</td>'
            '<td>%s</td><td>%s</td><td class="%s">%s</td></tr>'
            % (
                swarm["status"],
                swarm["status"],
                "problem" if swarm["status"] == "problem" else "ok",
                _e(swarm["cluster_id"][:12]),
                _e(swarm.get("managers")),
                "bad" if any(p["area"] == "quorum" for p in swarm["problems"]) else "good",
                _e("%s of %s" % (swarm.get("reachable_managers"), swarm.get("quorum"))),
                _e(swarm.get("fault_tolerance")),
                _e(swarm.get("leader")),
                _e("%s/%s" % (swarm.get("nodes_ready"), swarm.get("nodes"))),
                "bad" if degraded else "good",
                _e(degraded or "none"),
            )
        )
        if swarm["problems"] or swarm["notes"]:
            out.append(
                '<tr class="detail"><td></td><td colspan="6">%s%s</td></tr>'
                % (_list(swarm["problems"], "problems"), _list(swarm["notes"], "notes"))
            )
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


class FilterModule:
    def filters(self):
        return {
            "fleet_report": fleet_report,
            "fleet_report_table": fleet_report_table,
            "fleet_report_html": fleet_report_html,
        }
