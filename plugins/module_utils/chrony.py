# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read chrony's state and decide whether a host's clock is in sync.

Everything here is a pure function over the CSV that ``chronyc -c tracking`` and
``chronyc -c sources`` print, so it is unit-tested without a daemon. The
``timesync_check`` module runs chronyc and calls these.

chronyc CSV (chrony 4.x, the same columns as the human-readable reports):

``tracking``: reference ID (hex), reference name or address, stratum, reference
time (epoch), system time (seconds; positive means the system clock is slow of
NTP time), last offset, RMS offset, frequency (ppm), residual frequency, skew,
root delay, root dispersion, update interval, leap status.

``sources``: mode (``^`` server, ``=`` peer, ``#`` reference clock), state
(``*`` selected, ``+`` combined, ``-`` not combined, ``?`` unusable, ``x``
falseticker, ``~`` too variable), name or address, stratum, poll (log2 seconds),
reach (octal register of the last 8 polls), LastRx (seconds since the last good
sample; 4294967295 when there never was one), adjusted offset, measured offset,
error estimate.
"""

from __future__ import annotations

import math

# chrony's reference ID for "this host serves its own clock" (the ``local`` directive).
LOCAL_REFERENCE_ID = "7F7F0101"
# What chronyc prints as LastRx for a source that never gave a good sample.
NEVER = 4294967295
# Without a fresh probe, a source that has not given a good sample for this many of
# its poll intervals counts as not answering (one or two lost packets are normal).
STALE_POLLS = 4

MODES = {"^": "server", "=": "peer", "#": "refclock"}
STATES = {
    "*": "selected",
    "+": "combined",
    "-": "not combined",
    "?": "unusable",
    "x": "falseticker",
    "~": "too variable",
}
NOT_SYNCHRONISED = "Not synchronised"

TRACKING_FIELDS = (
    "ref_id",
    "ref_name",
    "stratum",
    "ref_time",
    "system_time",
    "last_offset",
    "rms_offset",
    "frequency",
    "residual_frequency",
    "skew",
    "root_delay",
    "root_dispersion",
    "update_interval",
    "leap_status",
)


class ChronyOutputError(ValueError):
    """chronyc printed something that is not the CSV report we asked for."""


def _fields(line, expected, what):
    fields = line.strip().split(",")
    if len(fields) < expected:
        raise ChronyOutputError(
            "chronyc -c %s printed %d fields where %d were expected: %r" % (what, len(fields), expected, line.strip())
        )
    return fields


def _number(value, kind, what, line):
    try:
        return kind(value)
    except ValueError:
        raise ChronyOutputError("chronyc printed %r as %s in %r" % (value, what, line.strip())) from None


def _octal(value):
    return int(value, 8)


def parse_tracking(text):
    """Parse ``chronyc -c tracking`` into a dict keyed by TRACKING_FIELDS."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ChronyOutputError("chronyc -c tracking printed %d lines, expected one: %r" % (len(lines), text))
    line = lines[0]
    fields = _fields(line, len(TRACKING_FIELDS), "tracking")
    report = dict(zip(TRACKING_FIELDS, fields))
    report["ref_id"] = report["ref_id"].upper()
    report["stratum"] = _number(report["stratum"], int, "stratum", line)
    for name in TRACKING_FIELDS[3:-1]:
        report[name] = _number(report[name], float, name, line)
    return report


def parse_sources(text):
    """Parse ``chronyc -c sources`` into a list of dicts, one per source."""
    sources = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = _fields(line, 10, "sources")
        mode, state = fields[0], fields[1]
        if mode not in MODES or state not in STATES:
            raise ChronyOutputError("chronyc -c sources printed an unknown mode or state: %r" % line.strip())
        last_rx = _number(fields[6], int, "last_rx", line)
        sources.append(
            dict(
                mode=MODES[mode],
                state=STATES[state],
                selected=state == "*",
                address=fields[2],
                stratum=_number(fields[3], int, "stratum", line),
                poll=_number(fields[4], int, "poll", line),
                reach=_number(fields[5], _octal, "reach", line),
                last_rx=None if last_rx >= NEVER else last_rx,
                offset=_number(fields[7], float, "offset", line),
                measured_offset=_number(fields[8], float, "measured_offset", line),
                error=_number(fields[9], float, "error", line),
            )
        )
    return sources


def parse_ntpdata(text):
    """Parse ``chronyc -n ntpdata`` into {source address: valid responses received}.

    The human-readable report, not ``-c``: its CSV columns moved between chrony
    releases, while every release since 3.2 labels the counter "Total valid RX".
    Returns {} when this chrony does not print the counter.
    """
    counts = {}
    address = None
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        if not sep:
            continue
        label = label.strip()
        if label == "Remote address":
            address = value.split()[0] if value.split() else None
        elif label == "Total valid RX" and address:
            counts[address] = _number(value.strip(), int, "Total valid RX", line)
    return counts


def answered_since(baseline, now):
    """Which sources answered between two ``parse_ntpdata`` readings: {address: bool}.

    A counter only goes up while chronyd runs, so this cannot mistake an old
    sample for a fresh one, however close to the probe it was taken. A source
    missing from the baseline appeared after it, so any valid response it has was
    received since.
    """
    answered = {}
    for address, count in now.items():
        before = baseline.get(address, 0)
        # A count below the baseline means chronyd restarted since (counters start at
        # zero): whatever it counted since then was received during the check.
        answered[address] = count > before if count >= before else count > 0
    return answered


def max_sample_age(source, probe_age=None):
    """Oldest good sample (seconds) that still proves a source answers.

    With a probe (the check asked chronyd for fresh measurements ``probe_age``
    seconds ago), only a sample taken since then counts. Without one, a sample
    younger than STALE_POLLS poll intervals counts.
    """
    if probe_age is not None:
        return math.ceil(probe_age) + 1
    return STALE_POLLS * (2 ** max(source["poll"], 0))


def is_answering(source, probe_age=None, answered=None):
    """True when the source gave chronyd a good sample recently enough.

    ``answered`` ({address: bool}, from answered_since) decides for the sources it
    names; the others are judged by the age of their last sample.
    """
    if answered and source["address"] in answered:
        return answered[source["address"]]
    if source["reach"] == 0 or source["last_rx"] is None:
        return False
    return source["last_rx"] <= max_sample_age(source, probe_age)


def assess(tracking, sources, max_offset, probe_age=None, answered=None):
    """Decide whether a host's time is in sync.

    Returns a dict: ``healthy``, ``problems`` (why not, in words), ``warnings``,
    ``selected_source``, ``local_reference``, ``reachable_sources``,
    ``unreachable_sources``, ``stratum``, ``offset``, ``leap_status``.

    A host is healthy when chronyd is synchronised, its selected source has
    answered (``answered`` and ``probe_age``: see is_answering and max_sample_age)
    and the system clock is within ``max_offset`` seconds. A host that serves its
    own clock (``local stratum``) is the fleet's reference and healthy by itself;
    configured sources that do not answer are still reported as warnings.
    """
    reachable = [s["address"] for s in sources if is_answering(s, probe_age, answered)]
    unreachable = [s["address"] for s in sources if s["address"] not in reachable]
    selected = [s for s in sources if s["selected"]]
    local = tracking["ref_id"] == LOCAL_REFERENCE_ID
    problems = []
    warnings = []
    offset = tracking["system_time"]

    if tracking["leap_status"] == NOT_SYNCHRONISED or tracking["ref_id"] == "00000000":
        if not sources:
            problems.append("chronyd has no time source configured and does not serve its own clock")
        elif not reachable:
            problems.append(
                "chronyd is not synchronised: none of its %d sources answered (%s)"
                % (len(sources), ", ".join(unreachable))
            )
        else:
            problems.append(
                "chronyd is not synchronised yet: sources answering (%s) but none selected" % ", ".join(reachable)
            )
        selected_source = None
    elif local:
        selected_source = "local clock"
        if unreachable:
            warnings.append(
                "serving its local clock at stratum %d; configured sources not answering: %s"
                % (tracking["stratum"], ", ".join(unreachable))
            )
    else:
        selected_source = selected[0]["address"] if selected else tracking["ref_name"] or tracking["ref_id"]
        if not reachable:
            problems.append(
                "no reachable time source: none of its %d sources answered (%s)"
                % (len(sources), ", ".join(unreachable) or "none configured")
            )
        elif not selected:
            problems.append("no source selected; sources answering: %s" % ", ".join(reachable))
        elif selected_source not in reachable:
            problems.append("selected source %s does not answer" % selected_source)
        if not problems and unreachable:
            warnings.append("sources not answering: %s" % ", ".join(unreachable))

    if abs(offset) > max_offset:
        problems.append("clock offset %s exceeds the allowed %s s" % (format_offset(offset), max_offset))

    return dict(
        healthy=not problems,
        problems=problems,
        warnings=warnings,
        selected_source=selected_source,
        local_reference=local,
        reachable_sources=reachable,
        unreachable_sources=unreachable,
        stratum=tracking["stratum"],
        offset=offset,
        leap_status=tracking["leap_status"],
    )


def format_offset(offset):
    """Offset for people: ``+0.000123 s (slow)``; chrony's sign, positive = slow."""
    if round(offset, 6) == 0:  # below a microsecond
        return "0 s"
    return "%+.6f s (%s)" % (offset, "slow" if offset > 0 else "fast")


def summary(assessment, source_count):
    """One line describing a host's time sync, for tables and messages."""
    if assessment["local_reference"]:
        head = "serves its local clock, stratum %d, offset %s" % (
            assessment["stratum"],
            format_offset(assessment["offset"]),
        )
    elif assessment["selected_source"]:
        head = "source %s, stratum %d, offset %s" % (
            assessment["selected_source"],
            assessment["stratum"],
            format_offset(assessment["offset"]),
        )
    else:
        head = "no selected source"
    text = "%s, %d/%d sources answering" % (head, len(assessment["reachable_sources"]), source_count)
    if assessment["problems"]:
        text += ": " + "; ".join(assessment["problems"])
    return text
