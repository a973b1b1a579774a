# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' variables checked before anything changes: every problem names the variable and the bad value."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.role_inputs import problems


@pytest.mark.parametrize(
    "role, variables, fragments",
    [
        ("timesync", {"timesync_servers": [{"host": "not a host"}]}, ['timesync_servers[0].host "not a host"']),
        ("timesync", {"timesync_pools": [{"host": "pool_.example"}]}, ["timesync_pools[0]", "pool_.example"]),
        ("timesync", {"timesync_serve_to": ["10.0.0.0/8", "10.0.0.0/40"]}, ["timesync_serve_to[1]", "10.0.0.0/40"]),
        ("timesync", {"timesync_extra_config": ["serverr ntp.example.net"]}, ["timesync_extra_config[0]", "serverr"]),
        ("daemon", {"daemon_options": {"storage-drivr": "overlay2"}}, ["daemon_options", "storage-driver"]),
        ("daemon", {"daemon_options": ["debug"]}, ["daemon_options must be a mapping"]),
        ("daemon", {"daemon_log_driver": "carrier-pigeon"}, ["daemon_log_driver", "carrier-pigeon"]),
        ("daemon", {"daemon_labels": ["=x"]}, ["daemon_labels[0]", "'=x'"]),
        ("daemon", {"daemon_tls_port": 70000}, ["daemon_tls_port", "70000"]),
        ("daemon", {"daemon_tls_port": "soon"}, ["daemon_tls_port", "soon"]),
        ("daemon", {"daemon_tls_extra_sans": ["not a san"]}, ['daemon_tls_extra_sans[0] "not a san"']),
        ("daemon", {"daemon_tls_extra_sans": ["IP:banana"]}, ["daemon_tls_extra_sans[0]", "banana"]),
        ("swarm", {"swarm_cert_expiry": "90"}, ["swarm_cert_expiry", "90", "no unit"]),
        ("swarm", {"swarm_dispatcher_heartbeat": "5x"}, ["swarm_dispatcher_heartbeat", "5x"]),
        ("swarm", {"swarm_task_history_limit": -5}, ["swarm_task_history_limit", "-5"]),
        ("swarm", {"swarm_snapshot_interval": "often"}, ["swarm_snapshot_interval", "often"]),
        ("swarm", {"swarm_labels": {"": "a"}}, ["swarm_labels", 'label keys ""']),
        ("swarm", {"swarm_labels": {"bad key=1": "1"}}, ['"bad key=1"']),
        ("swarm", {"swarm_labels": {"zone": ["a"]}}, ["labels zone whose value is a mapping or a list"]),
        ("swarm", {"swarm_availability": "sleep"}, ["swarm_availability 'sleep'"]),
        (
            "resources",
            {
                "resources_networks": [
                    {"name": "a", "ipam_config": [{"subnet": "10.1.0.0/24"}]},
                    {"name": "b", "ipam_config": [{"subnet": "10.1.0.128/25"}]},
                ]
            },
            ["resources_networks[1].ipam_config[0].subnet 10.1.0.128/25 overlaps resources_networks[0]"],
        ),
        ("resources", {"resources_networks": [{"name": "has space"}]}, ["resources_networks[0]", "'has space'"]),
        (
            "resources",
            {
                "resources_networks": [
                    {"name": "r", "ipam_config": [{"subnet": "10.2.0.0/24", "iprange": "10.3.0.0/25"}]}
                ]
            },
            ["resources_networks[0].ipam_config[0]: ip_range 10.3.0.0/25 is outside subnet 10.2.0.0/24"],
        ),
        (
            "resources",
            {
                "resources_networks": [{"name": "m", "driver": "overlay", "ipam_config": [{"subnet": "10.4.0.0/24"}]}],
                "resources_ingress": {"state": "present", "subnet": "10.4.0.0/25"},
            },
            ["resources_ingress.ipam_config[0].subnet 10.4.0.0/25 overlaps resources_networks[0]"],
        ),
        ("resources", {"resources_volumes": [{"name": "bad/name"}]}, ["resources_volumes[0]", "'bad/name'"]),
    ],
)
def test_a_bad_variable_is_named_with_its_value(role, variables, fragments):
    found = problems(role, variables)
    assert len(found) == 1, found
    for fragment in fragments:
        assert fragment in found[0]


@pytest.mark.parametrize(
    "role, variables",
    [
        (
            "timesync",
            {
                "timesync_servers": [{"host": "ntp1.example.net"}, {"host": "2001:db8::1"}],
                "timesync_pools": [{"host": "2.debian.pool.ntp.org"}],
                "timesync_serve_to": ["10.0.0.0/8", "all", "192.0.2.10", "fd00::/8"],
                "timesync_extra_config": ["# a comment", "", "leapsectz right/UTC", "maxupdateskew 100.0"],
            },
        ),
        (
            "daemon",
            {
                "daemon_options": {"storage-driver": "overlay2", "icc": False},
                "daemon_log_driver": "grafana/loki-docker-driver:latest",
                "daemon_labels": ["zone=a", "empty="],
                "daemon_tls_port": "2376",
                "daemon_tls_extra_sans": ["DNS:docker.example.net", "IP:192.0.2.10"],
            },
        ),
        (
            "swarm",
            {
                "swarm_cert_expiry": "30d",
                "swarm_dispatcher_heartbeat": "5s",
                "swarm_task_history_limit": 0,
                "swarm_labels": {"zone": "a", "ssd": True},
                "swarm_availability": "drain",
            },
        ),
        (
            "resources",
            {
                "resources_networks": [
                    {"name": "front-1", "ipam_config": [{"subnet": "10.5.0.0/24", "gateway": "10.5.0.1"}]}
                ],
                "resources_ingress": {"state": "absent"},
                "resources_volumes": [{"name": "app.data_1"}],
            },
        ),
    ],
)
def test_good_variables_pass(role, variables):
    assert problems(role, variables) == []


def test_every_swarm_hosts_declaration_counts():
    found = problems("swarm", {}, {"w1": {"swarm_availability": "sleep"}, "w2": {"swarm_labels": {"a b": "1"}}})
    assert any("swarm_availability 'sleep' of w1" in p for p in found), found
    assert any("swarm_labels of w2" in p and '"a b"' in p for p in found), found
