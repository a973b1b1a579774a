# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 16: every bad input is refused before anything changes, and the message names the option
(module) or the variable (role) and how to fix it.

Modules run through main() with a fake engine or host that records every change call; role inputs
run the role's own pre-flight task (read from its task file) in ansible-playbook on localhost.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible_collections.dockfleet.docker.plugins.modules import daemon_config, network, swarm_node

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


# ---------------------------------------------------------------- swarm_node: node labels


class FakeSwarm:
    """A manager's engine with one worker; records every node update."""

    def __init__(self):
        self.changes = []
        self._nodes = [
            {
                "ID": "node000001",
                "Version": {"Index": 1},
                "Description": {"Hostname": "manager-1"},
                "Spec": {"Role": "manager", "Availability": "active", "Labels": {}},
                "Status": {"State": "ready"},
                "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"},
            },
            {
                "ID": "node000002",
                "Version": {"Index": 1},
                "Description": {"Hostname": "worker-1"},
                "Spec": {"Role": "worker", "Availability": "active", "Labels": {"zone": "a"}},
                "Status": {"State": "ready"},
            },
        ]

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": True, "NodeID": "node000001"}}

    def nodes(self):
        return copy.deepcopy(self._nodes)

    def inspect_node(self, node_id):
        return copy.deepcopy(next(n for n in self._nodes if n["ID"] == node_id))

    def update_node(self, *args, **kwargs):
        self.changes.append(("update_node", args))

    def remove_node(self, *args, **kwargs):
        self.changes.append(("remove_node", args))


SWARM_NODE_CASES = [
    ({"node": "worker-1", "labels": {"": "a"}}, ["labels: a label key is empty"]),
    ({"node": "worker-1", "labels": {"bad key=1": "a"}}, ["labels: label key 'bad key=1'", "white space or '='"]),
    ({"node": "worker-1", "labels": {"zone=a": "b"}}, ["labels: label key 'zone=a'"]),
    ({"node": "worker-1", "labels": {"zone": {"a": 1}}}, ["labels: label 'zone' has a dict as value"]),
    ({"node": "worker-1", "labels": {"zone": ["a", "b"]}}, ["labels: label 'zone' has a list as value"]),
    (
        {"nodes": [{"node": "manager-1", "labels": {"ok": "1"}}, {"node": "worker-1", "labels": {" ": "x"}}]},
        ["nodes[1].labels (node worker-1): label key ' '"],
    ),
    (
        {"nodes": [{"node": "worker-1", "labels": {"rack": 3}}, {"node": "manager-1", "labels": {"a b": 1}}]},
        ["nodes[1].labels (node manager-1)"],
    ),
]


@pytest.mark.parametrize("args, fragments", SWARM_NODE_CASES)
def test_swarm_node_refuses_bad_labels_without_changing_a_node(run_module, monkeypatch, args, fragments):
    engine = FakeSwarm()
    monkeypatch.setattr(swarm_node, "connect", lambda module: engine)
    ended = run_module(swarm_node.main, args)
    assert ended.failed
    assert ended.result["msg"].startswith("Nothing was changed. ")
    for fragment in fragments:
        assert fragment in ended.result["msg"]
    assert engine.changes == []


# ---------------------------------------------------------------- network: the whole declared set


class FakeNetworks:
    """An engine with Docker's bridge and one network of another team; records every change call."""

    def __init__(self):
        self.changes = []

    def networks(self):
        return [
            {"Name": "bridge", "Id": "b1", "Driver": "bridge", "Scope": "local", "Labels": {},
             "IPAM": {"Driver": "default", "Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]}},
            {"Name": "team-b", "Id": "t1", "Driver": "bridge", "Scope": "local", "Labels": {},
             "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.80.0.0/16"}]}},
        ]  # fmt: skip

    def containers(self, all=False, filters=None):
        return []

    def services(self):
        return []

    def create_network(self, **kwargs):
        self.changes.append(("create_network", kwargs["name"]))
        return {"Id": "new"}

    def remove_network(self, network_id):
        self.changes.append(("remove_network", network_id))

    def disconnect_container_from_network(self, *args, **kwargs):
        self.changes.append(("disconnect", args))

    def connect_container_to_network(self, *args, **kwargs):
        self.changes.append(("connect", args))


GOOD = {"name": "good", "ipam_config": [{"subnet": "10.70.0.0/24"}]}

