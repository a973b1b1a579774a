# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The content check of swarm archives and directories, on tar archives built the way swarm_backup builds them."""

from __future__ import annotations

import tarfile

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_archive import (
    content_problem,
    describe_entries,
    directory_entries,
    missing_content,
    tar_entries,
    total_size,
)

# What a 20.10 or 26.x manager writes under <data root>/swarm (the snapshot directory is empty until the first one).
MANAGER_FILES = {
    "docker-state.json": b'{"LocalAddr":"","RemoteAddr":"","ListenAddr":"0.0.0.0:2377","AdvertiseAddr":"10.0.0.11"}',
    "state.json": b'[{"node_id":"abc","addr":"10.0.0.11:2377"}]',
    "certificates/swarm-node.crt": b"-----BEGIN CERTIFICATE-----\n",
    "certificates/swarm-node.key": b"-----BEGIN PRIVATE KEY-----\n",
    "certificates/swarm-root-ca.crt": b"-----BEGIN CERTIFICATE-----\n",
    "raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal": b"\0" * 64,
    "raft/wal-v3-encrypted/0.tmp": b"\0" * 64,
    "worker/tasks.db": b"bolt",
}
MANAGER_DIRS = ("raft/snap-v3-encrypted",)


def make_swarm_dir(base, files=None, dirs=MANAGER_DIRS):
    swarm = base / "swarm"
    swarm.mkdir(parents=True)
    for name, content in (MANAGER_FILES if files is None else files).items():
        path = swarm / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for name in dirs:
        (swarm / name).mkdir(parents=True, exist_ok=True)
    return swarm


def make_archive(tmp_path, swarm):
    archive = tmp_path / "backup.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(str(swarm), arcname="swarm")
    return str(archive)


def without(*names):
    return dict((k, v) for k, v in MANAGER_FILES.items() if k not in names)


def test_a_managers_archive_is_good(tmp_path):
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root"))
    entries = tar_entries(archive)
    assert missing_content(entries) == []
    assert content_problem(entries, "The archive") is None
    assert total_size(entries) == sum(len(v) for v in MANAGER_FILES.values())


def test_an_empty_swarm_directory_is_refused(tmp_path):
    # The userns-remap case of issue 15: /var/lib/docker/swarm exists but the state is under /var/lib/docker/<uid>.<gid>.
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root", files={}, dirs=()))
    message = content_problem(tar_entries(archive), "The archive %s" % archive)
    assert message.startswith("The archive %s does not hold a manager's swarm state" % archive)
    assert "the raft log (swarm/raft/wal-v3-encrypted/*.wal)" in message
    assert "swarm-node.crt, swarm-node.key, swarm-root-ca.crt" in message
    assert message.endswith("It holds only an empty swarm/ directory.")


def test_missing_raft_state_is_refused(tmp_path):
    files = dict((k, v) for k, v in MANAGER_FILES.items() if not k.startswith("raft/"))
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root", files=files, dirs=()))
    assert missing_content(tar_entries(archive)) == [
        "the raft log (swarm/raft/wal-v3-encrypted/*.wal)",
        "the raft snapshot directory (swarm/raft/snap-v3-encrypted/)",
    ]


def test_a_worker_has_no_raft_state(tmp_path):
    files = dict((k, v) for k, v in MANAGER_FILES.items() if not k.startswith("raft/"))
    swarm = make_swarm_dir(tmp_path / "root", files=files, dirs=())
    assert "the raft log" in content_problem(directory_entries(str(swarm)), "The swarm directory")


def test_an_empty_raft_log_is_refused(tmp_path):
    files = without("raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal")
    files["raft/wal-v3-encrypted/0000000000000000-0000000000000000.wal"] = b""
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root", files=files))
    assert missing_content(tar_entries(archive)) == ["the raft log (swarm/raft/wal-v3-encrypted/*.wal)"]


@pytest.mark.parametrize(
    "removed, phrase",
    [
        (("certificates/swarm-node.key",), "the node certificates (swarm/certificates/: swarm-node.key)"),
        (
            ("certificates/swarm-node.crt", "certificates/swarm-root-ca.crt"),
            "the node certificates (swarm/certificates/: swarm-node.crt, swarm-root-ca.crt)",
        ),
        (("state.json",), "swarm/state.json"),
        (("docker-state.json",), "swarm/docker-state.json"),
    ],
)
def test_missing_certificates_and_state_files_are_refused(tmp_path, removed, phrase):
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root", files=without(*removed)))
    assert missing_content(tar_entries(archive)) == [phrase]


def test_an_empty_certificate_counts_as_missing(tmp_path):
    files = dict(MANAGER_FILES, **{"certificates/swarm-node.key": b""})
    archive = make_archive(tmp_path, make_swarm_dir(tmp_path / "root", files=files))
    assert missing_content(tar_entries(archive)) == ["the node certificates (swarm/certificates/: swarm-node.key)"]


def test_directory_entries_are_what_the_archive_gets(tmp_path):
    swarm = make_swarm_dir(tmp_path / "root")
    archive = make_archive(tmp_path, swarm)
    assert sorted(directory_entries(str(swarm))) == sorted(tar_entries(archive))
    assert directory_entries(str(tmp_path / "nowhere")) == []
    assert content_problem([], "The swarm directory /nowhere").endswith("It holds nothing.")


def test_an_archive_without_directory_entries_still_has_its_directories():
    entries = [("swarm/" + name, "file", len(content)) for name, content in MANAGER_FILES.items()]
    entries.append(("swarm/raft/snap-v3-encrypted/0000000000000002-0000000000000010.snap", "file", 10))
    assert missing_content(entries) == []


def test_describe_entries_is_short():
    entries = [("swarm/f%02d" % i, "file", 1) for i in range(12)]
    assert describe_entries(entries).endswith("and 4 more")
