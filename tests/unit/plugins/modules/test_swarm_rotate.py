# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_rotate: one swarm update per call, check mode touches nothing, secrets only when rotated, the CA wait."""

from __future__ import annotations

import copy

import docker
import pytest

from ansible_collections.dockfleet.docker.plugins.modules import swarm_rotate

OLD_ROOT = "-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n"
NEW_ROOT = "-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n"


def tls(root):
    return {"TrustRoot": root, "CertIssuerSubject": "c3ViamVjdA==", "CertIssuerPublicKey": root[28:31]}


class FakeClient:
    """A manager of a three-node swarm; update_swarm applies what the engine would."""

    manager = True
    nodes_follow = True  # the nodes get certificates from a new root at once

    def __init__(self, **kwargs):
        self.updates = []
        FakeClient.last = self
        self.swarm = {
            "Version": {"Index": 7},
            "Spec": {
                "Name": "default",
                "Labels": {},
                "CAConfig": {"NodeCertExpiry": 7776000000000000},
                "EncryptionConfig": {"AutoLockManagers": True},
            },
            "TLSInfo": tls(OLD_ROOT),
            "RootRotationInProgress": False,
            "JoinTokens": {"Worker": "SWMTKN-1-w0", "Manager": "SWMTKN-1-m0"},
        }
        self.unlock = "SWMKEY-1-k0"
        self.node_root = OLD_ROOT

    def ping(self):
        return True

    def info(self):
        return {"Swarm": {"LocalNodeState": "active", "ControlAvailable": FakeClient.manager}}

    def inspect_swarm(self):
        return copy.deepcopy(self.swarm)

    def nodes(self):
        return [
            {
                "ID": "n%d" % i,
                "Description": {"Hostname": "m%d" % i, "TLSInfo": tls(self.node_root)},
                "Status": {"State": "ready"},
            }
            for i in (1, 2, 3)
        ]

    def get_unlock_key(self):
        return {"UnlockKey": self.unlock}

    def update_swarm(
        self,
        version,
        swarm_spec=None,
        rotate_worker_token=False,
        rotate_manager_token=False,
        rotate_manager_unlock_key=False,
    ):
        assert version == self.swarm["Version"]["Index"]
        assert swarm_spec is not None, "an update without the spec would reset the swarm's settings"
        self.updates.append(
            dict(
                spec=swarm_spec,
                worker=rotate_worker_token,
                manager=rotate_manager_token,
                unlock=rotate_manager_unlock_key,
            )
        )
        old_force = self.swarm["Spec"]["CAConfig"].get("ForceRotate", 0)
        self.swarm["Spec"] = swarm_spec
        self.swarm["Version"]["Index"] += 1
        if rotate_worker_token:
            self.swarm["JoinTokens"]["Worker"] = "SWMTKN-1-w1"
        if rotate_manager_token:
            self.swarm["JoinTokens"]["Manager"] = "SWMTKN-1-m1"
        if rotate_manager_unlock_key:
            self.unlock = "SWMKEY-1-k1"
        if swarm_spec["CAConfig"].get("ForceRotate", 0) != old_force:
            self.swarm["TLSInfo"] = tls(NEW_ROOT)
            if FakeClient.nodes_follow:
                self.node_root = NEW_ROOT
        return True


@pytest.fixture
def client(monkeypatch, tmp_path):
    socket = tmp_path / "docker.sock"
    socket.write_text("")
    FakeClient.manager = True
    FakeClient.nodes_follow = True
    monkeypatch.setattr(docker, "APIClient", FakeClient)
    return "unix://%s" % socket


def test_everything_rotated_in_one_update_secrets_returned_once(run_module, client):
    args = {
        "docker_host": client,
        "join_tokens": ["worker", "manager"],
        "unlock_key": True,
        "ca": True,
        "rotation": "r1",
        "timeout": 5,
    }
    ended = run_module(swarm_rotate.main, args)
    assert not ended.failed, ended.result
    result = ended.result
    assert result["changed"] and result["rotated"] == ["worker_token", "manager_token", "unlock_key", "ca"]
    assert len(FakeClient.last.updates) == 1
    assert FakeClient.last.updates[0]["spec"]["CAConfig"] == {"NodeCertExpiry": 7776000000000000, "ForceRotate": 1}
    assert result["join_tokens"] == {"worker": "SWMTKN-1-w1", "manager": "SWMTKN-1-m1"}
    assert result["unlock_key"] == "SWMKEY-1-k1"
    assert result["ca_root_sha256"]["before"] != result["ca_root_sha256"]["after"]
    assert "SWM" not in str(result["diff"])
    assert result["diff"]["after"]["worker_token"] == "r1" and result["diff"]["before"]["worker_token"] is None


