# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_backups import backup_stamp, backups_to_remove

ENTRIES = [
    ("daemon.json", 50.0),
    ("daemon.json.999.2026-01-01@10:00:00~", 1.0),
    ("daemon.json.12.2026-01-03@10:00:00~", 3.0),
    ("daemon.json.5.2026-01-02@10:00:00~", 2.0),
    ("daemon.json.7.2026-01-04@10:00:00~", 4.0),
    ("daemon.json.8.2026-01-05@10:00:00~", 5.0),
    ("daemon.json.bak", 0.0),
    ("other.json.1.2020-01-01@10:00:00~", 0.0),
]


def test_only_the_newest_are_kept_by_the_time_in_the_name_not_the_pid():
    assert backups_to_remove("daemon.json", ENTRIES, 3) == [
        "daemon.json.5.2026-01-02@10:00:00~",
        "daemon.json.999.2026-01-01@10:00:00~",
    ]
    assert backups_to_remove("daemon.json", ENTRIES, 10) == []


def test_files_that_are_not_its_backups_are_never_named():
    assert backup_stamp("daemon.json", "daemon.json.bak") is None
    assert backup_stamp("daemon.json", "other.json.1.2020-01-01@10:00:00~") is None
    assert "daemon.json.bak" not in backups_to_remove("daemon.json", ENTRIES, 1)


def test_the_rollback_copy_is_always_kept():
    with pytest.raises(ValueError, match="at least 1"):
        backups_to_remove("daemon.json", ENTRIES, 0)
