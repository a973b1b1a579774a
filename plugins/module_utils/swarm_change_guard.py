# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a converge run (the site playbook, the engine and daemon roles) may restart the engines it plans to.

The rule: no play of this collection restarts the engines of several swarm members at once. A converge run
changes every host of the play in the same task, in parallel, so a planned engine version change or a
daemon.json change that needs a restart on any swarm member is refused before anything changes on any host,
naming the nodes and the rolling runbook that makes the change one node at a time:
``dockfleet.docker.engine_upgrade`` for versions, ``dockfleet.docker.daemon_rolling`` for daemon settings.

Settings dockerd takes on SIGHUP (a reload) never restart anything and are never refused. A host whose engine is
not in a swarm (standalone, or in the swarm groups but not joined yet) keeps the converge behaviour, and so does a
host whose engine does not answer (nothing runs on it to protect; installing the engine is no restart).

Pure: works on what the playbook registered per host (``engine_info``, ``engine_package`` and
``daemon_config`` in check mode), never talks to an engine.
"""

from __future__ import annotations

SWARM_STATES = frozenset(["active", "pending", "locked", "error"])
ENGINE_RUNBOOK = "dockfleet.docker.engine_upgrade"
DAEMON_RUNBOOK = "dockfleet.docker.daemon_rolling"
OVERRIDE = "dockfleet_allow_swarm_restart"


def host_plan(
    host,
    swarm=None,
    in_swarm_group=False,
    engine_running=None,
    engine_target=None,
    engine_changes=(),
    daemon_action="none",
    daemon_keys=(),
):
    """One host's input to ``decide``.

    ``swarm``: engine_info's ``swarm`` (``local_node_state``, ``role``, ``node_id``); empty when the engine does
    not answer. ``engine_running``: the server version running now (None: not running). ``engine_target`` and
    ``engine_changes``: engine_package's predicted server version and package changes (check mode).
    ``daemon_action``: ``none``, ``reload`` or ``restart`` (daemon_config in check mode), ``daemon_keys`` the
    daemon.json keys that change.
    """
    return {
        "host": host,
        "swarm": dict(swarm or {}),
        "in_swarm_group": bool(in_swarm_group),
        "engine_running": engine_running or None,
        "engine_target": engine_target or None,
        "engine_changes": list(engine_changes or ()),
        "daemon_action": daemon_action or "none",
        "daemon_keys": list(daemon_keys or ()),
    }


def is_swarm_member(plan):
    """Is this host's engine part of a swarm now (so restarting it touches the swarm)?"""
    return (plan["swarm"].get("local_node_state") or "") in SWARM_STATES


def _role(plan, leader_ids):
    role = plan["swarm"].get("role") or ("manager" if plan["swarm"].get("control_available") else "worker")
    leader = bool(plan["swarm"].get("node_id")) and plan["swarm"].get("node_id") in leader_ids
    return role, leader


def _engine_change(plan):
    """'20.10.24 -> 26.1.5' when the engine runs now and its packages are to change (the daemon restarts)."""
    if not plan["engine_running"] or not plan["engine_changes"]:
        return None
    return "%s -> %s" % (plan["engine_running"], plan["engine_target"] or "another version")


def _daemon_change(plan):
    if not plan["engine_running"] or plan["daemon_action"] != "restart":
        return None
    keys = ", ".join(plan["daemon_keys"]) or "daemon.json"
    return "restart for %s" % keys


def _label(row):
    return "%s (%s%s)" % (row["host"], row["role"], ", leader" if row["leader"] else "")


def decide(plans, leader_ids=(), allow=False, engine_version=""):
    """Decide for the whole play: may every host's planned change go ahead at once?

    ``plans``: ``host_plan`` rows in inventory order. ``leader_ids``: the node IDs the managers report as leader.
    ``allow``: the override variable (restart all at once anyway). ``engine_version``: the version asked for, for
    the runbook command in the message.

    Returns ``refused`` (bool), ``rows`` (the swarm members with a restart-needing change, in the order a rolling
    runbook takes them: workers, then managers, the leader last; each with ``host``, ``role``, ``leader``,
    ``engine_change``, ``daemon_change``), ``reload_only`` (swarm members whose daemon change is a reload),
    ``standalone`` (hosts outside a swarm: converged as before), ``message`` (why refused, or what goes ahead).
    """
    leader_ids = set(leader_ids or ())
    ranked, reload_only, standalone = [], [], []
    for position, plan in enumerate(plans):
        if not is_swarm_member(plan):
            standalone.append(plan["host"])
            continue
        role, leader = _role(plan, leader_ids)
        engine_change, daemon_change = _engine_change(plan), _daemon_change(plan)
        if not engine_change and not daemon_change:
            if plan["engine_running"] and plan["daemon_action"] == "reload":
                reload_only.append(plan["host"])
            continue
        rank = 2 if leader else 1 if role == "manager" else 0
        row = {
            "host": plan["host"],
            "role": role,
            "leader": leader,
            "engine_change": engine_change,
            "daemon_change": daemon_change,
        }
        ranked.append((rank, position, row))
    rows = [row for _rank, _position, row in sorted(ranked, key=lambda item: item[:2])]
    refused = bool(rows) and not allow
    return {
        "refused": refused,
        "rows": rows,
        "reload_only": reload_only,
        "standalone": standalone,
        "message": _message(rows, refused, engine_version),
    }


def _message(rows, refused, engine_version):
    if not rows:
        return "No swarm member's engine restarts in this run."
    parts = []
    engine_rows = [row for row in rows if row["engine_change"]]
    daemon_rows = [row for row in rows if row["daemon_change"]]
    if engine_rows:
        parts.append(
            "engine version change on %s"
            % ", ".join("%s %s" % (_label(row), row["engine_change"]) for row in engine_rows)
        )
    if daemon_rows:
        parts.append(
            "daemon.json change that needs a dockerd restart on %s"
            % ", ".join("%s: %s" % (_label(row), row["daemon_change"]) for row in daemon_rows)
        )
    order = ", ".join(row["host"] for row in rows)
    if not refused:
        return "WARNING: %s=true: restarting the engines of %d swarm member(s) at once, all in the same task: %s." % (
            OVERRIDE,
            len(rows),
            "; ".join(parts),
        )
    runbooks = []
    if engine_rows:
        runbooks.append(
            "for the engine version run %s -e engine_upgrade_version=%s, then keep engine_version in the inventory"
            % (ENGINE_RUNBOOK, engine_version or "<version>")
        )
    if daemon_rows:
        runbooks.append(
            "for the daemon settings run %s (it applies the daemon role one node at a time)" % DAEMON_RUNBOOK
        )
    return (
        "Refused: this run would restart the engines of %d swarm member(s) at once, in the same task: %s. "
        "Nothing was changed on any host. Make the change one node at a time (drain, wait for the tasks to move, "
        "change, wait Ready, activate, wait for the services), in this order: %s: %s. "
        "To restart them all at once anyway set %s=true (dangerous: every task on those nodes stops together and "
        "the managers may lose their quorum)." % (len(rows), "; ".join(parts), order, "; ".join(runbooks), OVERRIDE)
    )
