# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declared vs engine-reported networks and volumes, and the batch plan (no daemon)."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import resource_diff as rd

# What `docker network inspect` returns on engine 26.1 for a network created with
# `--subnet 10.30.0.0/24 --label team=web`: the engine filled in the IPAM driver, the
# gateway, empty option maps and our management label.
ENGINE_BRIDGE = {
    "Name": "frontend",
    "Id": "0ed9259dab5a",
    "Scope": "local",
    "Driver": "bridge",
    "EnableIPv6": False,
    "IPAM": {"Driver": "default", "Options": {}, "Config": [{"Subnet": "10.30.0.0/24", "Gateway": "10.30.0.1"}]},
    "Internal": False,
    "Attachable": False,
    "Ingress": False,
    "Containers": {},
    "Options": {},
    "Labels": {"team": "web", "io.dockfleet.managed": "true"},
}

# An encrypted attachable overlay as a manager reports it: the VXLAN id is the engine's.
ENGINE_OVERLAY = {
    "Name": "mesh",
    "Id": "k3l0v9",
    "Scope": "swarm",
    "Driver": "overlay",
    "EnableIPv6": False,
    "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": "10.0.1.0/24", "Gateway": "10.0.1.1"}]},
    "Internal": False,
    "Attachable": True,
    "Ingress": False,
    "Options": {"com.docker.network.driver.overlay.vxlanid_list": "4097", "encrypted": ""},
    "Labels": {"io.dockfleet.managed": "true"},
}

ENGINE_VOLUME = {
    "Driver": "local",
    "Labels": {"backup": "daily", "io.dockfleet.managed": "true"},
    "Mountpoint": "/var/lib/docker/volumes/data/_data",
    "Name": "data",
    "Options": {"device": "tmpfs", "o": "size=10m", "type": "tmpfs"},
    "Scope": "local",
}


def network(**spec):
    spec.setdefault("name", "frontend")
    return rd.normalise_network(spec)


def volume(**spec):
    spec.setdefault("name", "data")
    return rd.normalise_volume(spec)


def fields(differences):
    return [d["field"] for d in differences]


# --------------------------------------------------------------------------- normalisation


class TestNormaliseNetwork:
    def test_defaults_are_the_engine_defaults(self):
        desired = network()
        assert desired["driver"] == "bridge"
        assert desired["state"] == "present"
        assert (desired["attachable"], desired["internal"], desired["encrypted"], desired["enable_ipv6"]) == (
            False,
            False,
            False,
            False,
        )
        assert desired["ipam_config"] is None and desired["labels"] is None and desired["scope"] is None

    def test_labels_and_options_become_strings(self):
        desired = network(
            labels={"tier": 1, "public": True}, driver_options={"com.docker.network.bridge.enable_icc": False}
        )
        assert desired["labels"] == {"tier": "1", "public": "true"}
        assert desired["driver_options"] == {"com.docker.network.bridge.enable_icc": "false"}

    def test_subnets_and_addresses_are_canonical(self):
        desired = network(
            enable_ipv6=True,
            ipam_config=[
                {"subnet": "10.30.0.5/24", "gateway": "10.30.0.1/24", "aux_addresses": {"router": "10.30.0.2"}},
                {"subnet": "fd00:0:0:0::/64", "gateway": "fd00:0::1"},
            ],
        )
        assert desired["ipam_config"][0] == {
            "subnet": "10.30.0.0/24",
            "gateway": "10.30.0.1",
            "ip_range": None,
            "aux_addresses": {"router": "10.30.0.2"},
        }
        assert desired["ipam_config"][1]["subnet"] == "fd00::/64"
        assert desired["ipam_config"][1]["gateway"] == "fd00::1"

    def test_empty_ipam_config_means_engine_assigned(self):
        assert network(ipam_config=[])["ipam_config"] is None

    @pytest.mark.parametrize(
        "spec, message",
        [
            ({"name": "bridge"}, "engine creates and owns"),
            ({"name": "ingress", "state": "absent"}, "engine creates and owns"),
            ({"name": " "}, "needs a name"),
            ({"ipam_config": [{"gateway": "10.0.0.1"}]}, "needs a subnet"),
            ({"ipam_config": [{"subnet": "10.0.0.0/33"}]}, "not an IP network"),
            ({"ipam_config": [{"subnet": "10.0.0.0/24", "gateway": "10.0.1.1"}]}, "gateway 10.0.1.1 is outside subnet"),
            (
                {"ipam_config": [{"subnet": "10.0.0.0/24", "ip_range": "10.0.0.0/16"}]},
                "ip_range 10.0.0.0/16 is outside",
            ),
            (
                {"ipam_config": [{"subnet": "10.0.0.0/24", "aux_addresses": {"r": "10.9.0.1"}}]},
                "aux address r=10.9.0.1",
            ),
            ({"ipam_config": [{"subnet": "10.0.0.0/24"}, {"subnet": "10.0.0.0/24"}]}, "declared twice"),
            ({"ipam_config": [{"subnet": "fd00::/64"}]}, "set enable_ipv6: true"),
            ({"encrypted": True}, "overlay networks only"),
            ({"attachable": True, "driver": "macvlan"}, "overlay networks only"),
            ({"driver": "overlay", "scope": "local"}, "scope 'swarm'"),
            ({"labels": {"io.dockfleet.managed": "false"}}, "set by dockfleet itself"),
            ({"driver": "overlay", "driver_options": {"encrypted": ""}}, "use encrypted: true"),
            ({"labels": ["a=b"]}, "must be a mapping"),
        ],
    )
    def test_invalid_declarations_say_what_and_where(self, spec, message):
        with pytest.raises(rd.DeclarationError, match=message):
            network(**spec)

    def test_absent_needs_only_a_name(self):
        assert network(state="absent", encrypted=True)["state"] == "absent"


