# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The daemon role's profiles (roles/daemon/vars/main.yml) are valid daemon.json settings for every supported
engine, and the hardened one sets what the README's CIS table says."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema as schema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
with open(os.path.join(ROOT, "roles", "daemon", "vars", "main.yml"), encoding="utf-8") as handle:
    PROFILES = yaml.safe_load(handle)["daemon_profiles"]


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize("engine", [(20, 10), (24, 0), (26, 1), (27, 5)])
def test_every_profile_validates(name, engine):
    settings = {k: v for k, v in PROFILES[name]["settings"].items() if v is not None}
    assert schema.validate(schema.candidate({}, PROFILES[name]["settings"], "merge"), engine) == []
    assert set(settings) <= set(schema.KEYS)


def test_every_profile_sets_the_same_variables():
    assert {name: sorted(profile["variables"]) for name, profile in PROFILES.items()} == {
        name: ["file_permissions", "log_driver", "tls", "userns_remap"] for name in PROFILES
    }


def test_the_default_profile_changes_nothing():
    assert PROFILES["default"]["settings"] == {}
    assert PROFILES["default"]["variables"] == {
        "userns_remap": "",
        "tls": False,
        "log_driver": "json-file",
        "file_permissions": False,
    }


def test_the_hardened_profile_sets_the_cis_keys():
    hardened = PROFILES["hardened"]
    assert hardened["settings"] == {
        "icc": False,  # 2.2
        "log-level": "info",  # 2.3
        "iptables": True,  # 2.4
        "insecure-registries": None,  # 2.5
        "no-new-privileges": True,  # 2.14
        "userland-proxy": False,  # 2.16
        "experimental": False,  # 2.18
    }
    assert hardened["variables"] == {
        "userns_remap": "default",  # 2.9
        "tls": True,  # 2.7
        "log_driver": "journald",  # 2.13
        "file_permissions": True,  # 3.x
    }