NETWORK_CASES = [
    ({"networks": [GOOD, {"name": "has space"}]}, ["networks[1] (network 'has space')", "white space"]),
    ({"networks": [GOOD, {"name": "-front"}]}, ["networks[1]", "starting with a letter or digit"]),
    ({"networks": [GOOD, {"name": "my.mesh", "driver": "overlay"}]}, ["networks[1]", "DNS name component"]),
    ({"name": "two words"}, ["network 'two words'", "white space"]),
    (
        {"networks": [GOOD, {"name": "overlap", "ipam_config": [{"subnet": "10.70.0.128/25"}]}]},
        ["networks[1].ipam_config[0].subnet 10.70.0.128/25 overlaps networks[0].ipam_config[0].subnet"],
    ),
    (
        {"networks": [{"name": "a", "ipam_config": [{"subnet": "10.71.0.0/24"}, {"subnet": "10.71.0.0/16"}]}]},
        ["networks[0].ipam_config[1].subnet 10.71.0.0/16 overlaps"],
    ),
    (
        {"networks": [GOOD, {"name": "gw", "ipam_config": [{"subnet": "10.72.0.0/24", "gateway": "10.99.0.1"}]}]},
        ["networks[1].ipam_config[0]: gateway 10.99.0.1 is outside subnet 10.72.0.0/24"],
    ),
    (
        {"networks": [GOOD, {"name": "rg", "ipam_config": [{"subnet": "10.73.0.0/24", "iprange": "10.73.1.0/25"}]}]},
        ["networks[1].ipam_config[0]: ip_range 10.73.1.0/25 is outside subnet 10.73.0.0/24"],
    ),
    (
        {
            "networks": [
                GOOD,
                {"name": "aux", "ipam_config": [{"subnet": "10.74.0.0/24", "aux_addresses": {"router": "10.75.0.2"}}]},
            ]
        },
        ["networks[1].ipam_config[0]: aux address router=10.75.0.2 is outside subnet 10.74.0.0/24"],
    ),
    (
        {"networks": [GOOD, {"name": "cidr", "ipam_config": [{"subnet": "10.76.0.0/40"}]}]},
        ["networks[1].ipam_config[0].subnet: '10.76.0.0/40' is not an IP network in CIDR form"],
    ),
    (
        {"networks": [GOOD, {"name": "gwtext", "ipam_config": [{"subnet": "10.77.0.0/24", "gateway": "router"}]}]},
        ["networks[1].ipam_config[0]: gateway 'router' is not an IP address"],
    ),
    (
        {"networks": [GOOD, {"name": "edge", "driver": "overlay", "ipam_config": [{"subnet": "10.80.5.0/24"}]}]},
        ["network 'edge': ipam_config[0].subnet 10.80.5.0/24 overlaps the existing local network 'team-b'"],
    ),
    (
        {
            "networks": [{"name": "lan", "ipam_config": [{"subnet": "10.60.3.0/24"}]}],
            "also_declared": [{"name": "mesh", "driver": "overlay", "ipam_config": [{"subnet": "10.60.0.0/16"}]}],
        },
        ["networks[0].ipam_config[0].subnet 10.60.3.0/24 overlaps also_declared[0].ipam_config[0].subnet"],
    ),
    (
        {"name": "shadow", "ipam_config": [{"subnet": "172.17.0.0/24"}]},
        ["overlaps the existing local network 'bridge'"],
    ),
]


@pytest.mark.parametrize("args, fragments", NETWORK_CASES)
def test_network_refuses_a_bad_declared_set_before_the_first_change(run_module, monkeypatch, args, fragments):
    engine = FakeNetworks()
    monkeypatch.setattr(network, "connect", lambda module: engine)
    ended = run_module(network.main, args)
    assert ended.failed
    assert ended.result["msg"].startswith("Nothing was changed. ")
    for fragment in fragments:
        assert fragment in ended.result["msg"]
    assert engine.changes == []


# ---------------------------------------------------------------- daemon_config: what dockerd needs


class FakeDockerHost:
    """A host with no docker unit and no dockerd, one user 'remap' with a subuid range only, no plugins."""

    systemctl = None

    def __init__(self, module):
        self.module = module

    def run(self, args):
        raise AssertionError("nothing may run on this host: %r" % args)

    def unit_command(self, service, own_dropin):
        return None, []

    def dockerd(self, tokens):
        return None

    def engine(self, dockerd):
        return None, False

    @staticmethod
    def user_exists(name):
        return name == "remap"

    @staticmethod
    def group_exists(name):
        return name == "remap"

    @staticmethod
    def has_subordinate_ids(kind, owner):
        return kind == "subuid" and owner == "remap"

    @staticmethod
    def path_exists(path):
        return False


