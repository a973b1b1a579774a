#!/usr/bin/env bash
# Benchmark of issue 18 (not a test, not part of CI; see README.md). Run as root from a checkout:
#   benchmarks/site/run.sh up site|upgrade       start a fleet's hosts (bench-*) and write its inventory
#   benchmarks/site/run.sh collection NAME DIR   install the collection of checkout DIR as NAME (before, after)
#   benchmarks/site/run.sh converge NAME         converge the site fleet with collection NAME
#   benchmarks/site/run.sh site [ROUNDS [NAME...]]  settle with each NAME, then no-op and --check, 3 and 9 hosts,
#                                                before and after, interleaved
#   benchmarks/site/run.sh upgrade [NAME]        1 + 6 rolling upgrade, one node at a time vs batches of 3, probed
#   benchmarks/site/run.sh down                  remove every bench host and the bench directory
# Heavy: run it through the machine's slot tool (/work/tools/slot bench benchmarks/site/run.sh ...).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
. "$here/../../tests/platform/env.sh"
exec python3 "$here/bench.py" "$@"
