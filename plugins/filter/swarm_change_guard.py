# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm change guard of the site playbook and the engine and daemon roles, as a filter: reads what every host
of the play registered (engine_info, engine_package and daemon_config in check mode) through ``hostvars`` and
returns module_utils/swarm_change_guard.py's decision."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_change_guard as guard
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import value_of as _get


def swarm_change_guard(
    hosts,
    hostvars,
    swarm_hosts=(),
    allow=False,
    engine_version="",
    info="_engine_swarm_info",
    engine="_engine_swarm_plan",
    daemon="_daemon_preview",
):
    """Decide for ``hosts`` (the play's hosts). Per host it reads the variables named by ``info`` (engine_info's
    result), ``engine`` (engine_package in check mode) and ``daemon`` (daemon_config in check mode); a missing one
    means no change of that kind is planned there. ``swarm_hosts``: the hosts of the swarm groups."""
    info_var, engine_var, daemon_var = info, engine, daemon
    plans, leader_ids = [], set()
    for host in hosts:
        facts = _get(hostvars, host, {})
        info = _get(facts, info_var, {}) or _get(facts, "_daemon_swarm_info", {})
        engine = _get(facts, engine_var, {})
        daemon = _get(facts, daemon_var, {})
        for node in _get(info, "nodes", []):
            if node.get("leader"):
                leader_ids.add(node.get("id"))
        running = _get(_get(info, "engine", {}), "version") if _get(info, "answers", False) else None
        # The plan registers with changed_when false (a prediction changes nothing): read what it predicts.
        daemon_action = "none"
        if not _get(daemon, "failed", False):
            if _get(daemon, "restart_required", False):
                daemon_action = "restart"
            elif _get(daemon, "reload_required", False):
                daemon_action = "reload"
        plans.append(
            guard.host_plan(
                host,
                swarm=_get(info, "swarm", {}) if running else {},
                in_swarm_group=host in (swarm_hosts or ()),
                engine_running=running,
                engine_target=_get(_get(engine, "version_after", {}), "server"),
                engine_changes=[] if _get(engine, "failed", False) else _get(engine, "changes", []),
                daemon_action=daemon_action,
                daemon_keys=_get(daemon, "changed_keys", []),
            )
        )
    return guard.decide(plans, leader_ids, allow=bool(allow), engine_version=str(engine_version or ""))


class FilterModule:
    def filters(self):
        return {"swarm_change_guard": swarm_change_guard}
