# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's judgement: every host's ``host_report`` result against what its inventory declares, and every
swarm's managers and services, as one document with the problems first.

Pure: the ``fleet_report`` filter hands in the results, the declarations and the controller's clock. A problem is
something the inventory or Docker's own rules say is wrong and an operator must act on; a note is worth knowing and
needs no action now (a single manager, failed hardened-preset controls on a host that does not declare the preset).
"""

from __future__ import annotations

import json

from ansible_collections.dockfleet.docker.plugins.module_utils import certificates
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import even_manager_warning
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import has_changes, plan_labels

# Swarm renews a node certificate at a random moment between 50 % and 80 % of its life: one with less than this
# share of its life left was not renewed.
NODE_CERT_RENEWED_BY = 0.2
DEFAULTS = {"tls_warn_days": 30}


def _show(value):
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def expiry(cert, now):
    """``{not_after, days_left, life_left}`` of a ``host_report`` certificate (``life_left``: share of its validity
    still ahead, 0..1), or None when it has none."""
    if not cert or not cert.get("not_after"):
        return None
    not_after = certificates.parse_iso(cert["not_after"])
    result = {"not_after": cert["not_after"], "days_left": certificates.days_left(not_after, now), "life_left": None}
    if cert.get("not_before"):
        not_before = certificates.parse_iso(cert["not_before"])
        life = (not_after - not_before).total_seconds()
        if life > 0:
            result["life_left"] = max(0.0, min(1.0, (not_after - now).total_seconds() / life))
    return result


def _engine_problems(engine, declared, problems):
    if not engine.get("answers"):
        problems.append(("engine", "the engine does not answer: %s" % (engine.get("error") or "no reason given")))
    if not engine.get("package_version"):
        problems.append(("engine", "docker-ce is not installed"))
        return
    if engine.get("at_declared") is False:
        problems.append(
            (
                "engine",
                "docker-ce %s is not the declared engine_version %s"
                % (engine["package_version"], engine.get("declared")),
            )
        )
    if declared.get("pin", True):
        if not engine.get("held"):
            problems.append(("engine", "docker-ce is not on dpkg hold: apt upgrade can move it"))
        if not engine.get("pinned"):
            problems.append(
                (
                    "engine",
                    "docker-ce is not pinned at %s in the apt preferences (pinned: %s)"
                    % (engine["package_version"], engine.get("pinned_version") or "nothing"),
                )
            )


def _daemon_problems(daemon, problems):
    if daemon.get("error"):
        problems.append(("daemon", daemon["error"]))
    for item in daemon.get("drift") or []:
        problems.append(
            (
                "daemon",
                "daemon.json %s is %s, the inventory declares %s"
                % (item["key"], _show(item["current"]), _show(item["declared"])),
            )
        )


def _tls(tls, now, warn_days, problems):
    if tls.get("error"):
        problems.append(("tls", "TLS server certificate: %s" % tls["error"]))
    found = expiry(tls, now)
    if found is None:
        return None
    if found["days_left"] < 0:
        problems.append(("tls", "TLS server certificate expired on %s" % found["not_after"]))
    elif found["days_left"] < warn_days:
        problems.append(
            (
                "tls",
                "TLS server certificate expires in %d days (%s), within %d days"
                % (found["days_left"], found["not_after"], warn_days),
            )
        )
    return found


def _labels_text(changes):
    parts = [
        "%s=%s (inventory: %s)" % (key, values[0], values[1]) for key, values in sorted(changes["changed"].items())
    ]
    parts += ["%s=%s not in the inventory" % (key, value) for key, value in sorted(changes["removed"].items())]
    parts += ["%s=%s missing" % (key, value) for key, value in sorted(changes["added"].items())]
    return ", ".join(parts)


def _node(swarm, node, declared, now, problems, notes):
    """The node part of a host's row, adding its problems."""
    role = declared.get("role")
    state = swarm.get("local_node_state") or ""
    result = {
        "local_node_state": state or None,
        "node_id": swarm.get("node_id") or None,
        "cluster_id": swarm.get("cluster_id") or None,
        "declared_role": role,
        "role": None,
        "availability": None,
        "state": None,
        "labels": None,
        "declared_labels": declared.get("labels"),
        "cert": None,
    }
    if state not in ("active", "locked"):
        if role:
            problems.append(("swarm", "declared a swarm %s but not in a swarm (%s)" % (role, state or "unknown")))
        return result
    if state == "locked":
        problems.append(
            ("swarm", "the swarm is locked on this node (autolock): unlock it with the key from your vault")
        )
    if not role:
        notes.append(("swarm", "in a swarm but in neither swarm group of the inventory"))
    cert = expiry(swarm.get("node_cert"), now)
    result["cert"] = cert
    if (swarm.get("node_cert") or {}).get("error"):
        problems.append(("swarm", "node certificate: %s" % swarm["node_cert"]["error"]))
    elif cert and cert["days_left"] < 0:
        problems.append(("swarm", "the swarm node certificate expired on %s" % cert["not_after"]))
    elif cert and cert["life_left"] is not None and cert["life_left"] < NODE_CERT_RENEWED_BY:
        problems.append(
            (
                "swarm",
                "the swarm node certificate was not renewed: it expires in %d days (%s)"
                % (cert["days_left"], cert["not_after"]),
            )
        )
    if node is None:
        problems.append(("swarm", "no manager of its swarm lists this node (no manager answered?)"))
        return result
    result.update(
        role=node.get("role"), availability=node.get("availability"), state=node.get("state"), labels=node.get("labels")
    )
    if role and node.get("role") != role:
        problems.append(("swarm", "node role is %s, the inventory declares %s" % (node.get("role"), role)))
    if node.get("state") != "ready":
        problems.append(("swarm", "node state is %s, not ready" % node.get("state")))
    wanted = declared.get("availability")
    if wanted and node.get("availability") != wanted:
        problems.append(
            ("swarm", "node availability is %s, the inventory declares %s" % (node.get("availability"), wanted))
        )
    elif not wanted and node.get("availability") != "active":
        notes.append(("swarm", "node availability is %s" % node.get("availability")))
    if declared.get("labels") is not None:
        _new, changes = plan_labels(
            node.get("labels") or {}, declared["labels"], declared.get("labels_mode") or "exact"
        )
        if has_changes(changes):
            problems.append(("labels", "node labels differ from the inventory: %s" % _labels_text(changes)))
    return result


