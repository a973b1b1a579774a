# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""meta/runtime.yml's action group reaches the modules: module_defaults for
group/dockfleet.docker.docker set docker_host once, and every module of the group uses it.

A real ansible-playbook run against localhost (connection local), with the collection
path tests/platform/env.sh sets. docker_host names a Unix socket that does not exist, so no
engine is needed: each module must fail saying it cannot reach the engine at that socket.
"""

from __future__ import annotations

import json
import os
import subprocess

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# Members for which an engine that does not answer is a result (RV(engine.error)), not a failure.
REPORTS_AN_ENGINE_DOWN = {"host_report"}

# The least each module needs before it connects to the engine.
REQUIRED_OPTIONS = {
    "engine_info": {"fail_on_down": True},
    "host_report": {},
    "network": {"name": "dockfleet-test"},
    "volume": {"name": "dockfleet-test"},
    "swarm": {"state": "absent"},
    "swarm_node": {"node": "worker-1"},
    "swarm_health": {},
    "swarm_info": {},
    "swarm_backup": {},
    "swarm_restore": {
        "archive": "/nonexistent/archive.tar.gz",
        "metadata": "/nonexistent/metadata.json",
        "advertise_addr": "10.0.0.21",
    },
    "swarm_backup_verify": {"metadata": "/nonexistent/metadata.json"},
    "swarm_drain": {"nodes": ["worker-1"]},
    "swarm_rotate": {"ca": True},
}


def group_members():
    with open(os.path.join(ROOT, "meta", "runtime.yml")) as handle:
        return yaml.safe_load(handle)["action_groups"]["docker"]


def run_playbook(tmp_path, playbook):
    path = tmp_path / "playbook.yml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json", ANSIBLE_LOCALHOST_WARNING="false")
    env.pop("DOCKER_HOST", None)
    return subprocess.run(
        ["bash", "-c", '. tests/platform/env.sh && exec ansible-playbook -i localhost, "$0"', str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def task_results(output):
    results = {}
    for play in json.loads(output)["plays"]:
        for task in play["tasks"]:
            results[task["task"]["name"]] = task["hosts"]["localhost"]
    return results


# Group members whose documentation does not list the attribute yet.
NOT_YET_DOCUMENTED = set()


def module_docs(modules):
    completed = subprocess.run(
        ["bash", "-c", '. tests/platform/env.sh && exec ansible-doc -j "$@"', "ansible-doc"]
        + ["dockfleet.docker." + module for module in modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return dict((name.split(".")[-1], entry["doc"]) for name, entry in json.loads(completed.stdout).items())


def test_the_group_and_the_documented_action_group_attribute_agree():
    members = group_members()
    modules = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py"))
    docs = module_docs(modules)
    for module in modules:
        attribute = docs[module].get("attributes", {}).get("action_group")
        if module in members:
            # module_defaults hand every option to every member: each must take the connection options.
            assert {"docker_host", "ca_path", "client_cert", "client_key", "validate_certs", "tls"} <= set(
                docs[module]["options"]
            ), module
            if module in NOT_YET_DOCUMENTED:
                assert attribute is None, "%s documents action_group now: drop it from NOT_YET_DOCUMENTED" % module
                continue
            assert attribute and attribute["membership"] == ["dockfleet.docker.docker"], module
        else:
            assert attribute is None, "%s documents action_group but is not in meta/runtime.yml" % module


def test_module_defaults_for_the_group_reach_every_module(tmp_path):
    socket = str(tmp_path / "no-engine.sock")
    members = group_members()
    unknown = sorted(set(members) - set(REQUIRED_OPTIONS))
    assert not unknown, "add the options %s need before connecting to REQUIRED_OPTIONS" % unknown
    playbook = [
        {
            "name": "module_defaults for the action group",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "module_defaults": {"group/dockfleet.docker.docker": {"docker_host": "unix://" + socket, "timeout": 5}},
            "tasks": [
                {"name": module, "dockfleet.docker." + module: REQUIRED_OPTIONS[module], "ignore_errors": True}
                for module in members
            ],
        }
    ]
    completed = run_playbook(tmp_path, playbook)
    assert completed.stdout.lstrip().startswith("{"), completed.stdout + completed.stderr
    results = task_results(completed.stdout)
    assert sorted(results) == sorted(members), completed.stdout
    for module, result in results.items():
        if module in REPORTS_AN_ENGINE_DOWN:
            error = (result.get("engine") or {}).get("error") or ""
            assert not result.get("failed") and socket in error, "%s did not use the group's docker_host: %s" % (
                module,
                result,
            )
            assert "Cannot reach the Docker engine" in error, result
            continue
        assert result.get("failed"), "%s did not fail without an engine: %s" % (module, result)
        assert socket in result.get("msg", ""), "%s did not use the group's docker_host: %s" % (module, result)
        assert "Cannot reach the Docker engine" in result["msg"], result


def test_a_task_option_wins_over_the_group_default(tmp_path):
    group_socket = str(tmp_path / "group.sock")
    task_socket = str(tmp_path / "task.sock")
    playbook = [
        {
            "name": "task options over module_defaults",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
            "module_defaults": {"group/dockfleet.docker.docker": {"docker_host": "unix://" + group_socket}},
            "tasks": [
                {
                    "name": "volume",
                    "dockfleet.docker.volume": {"name": "dockfleet-test", "docker_host": "unix://" + task_socket},
                    "ignore_errors": True,
                }
            ],
        }
    ]
    completed = run_playbook(tmp_path, playbook)
    result = task_results(completed.stdout)["volume"]
    assert task_socket in result["msg"] and group_socket not in result["msg"], result
