# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_writes: the files daemon_config writes, on a temporary directory (ownership calls recorded, not made)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_writes


class Module:
    """What the writes use of AnsibleModule: atomic_move and fail_json."""

    params = {"path": "/etc/docker/daemon.json"}

    def atomic_move(self, src, dest):
        os.replace(src, dest)

    def fail_json(self, msg, **_result):
        raise AssertionError(msg)


class Host:
    def __init__(self, rc=0, err=""):
        self.rc, self.err, self.ran = rc, err, []

    def run(self, argv):
        self.ran.append(argv)
        with open(argv[-1]) as handle:
            self.seen = handle.read()
        return self.rc, "", self.err.replace("CANDIDATE", argv[-1])


@pytest.fixture
def chowned(monkeypatch):
    calls = []
    monkeypatch.setattr(daemon_writes.os, "chown", lambda path, uid, gid: calls.append((path, uid, gid)))
    return calls


def test_write_atomic_makes_the_directory_and_writes_root_0644(tmp_path, chowned):
    path = tmp_path / "docker" / "daemon.json"
    daemon_writes.write_atomic(Module(), str(path), '{"debug": true}\n')
    assert path.read_text() == '{"debug": true}\n'
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert (str(path), 0, 0) in chowned
    assert [p.name for p in path.parent.iterdir()] == ["daemon.json"]  # no temporary file left


def test_prune_backups_keeps_the_newest(tmp_path):
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    names = ["daemon.json.%d.2026-12-0%d@10:00:00~" % (100 + day, day) for day in (1, 2, 3, 4)]
    for name in names:
        (tmp_path / name).write_text("{}")
    removed = daemon_writes.prune_backups(str(path), 2)
    assert sorted(os.path.basename(p) for p in removed) == names[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["daemon.json", *names[2:]])
    assert daemon_writes.prune_backups(str(tmp_path / "missing" / "daemon.json"), 1) == []


def test_validate_with_dockerd_runs_on_a_candidate_and_names_the_real_path_when_refused(tmp_path):
    host = Host()
    daemon_writes.validate_with_dockerd(Module(), host, "/usr/bin/dockerd", '{"debug": true}', str(tmp_path))
    assert host.ran[0][:3] == ["/usr/bin/dockerd", "--validate", "--config-file"]
    assert host.seen == '{"debug": true}' and list(tmp_path.iterdir()) == []  # the candidate is gone
    refusing = Host(rc=1, err="unable to configure the Docker daemon with file CANDIDATE: bad key")
    with pytest.raises(
        AssertionError, match=r"refused the new configuration: .* with file /etc/docker/daemon\.json: bad"
    ):
        daemon_writes.validate_with_dockerd(Module(), refusing, "/usr/bin/dockerd", "{}", str(tmp_path))


def test_apply_permissions_sets_root_and_the_wanted_mode(tmp_path, chowned):
    target = tmp_path / "ca.crt"
    target.write_text("x")
    target.chmod(0o666)
    daemon_writes.apply_permissions([{"path": str(target), "mode_after": "0444"}])
    assert oct(target.stat().st_mode & 0o777) == "0o444" and chowned == [(str(target), 0, 0)]
