# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's judgement: the drift of the report scenario (a hand-edited label, a stopped chrony, a TLS
certificate about to expire) becomes exactly three problems on the worker; every other kind of drift a host or a
swarm can show is named; problems come first."""

from __future__ import annotations

import datetime

from ansible_collections.dockfleet.docker.plugins.module_utils.fleet_report import assemble, expiry
from ansible_collections.dockfleet.docker.tests.unit.plugins.fleet_report_fixtures import NOW, declared, results

HOSTS = ("mgr-1", "wrk-1")


def report(found=None, wanted=None, hosts=HOSTS, **options):
    return assemble(hosts, found or results(), wanted or declared(), NOW, **options)


def row(document, name):
    return next(r for r in document["hosts"] if r["name"] == name)


def messages(document, name):
    return [(p["area"], p["message"]) for p in row(document, name)["problems"]]


def test_the_injected_drift_is_three_problems_on_the_worker_first():
    document = report()
    assert [r["name"] for r in document["hosts"]] == ["wrk-1", "mgr-1"]
    assert messages(document, "wrk-1") == [
        ("tls", "TLS server certificate expires in 9 days (2026-12-11T17:00:00Z), within 30 days"),
        ("labels", "node labels differ from the inventory: zone=b (inventory: a)"),
        ("time", "chronyd does not answer (chrony service inactive): 506 Cannot talk to daemon"),
    ]
    assert row(document, "mgr-1")["status"] == "ok" and row(document, "mgr-1")["problems"] == []
    assert document["summary"] == {"hosts": 2, "hosts_with_problems": 1, "swarms": 1, "problems": 3}
    assert [(p["scope"], p["name"], p["area"]) for p in document["problems"]] == [
        ("host", "wrk-1", "tls"),
        ("host", "wrk-1", "labels"),
        ("host", "wrk-1", "time"),
    ]
    worker = row(document, "wrk-1")
    assert worker["tls"]["days_left"] == 9
    assert worker["node"]["role"] == "worker" and worker["node"]["labels"] == {"zone": "b"}
    assert worker["node"]["cert"]["days_left"] == 89 and worker["node"]["cert"]["life_left"] > 0.9
    assert document["generated"] == "2026-12-02T17:00:00Z"


def test_the_swarm_row_from_the_managers_view():
    (swarm,) = report()["swarms"]
    assert swarm["hosts"] == ["mgr-1", "wrk-1"]
    assert (swarm["managers"], swarm["quorum"], swarm["has_quorum"], swarm["fault_tolerance"]) == (1, 1, True, 0)
    assert (swarm["leader"], swarm["nodes"], swarm["nodes_ready"], swarm["services"]) == ("mgr-1", 2, 2, 1)
    assert swarm["status"] == "ok" and swarm["problems"] == []
    assert swarm["notes"] == [{"area": "quorum", "message": "with 1 manager the swarm cannot lose one"}]


def test_a_swarm_without_quorum_and_a_service_short_of_replicas():
    found = results()
    cluster = found["mgr-1"]["cluster"]
    cluster["managers"].update(total=2, reachable=1, quorum=2, has_quorum=False, summary="2 managers, 1 reachable")
    cluster["services"].append({"name": "api", "mode": "replicated", "desired": 3, "running": 1, "converged": False})
    (swarm,) = report(found)["swarms"]
    assert swarm["status"] == "problem"
    assert [p["message"] for p in swarm["problems"]] == [
        "no quorum: 2 managers, 1 reachable",
        "service api runs 1 of 3 replicas",
    ]
    assert [s["name"] for s in swarm["services_degraded"]] == ["api"]
    assert any("2 managers" in n["message"] for n in swarm["notes"])  # an even count


def test_engine_and_daemon_drift_and_an_expired_certificate():
    found = results()
    engine = found["mgr-1"]["engine"]
    engine.update(answers=False, error="Cannot reach the Docker engine", at_declared=False, declared="27.0", held=False)
    engine.update(pinned=False, pinned_version=None)
    found["mgr-1"]["daemon"]["drift"] = [{"key": "debug", "current": True, "declared": None, "restart": True}]
    found["mgr-1"]["tls"]["not_after"] = "2026-12-01T00:00:00Z"
    assert messages(report(found), "mgr-1") == [
        ("engine", "the engine does not answer: Cannot reach the Docker engine"),
        ("engine", "docker-ce 5:26.1.5-1~debian.12~bookworm is not the declared engine_version 27.0"),
        ("engine", "docker-ce is not on dpkg hold: apt upgrade can move it"),
        ("engine", "docker-ce is not pinned at 5:26.1.5-1~debian.12~bookworm in the apt preferences (pinned: nothing)"),
        ("daemon", "daemon.json debug is true, the inventory declares absent"),
        ("tls", "TLS server certificate expired on 2026-12-01T00:00:00Z"),
    ]
    wanted = declared()
    wanted["mgr-1"]["pin"] = False
    assert not [m for m in messages(report(found, wanted), "mgr-1") if "hold" in m[1] or "pinned" in m[1]]


def test_node_role_state_availability_and_a_node_certificate_swarm_did_not_renew():
    found = results()
    worker_node = found["mgr-1"]["cluster"]["nodes"][1]
    worker_node.update(role="manager", state="down", availability="drain", labels={"zone": "a", "extra": "1"})
    found["wrk-1"]["swarm"]["node_cert"].update(not_before="2026-09-01T17:00:00Z", not_after="2026-12-10T17:00:00Z")
    wanted = declared()
    wanted["wrk-1"]["availability"] = "active"
    assert [m for m in messages(report(found, wanted), "wrk-1") if m[0] in ("swarm", "labels")] == [
        ("swarm", "the swarm node certificate was not renewed: it expires in 8 days (2026-12-10T17:00:00Z)"),
        ("swarm", "node role is manager, the inventory declares worker"),
        ("swarm", "node state is down, not ready"),
        ("swarm", "node availability is drain, the inventory declares active"),
        ("labels", "node labels differ from the inventory: extra=1 not in the inventory"),
    ]
    wanted["wrk-1"].update(availability=None, labels_mode="merge")
    document = report(found, wanted)
    assert ("swarm", "node availability is drain") in [
        (n["area"], n["message"]) for n in row(document, "wrk-1")["notes"]
    ]
    assert not [m for m in messages(document, "wrk-1") if m[0] == "labels"]


def test_hosts_outside_the_swarm_groups_or_outside_a_swarm():
    found = results()
    found["wrk-1"]["swarm"].update(local_node_state="inactive", node_id="", cluster_id="")
    assert ("swarm", "declared a swarm worker but not in a swarm (inactive)") in messages(report(found), "wrk-1")
    wanted = declared()
    wanted["wrk-1"].update(role=None, labels=None)
    assert messages(report(results(), wanted), "wrk-1")[-1][0] == "time"  # no label comparison without a group
    document = report(results(), wanted)
    assert ("swarm", "in a swarm but in neither swarm group of the inventory") in [
        (n["area"], n["message"]) for n in row(document, "wrk-1")["notes"]
    ]


def test_failed_controls_are_problems_only_where_the_preset_is_declared():
    found = results()
    found["mgr-1"]["controls"][0].update(status="fail", detail="icc is on (default)")
    assert ("controls", "CIS 2.2 icc off: icc is on (default)") in messages(report(found), "mgr-1")
    wanted = declared()
    wanted["mgr-1"]["hardened"] = False
    document = report(found, wanted)
    assert row(document, "mgr-1")["status"] == "ok"
    assert row(document, "mgr-1")["notes"] == [{"area": "controls", "message": "CIS 2.2 icc off: icc is on (default)"}]


def test_unreachable_and_failed_hosts_are_rows_with_the_reason():
    found = results()
    found["wrk-1"] = {"unreachable": True, "msg": "Failed to connect to the host via ssh"}
    found["gone"] = {"failed": True, "msg": "MODULE FAILURE"}
    document = report(found, hosts=[*HOSTS, "gone"])
    assert messages(document, "wrk-1") == [("host", "unreachable: Failed to connect to the host via ssh")]
    assert messages(document, "gone") == [("host", "could not be read: MODULE FAILURE")]
    assert [r["name"] for r in document["hosts"]] == ["gone", "wrk-1", "mgr-1"]


def test_a_swarm_no_manager_answered_for():
    found = results()
    del found["mgr-1"]
    document = report(found, hosts=["wrk-1"])
    (swarm,) = document["swarms"]
    assert swarm["problems"] == [{"area": "swarm", "message": "no manager of this swarm answered in the report"}]
    assert ("swarm", "no manager of its swarm lists this node (no manager answered?)") in messages(document, "wrk-1")


def test_tls_warn_days_and_expiry_without_a_start():
    assert messages(report(tls_warn_days=5), "wrk-1")[0][0] == "labels"
    assert expiry(None, NOW) is None
    found = expiry({"not_after": "2026-12-03T17:00:00Z"}, NOW + datetime.timedelta(hours=1))
    assert found == {"not_after": "2026-12-03T17:00:00Z", "days_left": 0, "life_left": None}
