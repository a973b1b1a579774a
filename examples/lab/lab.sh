#!/usr/bin/env bash
# The dockfleet lab: three systemd hosts on this machine, converged into a labelled,
# TLS-protected swarm by the dockfleet.docker.site playbook, exactly as a real
# fleet would be (only the hosts and the docker-ce repository are local).
#
#   lab.sh up     set up what is missing, start the hosts, converge, print a summary
#   lab.sh down   remove the lab hosts, their volumes and the lab's generated files
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state="$here/.state"

up() {
  bash "$root/tests/platform/bootstrap.sh"
  # shellcheck source=tests/platform/env.sh
  . "$root/tests/platform/env.sh"
  # Pipelining: one connection round trip per task instead of several (see benchmarks/site).
  export ANSIBLE_PIPELINING=True
  mkdir -p "$state"
  echo "[dockfleet] starting the lab hosts"
  ansible-playbook -i localhost, "$here/hosts.yml" -e "@$here/platforms.yml" -e "dockfleet_lab_state=$state" >"$state/create.log" 2>&1 ||
    { tail -30 "$state/create.log"; exit 1; }
  echo "[dockfleet] converging the lab with dockfleet.docker.site (log: examples/lab/.state/site.log)"
  if ! ANSIBLE_CALLBACK_RESULT_FORMAT=yaml ansible-playbook -i "$here/inventory" dockfleet.docker.site \
    -e "dockfleet_lab_state=$state" >"$state/site.log" 2>&1; then
    grep -E 'fatal:|FAILED|ERROR' "$state/site.log" | tail -20
    tail -5 "$state/site.log"
    echo "[dockfleet] the site playbook failed: full log in examples/lab/.state/site.log" >&2
    exit 1
  fi
  grep -A20 '^PLAY RECAP' "$state/site.log" | sed -n '1,6p'
  ansible-playbook -i "$here/inventory" "$here/summary.yml" -e "dockfleet_lab_state=$state" >"$state/summary.log" 2>&1 ||
    { tail -20 "$state/summary.log"; exit 1; }
  echo
  cat "$state/summary.txt"
}

down() {
  # Only what the lab made: its host containers (label io.dockfleet.lab) with their
  # volumes, and its generated files. The shared image cache and mirror stay.
  local ids
  ids=$(docker ps -aq --filter label=io.dockfleet.lab=true)
  if [ -n "$ids" ]; then
    docker rm -f -v $ids >/dev/null
    echo "[dockfleet] removed lab hosts"
  fi
  rm -rf "$state"
  echo "[dockfleet] lab is down"
}

case "${1:-up}" in
  up) up ;;
  down) down ;;
  *)
    echo "usage: $0 up|down" >&2
    exit 2
    ;;
esac
