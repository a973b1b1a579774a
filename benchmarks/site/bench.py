# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of issue 18, driven by run.sh (which sources tests/platform/env.sh and runs this as root).

Subcommands (each writes what it measured to benchmarks/site/results-<name>.json):

  up FLEET          start the hosts of a fleet (site: 1 manager + 8 workers, upgrade: 1 manager + 6 workers),
                    named bench-<fleet>-*, and write its inventory in ~fleetops/dockfleet-bench/<fleet>
  collection NAME DIR
                    build the collection from the checkout DIR and install it for the controller account in
                    ~fleetops/.ansible/collections-bench-NAME (e.g. before from the 716e019 worktree, after from main)
  converge NAME     converge the site fleet with collection NAME (dockfleet.docker.site), e.g. once with before
                    while the roles being measured as after are still changing
  site [ROUNDS [NAME ...]]
                    converge the site fleet once with each collection NAME (default after, before: the end states
                    must agree, what a converge changes is recorded), then measure ROUNDS rounds (default 1),
                    interleaved: for 3 and 9 hosts, for before and after, a run right after the other collection's
                    (it changes back what they disagree on), a no-op run on the fleet so converged and a --check
                    run, wall time and task results per host (PLAY RECAP)
  upgrade           bring the upgrade fleet to engine 20.10 with a swarm and services, then upgrade it to 26.1 with
                    dockfleet.docker.engine_upgrade one node at a time, back to 20.10, and to 26.1 again in batches
                    of 3 workers, each with the probe of molecule/upgrade requesting the service on every node
  down              remove every bench host and the bench directory
  markdown          print the README's tables from the results files

Everything Ansible runs, runs as the controller account (fleetops) over SSH with -b, as an operator would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
USER = os.environ.get("DOCKFLEET_CONTROLLER_USER", "fleetops")
VENV = os.environ.get("DOCKFLEET_VENV", "/opt/dockfleet/venv")
HOME = os.path.expanduser("~" + USER)
STATE = os.path.join(HOME, "dockfleet-bench")
FLEETS = {"site": 8, "upgrade": 6}  # workers; one manager each
MODE_NAMES = {"switch": "run after the other roles", "noop": "no-op (converged)", "check": "--check"}
RECAP = re.compile(
    r"^(bench-[\w-]+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+"
    r"rescued=(\d+)\s+ignored=(\d+)",
    re.MULTILINE,
)


def log(text):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), text), file=sys.stderr, flush=True)


def hosts(fleet):
    return ["bench-%s-manager-1" % fleet] + ["bench-%s-worker-%d" % (fleet, i) for i in range(1, FLEETS[fleet] + 1)]


def fleet_dir(fleet):
    return os.path.join(STATE, fleet)


def as_controller(args, collection=None, cwd=None, log_to=None, check=True):
    """Run ``args`` as the controller account with a clean environment; return (seconds, output)."""
    env = [
        "env",
        "-i",
        "HOME=" + HOME,
        "USER=" + USER,
        "LOGNAME=" + USER,
        "LANG=C.UTF-8",
        "PATH=%s/.local/bin:%s/bin:/usr/local/bin:/usr/bin:/bin" % (HOME, VENV),
        "DOCKFLEET_ROOT=" + ROOT,
        "ANSIBLE_NOCOLOR=1",
    ]
    if collection:
        env.append("ANSIBLE_COLLECTIONS_PATH=%s/.ansible/collections-bench-%s" % (HOME, collection))
    started = time.monotonic()
    result = subprocess.run(
        ["runuser", "-u", USER, "--", *env, *args],
        cwd=cwd or HOME,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    seconds = round(time.monotonic() - started, 1)
    if log_to:
        with open(log_to, "a") as handle:
            handle.write("\n===== %s (%ss, rc %d)\n%s" % (" ".join(args), seconds, result.returncode, result.stdout))
    if check and result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-40:])
        raise SystemExit("failed (rc %d): %s\n%s" % (result.returncode, " ".join(args), tail))
    return seconds, result.stdout, result.returncode