# --------------------------------------------------------------------------- network comparison


class TestNetworkDifferences:
    def test_engine_filled_ipam_defaults_are_not_drift(self):
        # Declared: subnet only. Engine added IPAM driver "default", a gateway and an empty option map.
        desired = network(ipam_config=[{"subnet": "10.30.0.0/24"}], labels={"team": "web"})
        assert rd.network_differences(desired, ENGINE_BRIDGE) == []

    def test_auto_assigned_subnet_is_not_drift_when_none_declared(self):
        assert rd.network_differences(network(), ENGINE_BRIDGE) == []

    def test_engine_without_gateway_or_ipam_options(self):
        # Engine 20.10 omits Gateway when a subnet was given, and may report Options: null.
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["IPAM"] = {"Driver": "", "Options": None, "Config": [{"Subnet": "10.30.0.0/24"}]}
        engine["Options"] = None
        desired = network(ipam_driver="default", ipam_config=[{"subnet": "10.30.0.0/24"}])
        assert rd.network_differences(desired, engine) == []

    def test_label_order_and_management_label_are_ignored(self):
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["Labels"] = {"io.dockfleet.managed": "true", "b": "2", "a": "1"}
        assert rd.network_differences(network(labels={"a": "1", "b": 2}), engine) == []

    def test_changed_or_removed_label_is_drift(self):
        assert fields(rd.network_differences(network(labels={"team": "api"}), ENGINE_BRIDGE)) == ["labels"]
        # Declaring labels: {} means "no labels": the team label must go.
        assert fields(rd.network_differences(network(labels={}), ENGINE_BRIDGE)) == ["labels"]

    def test_undeclared_labels_are_not_compared(self):
        assert rd.network_differences(network(), ENGINE_BRIDGE) == []

    def test_subnet_and_gateway_drift(self):
        desired = network(ipam_config=[{"subnet": "10.31.0.0/24", "gateway": "10.31.0.1"}])
        assert fields(rd.network_differences(desired, ENGINE_BRIDGE)) == ["ipam_config.subnets"]
        desired = network(ipam_config=[{"subnet": "10.30.0.0/24", "gateway": "10.30.0.254"}])
        differences = rd.network_differences(desired, ENGINE_BRIDGE)
        assert differences == [
            {"field": "ipam_config[10.30.0.0/24].gateway", "declared": "10.30.0.254", "engine": "10.30.0.1"}
        ]

    def test_equivalent_spellings_of_addresses_match(self):
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["EnableIPv6"] = True
        engine["IPAM"]["Config"] = [
            {"Subnet": "10.30.0.0/24", "Gateway": "10.30.0.1/24", "AuxiliaryAddresses": {"r": "10.30.0.2"}},
            {"Subnet": "fd00:0:0:0::/64", "Gateway": "fd00::1"},
        ]
        desired = network(
            enable_ipv6=True,
            ipam_config=[
                {"subnet": "10.30.0.0/24", "gateway": "10.30.0.1", "aux_addresses": {"r": "10.30.0.2"}},
                {"subnet": "fd00::/64", "gateway": "fd00:0::1"},
            ],
        )
        assert rd.network_differences(desired, engine) == []

    def test_auto_assigned_ipv6_subnet_is_ignored_when_only_ipv4_declared(self):
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["EnableIPv6"] = True
        engine["IPAM"]["Config"].append({"Subnet": "fd4b:1f7e:58c2::/64", "Gateway": "fd4b:1f7e:58c2::1"})
        desired = network(enable_ipv6=True, ipam_config=[{"subnet": "10.30.0.0/24"}])
        assert rd.network_differences(desired, engine) == []

    def test_extra_subnet_of_a_declared_family_is_drift(self):
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["IPAM"]["Config"].append({"Subnet": "10.40.0.0/24"})
        desired = network(ipam_config=[{"subnet": "10.30.0.0/24"}])
        assert fields(rd.network_differences(desired, engine)) == ["ipam_config.subnets"]

    def test_aux_addresses(self):
        declared = network(ipam_config=[{"subnet": "10.30.0.0/24", "aux_addresses": {"r": "10.30.0.9"}}])
        assert fields(rd.network_differences(declared, ENGINE_BRIDGE)) == ["ipam_config[10.30.0.0/24].aux_addresses"]
        # Declared empty aux_addresses against an engine that reports none: no drift.
        declared = network(ipam_config=[{"subnet": "10.30.0.0/24", "aux_addresses": {}}])
        assert rd.network_differences(declared, ENGINE_BRIDGE) == []

    def test_booleans_and_driver(self):
        assert fields(rd.network_differences(network(internal=True), ENGINE_BRIDGE)) == ["internal"]
        assert fields(rd.network_differences(network(driver="macvlan"), ENGINE_BRIDGE)) == ["driver"]
        assert fields(rd.network_differences(network(enable_ipv6=True), ENGINE_BRIDGE)) == ["enable_ipv6"]

    def test_overlay_vxlan_id_and_scope_are_not_drift(self):
        desired = network(name="mesh", driver="overlay", attachable=True, encrypted=True)
        assert rd.network_differences(desired, ENGINE_OVERLAY) == []
        desired = network(
            name="mesh",
            driver="overlay",
            scope="swarm",
            attachable=True,
            encrypted=True,
            ipam_config=[{"subnet": "10.0.1.0/24"}],
        )
        assert rd.network_differences(desired, ENGINE_OVERLAY) == []

    def test_encryption_drift_both_ways(self):
        desired = network(name="mesh", driver="overlay", attachable=True)
        assert fields(rd.network_differences(desired, ENGINE_OVERLAY)) == ["encrypted"]
        engine = copy.deepcopy(ENGINE_OVERLAY)
        del engine["Options"]["encrypted"]
        desired = network(name="mesh", driver="overlay", attachable=True, encrypted=True)
        assert fields(rd.network_differences(desired, engine)) == ["encrypted"]

    def test_driver_options_only_declared_keys(self):
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["Options"] = {"com.docker.network.bridge.name": "br-front", "com.docker.network.driver.mtu": "1400"}
        assert rd.network_differences(network(driver_options={"com.docker.network.driver.mtu": 1400}), engine) == []
        differences = rd.network_differences(network(driver_options={"com.docker.network.driver.mtu": "1500"}), engine)
        assert differences == [
            {"field": "driver_options.com.docker.network.driver.mtu", "declared": "1500", "engine": "1400"}
        ]

    def test_ipam_driver_and_options(self):
        assert fields(rd.network_differences(network(ipam_driver="custom"), ENGINE_BRIDGE)) == ["ipam_driver"]
        assert fields(rd.network_differences(network(ipam_options={"a": "b"}), ENGINE_BRIDGE)) == ["ipam_options.a"]

    def test_describe_network_speaks_the_declaration_vocabulary(self):
        described = rd.describe_network(ENGINE_OVERLAY)
        assert described["encrypted"] is True
        assert described["driver_options"] == {}
        assert described["labels"] == {}
        assert described["ipam_config"] == [
            {"subnet": "10.0.1.0/24", "gateway": "10.0.1.1", "ip_range": None, "aux_addresses": {}}
        ]
        assert rd.describe_network(None) is None