def host_row(name, result, declared, nodes, now, options):
    """One host of the report: its facts, problems and notes."""
    problems, notes = [], []
    row = {"name": name, "reachable": True, "problems": [], "notes": []}
    if not result or result.get("unreachable") or result.get("failed") or "engine" not in result:
        row["reachable"] = not (result or {}).get("unreachable")
        what = "unreachable" if not row["reachable"] else "could not be read"
        problems.append(("host", "%s: %s" % (what, (result or {}).get("msg") or "no result")))
        row.update(engine=None, daemon=None, tls=None, node=None, time=None, controls=[])
    else:
        engine = result["engine"]
        _engine_problems(engine, declared, problems)
        _daemon_problems(result["daemon"], problems)
        tls = _tls(result.get("tls") or {}, now, options["tls_warn_days"], problems)
        node = nodes.get((result.get("swarm") or {}).get("node_id") or "")
        node_part = _node(result.get("swarm") or {}, node, declared, now, problems, notes)
        time = result.get("time") or {}
        if not time.get("healthy"):
            for problem in time.get("problems") or ["time is not in sync"]:
                problems.append(("time", problem))
        failed = [c for c in result.get("controls") or [] if c["status"] == "fail"]
        for control in failed:
            text = "CIS %s %s: %s" % (control["id"], control["title"], control["detail"])
            (problems if declared.get("hardened") else notes).append(("controls", text))
        row.update(
            engine={
                "version": engine.get("version"),
                "package_version": engine.get("package_version"),
                "declared": engine.get("declared"),
                "at_declared": engine.get("at_declared"),
                "held": engine.get("held"),
                "pinned": engine.get("pinned"),
            },
            daemon={"drift": result["daemon"].get("drift"), "error": result["daemon"].get("error")},
            tls=dict(tls or {}, path=(result.get("tls") or {}).get("path")),
            node=node_part,
            time={
                "service": time.get("service"),
                "selected_source": time.get("selected_source"),
                "stratum": time.get("stratum"),
                "offset": time.get("offset"),
                "healthy": bool(time.get("healthy")),
                "summary": time.get("summary"),
            },
            controls=result.get("controls") or [],
            hardened=bool(declared.get("hardened")),
        )
    row["problems"] = [{"area": area, "message": message} for area, message in problems]
    row["notes"] = [{"area": area, "message": message} for area, message in notes]
    row["status"] = "problem" if problems else "ok"
    return row