def recap(output):
    """Per host: ok, changed, skipped, failed and the task results (ok + skipped + failed + rescued + ignored)."""
    found = {}
    for host, ok, changed, unreachable, failed, skipped, rescued, ignored in RECAP.findall(output):
        ok, changed, unreachable, failed, skipped, rescued, ignored = map(
            int, (ok, changed, unreachable, failed, skipped, rescued, ignored)
        )
        found[host] = dict(
            ok=ok,
            changed=changed,
            skipped=skipped,
            failed=failed + unreachable,
            results=ok + skipped + failed + rescued + ignored,
        )
    return found


def save(name, data):
    path = os.path.join(HERE, "results-%s.json" % name)
    with open(path, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        handle.write("\n")
    log("wrote " + path)


# ------------------------------------------------------------------ up / down / collection


def up(fleet):
    directory = fleet_dir(fleet)
    os.makedirs(os.path.join(directory, "inventory"), exist_ok=True)
    shutil.rmtree(os.path.join(directory, "inventory", "group_vars"), ignore_errors=True)
    shutil.copytree(
        os.path.join(ROOT, "examples", "lab", "inventory", "group_vars"),
        os.path.join(directory, "inventory", "group_vars"),
    )
    manager = hosts(fleet)[0]
    path = os.path.join(directory, "inventory", "group_vars", "all.yml")
    with open(path) as handle:
        text = handle.read().replace("lab-manager-1", manager).replace("lab-", "bench-")
    with open(path, "w") as handle:
        handle.write(text)
    with open(os.path.join(HERE, "..", "..", "examples", "lab", "ansible.cfg")) as handle:
        cfg = handle.read().replace("~/dockfleet-lab/known_hosts", os.path.join(directory, "known_hosts"))
    with open(os.path.join(directory, "ansible.cfg"), "w") as handle:
        handle.write(cfg)
    zones = "abc"
    platforms = [{"name": manager, "role": "manager", "image": "bookworm", "labels": {"zone": "a", "role": "control"}}]
    for index, name in enumerate(hosts(fleet)[1:]):
        platforms.append({"name": name, "role": "worker", "image": "bookworm", "labels": {"zone": zones[index % 2]}})
    extra = {
        "molecule_no_log": False,
        "molecule_labels": {"io.dockfleet.bench": "true"},
        "molecule_yml": {"platforms": platforms},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(extra, handle)
    log("starting %d hosts of the %s fleet" % (len(platforms), fleet))
    result = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", os.path.join(ROOT, "examples", "lab", "hosts.yml"), "-e", "@" + handle.name,
         "-e", "dockfleet_lab_state=" + directory],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False,
    )  # fmt: skip
    os.remove(handle.name)
    if result.returncode != 0:
        raise SystemExit(result.stdout[-4000:])
    subprocess.run(["chown", "-R", "%s:" % USER, STATE], check=True)
    listing = as_controller(["ansible-inventory", "-i", "inventory", "--list"], cwd=directory)[1]
    addresses = [v["ansible_host"] for v in json.loads(listing)["_meta"]["hostvars"].values()]
    keys = as_controller(["ssh-keyscan", "-t", "ed25519", *addresses], check=False)[1]
    with open(os.path.join(directory, "known_hosts"), "w") as handle:
        handle.write("\n".join(line for line in keys.splitlines() if not line.startswith("#")) + "\n")
    subprocess.run(["chown", "-R", "%s:" % USER, STATE], check=True)


def down():
    ids = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=io.dockfleet.bench=true"], capture_output=True, text=True, check=True
    ).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", "-v", *ids], stdout=subprocess.DEVNULL, check=True)
    shutil.rmtree(STATE, ignore_errors=True)
    log("removed %d bench hosts" % len(ids))


