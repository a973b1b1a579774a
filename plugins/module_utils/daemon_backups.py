# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which timestamped backups of a file to remove so that only the newest few stay.

Pure. ``AnsibleModule.backup_local`` names a copy ``FILE.PID.YYYY-MM-DD@HH:MM:SS~``; the time in the
name orders them (the PID does not), the modification time breaks ties within a second.
"""

from __future__ import annotations

import re

_STAMP = re.compile(r"^\.(\d+)\.(\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d)~$")


def backup_stamp(base, name):
    """The time text of a backup of ``base`` named ``name``, or None when it is not one."""
    if not name.startswith(base):
        return None
    match = _STAMP.match(name[len(base) :])
    return match.group(2) if match else None


def backups_to_remove(base, entries, keep):
    """Names of the backups of ``base`` beyond the newest ``keep``.

    ``entries``: ``(name, mtime)`` of the files in the directory. ``keep`` of at least 1 (the newest copy is
    what a rollback restores).
    """
    if keep < 1:
        raise ValueError("keep must be at least 1 (the newest backup is the rollback copy), got %r" % keep)
    backups = [(backup_stamp(base, name), mtime, name) for name, mtime in entries]
    backups = sorted((b for b in backups if b[0] is not None), reverse=True)
    return sorted(name for _stamp, _mtime, name in backups[keep:])
