"""Helpers for the daemon scenario's verify step: run the scenario's playbooks
against the Molecule inventory from the controller, as an operator would."""

import json
import os
import subprocess

import pytest

SCENARIO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _inventory():
    explicit = os.environ.get("MOLECULE_INVENTORY_FILE")
    if explicit and os.path.exists(explicit):
        return explicit
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")


def run_playbook(name, limit=None, extra_vars=None, check=False):
    """Run molecule/daemon/<name> with the scenario's inventory (``check``: with --check); returns the CompletedProcess."""
    cmd = ["ansible-playbook", "-i", _inventory(), os.path.join(SCENARIO, name)] + (["--check"] if check else [])
    if limit:
        cmd += ["--limit", limit]
    if extra_vars:
        cmd += ["--extra-vars", json.dumps(extra_vars)]
    env = dict(os.environ)
    config = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "ansible.cfg")
    if os.path.exists(config):
        env["ANSIBLE_CONFIG"] = config
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, check=False)


@pytest.fixture(scope="session")
def fixtures_ready():
    """Busybox image in both hosts, client certificate on daemon-2 (idempotent)."""
    result = run_playbook("fixtures.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    return True
