#!/usr/bin/env bash
# Build the systemd test-host images (Debian 12 and 13) with debootstrap and
# `docker import`. No registry is reachable here, so every image the tests use
# is made on this machine.
#
# Images are tagged by a hash of this recipe: an image is rebuilt only when the
# recipe changes, or when DOCKFLEET_REBUILD_IMAGES=1 is set.
#
# Usage: build-images.sh [bookworm] [trixie]      (default: both)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/platform/lib.sh
. "$here/lib.sh"

# What every test host gets up front, as a cloud image would have it: systemd as
# PID 1, Python for Ansible and the apt bindings its apt modules use, an SSH server
# and sudo. Everything the roles install (docker-ce, chrony, python3-docker, ...)
# is deliberately NOT here, so the roles are proven to install it.
host_packages=systemd,systemd-sysv,dbus,python3,python3-apt,ca-certificates,iproute2,procps,iputils-ping,netbase,less
host_packages+=,openssh-server,sudo
# The unprivileged account the suite and the lab log in as (with passwordless sudo,
# as cloud images ship their default user). Its authorized key is the controller's,
# mounted read-only when a host is created (tests/platform/molecule/create.yml).
host_login_user=ops

build_host_image() {
  local suite=$1 tag root
  tag=$(host_image_tag "$suite")
  if docker image inspect "$tag" >/dev/null 2>&1 && [ "${DOCKFLEET_REBUILD_IMAGES:-0}" != 1 ]; then
    log "image $tag is cached"
    return
  fi
  log "building $tag with debootstrap (about a minute)"
  root=$(mktemp -d /var/tmp/dockfleet-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  debootstrap --variant=minbase --include="$host_packages" "$suite" "$root" "$DEBIAN_MIRROR" \
    >"$root.log" 2>&1 || { tail -30 "$root.log" >&2; die "debootstrap $suite failed (log above)"; }
  rm -f "$root.log"
  customise_rootfs "$suite" "$root"
  tar -C "$root" -c . | docker import \
    --change 'CMD ["/sbin/init"]' \
    --change 'ENV container=docker' \
    - "$tag" >/dev/null
  docker tag "$tag" "dockfleet/host:$suite"
  log "built $tag"
}

customise_rootfs() {
  local suite=$1 root=$2
  # Debian's archive, for the packages the roles install from the distribution.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $suite main
EOF
  # A container has no hardware clock, no consoles and no kernel modules to load:
  # mask the units that would only fail there, so `systemctl is-system-running`
  # means something in the tests.
  for unit in getty@tty1.service serial-getty@.service console-getty.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-modules-load.service \
    systemd-remount-fs.service sys-kernel-config.mount sys-kernel-debug.mount \
    sys-kernel-tracing.mount systemd-firstboot.service systemd-sysctl.service \
    apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
    ln -sf /dev/null "$root/etc/systemd/system/$unit"
  done
  # The inner dockerd runs inside a container whose /proc has Docker's masked
  # paths; unmount them at boot so userns-remapped containers can mount /proc
  # (Molecule's docker driver cannot pass `systempaths=unconfined`).
  install -m 0755 "$here/files/unmask-proc.sh" "$root/usr/local/sbin/dockfleet-unmask-proc"
  install -m 0644 "$here/files/dockfleet-unmask-proc.service" "$root/etc/systemd/system/"
  ln -sf /etc/systemd/system/dockfleet-unmask-proc.service \
    "$root/etc/systemd/system/sysinit.target.wants/dockfleet-unmask-proc.service"
  # An unprivileged login account with passwordless sudo, reached over SSH with the
  # suite's key only (no passwords, no root login).
  chroot "$root" useradd --create-home --shell /bin/bash "$host_login_user"
  printf '%s ALL=(ALL:ALL) NOPASSWD: ALL\n' "$host_login_user" >"$root/etc/sudoers.d/90-$host_login_user"
  chmod 0440 "$root/etc/sudoers.d/90-$host_login_user"
  install -m 0644 "$here/files/sshd-dockfleet.conf" "$root/etc/ssh/sshd_config.d/dockfleet.conf"
  # Each host makes its own SSH host keys at first boot: an image-wide key would make
  # every test host the same host to an SSH client.
  rm -f "$root"/etc/ssh/ssh_host_*
  install -m 0644 "$here/files/dockfleet-ssh-host-keys.service" "$root/etc/systemd/system/"
  mkdir -p "$root/etc/systemd/system/ssh.service.wants"
  ln -sf /etc/systemd/system/dockfleet-ssh-host-keys.service \
    "$root/etc/systemd/system/ssh.service.wants/dockfleet-ssh-host-keys.service"
  ln -sf /lib/systemd/system/ssh.service "$root/etc/systemd/system/multi-user.target.wants/ssh.service"
  echo "dockfleet-host" >"$root/etc/hostname"
  : >"$root/etc/machine-id"
  # Keep the image small: no apt lists or caches (the roles run apt-get update).
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
}

ensure_docker_engine
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie)
for suite in "${suites[@]}"; do
  build_host_image "$suite"
done