class TestNetworkCreateArguments:
    def test_management_label_encryption_and_ipam(self):
        desired = network(
            name="mesh",
            driver="overlay",
            attachable=True,
            encrypted=True,
            labels={"a": 1},
            ipam_config=[
                {
                    "subnet": "10.0.1.0/24",
                    "gateway": "10.0.1.1",
                    "ip_range": "10.0.1.128/25",
                    "aux_addresses": {"r": "10.0.1.2"},
                }
            ],
        )
        arguments = rd.network_create_arguments(desired)
        assert arguments["labels"] == {"a": "1", "io.dockfleet.managed": "true"}
        assert arguments["options"] == {"encrypted": ""}
        assert arguments["attachable"] is True
        assert arguments["ipam"] == {
            "Driver": "default",
            "Options": {},
            "Config": [
                {
                    "Subnet": "10.0.1.0/24",
                    "Gateway": "10.0.1.1",
                    "IPRange": "10.0.1.128/25",
                    "AuxiliaryAddresses": {"r": "10.0.1.2"},
                }
            ],
        }

    def test_created_network_compares_equal_to_its_declaration(self):
        desired = network(labels={"team": "web"}, ipam_config=[{"subnet": "10.30.0.0/24"}])
        arguments = rd.network_create_arguments(desired)
        # What the engine would report for these arguments, plus its own defaults.
        engine = copy.deepcopy(ENGINE_BRIDGE)
        engine["Labels"] = arguments["labels"]
        assert rd.network_differences(desired, engine) == []

    def test_no_ipam_when_none_declared(self):
        assert rd.network_create_arguments(network())["ipam"] is None


