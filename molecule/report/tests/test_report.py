"""The fleet report (dockfleet.docker.report) on a converged swarm with drift injected by hand.

Converge ran the site playbook: report-manager-1 (Debian 12, manager, serves the fleet's time) and report-worker-1
(Debian 13, worker, labelled zone=a), TLS socket and hardened preset on both; the worker's TLS server certificate was
issued for 10 days. The tests then, in file order:

1. inject the drift an operator would not see: the worker's node label edited with the docker CLI (zone=b) and
   chrony stopped on the worker; and a service whose one replica no node can take (its constraint matches none);
2. run the report as the controller account (``ansible-playbook -i inventory -b dockfleet.docker.report``, and again
   with ``--check``): changed=0 on every host, the JSON file beside the inventory names exactly the three problems
   (label, chrony, certificate) on the worker and none on the manager, with the swarm's managers, quorum and leader
   and the service not at full replicas;
   the drift is still there afterwards (the report fixed nothing);
3. render the HTML page in headless Chromium: the rendered DOM shows the three host problems and the swarm's, the
   worker first and marked as a problem; a screenshot is kept under the checkout's .cache/artifacts/report.png.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest
import testinfra

ROOT = pathlib.Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "platform"))
import controller  # noqa: E402  tests/platform/controller.py: run as the operator

INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
MANAGER = "report-manager-1"
WORKER = "report-worker-1"
SERVICE = "report-pending"
WORKSPACE = controller.workspace("report")
OPERATOR_INVENTORY_DIR = WORKSPACE / "inventory"
# The playbook's default: dockfleet-report beside the inventory directory.
REPORT_DIR = WORKSPACE / "dockfleet-report"
ARTIFACT = pathlib.Path(os.environ.get("DOCKFLEET_ROOT", str(ROOT))) / ".cache" / "artifacts" / "report.png"


def engine_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def changes(output, host_name):
    match = re.search(r"^%s\s*:\s*ok=\d+\s+changed=(\d+)" % re.escape(host_name), output, re.M)
    assert match, output
    return int(match.group(1))


@pytest.fixture(scope="module")
def operator_inventory():
    result = controller.run(["mkdir", "-p", "-m", "0700", OPERATOR_INVENTORY_DIR])
    assert result.returncode == 0, result.stderr
    return controller.export_inventory(INVENTORY, OPERATOR_INVENTORY_DIR / "hosts.yml")


def test_drift_is_injected_by_hand():
    manager = engine_host(MANAGER)
    manager.check_output("docker node update --label-add zone=b %s" % WORKER)
    labels = json.loads(manager.check_output("docker node inspect %s --format '{{json .Spec.Labels}}'" % WORKER))
    assert labels == {"zone": "b"}
    worker = engine_host(WORKER)
    worker.check_output("systemctl stop chrony")
    assert not worker.service("chrony").is_running
    # No node carries zone=c: the one replica stays pending (nothing is pulled or started).
    manager.check_output(
        "docker service create --detach --no-resolve-image --name %s --constraint node.labels.zone==c "
        "dockfleet/busybox:latest sleep 86400" % SERVICE
    )


@pytest.fixture(scope="module")
def report_runs(operator_inventory):
    """The report run as the operator, then again in check mode; returns both (rc, output) and the JSON after each."""
    runs = []
    for check in (False, True):
        rc, output = controller.playbook(operator_inventory, "report", check=check, cwd=WORKSPACE)
        document = json.loads((REPORT_DIR / "report.json").read_text()) if rc == 0 else None
        runs.append((rc, output, document))
    return runs


def test_report_changes_nothing_also_in_check_mode(report_runs):
    for rc, output, _document in report_runs:
        assert rc == 0, output
        for host in (MANAGER, WORKER):
            assert changes(output, host) == 0, output
    # The terminal table names the worker's problems and where the files are.
    output = report_runs[0][1]
    assert "JSON: %s" % (REPORT_DIR / "report.json") in output, output
    assert re.search(r"%s\s+PROBLEM" % WORKER, output), output


def test_report_files_are_the_operators_and_private():
    account = controller.account()
    for path, mode in ((REPORT_DIR, 0o700), (REPORT_DIR / "report.json", 0o600), (REPORT_DIR / "report.html", 0o600)):
        found = path.stat()
        assert found.st_uid == account.pw_uid, path
        assert found.st_mode & 0o777 == mode, (path, oct(found.st_mode))


@pytest.mark.parametrize("run", [0, 1], ids=["run", "check"])
def test_json_names_exactly_the_injected_drift(report_runs, run):
    document = report_runs[run][2]
    hosts = dict((row["name"], row) for row in document["hosts"])
    assert [row["name"] for row in document["hosts"]] == [WORKER, MANAGER], "problem hosts first"

    worker = hosts[WORKER]
    assert worker["status"] == "problem"
    areas = sorted(problem["area"] for problem in worker["problems"])
    assert areas == ["labels", "time", "tls"], worker["problems"]
    messages = dict((problem["area"], problem["message"]) for problem in worker["problems"])
    assert "zone=b (inventory: a)" in messages["labels"]
    assert "chrony" in messages["time"] and "inactive" in messages["time"]
    assert 0 <= worker["tls"]["days_left"] <= 10, worker["tls"]
    assert "expires in %d days" % worker["tls"]["days_left"] in messages["tls"]
    assert worker["node"]["labels"] == {"zone": "b"} and worker["node"]["declared_labels"] == {"zone": "a"}
    assert worker["time"]["service"] == "inactive"

    manager = hosts[MANAGER]
    assert manager["status"] == "ok", manager["problems"]
    assert manager["tls"]["days_left"] > 300
    assert manager["time"]["healthy"] and manager["time"]["selected_source"] == "local clock"

    for row in (worker, manager):
        assert row["engine"]["at_declared"] and row["engine"]["held"] and row["engine"]["pinned"], row["engine"]
        assert row["engine"]["version"].startswith("26.1."), row["engine"]
        assert row["daemon"]["drift"] == [], row["daemon"]
        assert row["node"]["state"] == "ready" and row["node"]["availability"] == "active"
        assert row["node"]["cert"]["days_left"] > 80, row["node"]["cert"]
        controls = dict((control["id"], control["status"]) for control in row["controls"])
        assert controls.pop("2.15") == "n/a"  # swarm members cannot have live-restore
        assert set(controls.values()) == {"pass"}, row["controls"]
    assert hosts[MANAGER]["node"]["role"] == "manager" and hosts[WORKER]["node"]["role"] == "worker"

    (swarm,) = document["swarms"]
    assert (swarm["managers"], swarm["quorum"], swarm["has_quorum"], swarm["fault_tolerance"]) == (1, 1, True, 0)
    assert swarm["leader"] == MANAGER
    assert (swarm["nodes"], swarm["nodes_ready"]) == (2, 2)
    assert swarm["status"] == "problem" and swarm["services"] == 1
    assert swarm["services_degraded"] == [
        {"name": SERVICE, "mode": "replicated", "desired": 1, "running": 0, "converged": False}
    ]
    assert swarm["problems"] == [{"area": "services", "message": "service %s runs 0 of 1 replicas" % SERVICE}]
    assert document["summary"] == {"hosts": 2, "hosts_with_problems": 1, "swarms": 1, "problems": 4}


def test_the_report_fixed_nothing():
    manager = engine_host(MANAGER)
    labels = json.loads(manager.check_output("docker node inspect %s --format '{{json .Spec.Labels}}'" % WORKER))
    assert labels == {"zone": "b"}
    assert not engine_host(WORKER).service("chrony").is_running


def chromium(*args):
    done = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_html_page_shows_the_problems_in_chromium(report_runs):
    page = REPORT_DIR / "report.html"
    text = page.read_text()
    # Self-contained: nothing to fetch.
    assert not re.search(r"<(script|link|img)\b|\bsrc=|\bhref=|url\(", text)

    dom = chromium("--dump-dom", page.as_uri())
    problems = dom.split('<section id="problems">', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li class="problem" data-area="([^"]+)"><b data-name="([^"]+)">', problems)
    cluster = report_runs[0][2]["swarms"][0]["cluster_id"]
    assert sorted(items) == [("labels", WORKER), ("services", cluster), ("time", WORKER), ("tls", WORKER)], problems
    assert "zone=b (inventory: a)" in problems
    assert "chrony service inactive" in problems
    assert "TLS server certificate expires in" in problems
    assert "service %s runs 0 of 1 replicas" % SERVICE in problems
    rows = re.findall(r'<tr class="(problem|ok)" data-host="([^"]+)">', dom)
    assert rows == [("problem", WORKER), ("ok", MANAGER)], rows
    swarms = dom.split('<table id="swarms">', 1)[1]
    assert '<tr class="problem"><th><span class="pill problem">problem</span> %s</th>' % cluster[:12] in swarms
    assert '<td class="bad">%s 0/1</td>' % SERVICE in swarms

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    chromium("--screenshot=%s" % ARTIFACT, "--window-size=1400,1000", page.as_uri())
    assert ARTIFACT.stat().st_size > 10000
