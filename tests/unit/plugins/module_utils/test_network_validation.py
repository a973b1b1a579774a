# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.network_validation import (
    declaration_errors,
    existing_overlap_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import normalise_network


def test_a_good_set_has_no_errors():
    items = [
        {"name": "front-end_1.a", "ipam_config": [{"subnet": "10.1.0.0/24", "gateway": "10.1.0.1"}]},
        {"name": "back", "driver": "overlay", "ipam_config": [{"subnet": "10.2.0.0/24", "ip_range": "10.2.0.128/25"}]},
        {"name": "old", "state": "absent", "ipam_config": [{"subnet": "10.1.0.0/24"}]},
    ]
    assert declaration_errors(items) == []


@pytest.mark.parametrize(
    "items, fragments",
    [
        ([{"name": "has space"}], ["networks[0] (network 'has space')", "white space"]),
        ([{"name": "-dash"}], ["networks[0]", "starting with a letter or digit"]),
        ([{"name": ""}], ["networks[0]", "every network needs a name"]),
        ([{"name": "a.b", "driver": "overlay"}], ["DNS name component"]),
        (
            [{"name": "a", "ipam_config": [{"subnet": "10.0.0.0/33"}]}],
            ["networks[0].ipam_config[0].subnet", "CIDR"],
        ),
        (
            [{"name": "a", "ipam_config": [{"subnet": "10.0.0.0/24", "gateway": "10.0.1.1"}]}],
            ["networks[0].ipam_config[0]: gateway 10.0.1.1 is outside subnet 10.0.0.0/24"],
        ),
        (
            [{"name": "a", "ipam_config": [{"subnet": "10.0.0.0/24", "ip_range": "10.0.0.0/23"}]}],
            ["networks[0].ipam_config[0]: ip_range 10.0.0.0/23 is outside subnet"],
        ),
        (
            [{"name": "a", "ipam_config": [{"subnet": "10.0.0.0/24", "aux_addresses": {"router": "10.9.0.1"}}]}],
            ["networks[0].ipam_config[0]: aux address router=10.9.0.1 is outside subnet"],
        ),
        (
            [{"name": "a", "ipam_config": [{"gateway": "10.0.0.1"}]}],
            ["networks[0].ipam_config[0].subnet is missing"],
        ),
        (
            [
                {"name": "a", "ipam_config": [{"subnet": "10.5.0.0/16"}]},
                {"name": "b", "ipam_config": [{"subnet": "10.5.3.0/24"}]},
            ],
            ["network 'b': networks[1].ipam_config[0].subnet 10.5.3.0/24 overlaps networks[0].ipam_config[0].subnet"],
        ),
    ],
)
def test_each_bad_declaration_names_the_option(items, fragments):
    errors = declaration_errors(items)
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0]


def test_every_error_of_the_set_is_reported_at_once():
    items = [
        {"name": "bad name", "ipam_config": [{"subnet": "10.0.0.0/24", "gateway": "10.1.0.1"}]},
        {"name": "b", "ipam_config": [{"subnet": "10.0.0.0/25"}]},
    ]
    assert len(declaration_errors(items)) == 3


def test_the_single_form_names_the_top_level_options():
    (error,) = declaration_errors(
        [{"name": "a", "ipam_config": [{"subnet": "10.0.0.0/24", "gateway": "1.1.1.1"}]}], option="network"
    )
    assert error.startswith("network 'a': ipam_config[0]: gateway 1.1.1.1 is outside subnet")


def test_a_subnet_overlapping_an_undeclared_engine_network_is_refused_whatever_its_scope():
    declared = [normalise_network({"name": "edge", "driver": "overlay", "ipam_config": [{"subnet": "172.17.5.0/24"}]})]
    current = {
        "bridge": {"Name": "bridge", "Scope": "local", "IPAM": {"Config": [{"Subnet": "172.17.0.0/16"}]}},
        "edge": {"Name": "edge", "Scope": "swarm", "IPAM": {"Config": [{"Subnet": "172.17.5.0/24"}]}},
    }
    (error,) = existing_overlap_errors(declared, current)
    assert "network 'edge': ipam_config[0].subnet 172.17.5.0/24 overlaps the existing local network 'bridge'" in error


def test_networks_this_run_removes_do_not_count():
    declared = [normalise_network({"name": "new", "ipam_config": [{"subnet": "10.7.0.0/24"}]})]
    current = {"leftover": {"Name": "leftover", "IPAM": {"Config": [{"Subnet": "10.7.0.0/16"}]}}}
    assert existing_overlap_errors(declared, current, leaving=["leftover"]) == []
    assert len(existing_overlap_errors(declared, current)) == 1


def test_networks_another_call_declares_count_for_overlaps():
    overlays = [{"name": "mesh", "driver": "overlay", "ipam_config": [{"subnet": "10.60.0.0/16"}]}]
    (error,) = declaration_errors(
        [{"name": "lan", "ipam_config": [{"subnet": "10.60.3.0/24"}]}], also_declared=overlays
    )
    assert "networks[0].ipam_config[0].subnet 10.60.3.0/24 overlaps also_declared[0].ipam_config[0].subnet" in error
    assert (
        declaration_errors([{"name": "lan", "ipam_config": [{"subnet": "10.61.0.0/24"}]}], also_declared=overlays) == []
    )
