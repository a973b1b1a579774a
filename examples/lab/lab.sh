#!/usr/bin/env bash
# The dockfleet lab: a swarm of systemd hosts on this machine (3 managers and 2 workers by
# default, across Debian 12 and 13), converged by dockfleet.docker.site exactly as a real
# fleet is: from an unprivileged controller account, over SSH as the hosts' unprivileged
# account, with -b. Only the hosts and the docker-ce repository are local.
#
#   lab.sh up [MANAGERS [WORKERS]]   set up what is missing, start the hosts, converge, print a summary
#   lab.sh down                      remove the lab hosts, their volumes and the lab directory
#
# The lab directory is ~/dockfleet-lab of the controller account (fleetops): inventory,
# ansible.cfg, known_hosts, the TLS PKI and the logs. Work there as that account:
#   su - fleetops; cd dockfleet-lab; ansible-playbook -i inventory -b dockfleet.docker.site
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/platform/lib.sh
. "$root/tests/platform/lib.sh"

lab_dir() { printf '%s/dockfleet-lab' "$(controller_home)"; }

# The lab's hosts as Molecule-style platforms: managers then workers, alternating Debian
# releases, labelled by zone (managers also role=control).
platforms() {
  local managers=$1 workers=$2 i n=0 zones=(a b c)
  echo "molecule_no_log: false"
  echo "molecule_labels: {io.dockfleet.lab: 'true'}"
  echo "molecule_yml:"
  echo "  platforms:"
  for ((i = 1; i <= managers; i++)); do
    echo "    - {name: lab-manager-$i, role: manager, image: $([ $((n % 2)) -eq 0 ] && echo bookworm || echo trixie), labels: {zone: ${zones[$(((i - 1) % 3))]}, role: control}}"
    n=$((n + 1))
  done
  for ((i = 1; i <= workers; i++)); do
    echo "    - {name: lab-worker-$i, role: worker, image: $([ $((n % 2)) -eq 0 ] && echo bookworm || echo trixie), labels: {zone: ${zones[$(((i - 1) % 2))]}}}"
    n=$((n + 1))
  done
}

up() {
  local managers=${1:-3} workers=${2:-2} dir
  [[ $managers =~ ^[1-9][0-9]*$ && $workers =~ ^[0-9]+$ ]] ||
    die "LAB_MANAGERS must be 1 or more and LAB_WORKERS 0 or more (got '$managers' and '$workers')"
  bash "$root/tests/platform/bootstrap.sh"
  # shellcheck source=tests/platform/env.sh
  . "$root/tests/platform/env.sh"
  dir=$(lab_dir)
  as_controller mkdir -p -m 0700 "$dir/inventory"
  as_controller cp -r "$here/inventory/group_vars" "$dir/inventory/"
  as_controller cp "$here/ansible.cfg" "$here/summary.yml" "$dir/"
  platforms "$managers" "$workers" >"$dir/platforms.yml"
  chown "$CONTROLLER_USER:" "$dir/platforms.yml"

  log "starting the lab hosts: $managers manager(s), $workers worker(s)"
  ansible-playbook -i localhost, "$here/hosts.yml" -e "@$dir/platforms.yml" -e "dockfleet_lab_state=$dir" \
    >"$dir/create.log" 2>&1 || { tail -30 "$dir/create.log"; exit 1; }
  chown -R "$CONTROLLER_USER:" "$dir"
  # The hosts made their SSH host keys at first boot: trust exactly those.
  as_controller bash -c "cd '$dir' && ansible-inventory -i inventory --list |
    python3 -c 'import json,sys; print(\"\\n\".join(v[\"ansible_host\"] for v in json.load(sys.stdin)[\"_meta\"][\"hostvars\"].values()))' |
    ssh-keyscan -t ed25519 -f - 2>/dev/null >known_hosts"

  log "converging the lab as $CONTROLLER_USER: ansible-playbook -i inventory -b dockfleet.docker.site (log: $dir/site.log)"
  if ! as_controller bash -c "cd '$dir' && ansible-playbook -i inventory -b dockfleet.docker.site" >"$dir/site.log" 2>&1; then
    grep -E 'fatal:|FAILED|ERROR' "$dir/site.log" | tail -20
    tail -5 "$dir/site.log"
    die "the site playbook failed: full log in $dir/site.log"
  fi
  sed -n '/^PLAY RECAP/,/^$/p' "$dir/site.log"
  as_controller bash -c "cd '$dir' && ansible-playbook -i inventory -b summary.yml -e dockfleet_lab_state='$dir'" \
    >"$dir/summary.log" 2>&1 || { tail -20 "$dir/summary.log"; exit 1; }
  cat "$dir/summary.txt"
}

down() {
  # Only what the lab made: its host containers (label io.dockfleet.lab) with their
  # volumes, and the lab directory. The image cache, the mirror and the account stay.
  local ids dir
  ids=$(docker ps -aq --filter label=io.dockfleet.lab=true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086 # one container ID per word
    docker rm -f -v $ids >/dev/null
    log "removed the lab hosts"
  fi
  if id -u "$CONTROLLER_USER" >/dev/null 2>&1; then
    dir=$(lab_dir)
    rm -rf "$dir"
  fi
  rm -rf "$here/.state"
  log "the lab is down"
}

case "${1:-up}" in
  up)
    shift || true
    up "$@"
    ;;
  down) down ;;
  *)
    echo "usage: $0 up [MANAGERS [WORKERS]] | down" >&2
    exit 2
    ;;
esac
