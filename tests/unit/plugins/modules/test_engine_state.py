# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_state through main() on a fake apt and a host in tmp_path: a converged host differs in nothing and is not
asked for its key; drift in the source file, the key, the pin and the packages is found; bad inputs are refused."""

from __future__ import annotations

import json
import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages, host_files
from ansible_collections.dockfleet.docker.plugins.module_utils import engine_repository as repo
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import AptError
from ansible_collections.dockfleet.docker.plugins.modules import engine_state

V26 = "5:26.1.5-1~debian.12~bookworm"
C17 = "1.7.24-1"
KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----"
KEY_URL = "http://mirror/linux/debian/gpg"
OFFERED = {"docker-ce": [V26], "docker-ce-cli": [V26], "containerd.io": [C17]}
# What the fake network serves (through apt); a URL not here does not answer.
SERVED = {KEY_URL: KEY + "\n", "http://mirror/linux/debian/dists/bookworm/Release": "Suite: bookworm\n"}
INSTALLED = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17, "python3-docker": "5.0.3-1"}


class FakeApt:
    def __init__(self, module, lock_timeout=300):
        self.updates = 0

    def installed(self, names):
        found = dict((name, INSTALLED[name]) for name in names if name in INSTALLED)
        return found, set(found) - {"python3-docker"}

    def available(self, names):
        return dict((name, OFFERED.get(name, [])) for name in names)

    def depends(self, name, version):
        return "containerd.io (>= 1.6)"

    def architecture(self):
        return "amd64"

    def update(self):
        self.updates += 1

    fetched = []

    def fetch(self, url, timeout=15):
        FakeApt.fetched.append(url)
        if url not in SERVED:
            raise AptError("apt could not download %s: E: Failed to fetch %s  Could not resolve 'mirror'" % (url, url))
        return SERVED[url]


@pytest.fixture
def host(tmp_path, monkeypatch):
    """A converged host in tmp_path; returns the module arguments that describe it."""
    monkeypatch.setattr(host_files, "_name", lambda *_: "root")
    monkeypatch.setattr(
        engine_state, "read_os_release", lambda: {"ID": "debian", "VERSION_CODENAME": "bookworm", "NAME": "Debian"}
    )
    monkeypatch.setattr(engine_state.AnsibleModule, "get_bin_path", lambda self, name, required=False: "/usr/bin/x")
    monkeypatch.setattr(engine_state, "Apt", FakeApt)
    monkeypatch.setattr(FakeApt, "fetched", [])
    monkeypatch.setattr(engine_state, "lists_older_than", lambda seconds: seconds < 10)
    monkeypatch.setattr(engine_state, "SOURCES_DIRECTORY", str(tmp_path))
    monkeypatch.setattr(
        engine_state.Systemd,
        "show",
        lambda self, unit, *names: {"UnitFileState": ["enabled"], "ActiveState": ["active"]},
    )
    args = dict(
        version="26.1",
        repository="mirror",
        repository_url="http://mirror/linux/{distribution}",
        repository_key_url=KEY_URL,
        keyring=str(tmp_path / "docker.asc"),
        sources_file=str(tmp_path / "docker.sources"),
        key_record=str(tmp_path / "record.json"),
        preferences_file=str(tmp_path / "docker.pref"),
    )
    write(tmp_path / "docker.asc", KEY + "\n")
    (tmp_path / "record.json").write_text(repo.key_record_text(KEY_URL, repo.key_checksum(KEY)))
    write(
        tmp_path / "docker.sources",
        repo.sources_content("mirror", "http://mirror/linux/debian", "bookworm", "stable", "amd64", args["keyring"]),
    )
    targets = {"containerd.io": C17, "docker-ce-cli": V26, "docker-ce": V26}
    write(tmp_path / "docker.pref", engine_packages.preferences(targets))
    return args


def write(path, text):
    with open(path, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o644)


def test_a_converged_host_differs_in_nothing(run_module, host):
    ended = run_module(engine_state.main, host)
    assert not ended.failed, ended.result["msg"]
    result = ended.result
    assert result["differs"] is False, result["summary"]
    assert result["summary"] == []
    assert result["repository"]["key"] == dict(installed=True, differs=None, fetch=False)
    assert result["ansible_facts"]["distribution_release"] == "bookworm"
    assert result["changed"] is False
    assert FakeApt.fetched == []  # a converged host asks the network for nothing


def test_a_source_file_changed_by_hand_is_found(run_module, host):
    write(host_path(host, "sources_file"), "deb http://elsewhere bookworm stable\n")
    result = run_module(engine_state.main, host).result
    assert result["differs"] and result["repository"]["sources"] == "content"
    assert result["summary"] == ["repository: source file content"]
    # The repository the host is switched back to is asked for its release file first.
    assert result["repository"]["answers"] is True and result["repository"]["answer_error"] == ""
    assert FakeApt.fetched == ["http://mirror/linux/debian/dists/bookworm/Release"]


def test_a_repository_being_switched_to_that_does_not_answer_is_reported(run_module, host):
    args = dict(host, repository_url="http://other/linux/{distribution}", repository_key_url="http://other/gpg")
    result = run_module(engine_state.main, args).result
    assert result["repository"]["sources"] == "content"
    assert result["repository"]["answers"] is False
    assert "http://other/linux/debian/dists/bookworm/Release" in result["repository"]["answer_error"]
    # The key comes from another URL: it must be fetched, and that failed too; the installed key stays.
    key = result["repository"]["key"]
    assert key["fetch"] and key["installed"] and key["content"] == ""
    assert "Could not resolve" in key["fetch_error"]


def test_download_false_only_reads(run_module, host):
    write(host_path(host, "keyring"), KEY.replace("abc", "xyz") + "\n")
    write(host_path(host, "sources_file"), "deb http://elsewhere bookworm stable\n")
    result = run_module(engine_state.main, dict(host, download=False)).result
    assert result["repository"]["key"] == dict(installed=True, differs="content", fetch=True)
    assert "answers" not in result["repository"] and FakeApt.fetched == []


def test_a_key_changed_by_hand_must_be_fetched_again(run_module, host):
    write(host_path(host, "keyring"), KEY.replace("abc", "xyz") + "\n")
    result = run_module(engine_state.main, host).result
    assert result["repository"]["key"] == dict(
        installed=True, differs="content", fetch=True, content=KEY, fetch_error=""
    )
    assert FakeApt.fetched == [KEY_URL]


def test_a_legacy_one_line_source_is_found(run_module, host, tmp_path):
    write(tmp_path / "docker.list", "deb [signed-by=/x] http://mirror/linux/debian bookworm stable\n")
    result = run_module(engine_state.main, host).result
    assert result["repository"]["legacy_sources"] == [str(tmp_path / "docker.list")]


def test_a_pin_file_removed_by_hand_is_found(run_module, host):
    os.remove(host_path(host, "preferences_file"))
    result = run_module(engine_state.main, host).result
    assert result["packages"]["pin_changed"] and result["summary"] == ["apt pin / dpkg holds"]


def test_a_version_change_is_planned_and_the_engine_read_for_the_swarm_guard(run_module, host, monkeypatch):
    monkeypatch.setitem(OFFERED, "docker-ce", [V26.replace("26.1.5", "26.1.6"), V26])
    monkeypatch.setitem(OFFERED, "docker-ce-cli", [V26.replace("26.1.5", "26.1.6"), V26])
    monkeypatch.setattr(engine_state, "read_socket", fake_socket)
    result = run_module(engine_state.main, host).result
    assert [change["package"] for change in result["changes"]] == ["docker-ce-cli", "docker-ce"]
    assert result["version_after"] == {"server": "26.1.6"}
    assert result["answers"] is True
    assert result["swarm"]["role"] == "worker"


def fake_socket(path, endpoint, timeout=5):
    return {
        "/info": {"Swarm": {"LocalNodeState": "active", "ControlAvailable": False, "NodeID": "n2"}},
        "/version": {"Version": "26.1.5"},
    }[endpoint]


def test_stale_package_lists_are_refreshed_and_a_failure_is_a_warning(run_module, host, monkeypatch):
    monkeypatch.setattr(engine_state, "lists_older_than", lambda seconds: seconds < 7200)

    def update(self):
        raise engine_state.AptError("`apt-get -q update` failed (rc=100):\nE: Failed to fetch http://mirror")

    monkeypatch.setattr(FakeApt, "update", update)
    result = run_module(engine_state.main, host).result
    assert result["repository_unreachable"] is True
    assert result["differs"] is False  # nothing to change: a converged host goes on with the mirror down
    assert "Failed to fetch" in result["apt_refresh_error"]


def test_an_empty_version_is_refused_naming_the_variable(run_module, host):
    ended = run_module(engine_state.main, dict(host, version=" "))
    assert ended.failed and ended.result["msg"].startswith("engine_version is not set.")


def test_a_user_that_does_not_exist_is_refused(run_module, host):
    ended = run_module(engine_state.main, dict(host, users=["root", "no-such-user-dockfleet"]))
    assert ended.failed
    assert "engine_users lists no-such-user-dockfleet, which do not exist" in ended.result["msg"]


def test_a_host_without_apt_is_refused(run_module, host, monkeypatch):
    monkeypatch.setattr(engine_state, "read_os_release", lambda: {"ID": "rocky", "PRETTY_NAME": "Rocky Linux 9"})
    ended = run_module(engine_state.main, host)
    assert ended.failed and "Debian and Ubuntu hosts (apt) only; this host runs Rocky Linux 9" in ended.result["msg"]


def test_distro_packages_want_the_docker_repository_removed(run_module, host):
    result = run_module(engine_state.main, dict(host, repository="distro")).result
    assert result["repository"]["remove"] == [host["sources_file"], host["keyring"]]
    assert FakeApt.fetched == []
    assert json.loads(json.dumps(result["repository"]))["differs"] is True


def host_path(args, name):
    return args[name]
