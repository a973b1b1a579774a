# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the managed host says about its time sync, read through an AnsibleModule.

- ``check``: ask chronyd (chronyc) whether the host follows a source that answers, within an offset, waiting a
  bounded time; the decision itself is chrony.py's (pure functions).
- ``read_host``: everything the timesync role compares in one look - whether the host can set its clock
  (CAP_SYS_TIME in systemd's bounding set), the chrony package, the role's files, the chrony service and the
  competing time services - for the timesync_state module.
"""

from __future__ import annotations

import contextlib
import re
import time

from ansible_collections.dockfleet.docker.plugins.module_utils.chrony import (
    ChronyOutputError,
    answered_since,
    assess,
    parse_ntpdata,
    parse_sources,
    parse_tracking,
    summary,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until, waited_since

# How often to look again while waiting, and to ask for another burst of measurements.
# Right after a probe, look sooner: a source on the LAN answers within milliseconds.
LOOK_EVERY = 1.0
LOOK_SOON = 0.25
PROBE_EVERY = 10.0
# A burst: chronyd sends up to 4 requests to every source until one answers well.
BURST = "1/4"
# However short the wait, sources get this long to answer the probe.
PROBE_GRACE = 4.0


class ChronyUnavailable(Exception):
    """chronyd did not answer chronyc, or answered with something we cannot read."""


def chronyc(module, binary, *command):
    rc, out, err = module.run_command([binary, "-n", "-c", *command])
    if rc != 0:
        detail = (err or out).strip() or "exit code %d" % rc
        raise ChronyUnavailable("chronyd does not answer `chronyc %s`: %s" % (" ".join(command), detail))
    return out


def read_state(module, binary):
    try:
        return parse_tracking(chronyc(module, binary, "tracking")), parse_sources(chronyc(module, binary, "sources"))
    except ChronyOutputError as exc:
        raise ChronyUnavailable(str(exc)) from exc


def response_counts(module, binary):
    """Valid responses chronyd has counted per source, or None when it cannot say
    (chrony before 3.2, or a report we cannot read): then sample ages decide."""
    rc, out = module.run_command([binary, "-n", "ntpdata"])[:2]
    if rc != 0:
        return None
    try:
        return parse_ntpdata(out) or None
    except ChronyOutputError:
        return None


def unavailable(problem):
    return dict(
        healthy=False,
        problems=[problem],
        warnings=[],
        selected_source=None,
        local_reference=False,
        reachable_sources=[],
        unreachable_sources=[],
        sources=[],
        summary="no result from chronyd: %s" % problem,
    )


def check(module, binary, settings=None):
    """Look until healthy or out of time; return the last assessment.

    ``settings`` holds ``max_offset``, ``wait_timeout`` and ``probe`` (default: the module's parameters)."""
    params = module.params if settings is None else settings
    start = time.monotonic()
    look = dict(probing=params["probe"], probe_started=None, last_probe=None, baseline=None, result=None)
    notes = []

    def healthy():
        now = time.monotonic()
        try:
            tracking, sources = read_state(module, binary)
        except ChronyUnavailable as exc:
            look["result"] = unavailable(str(exc) + " (is the chrony service running?)")
            return False
        if look["probing"] and sources and (look["last_probe"] is None or now - look["last_probe"] >= PROBE_EVERY):
            if look["probe_started"] is None:
                # what chronyd had counted before it was asked for fresh measurements
                look["baseline"] = response_counts(module, binary)
            rc, out, err = module.run_command([binary, "-n", "burst", BURST])
            if rc == 0:
                look["last_probe"] = now
                look["probe_started"] = look["probe_started"] or now
            elif "Cannot talk to daemon" not in out + err:  # else chronyd is restarting: try again
                look["probing"] = False
                notes.append(
                    "could not ask chronyd for fresh measurements (%s); sources are judged by their last samples"
                    % (err or out).strip()
                )
        answered = None
        if not look["probing"]:
            probe_age = None
        elif look["probe_started"] is None:
            probe_age = 0.0
        else:
            probe_age = time.monotonic() - look["probe_started"]
            counts = response_counts(module, binary) if look["baseline"] else None
            answered = answered_since(look["baseline"], counts) if counts else None
        result = assess(tracking, sources, params["max_offset"], probe_age=probe_age, answered=answered)
        result["sources"] = sources
        result["summary"] = summary(result, len(sources))
        look["result"] = result
        return result["healthy"]

    def pause():
        probe_started = look["probe_started"]
        return LOOK_SOON if probe_started is not None and time.monotonic() - probe_started < PROBE_GRACE else LOOK_EVERY

    with contextlib.suppress(WaitTimeout):  # the last assessment says what is wrong
        wait_until(
            healthy,
            max(params["wait_timeout"], PROBE_GRACE if look["probing"] else 0),
            "the time sources to be healthy",
            interval=pause,
        )
    result = look["result"]
    result["warnings"] = notes + result["warnings"]
    result["probed"] = look["probe_started"] is not None
    result["waited"] = waited_since(start)
    return result


def measure(module, binary, settings=None):
    """timesync_check's result without its verdict: ``check`` where ``binary`` (chronyc) is installed, else a result
    saying chrony is missing; ``installed`` says which. chronyd's notes are passed to ``module.warn``."""
    if binary:
        result = check(module, binary, settings)
    else:
        result = unavailable("chronyc is not installed: install chrony (role dockfleet.docker.timesync) on this host")
        result.update(probed=False, waited=0.0)
    result["installed"] = bool(binary)
    for warning in result.pop("warnings"):
        module.warn(warning)
    return result


# --------------------------------------------------------------------------- the host, for timesync_state

# CAP_SYS_TIME is capability 25: systemd gives services only what its own bounding set has.
CAP_SYS_TIME = 1 << 25
CHRONY_SERVICE = "chrony.service"


def can_set_clock(status_text):
    """Whether ``/proc/1/status`` shows CAP_SYS_TIME in the bounding set (None when it cannot be read)."""
    match = re.search(r"^CapBnd:\s*([0-9a-fA-F]+)", status_text or "", re.MULTILINE)
    if not match:
        return None
    return bool(int(match.group(1), 16) & CAP_SYS_TIME)


def steers_clock(clock_control, can_set):
    """Whether chronyd steers the clock: ``enabled``, or ``auto`` on a host that can set it."""
    return clock_control == "enabled" or (clock_control == "auto" and bool(can_set))


def parse_show(text):
    """``systemctl show -p ... unit...`` output (one block per unit, blank lines between) -> {Id: {property: value}}."""
    units, current = {}, {}
    for line in [*(text or "").splitlines(), ""]:
        if not line.strip():
            if current.get("Id"):
                units[current["Id"]] = current
            current = {}
            continue
        key, _sep, value = line.partition("=")
        current[key] = value
    return units


def unit_exists(props):
    return bool(props) and props.get("LoadState") not in ("not-found", "", None)


def competing_to_stop(names, units):
    """The competing services that exist and are not both masked and inactive."""
    found = []
    for name in names:
        props = units.get("%s.service" % name) or {}
        if not unit_exists(props) and props.get("UnitFileState") != "masked":
            continue
        if props.get("UnitFileState") != "masked" or props.get("ActiveState") not in ("inactive", "failed"):
            found.append(name)
    return found


def service_differs(props):
    """What is wrong with chrony.service: [] when it is enabled and running."""
    problems = []
    if props.get("UnitFileState") not in ("enabled", "enabled-runtime", "static", "alias"):
        problems.append("not enabled (%s)" % (props.get("UnitFileState") or "unknown"))
    if props.get("ActiveState") != "active":
        problems.append("not running (%s)" % (props.get("ActiveState") or "unknown"))
    return problems


def read_host(module, systemd, competing):
    """The facts the timesync role compares, in one look; see the timesync_state module's RETURN."""
    try:
        with open("/proc/1/status") as handle:
            can_set = can_set_clock(handle.read())
    except OSError:
        can_set = None
    rc, out, _err = module.run_command(
        ["dpkg-query", "--show", "--showformat=${db:Status-Status}\t${Version}", "chrony"],
        environ_update={"LC_ALL": "C"},
    )
    status, _sep, version = out.partition("\t") if rc == 0 else ("", "", "")
    installed = status.strip() == "installed"
    units = ["%s.service" % name for name in competing] + [CHRONY_SERVICE]
    shown = {}
    if systemd.systemctl:
        rc, out, _err = systemd.run("show", "-p", "Id,LoadState,ActiveState,UnitFileState", *units)
        shown = parse_show(out) if rc == 0 else {}
    return dict(
        can_set_clock=can_set,
        chrony_installed=installed,
        chrony_version=version.strip() if installed else None,
        units=shown,
    )
