# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""network_ingress: who publishes through the routing mesh, which declarations of the ingress network are
refused, and how a declared ingress is matched to the engine's one; with resource_diff's plan, when it is
replaced, removed, left alone or refused."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import network_ingress as ni
from ansible_collections.dockfleet.docker.plugins.module_utils import resource_diff as rd

# Docker's own ingress as `docker network inspect ingress` shows it after `docker swarm init`.
ENGINE_INGRESS = {
    "Name": "ingress",
    "Id": "ing1",
    "Driver": "overlay",
    "Scope": "swarm",
    "Ingress": True,
    "Attachable": False,
    "Internal": False,
    "EnableIPv6": False,
    "Options": {"com.docker.network.driver.overlay.vxlanid_list": "4096"},
    "Labels": {},
    "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]},
}


def service(name, *modes):
    ports = [
        dict({"TargetPort": 80, "PublishedPort": 8000 + i}, **({"PublishMode": m} if m else {}))
        for i, m in enumerate(modes)
    ]
    return {"ID": "id-" + name, "Spec": {"Name": name, "EndpointSpec": {"Ports": ports} if modes else {}}}


def declared(**spec):
    return rd.normalise_network(dict({"name": "ingress", "ingress": True}, **spec))


def encrypted_ingress():
    engine = dict(ENGINE_INGRESS, Id="ing2", Options=dict(ENGINE_INGRESS["Options"], encrypted=""))
    engine["Labels"] = {rd.MANAGED_LABEL: "true"}
    return engine


def plan(declarations, current, services=(), **policy):
    def users_of(name):
        return ni.ingress_users(services) if ni.is_ingress(current[name]) else []

    return rd.plan(
        "network", ni.resolve_ingress(declarations, current), current, rd.network_differences, users_of, **policy
    )


class TestIngressUsers:
    def test_default_publish_mode_is_ingress(self):
        assert ni.ingress_users([service("web", None)]) == [{"kind": "service", "name": "web", "via": "ingress"}]

    def test_host_mode_and_unpublished_services_do_not_use_it(self):
        services = [service("edge", "host"), service("worker"), service("api", "host", "ingress")]
        assert [u["name"] for u in ni.ingress_users(services)] == ["api"]


class TestDeclarationErrors:
    def test_a_plain_ingress_is_fine(self):
        assert ni.declaration_errors([{"name": "ingress", "ingress": True, "encrypted": True}]) == []

    @pytest.mark.parametrize(
        "item, message",
        [
            ({"driver": "bridge"}, "is an overlay; remove driver 'bridge'"),
            ({"attachable": True}, "cannot be attachable"),
            ({"scope": "local"}, "has scope 'swarm'"),
        ],
    )
    def test_refusals_name_the_entry(self, item, message):
        (error,) = ni.declaration_errors([{"name": "x"}, dict({"name": "ingress", "ingress": True}, **item)])
        assert error.startswith("networks[1] (network 'ingress'): ") and message in error

    def test_one_ingress_per_swarm(self):
        items = [{"name": "ingress", "ingress": True}, {"name": "mesh-in", "ingress": True}]
        (error,) = ni.declaration_errors(items)
        assert "networks[0] (network 'ingress'), networks[1] (network 'mesh-in')" in error and "declare one" in error

    def test_absent_needs_only_the_flag(self):
        assert (
            ni.declaration_errors([{"name": "ingress", "ingress": True, "state": "absent", "driver": "bridge"}]) == []
        )

    def test_the_name_ingress_is_still_refused_for_an_ordinary_network(self):
        with pytest.raises(rd.DeclarationError, match="ingress: true"):
            rd.normalise_network({"name": "ingress", "driver": "overlay"})