DAEMON_CASES = [
    (
        {"log-driver": "journald", "log-opts": {"max-size": "10m", "max-file": "3"}},
        ["'log-opts': max-file, max-size are not an option of the journald log driver", "daemon_log_opts"],
    ),
    ({"log-driver": "local", "log-opts": {"tag": "{{.Name}}"}}, ["'tag' is not an option of the local log driver"]),
    ({"log-driver": "none", "log-opts": {"max-size": "1m"}}, ["'max-size' is not an option of the none log driver"]),
    ({"log-driver": "syslog", "log-opts": {"max-file": "3"}}, ["of the syslog log driver", "daemon_log_driver"]),
    ({"log-opts": {"gelf-address": "udp://x:1"}}, ["'gelf-address' is not an option of the json-file log driver"]),
    ({"userns-remap": "nosuch"}, ["user 'nosuch' does not exist on this host", "daemon_userns_remap"]),
    ({"userns-remap": "remap:nogroup"}, ["group 'nogroup' does not exist", "daemon_userns_remap"]),
    ({"userns-remap": "remap"}, ["/etc/subgid has no range for 'remap'", "daemon_userns_remap"]),
    ({"authorization-plugins": ["authz-broker"]}, ["plugin 'authz-broker' is not installed", "daemon_options"]),
]


def _daemon_dir_state(directory):
    return dict(
        (name, hashlib.sha256((directory / name).read_bytes()).hexdigest()) for name in sorted(os.listdir(directory))
    )


@pytest.mark.parametrize("settings, fragments", DAEMON_CASES)
def test_daemon_config_refuses_what_dockerd_would_not_start_with(
    run_module, monkeypatch, tmp_path, settings, fragments
):
    monkeypatch.setattr(daemon_config, "Host", FakeDockerHost)
    path = tmp_path / "daemon.json"
    path.write_text(json.dumps({"live-restore": True}))
    before = _daemon_dir_state(tmp_path)
    ended = run_module(daemon_config.main, {"settings": settings, "path": str(path)})
    assert ended.failed and ended.result["msg"].startswith("daemon.json not changed: ")
    for fragment in fragments:
        assert fragment in ended.result["msg"]
    assert _daemon_dir_state(tmp_path) == before  # same daemon.json, no backup


def test_daemon_config_refuses_keeping_no_backup(run_module, monkeypatch, tmp_path):
    monkeypatch.setattr(daemon_config, "Host", FakeDockerHost)
    path = tmp_path / "daemon.json"
    path.write_text("{}")
    before = _daemon_dir_state(tmp_path)
    ended = run_module(daemon_config.main, {"settings": {"debug": True}, "path": str(path), "backups_to_keep": 0})
    assert ended.failed and "daemon_backups_to_keep" in ended.result["msg"]
    assert _daemon_dir_state(tmp_path) == before


# ---------------------------------------------------------------- role pre-flights: the variable is named


def _role_task(role, task_file, name):
    with open(os.path.join(ROOT, "roles", role, "tasks", task_file), encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle)
    (task,) = [t for t in tasks if t.get("name") == name]
    task = dict(task)
    task.pop("when", None)
    return task


SWARM_UNSET = dict.fromkeys(
    ("swarm_cert_expiry", "swarm_dispatcher_heartbeat", "swarm_task_history_limit", "swarm_snapshot_interval",
     "swarm_availability")
)  # fmt: skip
TIMESYNC_UNSET = {"timesync_serve_to": [], "timesync_extra_config": []}