# --------------------------------------------------------------------------- volumes


class TestVolumes:
    def test_defaults(self):
        desired = volume()
        assert desired["driver"] == "local" and desired["labels"] is None and desired["driver_options"] is None

    def test_no_drift_for_same_declaration(self):
        desired = volume(
            driver_options={"type": "tmpfs", "device": "tmpfs", "o": "size=10m"}, labels={"backup": "daily"}
        )
        assert rd.volume_differences(desired, ENGINE_VOLUME) == []

    def test_label_and_option_drift(self):
        desired = volume(driver_options={"o": "size=20m"}, labels={"backup": "weekly"})
        assert fields(rd.volume_differences(desired, ENGINE_VOLUME)) == ["driver_options.o", "labels"]

    def test_engine_null_options(self):
        engine = dict(ENGINE_VOLUME, Options=None, Labels=None)
        assert rd.volume_differences(volume(), engine) == []
        assert fields(rd.volume_differences(volume(labels={"a": "b"}), engine)) == ["labels"]

    def test_management_label_is_ours(self):
        with pytest.raises(rd.DeclarationError, match="set by dockfleet itself"):
            volume(labels={"io.dockfleet.managed": "true"})

    def test_create_arguments(self):
        arguments = rd.volume_create_arguments(volume(driver_options={"type": "nfs", "o": "addr=10.0.0.5,ro"}))
        assert arguments == {
            "name": "data",
            "driver": "local",
            "driver_opts": {"type": "nfs", "o": "addr=10.0.0.5,ro"},
            "labels": {"io.dockfleet.managed": "true"},
        }


# --------------------------------------------------------------------------- planning


def unused(name):
    return []


def used_by(mapping):
    def users_of(name):
        return [dict(user) for user in mapping.get(name, [])]

    return users_of


def run_plan(declared, current, users_of=unused, **policy):
    policy.setdefault("force_detaches", True)
    return rd.plan("network", declared, current, rd.network_differences, users_of, **policy)


def actions(steps):
    return dict((step["name"], step["action"]) for step in steps)


