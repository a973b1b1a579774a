# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_config's writes on the host: daemon.json and the systemd drop-in, each written atomically as root 0644
after ``dockerd --validate`` accepted the candidate, the backups beyond the newest few removed, and the owner and
mode of Docker's files put right (the CIS section 3 rules are daemon_files.py's; this file finds the files and
changes them). Always called under the host lock, never in check mode.
"""

from __future__ import annotations

import os
import tempfile

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_files
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_backups import backups_to_remove


def validate_with_dockerd(module, host, dockerd, text, directory):
    """Run dockerd --validate on the candidate; fail the module when it refuses."""
    fd, candidate = tempfile.mkstemp(prefix=".daemon.json.", dir=directory if os.path.isdir(directory) else None)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(candidate, 0o644)
        rc, out, err = host.run([dockerd, "--validate", "--config-file", candidate])
    finally:
        os.unlink(candidate)
    if rc != 0:
        module.fail_json(
            msg="daemon.json not changed: %s --validate refused the new configuration: %s"
            % (dockerd, (err or out).strip().replace(candidate, module.params["path"]))
        )


def write_atomic(module, path, text):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o755)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o644)
    os.chown(tmp, 0, 0)
    module.atomic_move(tmp, path)
    os.chmod(path, 0o644)
    os.chown(path, 0, 0)


def prune_backups(path, keep):
    """Remove the copies of ``path`` beyond the newest ``keep``; returns the removed paths."""
    directory, base = os.path.split(path)
    try:
        entries = [(name, os.stat(os.path.join(directory, name)).st_mtime) for name in os.listdir(directory)]
    except OSError:
        return []
    removed = []
    for name in backups_to_remove(base, entries, keep):
        os.unlink(os.path.join(directory, name))
        removed.append(os.path.join(directory, name))
    return removed


def apply_dropin(module, host, path, wanted, current):
    """Write or remove the drop-in; returns the backup path (or None)."""
    backup = module.backup_local(path) if current is not None else None
    if wanted is None:
        os.unlink(path)
    else:
        write_atomic(module, path, wanted)
    if host.systemctl:
        rc, out, err = host.run([host.systemctl, "daemon-reload"])
        if rc != 0:
            module.fail_json(msg="systemctl daemon-reload failed after changing %s: %s" % (path, err or out))
    return backup


def permission_entries(host, service, path):
    """(path, rule, lstat or None) of every file the CIS section 3 controls name, as this host has them."""

    def lstat(name):
        try:
            return os.lstat(name)
        except OSError:
            return None

    units = [service, service[: -len(".service")] + ".socket"]
    entries = []
    for name in units:
        fragment = (host.unit_properties(name, "FragmentPath").get("FragmentPath") or [""])[0]
        if fragment:
            entries.append((fragment, daemon_files.UNIT_FILE, lstat(fragment)))
    entries.append((os.path.dirname(path), daemon_files.ETC_DOCKER, lstat(os.path.dirname(path))))
    entries.append((path, daemon_files.DAEMON_JSON, lstat(path)))
    entries += [(name, daemon_files.DEFAULTS_FILE, lstat(name)) for name in daemon_files.ENVIRONMENT_FILES]
    for root, _dirs, files in os.walk(daemon_files.CERTS_DIR):
        entries += [
            (os.path.join(root, name), daemon_files.REGISTRY_CERT, lstat(os.path.join(root, name)))
            for name in sorted(files)
        ]
    return entries


def apply_permissions(changes):
    for change in changes:
        os.chown(change["path"], 0, 0)
        os.chmod(change["path"], int(change["mode_after"], 8))