def collection(name, checkout):
    """Build the collection from ``checkout`` and install it for the controller account as bench-NAME."""
    out = tempfile.mkdtemp(prefix="bench-build.")
    os.chmod(out, 0o755)
    commit = subprocess.run(
        ["git", "-C", checkout, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(
        [os.path.join(VENV, "bin", "ansible-galaxy"), "collection", "build", "--force", "--output-path", out, checkout],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    tarball = next(os.path.join(out, f) for f in os.listdir(out) if f.endswith(".tar.gz"))
    os.chmod(tarball, 0o644)
    target = "%s/.ansible/collections-bench-%s" % (HOME, name)
    as_controller(["ansible-galaxy", "collection", "install", "--force", "--no-deps", "-p", target, tarball])
    shutil.rmtree(out)
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "collection-%s.txt" % name), "w") as handle:
        handle.write("%s %s\n" % (checkout, commit.strip()))
    log("collection %s: %s at %s" % (name, checkout, commit.strip()))


def collection_commit(name):
    try:
        with open(os.path.join(STATE, "collection-%s.txt" % name)) as handle:
            return handle.read().strip()
    except OSError:
        return None


# ------------------------------------------------------------------ site


def site_sizes():
    """The fleet sizes to converge and measure: 3 and 9, or only 3 when the file site-sizes in the bench directory
    says so (a short run: the 9-host converge from scratch takes a quarter of an hour on a loaded 2-core machine)."""
    try:
        with open(os.path.join(STATE, "site-sizes")) as handle:
            return handle.read().split()
    except OSError:
        return ["3", "9"]


def converge(name):
    directory = fleet_dir("site")
    play = ["ansible-playbook", "-i", "inventory", "-b", "dockfleet.docker.site"]
    if "9" not in site_sizes():
        play += ["--limit", ",".join(hosts("site")[:3])]
    seconds, output, rc = as_controller(
        play, collection=name, cwd=directory, log_to=os.path.join(directory, "site.log"), check=False
    )
    changed = sum(h["changed"] for h in recap(output).values())
    log("converge with %s: %ss, rc %d, changed %d" % (name, seconds, rc, changed))
    if rc != 0:
        raise SystemExit("converge with %s failed: see %s/site.log" % (name, directory))
    return {"collection": name, "seconds": seconds, "changed": changed}


def site(rounds, settle_with=("after", "before")):
    directory = fleet_dir("site")
    logfile = os.path.join(directory, "site.log")
    variants = ("before", "after")
    three = ",".join(hosts("site")[:3])
    sizes = {"3": ["--limit", three], "9": []}
    play = ["ansible-playbook", "-i", "inventory", "-b", "dockfleet.docker.site"]
    # A converge with each collection, so that both have applied their end state (they may disagree on one: what
    # they change back and forth shows in the changed counts of the measured runs).
    settle = [converge(name) for name in settle_with]
    runs = []
    for number in range(1, rounds + 1):
        order = variants if number % 2 else tuple(reversed(variants))
        for size in site_sizes():
            for variant in order:
                # "switch" is the first run after the other collection's: it changes back what the two disagree on
                # (recorded, not the no-op). "noop" is the run after it, on the fleet converged by this collection.
                for mode in ("switch", "noop", "check"):
                    args = play + sizes[size] + (["--check"] if mode == "check" else [])
                    seconds, output, rc = as_controller(
                        args, collection=variant, cwd=directory, log_to=logfile, check=False
                    )
                    found = recap(output)
                    run = {
                        "round": number,
                        "hosts": int(size),
                        "variant": variant,
                        "mode": mode,
                        "seconds": seconds,
                        "rc": rc,
                        "per_host": found,
                    }
                    runs.append(run)
                    # Saved after every run, so an interrupted measurement keeps what it measured.
                    save("site", site_data(three, variants, settle, runs))
                    manager = found.get(hosts("site")[0], {})
                    log(
                        "round %d, %s hosts, %s, %s: %ss, rc %d, manager %s task results (%s changed)"
                        % (number, size, variant, mode, seconds, rc, manager.get("results"), manager.get("changed"))
                    )
    data = site_data(three, variants, settle, runs)
    save("site", data)
    print_site(data["summary"])


def site_data(three, variants, settle, runs):
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg(),
        "collections": {v: collection_commit(v) for v in variants},
        "fleet": "1 manager + 8 workers (Debian 12 test hosts), 3-host runs: --limit " + three,
        "settle": settle,
        "runs": runs,
        "summary": summarize(runs),
    }


