# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine role's repository as engine_state compares it: the source file, clashing one-line sources and the
signing key, which is never downloaded to find out whether it is current."""

from __future__ import annotations

import hashlib
import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_repository as repo

KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"
URL = "http://mirror/linux/debian/gpg"


@pytest.fixture
def keyring(tmp_path, monkeypatch):
    # file_state wants root:root; the test runs as whoever runs it.
    monkeypatch.setattr("ansible_collections.dockfleet.docker.plugins.module_utils.host_files._name", lambda *_: "root")
    path = tmp_path / "docker.asc"
    path.write_text(KEY)
    os.chmod(path, 0o644)
    return path


def record(tmp_path, url=URL, key=KEY):
    path = tmp_path / "record.json"
    path.write_text(repo.key_record_text(url, hashlib.sha256(key.strip().encode()).hexdigest()))
    return str(path)


def test_placeholders_are_the_hosts_distribution_and_codename():
    assert repo.resolve("https://download.docker.com/linux/{distribution}", "Debian", "bookworm") == (
        "https://download.docker.com/linux/debian"
    )
    assert repo.resolve("{codename}", "debian", "trixie") == "trixie"
    assert repo.resolve("http://mirror/linux/debian", "ubuntu", "noble") == "http://mirror/linux/debian"


def test_the_source_file_is_deb822_signed_by_the_keyring():
    text = repo.sources_content("mirror", "http://m/linux/debian", "bookworm", "stable", "amd64", "/k/docker.asc")
    assert text.splitlines()[2:] == [
        "Types: deb",
        "URIs: http://m/linux/debian",
        "Suites: bookworm",
        "Components: stable",
        "Architectures: amd64",
        "Signed-By: /k/docker.asc",
    ]
    assert text.startswith("# Managed by dockfleet.docker.engine")


def test_legacy_sources_are_found_by_pattern(tmp_path):
    for name in ("docker.list", "download_docker_com_linux_debian.list", "debian.sources", "docker.sources"):
        (tmp_path / name).write_text("x")
    found = repo.legacy_sources(str(tmp_path), ["docker.list", "download_docker_com_linux_*.list"])
    assert [os.path.basename(path) for path in found] == ["docker.list", "download_docker_com_linux_debian.list"]
    assert repo.legacy_sources(str(tmp_path / "missing"), ["*"]) == []


def test_a_recorded_key_from_the_same_url_is_current_without_downloading(tmp_path, keyring):
    assert repo.key_state(str(keyring), "", URL, record(tmp_path)) == dict(installed=True, differs=None, fetch=False)


def test_a_key_changed_by_hand_is_fetched_again(tmp_path, keyring):
    path = record(tmp_path)
    keyring.write_text(KEY.replace("abc", "xyz"))
    assert repo.key_state(str(keyring), "", URL, path) == dict(installed=True, differs="content", fetch=True)


def test_another_url_or_no_record_fetches_the_key(tmp_path, keyring):
    state = repo.key_state(str(keyring), "", "http://other/gpg", record(tmp_path))
    assert state["fetch"] and state["differs"] == "installed from %s" % URL
    state = repo.key_state(str(keyring), "", URL, str(tmp_path / "none.json"))
    assert state == dict(installed=True, differs="not recorded", fetch=True)


def test_a_missing_key_is_fetched(tmp_path):
    assert repo.key_state(str(tmp_path / "none.asc"), "", URL, str(tmp_path / "r.json")) == dict(
        installed=False, differs="missing", fetch=True
    )


def test_a_key_with_the_wrong_mode_is_fetched_and_written_again(tmp_path, keyring):
    os.chmod(keyring, 0o600)
    assert repo.key_state(str(keyring), "", URL, record(tmp_path)) == dict(installed=True, differs="mode", fetch=True)


def test_a_key_given_inline_is_compared_directly(tmp_path, keyring):
    assert repo.key_state(str(keyring), KEY.strip(), URL, "/nonexistent") == dict(
        installed=True, differs=None, fetch=False
    )
    assert repo.key_state(str(keyring), "other", URL, "/nonexistent")["differs"] == "content"


def test_the_key_checksum_is_the_trimmed_armored_text():
    assert repo.key_checksum(KEY) == repo.key_checksum(KEY.strip()) == hashlib.sha256(KEY.strip().encode()).hexdigest()