def swarm_row(cluster_id, cluster, hosts):
    """One swarm of the report, from a manager's ``host_report`` cluster view."""
    managers = cluster.get("managers") or {}
    problems, notes = [], []
    if cluster.get("error"):
        problems.append(("swarm", "the manager could not list the swarm: %s" % cluster["error"]))
    elif not managers.get("has_quorum"):
        problems.append(("quorum", "no quorum: %s" % managers.get("summary")))
    if managers.get("total") and managers.get("fault_tolerance") == 0:
        notes.append(
            (
                "quorum",
                "with %d manager%s the swarm cannot lose one"
                % (managers["total"], "" if managers["total"] == 1 else "s"),
            )
        )
    even = even_manager_warning(managers.get("total") or 0)
    if even:
        notes.append(("quorum", even))
    if managers.get("outside_raft"):
        notes.append(
            ("quorum", "nodes with the manager role outside the raft: %s" % ", ".join(managers["outside_raft"]))
        )
    degraded = [s for s in cluster.get("services") or [] if not s.get("converged")]
    for service in degraded:
        problems.append(
            (
                "services",
                "service %s runs %d of %d %s"
                % (
                    service["name"],
                    service["running"],
                    service["desired"],
                    "replicas" if service["mode"] == "replicated" else "tasks",
                ),
            )
        )
    nodes = cluster.get("nodes") or []
    return {
        "cluster_id": cluster_id,
        "hosts": hosts,
        "managers": managers.get("total"),
        "reachable_managers": managers.get("reachable"),
        "quorum": managers.get("quorum"),
        "has_quorum": managers.get("has_quorum"),
        "fault_tolerance": managers.get("fault_tolerance"),
        "leader": managers.get("leader"),
        "nodes": len(nodes),
        "nodes_ready": len([n for n in nodes if n.get("state") == "ready"]),
        "services": len(cluster.get("services") or []),
        "services_degraded": degraded,
        "problems": [{"area": area, "message": message} for area, message in problems],
        "notes": [{"area": area, "message": message} for area, message in notes],
        "status": "problem" if problems else "ok",
    }


def assemble(hosts, results, declared, now, **options):
    """The report: ``hosts`` (inventory names), ``results`` (each host's ``host_report`` result or the unreachable /
    failed result Ansible registered), ``declared`` (each host's ``engine_version``-style declarations: role, labels,
    labels_mode, availability, pin, hardened), ``now`` (UTC datetime). Hosts and swarms with problems come first."""
    settings = dict(DEFAULTS)
    settings.update(dict((key, value) for key, value in options.items() if value is not None))
    clusters, cluster_hosts = {}, {}
    for name in hosts:
        result = results.get(name) or {}
        cluster = result.get("cluster")
        cluster_id = (result.get("swarm") or {}).get("cluster_id")
        if cluster_id:
            cluster_hosts.setdefault(cluster_id, []).append(name)
        if cluster and cluster_id and (cluster_id not in clusters or clusters[cluster_id].get("error")):
            clusters[cluster_id] = cluster
    nodes = {}
    for cluster in clusters.values():
        for node in cluster.get("nodes") or []:
            nodes[node["id"]] = node
    rows = [host_row(name, results.get(name), declared.get(name) or {}, nodes, now, settings) for name in hosts]
    swarms = [swarm_row(cid, clusters[cid], cluster_hosts.get(cid, [])) for cid in sorted(clusters)]
    for cluster_id in sorted(set(cluster_hosts) - set(clusters)):
        swarms.append(
            {
                "cluster_id": cluster_id,
                "hosts": cluster_hosts[cluster_id],
                "problems": [{"area": "swarm", "message": "no manager of this swarm answered in the report"}],
                "notes": [],
                "status": "problem",
                "services_degraded": [],
            }
        )
    rows.sort(key=lambda row: (row["status"] != "problem", row["name"]))
    swarms.sort(key=lambda row: (row["status"] != "problem", row["cluster_id"]))
    problems = [
        {"scope": "host", "name": row["name"], "area": p["area"], "message": p["message"]}
        for row in rows
        for p in row["problems"]
    ] + [
        {"scope": "swarm", "name": row["cluster_id"], "area": p["area"], "message": p["message"]}
        for row in swarms
        for p in row["problems"]
    ]
    return {
        "generated": certificates.iso(now),
        "settings": settings,
        "summary": {
            "hosts": len(rows),
            "hosts_with_problems": len([row for row in rows if row["status"] == "problem"]),
            "swarms": len(swarms),
            "problems": len(problems),
        },
        "problems": problems,
        "hosts": rows,
        "swarms": swarms,
    }
