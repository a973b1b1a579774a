# Shared helpers for the offline test platform scripts. Sourced, not run.
# shellcheck shell=bash
# shellcheck disable=SC2034 # the settings below are for the scripts that source this file

platform_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$platform_dir/../.." && pwd)
cache_dir=${DOCKFLEET_CACHE:-$repo_root/.cache}

# Debian's archive: the one package source besides PyPI and npm this network reaches.
DEBIAN_MIRROR=${DOCKFLEET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The Docker network the test hosts, the lab and the docker-ce mirror share.
DOCKFLEET_NETWORK=${DOCKFLEET_NETWORK:-dockfleet}
MIRROR_CONTAINER=dockfleet-mirror
# The Python venv with Ansible, Molecule and the linters. Outside the checkout, built from
# Debian's /usr/bin/python3 and readable by everyone, so the unprivileged controller account
# can run the same Ansible wherever the checkout lives (even under /root).
VENV_DIR=${DOCKFLEET_VENV:-/opt/dockfleet/venv}
# The controller account's public key as the test hosts' authorized key, owned by root (sshd
# refuses a key file owned by an account the host does not know). create.yml mounts it.
AUTHORIZED_KEYS=${DOCKFLEET_AUTHORIZED_KEYS:-/opt/dockfleet/authorized_keys}
# The controller account that runs the playbooks under test, as an operator would: not root,
# no sudo rights on this machine. Its SSH key is the one the test hosts trust.
CONTROLLER_USER=${DOCKFLEET_CONTROLLER_USER:-fleetops}
# Where the controller account's Ansible finds dockfleet.docker: its ~/.ansible/collections
# unless DOCKFLEET_CONTROLLER_COLLECTIONS names another directory of that account (so two
# checkouts tested side by side on one machine do not replace each other's installed copy).
CONTROLLER_COLLECTIONS=${DOCKFLEET_CONTROLLER_COLLECTIONS:-}

log() { printf '[dockfleet] %s\n' "$*" >&2; }
die() { printf '[dockfleet] ERROR: %s\n' "$*" >&2; exit 1; }

# The image tag carries a hash of its recipe, so a changed recipe builds a new image
# and an unchanged one is reused.
host_image_tag() {
  local recipe
  recipe=$(cat "$platform_dir/build-images.sh" "$platform_dir"/files/* | sha256sum | cut -c1-12)
  printf 'dockfleet/host:%s-%s' "$1" "$recipe"
}

# Make sure a Docker engine answers on this machine. On a fresh Debian machine that
# means installing Debian's docker.io and starting dockerd in the background (no
# systemd runs here). Safe to run again: it does nothing when docker answers.
ensure_docker_engine() {
  if docker info >/dev/null 2>&1; then
    return
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "no Docker engine here: installing Debian's docker.io"
    apt_install docker.io
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd in the background (log: /var/log/dockfleet-dockerd.log)"
    nohup dockerd >/var/log/dockfleet-dockerd.log 2>&1 &
  fi
  local waited=0
  until docker info >/dev/null 2>&1; do
    sleep 1
    waited=$((waited + 1))
    [ $waited -lt 60 ] || { tail -20 /var/log/dockfleet-dockerd.log >&2; die "dockerd did not answer within 60s"; }
  done
  log "dockerd is up ($(docker version --format '{{.Server.Version}}'))"
}

# Install Debian packages, running `apt-get update` only once per run.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ -z "${_dockfleet_apt_updated:-}" ]; then
    apt-get update -qq >/dev/null
    _dockfleet_apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_network() {
  docker network inspect "$DOCKFLEET_NETWORK" >/dev/null 2>&1 ||
    docker network create "$DOCKFLEET_NETWORK" >/dev/null
}

# A minimal image for services inside test hosts (no registry is reachable):
# Debian's busybox-static in a rootfs tarball that the hosts `docker import`.
ensure_busybox_rootfs() {
  local out="$cache_dir/busybox-rootfs.tar" work deb
  [ -s "$out" ] && return
  log "making the busybox service image rootfs from Debian's busybox-static"
  work=$(mktemp -d)
  (cd "$work" && apt-get download -qq busybox-static >/dev/null 2>&1) ||
    { apt-get update -qq >/dev/null && (cd "$work" && apt-get download -qq busybox-static >/dev/null); }
  deb=$(ls "$work"/busybox-static_*.deb)
  dpkg-deb -x "$deb" "$work/pkg"
  mkdir -p "$work/root/bin" "$work/root/etc" "$work/root/tmp" "$work/root/www"
  cp "$work/pkg/bin/busybox" "$work/root/bin/busybox"
  local applet
  for applet in $("$work/root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$work/root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$work/root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$work/root/etc/group"
  echo "dockfleet test service" >"$work/root/www/index.html"
  tar -C "$work/root" -cf "$out.tmp" . && mv "$out.tmp" "$out"
  rm -rf "$work"
}

# Every systemd test host holds inotify instances; at the kernel's default of 128
# per user a few hosts exhaust them and new hosts exit at boot.
ensure_inotify_limits() {
  local current
  current=$(sysctl -n fs.inotify.max_user_instances 2>/dev/null || echo 0)
  if [ "$current" -lt 1024 ]; then
    log "raising fs.inotify.max_user_instances from $current to 1024 (systemd test hosts need them)"
    sysctl -qw fs.inotify.max_user_instances=1024
  fi
  current=$(sysctl -n fs.inotify.max_user_watches 2>/dev/null || echo 0)
  [ "$current" -ge 524288 ] || sysctl -qw fs.inotify.max_user_watches=524288
}

controller_home() { getent passwd "$CONTROLLER_USER" | cut -d: -f6; }

# Run a command as the controller account with a clean login-like environment: its own
# HOME, the venv's tools on PATH, nothing inherited from root's session (no collections
# path, no Ansible settings), so what it runs is what an operator's shell would run.
# It starts in CONTROLLER_CWD (default: the account's home), never in root's directory.
as_controller() {
  local home
  home=$(controller_home)
  (
    cd "${CONTROLLER_CWD:-$home}" || exit 1
    exec runuser -u "$CONTROLLER_USER" -- env -i HOME="$home" USER="$CONTROLLER_USER" LOGNAME="$CONTROLLER_USER" \
      SHELL=/bin/bash LANG=C.UTF-8 PATH="$home/.local/bin:$VENV_DIR/bin:/usr/local/bin:/usr/bin:/bin" \
      ${CONTROLLER_COLLECTIONS:+ANSIBLE_COLLECTIONS_PATH="$CONTROLLER_COLLECTIONS"} "$@"
  )
}

# The controller account: an ordinary user with an SSH key and the venv's Ansible on its
# PATH (~/.local/bin, which Debian's login profile adds), and no sudo rights here.
ensure_controller_account() {
  local home tool
  if ! id -u "$CONTROLLER_USER" >/dev/null 2>&1; then
    log "creating the unprivileged controller account $CONTROLLER_USER"
    useradd --create-home --shell /bin/bash "$CONTROLLER_USER"
  fi
  home=$(controller_home)
  if [ ! -f "$home/.ssh/id_ed25519" ]; then
    runuser -u "$CONTROLLER_USER" -- mkdir -p -m 0700 "$home/.ssh"
    runuser -u "$CONTROLLER_USER" -- ssh-keygen -q -t ed25519 -N '' -C "$CONTROLLER_USER@dockfleet-controller" \
      -f "$home/.ssh/id_ed25519"
  fi
  if ! cmp -s "$home/.ssh/id_ed25519.pub" "$AUTHORIZED_KEYS"; then
    install -D -m 0644 -o root -g root "$home/.ssh/id_ed25519.pub" "$AUTHORIZED_KEYS"
  fi
  runuser -u "$CONTROLLER_USER" -- mkdir -p "$home/.local/bin"
  for tool in ansible ansible-playbook ansible-galaxy ansible-inventory ansible-doc ansible-config; do
    [ "$(readlink "$home/.local/bin/$tool" 2>/dev/null)" = "$VENV_DIR/bin/$tool" ] ||
      runuser -u "$CONTROLLER_USER" -- ln -sfn "$VENV_DIR/bin/$tool" "$home/.local/bin/$tool"
  done
}

# Install this checkout into the controller account's collections, as a user installs a
# release: build the tarball, `ansible-galaxy collection install` it as that account.
install_collection_for_controller() {
  local out
  out=$(mktemp -d /tmp/dockfleet-build.XXXXXX)
  chmod 0755 "$out"
  "$VENV_DIR/bin/ansible-galaxy" collection build --force --output-path "$out" "$repo_root" >/dev/null
  chmod 0644 "$out"/dockfleet-docker-*.tar.gz
  as_controller ansible-galaxy collection install --force --no-deps ${CONTROLLER_COLLECTIONS:+-p "$CONTROLLER_COLLECTIONS"} \
    "$out"/dockfleet-docker-*.tar.gz >/dev/null
  rm -rf "$out"
}
