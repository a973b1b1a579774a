"""Shared by the hardened scenario's tests: the hosts, the operator's copy of the inventory and PKI, fixtures."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import testinfra

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "platform"))
import controller  # tests/platform/controller.py: run as the operator

SCENARIO = pathlib.Path(__file__).resolve().parents[1]
EPHEMERAL = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")
MANAGER, WORKER = "hardened-manager", "hardened-worker"
HOSTS = [MANAGER, WORKER]
# The daemon role keeps the CA and the operator's client certificate beside the inventory (daemon_tls_pki_dir's
# default): for Molecule's inventory that is the ephemeral directory.
PKI = EPHEMERAL / "docker-pki"


def engine_host(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def docker_json(host, command):
    return json.loads(host.check_output("docker %s --format '{{json .}}'" % command))


@pytest.fixture(scope="session")
def operator_workspace():
    """The controller account's copy of the scenario: inventory/hosts.yml (Molecule's, exported) and docker-pki/
    beside it (daemon_tls_pki_dir's default), so the site's TLS step finds the CA and certificates it made."""
    workspace = controller.workspace("hardened")
    (workspace / "inventory").mkdir()
    controller.export_inventory(INVENTORY, workspace / "inventory" / "hosts.yml")
    shutil.copytree(PKI, workspace / "docker-pki")
    # An operator's ansible.cfg, as the lab's (examples/lab/ansible.cfg): SSH with pipelining, task timings.
    (workspace / "ansible.cfg").write_text(
        "[defaults]\ninterpreter_python = auto_silent\ncallbacks_enabled = profile_tasks\n"
        "[ssh_connection]\npipelining = True\n"
    )
    controller.give(workspace)
    return workspace


@pytest.fixture(scope="session")
def busybox():
    """dockfleet/busybox:latest in both engines (test fixture, not part of the site)."""
    cmd = ["ansible-playbook", "-i", INVENTORY, str(SCENARIO / "fixtures.yml")]
    env = dict(os.environ)
    config = EPHEMERAL / "ansible.cfg"
    if config.exists():
        env["ANSIBLE_CONFIG"] = str(config)
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return "dockfleet/busybox:latest"
