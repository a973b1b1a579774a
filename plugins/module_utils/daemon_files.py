# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ownership and modes the CIS Docker Benchmark (v1.6.0, section 3) asks of Docker's files.

Pure: ``permission_changes`` compares what the host reported (``lstat`` results) with the rules; the module
reads the host and applies the result. A file is owned by root:root and its mode is no looser than the
control's (``644 or more restrictive``): the wanted mode keeps every stricter bit (``mode & maximum``).
The TLS files (3.9-3.14) are the role's own and written 0444/0400; the Docker and containerd sockets
(3.15, 3.16, 3.23, 3.24) are made by the daemons themselves with the modes the controls ask.
"""

from __future__ import annotations

import stat

# (control numbers, what, the most a mode may allow)
UNIT_FILE = ("3.1/3.2 and 3.3/3.4", "systemd unit file", 0o644)
ETC_DOCKER = ("3.5/3.6", "directory", 0o755)
REGISTRY_CERT = ("3.7/3.8", "registry certificate", 0o444)
DAEMON_JSON = ("3.17/3.18", "daemon configuration", 0o644)
DEFAULTS_FILE = ("3.19/3.20 and 3.21/3.22", "environment file", 0o644)

ENVIRONMENT_FILES = ("/etc/default/docker", "/etc/sysconfig/docker")
CERTS_DIR = "/etc/docker/certs.d"


def wanted_mode(mode, maximum):
    """The permission bits of ``mode`` without those ``maximum`` does not allow."""
    return stat.S_IMODE(mode) & maximum


def permission_changes(entries):
    """What to change so each file meets its rule.

    ``entries``: ``(path, rule, st)`` with ``st`` an ``os.lstat`` result (or None when the path does not exist).
    Returns dicts ``{path, control, mode_before, mode_after, owner_before, owner_after}`` (modes as octal text,
    owners as ``uid:gid``) for the files that differ; symbolic links and missing paths are left alone.
    """
    changes = []
    for path, rule, st in entries:
        if st is None or stat.S_ISLNK(st.st_mode):
            continue
        control, _what, maximum = rule
        mode_after = wanted_mode(st.st_mode, maximum)
        owner_before = "%d:%d" % (st.st_uid, st.st_gid)
        if mode_after == stat.S_IMODE(st.st_mode) and owner_before == "0:0":
            continue
        changes.append(
            dict(
                path=path,
                control=control,
                mode_before="%04o" % stat.S_IMODE(st.st_mode),
                mode_after="%04o" % mode_after,
                owner_before=owner_before,
                owner_after="0:0",
            )
        )
    return changes