class TestPlan:
    def test_create_and_unchanged_in_one_call(self):
        steps, errors = run_plan(
            [network(labels={"team": "web"}), network(name="backend")], {"frontend": ENGINE_BRIDGE}
        )
        assert errors == []
        assert actions(steps) == {"frontend": "unchanged", "backend": "created"}
        assert not rd.changed(steps[:1]) and rd.changed(steps)
        assert rd.summary(steps) == {"unchanged": 1, "created": 1}

    def test_users_are_only_asked_for_resources_that_would_be_removed(self):
        asked = []

        def users_of(name):
            asked.append(name)
            return []

        run_plan([network(labels={"team": "web"})], {"frontend": ENGINE_BRIDGE}, users_of)
        assert asked == []

    def test_never_fails_listing_the_differences(self):
        _steps, errors = run_plan([network(labels={"team": "api"})], {"frontend": ENGINE_BRIDGE})
        assert len(errors) == 1
        assert "network 'frontend' differs from its declaration" in errors[0]
        assert "labels: declared {'team': 'api'}, engine has {'team': 'web'}" in errors[0]
        assert "recreate: when_unused" in errors[0]

    def test_when_unused_recreates_an_unused_network(self):
        steps, errors = run_plan([network(labels={"team": "api"})], {"frontend": ENGINE_BRIDGE}, recreate="when_unused")
        assert errors == []
        assert actions(steps) == {"frontend": "recreated"}
        assert fields(steps[0]["differences"]) == ["labels"]

    def test_in_use_network_with_drift_names_the_container(self):
        users = used_by({"frontend": [{"kind": "container", "name": "web-1"}]})
        for policy in ("when_unused", "always"):
            steps, errors = run_plan(
                [network(labels={"team": "api"})], {"frontend": ENGINE_BRIDGE}, users, recreate=policy
            )
            assert len(errors) == 1 and "in use by container web-1" in errors[0], policy
            assert steps[0]["detach"] == []

    def test_when_unused_never_forces(self):
        users = used_by({"frontend": [{"kind": "container", "name": "web-1"}]})
        _steps, errors = run_plan(
            [network(labels={"team": "api"})], {"frontend": ENGINE_BRIDGE}, users, recreate="when_unused", force=True
        )
        assert "recreate: always with force: true" in errors[0]

    def test_always_with_force_detaches_and_reconnects_containers(self):
        users = used_by({"frontend": [{"kind": "container", "name": "web-1"}, {"kind": "container", "name": "web-2"}]})
        steps, errors = run_plan(
            [network(labels={"team": "api"})], {"frontend": ENGINE_BRIDGE}, users, recreate="always", force=True
        )
        assert errors == []
        assert steps[0]["action"] == "recreated" and steps[0]["detach"] == ["web-1", "web-2"]

    def test_services_are_never_detached_by_force(self):
        users = used_by({"mesh": [{"kind": "service", "name": "api"}]})
        _steps, errors = run_plan(
            [network(name="mesh", driver="overlay", attachable=True)],
            {"mesh": ENGINE_OVERLAY},
            users,
            recreate="always",
            force=True,
        )
        assert "service api" in errors[0] and "services cannot be detached" in errors[0]

    def test_volumes_cannot_be_forced(self):
        users = used_by({"data": [{"kind": "container", "name": "db"}]})
        _steps, errors = rd.plan(
            "volume",
            [volume(labels={"backup": "never"})],
            {"data": ENGINE_VOLUME},
            rd.volume_differences,
            users,
            recreate="always",
            force=True,
            force_detaches=False,
        )
        assert "volume 'data' is in use by container db" in errors[0]
        assert "cannot be detached" in errors[0]

    def test_absent(self):
        steps, errors = run_plan(
            [network(state="absent"), network(name="gone", state="absent")], {"frontend": ENGINE_BRIDGE}
        )
        assert errors == [] and actions(steps) == {"frontend": "removed", "gone": "unchanged"}

    def test_absent_in_use_needs_force(self):
        users = used_by({"frontend": [{"kind": "container", "name": "web-1"}]})
        _steps, errors = run_plan([network(state="absent")], {"frontend": ENGINE_BRIDGE}, users)
        assert "in use by container web-1" in errors[0] and "force: true" in errors[0]
        steps, errors = run_plan([network(state="absent")], {"frontend": ENGINE_BRIDGE}, users, force=True)
        assert errors == [] and steps[0]["detach"] == ["web-1"]

    def test_exclusive_removes_only_managed_leftovers(self):
        unlabelled = dict(ENGINE_BRIDGE, Name="handmade", Labels={"team": "web"})
        wrong_value = dict(ENGINE_BRIDGE, Name="other", Labels={"io.dockfleet.managed": "false"})
        leftover = dict(ENGINE_BRIDGE, Name="old")
        current = {"frontend": ENGINE_BRIDGE, "handmade": unlabelled, "other": wrong_value, "old": leftover}
        steps, errors = run_plan([network(labels={"team": "web"})], current, exclusive=True)
        assert errors == [] and actions(steps) == {"frontend": "unchanged", "old": "removed"}

    def test_exclusive_is_off_by_default(self):
        steps, _errors = run_plan([], {"old": ENGINE_BRIDGE})
        assert steps == []

    def test_exclusive_filter_limits_the_candidates(self):
        current = {"mesh": ENGINE_OVERLAY, "old": ENGINE_BRIDGE}
        steps, _errors = run_plan([], current, exclusive=True, exclusive_filter=lambda n: n["Scope"] == "local")
        assert actions(steps) == {"old": "removed"}

    def test_exclusive_leftover_in_use_is_refused(self):
        users = used_by({"old": [{"kind": "container", "name": "legacy"}]})
        _steps, errors = run_plan([], {"old": ENGINE_BRIDGE}, users, exclusive=True)
        assert "network 'old' is in use by container legacy" in errors[0]
        assert "no longer declared" in errors[0]

    def test_all_refusals_are_reported_together(self):
        users = used_by({"old": [{"kind": "container", "name": "legacy"}]})
        current = {"frontend": ENGINE_BRIDGE, "old": ENGINE_BRIDGE}
        _steps, errors = run_plan([network(labels={"x": "y"})], current, users, exclusive=True)
        assert len(errors) == 2

    def test_duplicate_declaration(self):
        _steps, errors = run_plan([network(), network()], {})
        assert "declared more than once" in errors[0]

    def test_unknown_policy(self):
        with pytest.raises(rd.DeclarationError, match="recreate must be one of"):
            run_plan([], {}, recreate="sometimes")


