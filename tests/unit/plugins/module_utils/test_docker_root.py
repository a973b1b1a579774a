# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""dockerd's root (and so the swarm directory) from the engine or from daemon.json with /etc/subuid and /etc/subgid."""

from __future__ import annotations

import json

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.docker_root import (
    DataRootError,
    configured_root,
    engine_root,
    parse_id_ranges,
    read_configured_root,
    read_daemon_config,
    remap_user,
    root_mismatch,
    swarm_dir,
)

# As the daemon role leaves them: an admin user first, then dockremap after the ranges already handed out.
SUBUID = "admin:100000:65536\ndockremap:165536:65536\n"
SUBGID = "admin:100000:65536\ndockremap:231072:65536\n"
USERS = {"dockremap": ("dockremap", 999), "999": ("dockremap", 999), "app": ("app", 1001), "1001": ("app", 1001)}


def lookup(name_or_uid):
    return USERS.get(name_or_uid)


def test_default_root():
    assert configured_root({}) == "/var/lib/docker"
    assert swarm_dir(configured_root({})) == "/var/lib/docker/swarm"


def test_data_root_moves_it():
    assert configured_root({"data-root": "/srv/docker/"}) == "/srv/docker"
    assert configured_root({"graph": "/old/docker"}) == "/old/docker"  # the 20.10 name


def test_userns_remap_default_is_dockremaps_ranges():
    root = configured_root({"userns-remap": "default"}, SUBUID, SUBGID, lookup)
    assert root == "/var/lib/docker/165536.231072"
    assert swarm_dir(root) == "/var/lib/docker/165536.231072/swarm"


def test_userns_remap_under_a_custom_data_root():
    config = {"data-root": "/srv/docker", "userns-remap": "default"}
    assert configured_root(config, SUBUID, SUBGID, lookup) == "/srv/docker/165536.231072"


@pytest.mark.parametrize("value", ["app", "app:app", "1001", "1001:1001"])
def test_userns_remap_named_user(value):
    subuid = "app:300000:65536\n"
    subgid = "# comment\napp:400000:65536\nbroken line\n"
    assert configured_root({"userns-remap": value}, subuid, subgid, lookup) == "/var/lib/docker/300000.400000"


def test_ranges_by_uid_come_before_ranges_by_name_and_the_lowest_start_wins():
    subuid = "app:500000:65536\n1001:700000:65536\n1001:600000:65536\n"
    subgid = "app:500000:65536\n"
    assert configured_root({"userns-remap": "app"}, subuid, subgid, lookup) == "/var/lib/docker/600000.500000"


def test_userns_remap_without_ranges_is_an_error_naming_the_file():
    with pytest.raises(DataRootError, match="'app' has no subordinate uid range in /etc/subuid"):
        configured_root({"userns-remap": "app"}, SUBUID, SUBGID, lookup)


def test_userns_remap_of_an_unknown_user():
    with pytest.raises(DataRootError, match="no such user"):
        configured_root({"userns-remap": "nobody-here"}, SUBUID, SUBGID, lookup)
    with pytest.raises(DataRootError, match="dockremap user does not exist yet"):
        configured_root({"userns-remap": "default"}, SUBUID, SUBGID, lambda name: None)


def test_remap_user_and_id_ranges():
    assert remap_user("") is None and remap_user(None) is None
    assert remap_user("default") == "dockremap"
    assert remap_user("app:staff") == "app"
    assert parse_id_ranges("a:1:2\nb:x:2\nc:3:0\n#d:4:5\n") == [("a", 1, 2)]


def test_engine_root_is_what_the_engine_reports():
    assert engine_root({"DockerRootDir": "/var/lib/docker/165536.231072"}) == "/var/lib/docker/165536.231072"
    assert engine_root({}) is None


def test_root_mismatch_tells_a_change_not_applied_yet():
    assert root_mismatch("/var/lib/docker", "/var/lib/docker") is None
    assert root_mismatch("/var/lib/docker", None) is None  # daemon.json does not set it: flags may
    message = root_mismatch("/var/lib/docker", "/var/lib/docker/165536.231072")
    assert "runs with data root /var/lib/docker" in message and "Restart docker" in message
    assert "Nothing was changed" in message


def test_reading_the_host_files(tmp_path):
    etc = tmp_path / "etc"
    (etc / "docker").mkdir(parents=True)
    daemon_json = etc / "docker" / "daemon.json"
    assert read_daemon_config(str(daemon_json)) == {}
    daemon_json.write_text(json.dumps({"data-root": "/srv/docker", "userns-remap": "0"}))
    config = read_daemon_config(str(daemon_json))
    (etc / "subuid").write_text("root:200000:65536\n")
    (etc / "subgid").write_text("root:300000:65536\n")
    assert read_configured_root(config, etc=str(etc)) == "/srv/docker/200000.300000"
    assert read_configured_root({"log-driver": "json-file"}, explicit_only=True, etc=str(etc)) is None
    daemon_json.write_text("{not json")
    with pytest.raises(DataRootError, match="Cannot read"):
        read_daemon_config(str(daemon_json))
