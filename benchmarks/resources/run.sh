#!/usr/bin/env bash
# Benchmark: converge N networks and N volumes with dockfleet (one module call per kind)
# and with community.docker's per-item modules in a loop, on the same host in the same
# run; print both wall times and the ratios. Not a test; see README.md.
#
#   benchmarks/resources/run.sh                 # throwaway test host, N=100
#   BENCH_COUNT=20 benchmarks/resources/run.sh  # smaller set
#   BENCH_HOST=lab-manager-1 BENCH_INVENTORY=path/to/inventory benchmarks/resources/run.sh
#                                               # an existing host with docker and python3-docker
#   BENCH_KEEP_HOST=1 ...                       # keep the throwaway host afterwards
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=/dev/null
. "$root/tests/platform/env.sh"
export ANSIBLE_PIPELINING=1

count=${BENCH_COUNT:-100}
if [ "$count" -lt 1 ] || [ "$count" -gt 250 ]; then
  echo "BENCH_COUNT must be 1..250 (one /24 per network)" >&2
  exit 2
fi
work="$root/.cache/bench-resources"
mkdir -p "$work"

# The same declarations for both tools, different names and subnets so neither sees the other's.
python3 - "$count" >"$work/vars.json" <<'PY'
import json
import sys

count = int(sys.argv[1])


def networks(tool, second_octet):
    return [
        {"name": "bench-%s-net-%03d" % (tool, i), "ipam_config": [{"subnet": "10.%d.%d.0/24" % (second_octet, i)}],
         "labels": {"bench": tool}}
        for i in range(count)
    ]


def volumes(tool):
    return [{"name": "bench-%s-vol-%03d" % (tool, i), "labels": {"bench": tool}} for i in range(count)]


print(json.dumps({
    "bench_count": count,
    "bench_networks_dockfleet": networks("dockfleet", 201),
    "bench_volumes_dockfleet": volumes("dockfleet"),
    "bench_networks_community": networks("community", 202),
    "bench_volumes_community": volumes("community"),
}))
PY

if [ -n "${BENCH_HOST:-}" ]; then
  inventory_args=(-i "${BENCH_INVENTORY:?set BENCH_INVENTORY to the inventory that holds $BENCH_HOST}" -l "$BENCH_HOST")
  printf '[bench]\n%s\n' "$BENCH_HOST" >"$work/group.ini"
  inventory_args+=(-i "$work/group.ini")
  started_host=""
else
  echo "[bench] starting a throwaway test host with docker-ce 26.1 (benchmarks/resources/host.yml)" >&2
  ansible-playbook "$here/host.yml" -e bench_host_state=started >"$work/host.log" 2>&1 ||
    { tail -40 "$work/host.log" >&2; exit 1; }
  started_host=bench-resources-1
  printf '[bench]\nbench-resources-1 ansible_connection=community.docker.docker\n' >"$work/inventory.ini"
  inventory_args=(-i "$work/inventory.ini")
fi

cleanup() {
  if [ -n "$started_host" ] && [ -z "${BENCH_KEEP_HOST:-}" ]; then
    ansible-playbook "$here/host.yml" -e bench_host_state=absent -l localhost >>"$work/host.log" 2>&1 || true
  fi
}
trap cleanup EXIT

rm -f "$work/result.json"
echo "[bench] converging $count networks and $count volumes with each tool (log: $work/benchmark.log)" >&2
ansible-playbook "${inventory_args[@]}" "$here/benchmark.yml" -e "@$work/vars.json" >"$work/benchmark.log" 2>&1 ||
  { tail -40 "$work/benchmark.log" >&2; exit 1; }

python3 - "$work/result.json" <<'PY'
import json
import sys

r = json.load(open(sys.argv[1]))
n = r["count"]
print("%-58s %9s" % ("%s networks + %s volumes, same host, same run" % (n, n), "wall time"))
print("%-58s %8ss" % ("dockfleet network + volume: create (2 module calls)", r["dockfleet_create_s"]))
print("%-58s %8ss" % ("dockfleet network + volume: no-op re-run (2 module calls)", r["dockfleet_noop_s"]))
print("%-58s %8ss" % ("community.docker per-item loop: create (%s calls)" % (2 * int(n)), r["community_create_s"]))
print("%-58s %8ss" % ("community.docker per-item loop: no-op re-run (%s calls)" % (2 * int(n)), r["community_noop_s"]))
print("create ratio (community / dockfleet): %sx" % r["create_ratio"])
print("no-op  ratio (community / dockfleet): %sx  (target: >= 10x)" % r["noop_ratio"])
PY
