# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions and reports of the dockfleet.docker.engine_upgrade playbook, in Python: what its
pre-flight found per host, the pre-flight table and the closing summary. The playbook only
sequences the steps; these filters read what its tasks registered (through ``hostvars``)."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.text_table import text_table
from ansible_collections.dockfleet.docker.plugins.filter.timesync import timesync_problems
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact, value_of

UNREACHABLE = "unreachable (Ansible could not connect or a task failed)"
# Where engine_upgrade_state's result (registered as _engine_upgrade_host) has a host's engine version now and after.
BEFORE = "_engine_upgrade_host.target.version_before.server"
AFTER = "_engine_upgrade_host.target.version_after.server"


def engine_error(read):
    """Why the engine does not answer, from engine_upgrade_state's result ``read`` ('' when it answers)."""
    engine = value_of(read, "engine", {})
    return "" if engine.get("answers") else "; ".join(engine.get("server_errors") or []) or "no reason given"


def engine_upgrade_problems(
    hosts, hostvars, play_hosts, manager, managers_group, plan, backup=True, single_manager_ok=False, timesync="true"
):
    """Every problem the pre-flight found, as ``{host, problem}`` rows (host ``swarm`` for the swarm's).

    ``hosts`` are all the hosts of the run, ``play_hosts`` those still in it, ``manager`` the manager
    that answers for the swarm ('' when none), ``plan`` swarm_health's result. ``timesync``: the clock rule of
    dockfleet.docker.timesync_problems (``auto`` counts the clocks only when chrony is installed on any host).
    """
    found = []
    clock_problems = timesync_problems(play_hosts, hostvars, "_engine_upgrade_host.timesync", timesync)

    def problem(host, text):
        found.append({"host": host, "problem": text})

    for host in hosts:
        if host not in play_hosts:
            problem(host, UNREACHABLE)
            continue
        read = host_fact(hostvars, host, "_engine_upgrade_host", {})
        if not read:
            problem(host, "engine_upgrade_state gave no result")
            continue
        error = engine_error(read)
        if error:
            problem(host, "docker does not answer (%s); is docker.service running?" % error)
        target = value_of(read, "target", {})
        if "changes" not in target:
            problem(host, "target version: %s" % target.get("msg", "engine_upgrade_state gave no result"))
        note_error = value_of(read, "note_error", "")
        if note_error:
            problem(host, "note of an interrupted run: %s" % note_error)
        found.extend(row for row in clock_problems if row["host"] == host)
    plan = plan or {}
    if not manager:
        problem(
            "swarm",
            "no manager answers: none of the hosts is a reachable manager and the group %s is empty" % managers_group,
        )
    elif "problems" not in plan:
        problem("swarm", "manager %s could not list the swarm: %s" % (manager, plan.get("msg", "no result")))
    else:
        found.extend(plan["problems"])
        total = (plan.get("managers") or {}).get("total", 0)
        if backup and total <= 2 and not single_manager_ok:
            problem(
                "swarm",
                "the backup before the upgrade stops the engine of one manager, and %s manager(s) keep no majority "
                "without it: set swarm_backup_single_manager_ok=true to accept a few seconds without control plane, "
                "or engine_upgrade_backup=false" % total,
            )
    return found


def engine_upgrade_preflight_table(hosts, hostvars, plan, problems):
    """The pre-flight table: one line per host in the planned order, then the others, then the swarm's problems."""
    order = (plan or {}).get("order") or []
    planned = [row["host"] for row in order]
    rows = []
    for index, host in enumerate(planned + [h for h in hosts if h not in planned] + ["swarm"], 1):
        listed = [p["problem"] for p in problems or [] if p["host"] == host]
        if host == "swarm":
            if listed:
                rows.append(["swarm", "-", "-", "-", "-", "; ".join(listed)])
            continue
        row = next((r for r in order if r["host"] == host), {})
        role = row.get("role", "-") + (" (leader)" if row.get("leader") else "")
        if row.get("action") == "skip":
            step = "skip"
        elif row.get("batch"):
            step = "batch %d" % row["batch"]
        else:
            step = "#%d" % index if row else "-"
        before = host_fact(hostvars, host, BEFORE) or "-"
        target = host_fact(hostvars, host, AFTER) or "-"
        rows.append([host, role, before, target, step, "; ".join(listed) or "ok"])
    return text_table(rows, headers=["HOST", "ROLE", "ENGINE NOW", "TARGET", "PLAN", "PROBLEMS"])