class TestPlan:
    def test_docker_s_unencrypted_ingress_is_recreated_even_with_recreate_never(self):
        steps, errors = plan([declared(encrypted=True)], {"ingress": ENGINE_INGRESS})
        assert errors == []
        (step,) = steps
        assert step["action"] == "recreated"
        assert step["differences"] == [{"field": "encrypted", "declared": True, "engine": False}]

    def test_a_converged_ingress_is_unchanged(self):
        steps, errors = plan([declared(encrypted=True)], {"ingress": encrypted_ingress()})
        assert errors == [] and [s["action"] for s in steps] == ["unchanged"]

    def test_declared_without_options_docker_s_own_is_unchanged(self):
        steps, _errors = plan([declared()], {"ingress": ENGINE_INGRESS})
        assert steps[0]["action"] == "unchanged"

    def test_subnet_change_recreates(self):
        spec = declared(encrypted=True, ipam_config=[{"subnet": "10.11.0.0/24", "gateway": "10.11.0.1"}])
        steps, errors = plan([spec], {"ingress": encrypted_ingress()})
        assert errors == [] and steps[0]["action"] == "recreated"
        assert steps[0]["differences"][0]["field"] == "ipam_config.subnets"

    def test_refused_naming_only_services_that_publish_through_it(self):
        services = [service("web", "ingress"), service("edge", "host")]
        _steps, errors = plan([declared(encrypted=True)], {"ingress": ENGINE_INGRESS}, services)
        (error,) = errors
        assert "network 'ingress' is in use by service web and it must be recreated" in error
        assert "edge" not in error and "publish them in host mode" in error

    def test_force_does_not_detach_services(self):
        _steps, errors = plan(
            [declared(encrypted=True)],
            {"ingress": ENGINE_INGRESS},
            [service("web", None)],
            recreate="always",
            force=True,
        )
        assert len(errors) == 1

    def test_absent_removes_it_when_unused_whatever_its_name(self):
        current = {"my-ingress": dict(ENGINE_INGRESS, Name="my-ingress")}
        steps, errors = plan([declared(state="absent")], current)
        assert errors == [] and [(s["name"], s["action"]) for s in steps] == [("my-ingress", "removed")]

    def test_absent_refused_while_published_through(self):
        _steps, errors = plan([declared(state="absent")], {"ingress": ENGINE_INGRESS}, [service("web", None)])
        assert "service web and it is declared absent" in errors[0]

    def test_absent_without_an_ingress_is_unchanged(self):
        steps, errors = plan([declared(state="absent")], {})
        assert errors == [] and steps[0]["action"] == "unchanged"

    def test_a_new_name_removes_the_engine_s_ingress_first(self):
        steps, errors = plan([declared(name="mesh-ingress", encrypted=True)], {"ingress": ENGINE_INGRESS})
        assert errors == []
        assert [(s["name"], s["action"]) for s in rd.apply_order(steps)] == [
            ("ingress", "removed"),
            ("mesh-ingress", "created"),
        ]

    def test_exclusive_never_removes_an_undeclared_ingress(self):
        steps, _errors = plan([], {"ingress": encrypted_ingress()}, exclusive=True)
        assert steps == []

    def test_an_ordinary_network_is_not_the_ingress(self):
        current = {"mesh": dict(ENGINE_INGRESS, Name="mesh", Ingress=False)}
        steps, errors = plan([rd.normalise_network({"name": "mesh", "driver": "overlay"})], current)
        assert errors == [] and steps[0]["action"] == "unchanged"

    def test_ingress_changes_are_named_for_the_manager_check(self):
        decl = ni.resolve_ingress([declared(encrypted=True)], {"ingress": ENGINE_INGRESS})
        steps, _errors = plan([declared(encrypted=True)], {"ingress": ENGINE_INGRESS})
        assert ni.changes_ingress(steps, decl, {"ingress": ENGINE_INGRESS}) == ["ingress"]
        assert ni.changes_ingress([{"name": "ingress", "action": "unchanged"}], decl, {"ingress": ENGINE_INGRESS}) == []


def test_create_arguments_ask_for_an_ingress_network():
    arguments = rd.network_create_arguments(declared(encrypted=True))
    assert arguments["ingress"] is True and arguments["driver"] == "overlay" and "encrypted" in arguments["options"]
    assert "ingress" not in rd.network_create_arguments(rd.normalise_network({"name": "web"}))
