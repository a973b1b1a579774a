# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one rule of the rolling runbooks' pre-flights (dockfleet.docker.engine_upgrade, dockfleet.docker.rotate) for
clocks: which hosts' time sync is a problem, from what dockfleet.docker.timesync_check registered on each host."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact, value_of

MODES = ("auto", "true", "false")


def clocks_count(hosts, hostvars, name, mode="auto"):
    """Whether the clocks are checked: always with ``true``, never with ``false``; with ``auto`` only when chrony is
    installed on any of ``hosts`` (timesync_check's ``installed``, registered as ``name``)."""
    mode = str(mode).lower()
    if mode not in MODES:
        raise ValueError("the time sync check is one of %s, not %r" % (", ".join(MODES), mode))
    if mode == "false":
        return False
    return mode == "true" or any(
        value_of(host_fact(hostvars, host, name, {}), "installed", False) is True for host in hosts or []
    )


def timesync_problems(hosts, hostvars, name, mode="auto"):
    """``[{host, problem}]`` for every host whose clock is a problem when the clocks count (see clocks_count).

    A host whose check did not run (skipped, or no result) is not counted here; a check that failed without a
    verdict (no ``healthy``) is a problem, with its message.
    """
    if not clocks_count(hosts, hostvars, name, mode):
        return []
    found = []
    for host in hosts or []:
        sync = host_fact(hostvars, host, name, {})
        if not sync or sync.get("skipped"):
            continue
        if "healthy" not in sync:
            found.append({"host": host, "problem": "clock: %s" % sync.get("msg", "no result")})
        elif not sync["healthy"]:
            found.append(
                {"host": host, "problem": "clock: %s" % ("; ".join(sync.get("problems") or []) or "not in sync")}
            )
    return found


class FilterModule:
    def filters(self):
        return {"timesync_problems": timesync_problems}