ROLE_CASES = [
    (
        "timesync",
        "preflight.yml",
        "Check the time sources, the networks served and the extra chrony.conf lines",
        {
            "timesync_servers": [],
            "timesync_pools": [],
            "timesync_serve_to": ["10.0.0.0/40"],
            "timesync_extra_config": [],
        },
        ['timesync_serve_to[0] "10.0.0.0/40"', "Nothing was changed"],
    ),
    (
        "swarm",
        "main.yml",
        "Check the swarm settings and every node's labels and availability",
        {**SWARM_UNSET, "swarm_labels": {}, "swarm_cert_expiry": "90"},
        ["swarm_cert_expiry: 90 has no unit", "Nothing was changed"],
    ),
    (
        "daemon",
        "plan.yml",
        "Check the daemon variables",
        {
            "daemon_options": {"storage-drivr": "overlay2"},
            "daemon_log_driver": "json-file",
            "daemon_labels": [],
            "daemon_tls_port": 2376,
            "daemon_tls_extra_sans": [],
        },
        ["daemon_options: unknown daemon.json key 'storage-drivr' (did you mean 'storage-driver'?)"],
    ),
    (
        "resources",
        "main.yml",
        "Check the declared networks and volumes",
        {"resources_networks": [], "resources_ingress": {}, "resources_volumes": [{"name": "bad/name"}]},
        ["resources_volumes[0]: the volume name 'bad/name'"],
    ),
    (
        "engine",
        "converge.yml",
        "Stop when the declared packages are not offered by the repository",
        {
            "engine_host_state": {
                "packages": {"error": "No docker-ce version matches '26.99'."},
                "repository": {"differs": False},
                "repository_unreachable": False,
            },
            "engine_version": "26.99",
            "engine_plugins": [],
        },
        ["engine_version 26.99 on localhost: No docker-ce version matches '26.99'.", "Nothing was changed"],
    ),
    (
        "swarm",
        "main.yml",
        "Check the swarm settings and every node's labels and availability",
        {**SWARM_UNSET, "swarm_labels": {"": "a"}},
        ["swarm_labels of localhost", 'label keys ""'],
    ),
    (
        "swarm",
        "main.yml",
        "Check the swarm settings and every node's labels and availability",
        {**SWARM_UNSET, "swarm_labels": {"bad key=1": "a", "zone": "b"}},
        ["swarm_labels of localhost", '"bad key=1"'],
    ),
    (
        "swarm",
        "main.yml",
        "Check the swarm settings and every node's labels and availability",
        {**SWARM_UNSET, "swarm_labels": {"zone": ["a"]}},
        ["swarm_labels of localhost", "labels zone whose value is a mapping or a list"],
    ),
    (
        "timesync",
        "preflight.yml",
        "Check the time sources, the networks served and the extra chrony.conf lines",
        {**TIMESYNC_UNSET, "timesync_servers": [{"host": "not a host"}], "timesync_pools": []},
        ['timesync_servers[0].host "not a host"', "Nothing was changed"],
    ),
    (
        "timesync",
        "preflight.yml",
        "Check the time sources, the networks served and the extra chrony.conf lines",
        {
            **TIMESYNC_UNSET,
            "timesync_servers": [{"host": "ntp1.example.net"}],
            "timesync_pools": [{"host": "pool_.example"}],
        },
        ['timesync_pools[0].host "pool_.example"'],
    ),
    (
        "engine",
        "repository.yml",
        "Stop when the signing key cannot be fetched and none is installed",
        {
            "engine_host_state": {
                "repository": {
                    "key": {"installed": False, "fetch": True, "content": "", "fetch_error": "Connection refused"}
                }
            },
            "engine_repository_key_url": "http://mirror.invalid/gpg",
            "engine_keyring": "/etc/apt/keyrings/docker.asc",
        },
        ["engine_repository_key_url (http://mirror.invalid/gpg: Connection refused)", "engine_repository_url"],
    ),
    (
        "engine",
        "install.yml",
        "Stop when packages must change but the repository is unreachable",
        {
            "engine_package_offline": {"failed": False, "changes": [{"package": "docker-ce"}]},
            "engine_apt_refresh": {"failed": True, "msg": "Failed to update apt cache"},
            "engine_version": "26.1",
            "engine_repository_url": "http://mirror.invalid/linux/debian",
            "engine_repository_key_url": "http://mirror.invalid/linux/debian/gpg",
        },
        [
            "localhost needs docker-ce changed for engine_version 26.1",
            "engine_repository_url http://mirror.invalid/linux/debian",
            "engine_repository_key_url http://mirror.invalid/linux/debian/gpg",
        ],
    ),
]


@pytest.mark.parametrize("role, task_file, task_name, variables, fragments", ROLE_CASES)
def test_role_preflight_names_the_variable(tmp_path, role, task_file, task_name, variables, fragments):
    playbook = tmp_path / "preflight.yml"
    play = {"hosts": "localhost", "gather_facts": False, "tasks": [_role_task(role, task_file, task_name)]}
    playbook.write_text(yaml.safe_dump([play]))
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    env["ANSIBLE_LOCAL_TEMP"] = str(tmp_path / "tmp")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ansible",
            "playbook",
            "-c",
            "local",
            str(playbook),
            "-e",
            "@%s" % (tmp_path / "vars.json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    output = done.stdout.replace('\\"', '"')
    for fragment in fragments:
        assert fragment in output, output
    assert "changed=0" in output
