# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_engine: the running dockerd read through the engine layer, and the changes it makes unsafe."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_engine
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import EngineError


def engine(driver="overlay2", images=0, containers=0, userns=False, state="inactive"):
    return {
        "answers": True,
        "engine": {
            "storage_driver": driver,
            "images": images,
            "containers": containers,
            "security_options": ["name=seccomp,profile=builtin"] + (["name=userns"] if userns else []),
        },
        "swarm": {"local_node_state": state},
    }


def test_nothing_is_refused_for_a_change_that_hides_nothing():
    assert daemon_engine.engine_refusals({"storage-driver": "overlay2"}, {}, engine()) == []
    assert daemon_engine.engine_refusals({"storage-driver": "vfs", "userns-remap": "default"}, {}, engine()) == []


def test_a_storage_driver_change_on_a_host_with_images_is_refused_unless_forced():
    [message] = daemon_engine.engine_refusals({"storage-driver": "vfs"}, {}, engine(images=2))
    assert "from overlay2 to vfs" in message and "daemon_force_storage_change" in message and "2 images" in message
    assert (
        daemon_engine.engine_refusals({"storage-driver": "vfs"}, {}, engine(images=2), force_storage_change=True) == []
    )


@pytest.mark.parametrize(
    "desired, previous, userns, refused",
    [
        ({"userns-remap": "default"}, {}, False, True),
        ({"userns-remap": "default"}, {"userns-remap": "default"}, True, False),
        ({}, {"userns-remap": "default"}, True, True),
        ({}, {}, False, False),
    ],
)
def test_a_userns_change_on_a_host_with_containers_is_refused(desired, previous, userns, refused):
    errors = daemon_engine.engine_refusals(desired, previous, engine(containers=1, userns=userns))
    assert bool(errors) == refused
    assert all("daemon_force_userns_change" in e for e in errors)


@pytest.mark.parametrize("state", ["active", "pending", "locked"])
def test_live_restore_on_a_swarm_node_is_refused_naming_the_variable(state):
    [message] = daemon_engine.engine_refusals({"live-restore": True}, {}, engine(state=state))
    assert message.startswith("daemon_live_restore is true but this host is a swarm node (%s)" % state)
    assert daemon_engine.engine_refusals({"live-restore": True}, {}, engine(state="inactive")) == []


def fake_socket(monkeypatch, answers):
    def read_socket(path, endpoint, timeout=5):
        value = answers[endpoint]
        if isinstance(value, Exception):
            raise value
        return value

    monkeypatch.setattr(daemon_engine, "read_socket", read_socket)


def test_a_down_engine_is_a_result(monkeypatch):
    down = EngineError("no socket at /var/run/docker.sock", down=True)
    fake_socket(monkeypatch, {"/info": down, "/version": down})
    result = daemon_engine.read_local_engine()
    assert result["answers"] is False and "no socket" in result["server_errors"][0]
    assert daemon_engine.answers() is False


def test_an_engine_that_answers_wrongly_raises(monkeypatch):
    fake_socket(monkeypatch, {"/info": EngineError("HTTP 500", down=False)})
    with pytest.raises(EngineError):
        daemon_engine.read_local_engine()


def test_a_manager_reads_the_swarm_nodes(monkeypatch):
    info = {"Driver": "overlay2", "Swarm": {"LocalNodeState": "active", "NodeID": "n1", "ControlAvailable": True}}
    node = {
        "ID": "n1",
        "Description": {"Hostname": "m1", "Engine": {"EngineVersion": "26.1.5"}},
        "Spec": {"Role": "manager", "Availability": "active"},
        "Status": {"State": "ready", "Addr": "10.0.0.1"},
        "ManagerStatus": {"Leader": True, "Reachability": "reachable", "Addr": "10.0.0.1:2377"},
    }
    fake_socket(monkeypatch, {"/info": info, "/version": {"Version": "26.1.5"}, "/nodes": [node]})
    result = daemon_engine.read_local_engine()
    assert result["answers"] and result["swarm"]["role"] == "manager" and result["engine"]["version"] == "26.1.5"
    assert [n["leader"] for n in result["nodes"]] == [True]
