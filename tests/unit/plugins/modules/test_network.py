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
        self._networks = [n for n in self._networks if n.get("Id") != network_id]


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


ENGINE_INGRESS = {
    "Name": "ingress",
    "Id": "ing1",
    "Driver": "overlay",
    "Scope": "swarm",
    "Ingress": True,
    "Options": {"com.docker.network.driver.overlay.vxlanid_list": "4096"},
    "Labels": {},
    "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]},
}


class SwarmEngine(FakeEngine):
    def __init__(self, manager=True, services=()):
        super().__init__([dict(ENGINE_INGRESS)])
        self.manager = manager
        self._services = list(services)

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": self.manager}}

    def services(self):
        return list(self._services)


ENCRYPTED_INGRESS = {"name": "ingress", "ingress": True, "encrypted": True}


def test_ingress_is_removed_then_created_encrypted(run_module, monkeypatch):
    fake = SwarmEngine()
    monkeypatch.setattr(network, "connect", lambda module: fake)
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS]})
    assert not ended.failed and ended.result["changed"], ended.result
    assert fake.removed == ["ing1"]
    (created,) = fake.created
    assert created["ingress"] is True and "encrypted" in created["options"]
    assert ended.result["diff"]["before"]["ingress"]["encrypted"] is False
    assert ended.result["diff"]["after"]["ingress"]["encrypted"] is True


def test_ingress_in_check_mode_predicts_and_changes_nothing(run_module, monkeypatch):
    fake = SwarmEngine()
    monkeypatch.setattr(network, "connect", lambda module: fake)
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS]}, check_mode=True)
    assert ended.result["changed"] and ended.result["networks"][0]["action"] == "recreated"
    assert fake.removed == [] and fake.created == []


def test_ingress_published_through_is_refused_naming_the_service(run_module, monkeypatch):
    services = [
        {"Spec": {"Name": "web", "EndpointSpec": {"Ports": [{"TargetPort": 80, "PublishedPort": 80}]}}},
        {"Spec": {"Name": "edge", "EndpointSpec": {"Ports": [{"TargetPort": 80, "PublishMode": "host"}]}}},
    ]
    fake = SwarmEngine(services=services)
    monkeypatch.setattr(network, "connect", lambda module: fake)
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS]}, check_mode=True)
    assert ended.failed and "in use by service web" in ended.result["msg"] and "edge" not in ended.result["msg"]
    assert fake.removed == [] and fake.created == []


def test_ingress_only_on_a_manager(run_module, monkeypatch):
    fake = SwarmEngine(manager=False)
    monkeypatch.setattr(network, "connect", lambda module: fake)
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS]})
    assert ended.failed and "only on a swarm manager" in ended.result["msg"]
    assert fake.removed == [] and fake.created == []


def test_two_ingress_networks_are_refused_before_connecting(run_module, monkeypatch):
    monkeypatch.setattr(network, "connect", lambda module: pytest.fail("connected"))
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS, {"name": "in2", "ingress": True}]})
    assert ended.failed and "a swarm has one ingress network" in ended.result["msg"]


def test_a_new_ingress_is_created_once_the_engine_has_dropped_the_old_one(run_module, monkeypatch):
    fake = SwarmEngine()
    refusals = ["network with name ingress already exists"]
    create = fake.create_network

    def create_when_dropped(**kwargs):
        if refusals:
            raise RuntimeError(refusals.pop())
        return create(**kwargs)

    fake.create_network = create_when_dropped
    monkeypatch.setattr(network, "connect", lambda module: fake)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    ended = run_module(network.main, {"networks": [ENCRYPTED_INGRESS]})
    assert not ended.failed, ended.result
    assert fake.removed == ["ing1"] and len(fake.created) == 1 and refusals == []
