# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_files: the owner and mode changes CIS section 3 asks for."""

from __future__ import annotations

import stat
from types import SimpleNamespace

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_files as files


def st(mode, uid=0, gid=0, kind=stat.S_IFREG):
    return SimpleNamespace(st_mode=kind | mode, st_uid=uid, st_gid=gid)


def test_a_file_no_looser_than_its_rule_and_root_owned_is_left_alone():
    entries = [("/etc/docker/daemon.json", files.DAEMON_JSON, st(0o644)), ("/etc/docker", files.ETC_DOCKER, st(0o700))]
    assert files.permission_changes(entries) == []


def test_a_looser_mode_loses_only_the_bits_the_rule_does_not_allow():
    [change] = files.permission_changes([("/etc/default/docker", files.DEFAULTS_FILE, st(0o666))])
    assert change["mode_before"] == "0666" and change["mode_after"] == "0644"
    # A stricter bit pattern is kept: 0640 stays 0640, only the owner is fixed.
    [change] = files.permission_changes([("/etc/default/docker", files.DEFAULTS_FILE, st(0o640, uid=1000))])
    assert change["mode_after"] == "0640" and change["owner_before"] == "1000:0" and change["owner_after"] == "0:0"


def test_registry_certificates_become_read_only():
    [change] = files.permission_changes([("/etc/docker/certs.d/r:5000/ca.crt", files.REGISTRY_CERT, st(0o644))])
    assert change["mode_after"] == "0444" and change["control"] == "3.7/3.8"


def test_missing_paths_and_symbolic_links_are_left_alone():
    entries = [
        ("/etc/sysconfig/docker", files.DEFAULTS_FILE, None),
        ("/etc/docker/certs.d/link", files.REGISTRY_CERT, st(0o777, kind=stat.S_IFLNK)),
    ]
    assert files.permission_changes(entries) == []