class TestReport:
    def test_results_and_diff_per_resource(self):
        current = {"frontend": ENGINE_BRIDGE, "old": dict(ENGINE_BRIDGE, Name="old")}
        declared = [network(labels={"team": "api"}), network(name="backend"), network(name="same", state="absent")]
        steps, errors = run_plan(declared, current, recreate="when_unused", exclusive=True)
        assert errors == []
        results, diff = rd.report(steps, declared, current, rd.describe_network)
        assert [(r["name"], r["action"]) for r in results] == [
            ("frontend", "recreated"),
            ("backend", "created"),
            ("same", "unchanged"),
            ("old", "removed"),
        ]
        assert results[0]["differences"][0]["field"] == "labels"
        # Unchanged resources stay out of the diff; created ones have no "before", removed ones no "after".
        assert sorted(diff["before"]) == sorted(diff["after"]) == ["backend", "frontend", "old"]
        assert diff["before"]["backend"] is None and diff["after"]["old"] is None
        assert diff["before"]["frontend"]["labels"] == {"team": "web"}
        assert diff["after"]["frontend"] == {
            "driver": "bridge",
            "attachable": False,
            "internal": False,
            "encrypted": False,
            "enable_ipv6": False,
            "labels": {"team": "api"},
        }

    def test_users_are_reported_as_text(self):
        users = used_by({"frontend": [{"kind": "container", "name": "web-1"}]})
        steps, _errors = run_plan([network(state="absent")], {"frontend": ENGINE_BRIDGE}, users, force=True)
        results, _diff = rd.report(steps, [network(state="absent")], {"frontend": ENGINE_BRIDGE}, rd.describe_network)
        assert results[0]["users"] == ["container web-1"]

    def test_removals_come_first_then_recreations_then_creations(self):
        steps = [
            {"name": "a", "action": "created"},
            {"name": "b", "action": "unchanged"},
            {"name": "c", "action": "recreated"},
            {"name": "d", "action": "removed"},
            {"name": "e", "action": "created"},
        ]
        assert [s["name"] for s in rd.apply_order(steps)] == ["d", "c", "a", "e", "b"]
