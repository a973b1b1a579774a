# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a managed file is as wanted: content, mode, owner, or absent."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import host_files


@pytest.fixture
def as_root(monkeypatch):
    monkeypatch.setattr(host_files, "_name", lambda *_: "root")


def test_file_states(tmp_path, as_root):
    path = tmp_path / "f"
    assert host_files.file_state(str(path), None) is None
    assert host_files.file_state(str(path), "a\n") == "missing"
    path.write_text("a\n")
    os.chmod(path, 0o644)
    assert host_files.file_state(str(path), "a\n") is None
    assert host_files.file_state(str(path), "b\n") == "content"
    assert host_files.file_state(str(path), None) == "present"
    os.chmod(path, 0o600)
    assert host_files.file_state(str(path), "a\n") == "mode"


def test_a_file_not_owned_by_root_differs(tmp_path, monkeypatch):
    monkeypatch.setattr(host_files, "_name", lambda *_: "ops")
    path = tmp_path / "f"
    path.write_text("a\n")
    os.chmod(path, 0o644)
    assert host_files.file_state(str(path), "a\n") == "owner"


def test_sha256_of(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert host_files.sha256_of(str(path)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert host_files.sha256_of(str(tmp_path / "none")) is None
