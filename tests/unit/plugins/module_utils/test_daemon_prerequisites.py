# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_prerequisites import (
    plugin_paths,
    prerequisite_errors,
)


class FakeHost:
    def __init__(self, users=(), groups=(), subuid=(), subgid=(), paths=()):
        self.users, self.groups, self.paths = set(users), set(groups), set(paths)
        self.subids = {"subuid": set(subuid), "subgid": set(subgid)}

    def user_exists(self, name):
        return name in self.users

    def group_exists(self, name):
        return name in self.groups

    def has_subordinate_ids(self, kind, owner):
        return owner in self.subids[kind]

    def path_exists(self, path):
        return path in self.paths


def test_default_and_no_remap_are_not_checked():
    assert prerequisite_errors({"userns-remap": "default"}, FakeHost()) == []
    assert prerequisite_errors({}, FakeHost()) == []


def test_a_missing_user_is_named_with_the_role_variable():
    (error,) = prerequisite_errors({"userns-remap": "nosuch"}, FakeHost())
    assert "user 'nosuch' does not exist" in error and "daemon_userns_remap" in error


def test_a_user_with_its_ranges_passes_and_missing_ranges_or_group_are_named():
    host = FakeHost(users=["remap"], groups=["remap"], subuid=["remap"], subgid=["remap"])
    assert prerequisite_errors({"userns-remap": "remap"}, host) == []
    assert prerequisite_errors({"userns-remap": "remap:remap"}, host) == []
    errors = prerequisite_errors({"userns-remap": "remap:nogroup"}, host)
    assert any("group 'nogroup' does not exist" in e for e in errors)
    (error,) = prerequisite_errors({"userns-remap": "remap"}, FakeHost(users=["remap"], subuid=["remap"]))
    assert "/etc/subgid has no range for 'remap'" in error


def test_an_authorization_plugin_is_looked_for_where_docker_looks():
    assert "/run/docker/plugins/authz.sock" in plugin_paths("authz")
    assert "/etc/docker/plugins/authz.spec" in plugin_paths("authz")
    assert "/usr/lib/docker/plugins/authz.json" in plugin_paths("authz")
    (error,) = prerequisite_errors({"authorization-plugins": ["authz"]}, FakeHost())
    assert "plugin 'authz' is not installed" in error and "daemon_options" in error
    found = FakeHost(paths=["/usr/lib/docker/plugins/authz.spec"])
    assert prerequisite_errors({"authorization-plugins": ["authz", "vendor/managed:1.0"]}, found) == []
