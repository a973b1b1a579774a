# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_report results of a small swarm, shared by the tests of the fleet report and its filters: a manager that is
as declared and a worker with the drift the report scenario injects (a hand-edited label, chrony stopped, a TLS
certificate about to expire)."""

from __future__ import annotations

import copy
import datetime

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 2, 17, 0, 0, tzinfo=UTC)
CONTROLS = [
    {"id": "2.2", "title": "icc off", "status": "pass", "detail": "icc is false"},
    {"id": "2.15", "title": "live-restore on", "status": "n/a", "detail": "swarm member: live-restore off"},
    {"id": "2.14", "title": "no-new-privileges on", "status": "pass", "detail": "no-new-privileges on"},
]
NODES = [
    {
        "id": "m1",
        "hostname": "mgr-1",
        "role": "manager",
        "availability": "active",
        "state": "ready",
        "labels": {"tier": "control"},
        "leader": True,
        "manager_reachability": "reachable",
    },
    {
        "id": "w1",
        "hostname": "wrk-1",
        "role": "worker",
        "availability": "active",
        "state": "ready",
        "labels": {"zone": "b"},
        "leader": False,
        "manager_reachability": None,
    },
]
MANAGERS = {
    "total": 1,
    "reachable": 1,
    "quorum": 1,
    "has_quorum": True,
    "fault_tolerance": 0,
    "leader": "mgr-1",
    "outside_raft": [],
    "summary": "1 manager, 1 reachable (a majority needs 1)",
}


def host(node_id, tls_not_after, cluster=None, time=None):
    return {
        "changed": False,
        "engine": {
            "answers": True,
            "version": "26.1.5",
            "error": None,
            "package_version": "5:26.1.5-1~debian.12~bookworm",
            "declared": "26.1",
            "at_declared": True,
            "held": True,
            "pinned": True,
            "pinned_version": "5:26.1.5-1~debian.12~bookworm",
        },
        "daemon": {"path": "/etc/docker/daemon.json", "exists": True, "error": None, "config": {}, "drift": []},
        "tls": {
            "path": "/etc/docker/tls/server-cert.pem",
            "not_before": "2026-12-01T17:00:00Z",
            "not_after": tls_not_after,
            "error": None,
        },
        "swarm": {
            "local_node_state": "active",
            "node_id": node_id,
            "cluster_id": "c1" * 10,
            "error": "",
            "role": "manager" if cluster else "worker",
            "node_cert": {
                "path": "/var/lib/docker/swarm/certificates/swarm-node.crt",
                "not_before": "2026-12-01T17:00:00Z",
                "not_after": "2027-03-01T17:00:00Z",
                "error": None,
            },
        },
        "cluster": cluster,
        "time": time
        or {
            "service": "active",
            "answers": True,
            "selected_source": "local clock",
            "stratum": 8,
            "offset": 0.0,
            "healthy": True,
            "problems": [],
            "summary": "serves its local clock",
        },
        "controls": copy.deepcopy(CONTROLS),
    }


def results():
    return {
        "mgr-1": host(
            "m1",
            "2029-03-06T17:00:00Z",
            cluster={
                "nodes": copy.deepcopy(NODES),
                "managers": dict(MANAGERS),
                "error": None,
                "services": [{"name": "web", "mode": "replicated", "desired": 2, "running": 2, "converged": True}],
            },
        ),
        "wrk-1": host(
            "wrk-1" and "w1",
            "2026-12-11T17:00:00Z",
            time={
                "service": "inactive",
                "answers": False,
                "selected_source": None,
                "stratum": None,
                "offset": None,
                "healthy": False,
                "problems": ["chronyd does not answer (chrony service inactive): 506 Cannot talk to daemon"],
                "summary": "chronyd does not answer",
            },
        ),
    }


def declared():
    return {
        "mgr-1": {
            "role": "manager",
            "labels": {"tier": "control"},
            "labels_mode": "exact",
            "availability": None,
            "pin": True,
            "hardened": True,
        },
        "wrk-1": {
            "role": "worker",
            "labels": {"zone": "a"},
            "labels_mode": "exact",
            "availability": None,
            "pin": True,
            "hardened": True,
        },
    }
