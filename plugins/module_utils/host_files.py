# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a file a role manages is as wanted (content, mode, owner), read without changing it.

The read modules of the engine and timesync roles (engine_state, timesync_state) compare the role's files with
this, so a converged host is found converged in one module call and a file changed by hand is found changed.
"""

from __future__ import annotations

import grp
import hashlib
import os
import pwd


def sha256_of(path):
    """The sha256 hex digest of a file's bytes, or None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def file_state(path, wanted, mode=0o644):
    """How a managed file differs from ``wanted`` (its text, or None: must be absent); None when it does not.

    Returns "missing", "content", "mode", "owner", "present" (must be absent), or None.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None if wanted is None else "missing"
    if wanted is None:
        return "present"
    try:
        with open(path, "rb") as handle:
            current = handle.read()
    except OSError:
        return "content"
    if current != wanted.encode("utf-8"):
        return "content"
    if stat.st_mode & 0o7777 != mode:
        return "mode"
    if _name(pwd.getpwuid, stat.st_uid) != "root" or _name(grp.getgrgid, stat.st_gid) != "root":
        return "owner"
    return None


def _name(lookup, number):
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)