def engine_upgrade_batch_table(plan, first=1):
    """The batches of the plan, numbered from ``first``: hosts drained and upgraded together, and what the planner
    said about each."""
    rows = []
    for number, batch in enumerate((plan or {}).get("batches") or [], int(first)):
        said = list(batch.get("warnings") or [])
        said += ["held back for a later batch: %s (%s)" % (", ".join(s["hostnames"]), s["reason"])
                 for s in batch.get("shrunk") or []]  # fmt: skip
        if batch.get("global_services"):
            said.append("global services stopped on these nodes meanwhile: %s" % ", ".join(batch["global_services"]))
        said += batch.get("notes") or []
        role = batch.get("role", "-") + (" (leader)" if batch.get("leader") else "")
        safe = "yes" if batch.get("safe", True) else "NO"
        rows.append([number, role, ", ".join(batch.get("hosts") or []), safe, " | ".join(said) or "-"])
    return text_table(rows, headers=["BATCH", "ROLE", "HOSTS", "ROOM KEPT", "NOTES"])


def engine_upgrade_summary_table(plan, hostvars):
    """The closing summary: version before and after and the time taken per node, in the order the run took them."""
    order = (plan or {}).get("order") or []
    rows = []
    batch_seconds = {}
    for row in order:
        facts = value_of(hostvars, row["host"], {})
        if row.get("action") == "skip":
            before = host_fact(hostvars, row["host"], BEFORE, "-")
            rows.append(
                [row["host"], row["role"], "-", "%s (unchanged)" % before, "-", "already on the target, skipped"]
            )
            continue
        result = value_of(facts, "_engine_upgrade_result", {})
        if not result:  # the run stopped before this node
            rows.append(
                [
                    row["host"],
                    row["role"],
                    row.get("batch") or "-",
                    "%s (unchanged)" % host_fact(hostvars, row["host"], BEFORE, "-"),
                    "-",
                    "not reached",
                ]
            )
            continue
        # Nodes of one batch change together: the batch takes as long as its slowest node. The batch the run took
        # (planned again when its turn came) may differ from the pre-flight's plan.
        batch = result.get("batch") or row.get("batch") or ("node", row["host"])
        batch_seconds[batch] = max(batch_seconds.get(batch, 0), int(result.get("seconds") or 0))
        rows.append(
            [
                row["host"],
                row["role"],
                result.get("batch") or row.get("batch") or "-",
                "%s -> %s" % (result.get("before"), result.get("after")),
                "%ss" % result.get("seconds"),
                result.get("result"),
            ]
        )
    seconds = sum(batch_seconds.values())
    lines = text_table(rows, headers=["HOST", "ROLE", "BATCH", "ENGINE BEFORE -> AFTER", "TIME", "RESULT"])
    changed = len([row for row in order if row.get("action") == "upgrade"])
    skipped = len([row for row in order if row.get("action") == "skip"])
    lines.append("%d node(s) changed in %ds, %d already on the target." % (changed, seconds, skipped))
    return lines


class FilterModule:
    def filters(self):
        return {
            "engine_upgrade_problems": engine_upgrade_problems,
            "engine_upgrade_preflight_table": engine_upgrade_preflight_table,
            "engine_upgrade_summary_table": engine_upgrade_summary_table,
            "engine_upgrade_batch_table": engine_upgrade_batch_table,
        }
