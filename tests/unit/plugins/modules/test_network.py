# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""network: community.docker.docker_network's names (ipam_driver_options, iprange) reach the
engine as the options they alias, and declaration errors fail before the engine changes."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.modules import network


class FakeEngine:
    def __init__(self, networks=()):
        self._networks = list(networks)
        self.created = []
        self.removed = []

    def networks(self):
        return list(self._networks)

    def containers(self, all=False, filters=None):
        return []

    def services(self):
        return []

    def create_network(self, **kwargs):
        self.created.append(kwargs)
        return {"Id": "new-" + kwargs["name"]}

    def remove_network(self, network_id):
        self.removed.append(network_id)


@pytest.fixture
def engine(monkeypatch):
    fake = FakeEngine()
    monkeypatch.setattr(network, "connect", lambda module: fake)
    return fake


def test_community_docker_ipam_names_reach_the_engine(run_module, engine):
    ended = run_module(
        network.main,
        {
            "name": "frontend",
            "ipam_driver_options": {"com.example.pool": "blue"},
            "ipam_config": [{"subnet": "10.30.0.0/24", "iprange": "10.30.0.128/25"}],
        },
    )
    assert not ended.failed and ended.result["changed"]
    (created,) = engine.created
    assert created["ipam"] == {
        "Driver": "default",
        "Config": [{"Subnet": "10.30.0.0/24", "IPRange": "10.30.0.128/25"}],
        "Options": {"com.example.pool": "blue"},
    }


def test_the_aliases_work_in_the_networks_list(run_module, engine):
    ended = run_module(
        network.main,
        {
            "networks": [
                {
                    "name": "backend",
                    "ipam_driver_options": {"k": "v"},
                    "ipam_config": [{"subnet": "10.31.0.0/24", "iprange": "10.31.0.0/26"}],
                }
            ]
        },
    )
    assert ended.result["changed"]
    assert engine.created[0]["ipam"]["Config"] == [{"Subnet": "10.31.0.0/24", "IPRange": "10.31.0.0/26"}]
    assert engine.created[0]["ipam"]["Options"] == {"k": "v"}


def test_an_existing_network_declared_with_the_aliases_is_unchanged(run_module, engine):
    engine._networks.append(
        {
            "Name": "frontend",
            "Id": "abc",
            "Driver": "bridge",
            "Scope": "local",
            "Internal": False,
            "Attachable": False,
            "EnableIPv6": False,
            "Options": {},
            "Labels": {"io.dockfleet.managed": "true"},
            "IPAM": {
                "Driver": "default",
                "Options": {"com.example.pool": "blue"},
                "Config": [{"Subnet": "10.30.0.0/24", "IPRange": "10.30.0.128/25", "Gateway": "10.30.0.1"}],
            },
        }
    )
    ended = run_module(
        network.main,
        {
            "name": "frontend",
            "ipam_driver_options": {"com.example.pool": "blue"},
            "ipam_config": [{"subnet": "10.30.0.0/24", "iprange": "10.30.0.128/25"}],
        },
    )
    assert not ended.failed and not ended.result["changed"], ended.result
    assert engine.created == [] and engine.removed == []


def test_check_mode_creates_nothing(run_module, engine):
    ended = run_module(network.main, {"name": "frontend"}, check_mode=True)
    assert ended.result["changed"] and engine.created == []


def test_a_single_network_option_and_the_list_are_mutually_exclusive(run_module, engine):
    ended = run_module(network.main, {"networks": [{"name": "a"}], "ipam_driver_options": {"k": "v"}})
    assert ended.failed and "mutually exclusive" in ended.result["msg"]


def test_nothing_declared_is_an_error(run_module, engine):
    ended = run_module(network.main, {})
    assert ended.failed and ended.result["msg"].startswith("Declare the networks")


def test_a_pool_without_a_subnet_is_refused_before_connecting(run_module, monkeypatch):
    monkeypatch.setattr(network, "connect", lambda module: pytest.fail("connected"))
    ended = run_module(network.main, {"name": "a", "ipam_config": [{"iprange": "10.0.0.0/26"}]})
    assert ended.failed and "subnet" in ended.result["msg"]


def test_a_client_key_without_its_certificate_is_refused_naming_both(run_module, engine):
    ended = run_module(network.main, {"name": "a", "tls_client_key": "/etc/docker/key.pem"})
    assert ended.failed and ended.result["msg"] == "parameters are required together: client_cert, client_key"


def test_an_engine_error_while_creating_fails_the_module(run_module, engine):
    def refuse(**kwargs):
        raise RuntimeError("Pool overlaps with other one on this address space")

    engine.create_network = refuse
    ended = run_module(network.main, {"name": "frontend", "ipam_config": [{"subnet": "172.17.0.0/16"}]})
    assert ended.failed
    assert ended.result["msg"] == (
        "Docker engine refused to create network 'frontend': Pool overlaps with other one on this address space"
    )