def test_the_same_round_again_changes_nothing_and_returns_no_secret(run_module, client, monkeypatch):
    labelled = {"dockfleet.rotate.%s" % n: "r1" for n in ("worker_token", "manager_token", "unlock_key", "ca")}
    original = FakeClient.__init__

    def already_rotated(self, **kwargs):
        original(self, **kwargs)
        self.swarm["Spec"]["Labels"] = dict(labelled)

    monkeypatch.setattr(FakeClient, "__init__", already_rotated)
    args = {
        "docker_host": client,
        "join_tokens": ["worker", "manager"],
        "unlock_key": True,
        "ca": True,
        "rotation": "r1",
    }
    ended = run_module(swarm_rotate.main, args)
    assert not ended.failed, ended.result
    assert not ended.result["changed"] and ended.result["rotated"] == []
    assert ended.result["already_rotated"] == ["worker_token", "manager_token", "unlock_key", "ca"]
    assert FakeClient.last.updates == []
    assert "join_tokens" not in ended.result and "unlock_key" not in ended.result


def test_check_mode_predicts_and_changes_nothing(run_module, client):
    ended = run_module(
        swarm_rotate.main, {"docker_host": client, "join_tokens": ["worker"], "ca": True}, check_mode=True
    )
    assert not ended.failed and ended.result["changed"]
    assert ended.result["rotated"] == ["worker_token", "ca"]
    assert FakeClient.last.updates == []
    assert "join_tokens" not in ended.result
    assert ended.result["diff"]["after"]["ca_root_sha256"] == "(a new root CA)"


def test_only_the_named_token_rotates(run_module, client):
    ended = run_module(swarm_rotate.main, {"docker_host": client, "join_tokens": ["manager"], "rotation": "r1"})
    update = FakeClient.last.updates[0]
    assert (update["worker"], update["manager"], update["unlock"]) == (False, True, False)
    assert ended.result["join_tokens"]["worker"] == "SWMTKN-1-w0"
    assert "unlock_key" not in ended.result and "ca_root_sha256" not in ended.result


def test_nodes_that_keep_the_old_root_fail_the_wait_naming_them(run_module, client):
    FakeClient.nodes_follow = False
    ended = run_module(swarm_rotate.main, {"docker_host": client, "ca": True, "rotation": "r1", "timeout": 0})
    assert ended.failed
    assert "did not finish within 0s" in ended.result["msg"]
    assert "node m1 (ready) has no certificate from the new root yet" in ended.result["msg"]
    assert "Run again with the same rotation" in ended.result["msg"]


def test_unlock_key_without_autolock_is_refused_before_any_change(run_module, client, monkeypatch):
    original = FakeClient.__init__

    def no_autolock(self, **kwargs):
        original(self, **kwargs)
        self.swarm["Spec"]["EncryptionConfig"]["AutoLockManagers"] = False

    monkeypatch.setattr(FakeClient, "__init__", no_autolock)
    ended = run_module(swarm_rotate.main, {"docker_host": client, "join_tokens": ["worker"], "unlock_key": True})
    assert ended.failed and ended.result["msg"].startswith("unlock_key: autolock is off")
    assert FakeClient.last.updates == []


def test_nothing_named_is_refused(run_module, client):
    ended = run_module(swarm_rotate.main, {"docker_host": client})
    assert ended.failed and ended.result["msg"] == "Nothing to rotate: name join_tokens, unlock_key or ca."


def test_a_worker_is_refused(run_module, client):
    FakeClient.manager = False
    ended = run_module(swarm_rotate.main, {"docker_host": client, "ca": True})
    assert ended.failed and "not a reachable swarm manager" in ended.result["msg"]