def summarize(runs):
    summary = {}
    for run in runs:
        key = "%s/%s/%s" % (run["hosts"], run["variant"], run["mode"])
        entry = summary.setdefault(key, {"seconds": [], "results_per_host": [], "changed": []})
        entry["seconds"].append(run["seconds"])
        hosts_seen = run["per_host"].values()
        if hosts_seen:
            entry["results_per_host"].append(round(sum(h["results"] for h in hosts_seen) / len(hosts_seen), 1))
            entry["manager_results"] = run["per_host"].get("bench-site-manager-1", {}).get("results")
        entry["changed"].append(sum(h["changed"] for h in hosts_seen))
    for entry in summary.values():
        entry["median_seconds"] = sorted(entry["seconds"])[len(entry["seconds"]) // 2]
    return summary


def print_site(summary):
    print("%-22s %10s %12s %10s" % ("hosts/variant/mode", "median s", "results/host", "changed"))
    for key in sorted(summary):
        entry = summary[key]
        print("%-22s %10s %12s %10s" % (key, entry["median_seconds"], entry["results_per_host"], entry["changed"]))


# ------------------------------------------------------------------ upgrade


def upgrade(collection_name):
    directory = fleet_dir("upgrade")
    logfile = os.path.join(directory, "upgrade.log")
    prepare = os.path.join(HERE, "upgrade_prepare.yml")
    seconds = as_controller(
        ["ansible-playbook", "-i", "inventory", "-b", prepare],
        collection=collection_name,
        cwd=directory,
        log_to=logfile,
    )[0]
    log("fleet on engine 20.10 with the services in %ss" % seconds)
    steps = [
        ("serial upgrade to 26.1", ["-e", "engine_upgrade_version=26.1", "-e", "engine_upgrade_batch_size=1"]),
        ("batch-3 downgrade to 20.10", ["-e", "engine_upgrade_version=20.10", "-e", "engine_upgrade_allow_downgrade=true",
                                        "-e", "engine_upgrade_batch_size=3"]),
        ("batch-3 upgrade to 26.1", ["-e", "engine_upgrade_version=26.1", "-e", "engine_upgrade_batch_size=3"]),
    ]  # fmt: skip
    results = []
    for name, extra in steps:
        probe = os.path.join(directory, "probe-%d.json" % len(results))
        stop = os.path.join(directory, "probe-stop")
        urls = ["http://%s:8080/" % address for address in addresses(directory)]
        process = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "molecule", "upgrade", "probe.py"), "--out", probe, "--stop-file", stop,
             "--timeout", "1", "--interval", "0.2", "--max-seconds", "3600", "--max-requests", "100000", *urls],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        args = ["ansible-playbook", "-i", "inventory", "-b", "dockfleet.docker.engine_upgrade",
                "-e", "engine_upgrade_backup=false", *extra]  # fmt: skip
        seconds, output, rc = as_controller(
            args, collection=collection_name, cwd=directory, log_to=logfile, check=False
        )
        open(stop, "w").close()
        process.wait(timeout=60)
        os.remove(stop)
        with open(probe) as handle:
            report = json.load(handle)
        # The batch tables, in the JSON or the YAML result format: "1      worker  host-a, host-b  yes ..."
        batches = re.findall(r"[\"'](\d+)\s+(worker|manager)(?: \(leader\))?\s+([\w, -]+?)\s{2,}(yes|NO)", output)
        summary = [line for line in output.splitlines() if "node(s) changed in" in line]
        results.append(
            {
                "step": name,
                "seconds": seconds,
                "rc": rc,
                "probe": {k: report[k] for k in ("requests", "failed", "node_misses", "seconds", "failures")},
                "batches_run": sorted(set(batches), key=lambda b: int(b[0])),
                "summary": summary[-1].strip(' ",') if summary else None,
            }
        )
        log("%s: %ss, rc %d, probe %d requests, %d failed" % (name, seconds, rc, report["requests"], report["failed"]))
        save("upgrade", upgrade_data(collection_name, results))
        if rc != 0:
            break


