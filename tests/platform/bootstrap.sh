#!/usr/bin/env bash
# Set up everything the tests and the lab need on a fresh Debian machine with root:
# a running Docker engine, the Python venv, the collection link, the systemd host
# images and the signed docker-ce test mirror, served on the `dockfleet` network.
# Safe to run again: each step does nothing when its result is already there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/platform/lib.sh
. "$here/lib.sh"

ensure_host_tools() {
  # debootstrap builds the images; apt-ftparchive (apt-utils) and gpg build the mirror;
  # ansible-test sanity needs the shellcheck package; openssh-client reaches the test
  # hosts over SSH, as a fleet is reached; chromium renders the fleet report's HTML page
  # headless in the report scenario.
  apt_install debootstrap apt-utils gnupg debian-archive-keyring python3-venv make shellcheck openssh-client chromium
}

ensure_venv() {
  local stamp="$VENV_DIR/.requirements"
  local want
  want=$(sha256sum "$repo_root/requirements-dev.txt" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  log "installing the Python tools into $VENV_DIR (requirements-dev.txt)"
  [ -x "$VENV_DIR/bin/python" ] || /usr/bin/python3 -m venv "$VENV_DIR"
  "$VENV_DIR/bin/pip" install -q --disable-pip-version-check -r "$repo_root/requirements-dev.txt"
  chmod -R a+rX "$VENV_DIR"
  echo "$want" >"$stamp"
}

ensure_collection_link() {
  local link="$cache_dir/collections/ansible_collections/dockfleet/docker"
  mkdir -p "$(dirname "$link")"
  [ -L "$link" ] && [ "$(readlink "$link")" = "$repo_root" ] && return
  rm -rf "$link"
  ln -s "$repo_root" "$link"
}

# The signing key and the signed indexes of a mirror directory, as one checksum.
# shellcheck disable=SC2016 # expanded by the shell that runs it, inside and outside the mirror container
mirror_digest='cd "$1" && find linux -name gpg -o -name InRelease | sort | xargs -r sha256sum | sha256sum'

ensure_mirror() {
  "$VENV_DIR/bin/python" "$here/build_mirror.py" --out "$cache_dir/mirror" --work "$cache_dir/mirror-work" \
    --debian-mirror "$DEBIAN_MIRROR"
  ensure_network
  local running
  running=$(docker inspect -f '{{.State.Running}} {{range .Mounts}}{{.Source}}{{end}}' "$MIRROR_CONTAINER" 2>/dev/null || true)
  # The same path is not enough: a checkout deleted and cloned again at the same place leaves the
  # container serving the deleted directory (its bind mount keeps the old one), or another key.
  if [ "$running" = "true $cache_dir/mirror" ] &&
    [ "$(docker exec "$MIRROR_CONTAINER" sh -c "$mirror_digest" sh /srv/mirror 2>/dev/null)" = \
      "$(sh -c "$mirror_digest" sh "$cache_dir/mirror")" ]; then
    return
  fi
  docker rm -f "$MIRROR_CONTAINER" >/dev/null 2>&1 || true
  log "serving the docker-ce test mirror as http://$MIRROR_CONTAINER/linux/debian on network $DOCKFLEET_NETWORK"
  docker run -d --name "$MIRROR_CONTAINER" --network "$DOCKFLEET_NETWORK" --restart unless-stopped \
    --label io.dockfleet.test-platform=mirror \
    -v "$cache_dir/mirror:/srv/mirror:ro" "dockfleet/host:bookworm" \
    python3 -m http.server 80 --directory /srv/mirror >/dev/null
  local waited=0
  until docker exec "$MIRROR_CONTAINER" python3 -c \
    'import urllib.request; urllib.request.urlopen("http://127.0.0.1/linux/debian/gpg", timeout=2)' 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    [ $waited -lt 30 ] || die "the test mirror did not answer within 30s (docker logs $MIRROR_CONTAINER)"
  done
}

ensure_host_tools
ensure_inotify_limits
ensure_docker_engine
ensure_venv
ensure_collection_link
ensure_controller_account
install_collection_for_controller
bash "$here/build-images.sh"
ensure_mirror
ensure_busybox_rootfs
log "platform ready: images $(docker images --format '{{.Repository}}:{{.Tag}}' dockfleet/host | grep -v -- - | sort | tr '\n' ' ')and mirror http://$MIRROR_CONTAINER/linux/debian"