def upgrade_data(collection_name, results):
    serial = next((r["seconds"] for r in results if r["step"].startswith("serial") and r["rc"] == 0), None)
    batch = next((r["seconds"] for r in results if r["step"] == "batch-3 upgrade to 26.1" and r["rc"] == 0), None)
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg(),
        "collection": collection_commit(collection_name),
        "fleet": "1 manager + 6 workers; web: global, port 8080 published in host mode (the probe's target); "
        "api: 4 replicas, node.role==worker",
        "steps": results,
        "batch_over_serial": round(batch / serial, 2) if serial and batch else None,
    }


def markdown():
    """The README's tables from the results files there are."""
    lines = []
    path = os.path.join(HERE, "results-site.json")
    if os.path.exists(path):
        with open(path) as handle:
            data = json.load(handle)
        lines += ["Site (`results-site.json`, %s, load average %s; before %s, after %s):" % (
            data["when"], ", ".join("%.1f" % x for x in data["load_average"]),
            data["collections"].get("before"), data["collections"].get("after")), "",
            "| hosts | roles | run | wall time (s) | task results per host | changed |", "|---|---|---|---:|---:|---:|"]  # fmt: skip
        for key in sorted(data["summary"], key=lambda k: (int(k.split("/")[0]), k)):
            size, variant, mode = key.split("/")
            entry = data["summary"][key]
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                size, variant, MODE_NAMES[mode], " / ".join(map(str, entry["seconds"])),
                " / ".join(map(str, entry["results_per_host"])), " / ".join(map(str, entry["changed"]))))  # fmt: skip
        lines.append("")
    path = os.path.join(HERE, "results-upgrade.json")
    if os.path.exists(path):
        with open(path) as handle:
            data = json.load(handle)
        lines += ["Rolling upgrade (`results-upgrade.json`, %s, load average %s; collection %s):" % (
            data["when"], ", ".join("%.1f" % x for x in data["load_average"]), data["collection"]), "",
            "| step | wall time (s) | rc | batches run | probe requests | rounds no node answered |",
            "|---|---:|---:|---|---:|---:|"]  # fmt: skip
        for step in data["steps"]:
            batches = "; ".join("%s: %s" % (b[0], b[2]) for b in step["batches_run"])
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                step["step"], step["seconds"], step["rc"], batches, step["probe"]["requests"], step["probe"]["failed"]))  # fmt: skip
        lines += ["", "batch / serial wall time: %s" % data["batch_over_serial"]]
    print("\n".join(lines))


def addresses(directory):
    listing = as_controller(["ansible-inventory", "-i", "inventory", "--list"], cwd=directory)[1]
    hostvars = json.loads(listing)["_meta"]["hostvars"]
    return [hostvars[name]["ansible_host"] for name in sorted(hostvars)]


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "up":
        up(sys.argv[2])
    elif command == "down":
        down()
    elif command == "collection":
        collection(sys.argv[2], sys.argv[3])
    elif command == "converge":
        converge(sys.argv[2])
    elif command == "site":
        site(int(sys.argv[2]) if len(sys.argv) > 2 else 1, sys.argv[3:] or ("after", "before"))
    elif command == "markdown":
        markdown()
    elif command == "upgrade":
        upgrade(sys.argv[2] if len(sys.argv) > 2 else "after")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
