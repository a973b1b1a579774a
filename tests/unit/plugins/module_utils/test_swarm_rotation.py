# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_rotation: what a rotation round rotates, what it leaves, when a root CA rotation is finished."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_rotation import (
    RotationError,
    ca_pending,
    default_round,
    diff_view,
    plan_rotation,
    requested_credentials,
    root_digest,
    rounds_done,
)

OLD_ROOT = "-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n"
NEW_ROOT = "-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n"


def swarm(labels=None, autolock=True, force_rotate=None, in_progress=False, root=OLD_ROOT, external=None):
    ca_config = {"NodeCertExpiry": 7776000000000000}
    if force_rotate is not None:
        ca_config["ForceRotate"] = force_rotate
    if external:
        ca_config["ExternalCAs"] = external
    return {
        "Version": {"Index": 42},
        "Spec": {
            "Name": "default",
            "Labels": dict(labels or {}),
            "CAConfig": ca_config,
            "EncryptionConfig": {"AutoLockManagers": autolock},
        },
        "TLSInfo": {
            "TrustRoot": root,
            "CertIssuerSubject": "c3ViamVjdA==",
            "CertIssuerPublicKey": "a2V5-" + root[28:31],
        },
        "RootRotationInProgress": in_progress,
    }


def node(hostname, root=OLD_ROOT, state="ready"):
    return {
        "ID": hostname + "-id",
        "Description": {
            "Hostname": hostname,
            "TLSInfo": {
                "TrustRoot": root,
                "CertIssuerSubject": "c3ViamVjdA==",
                "CertIssuerPublicKey": "a2V5-" + root[28:31],
            },
        },
        "Status": {"State": state},
    }


def test_requested_credentials_in_a_fixed_order():
    assert requested_credentials(["manager", "worker"], True, True) == [
        "worker_token",
        "manager_token",
        "unlock_key",
        "ca",
    ]
    assert requested_credentials([], False, True) == ["ca"]
    assert requested_credentials(None) == []


def test_default_round_is_the_utc_date():
    moment = datetime.datetime(2026, 12, 2, 23, 59, tzinfo=datetime.timezone.utc)
    assert default_round(moment) == "2026-12-02"
    assert len(default_round()) == 10


def test_a_new_round_rotates_everything_in_one_update_and_notes_the_round():
    plan = plan_rotation(swarm(force_rotate=2), ["worker_token", "manager_token", "unlock_key", "ca"], "r1")
    assert plan["rotate"] == ["worker_token", "manager_token", "unlock_key", "ca"] and plan["done"] == []
    assert plan["flags"] == dict(rotate_worker_token=True, rotate_manager_token=True, rotate_manager_unlock_key=True)
    assert plan["spec"]["CAConfig"]["ForceRotate"] == 3
    assert plan["spec"]["CAConfig"]["NodeCertExpiry"] == 7776000000000000
    assert rounds_done(plan["spec"]) == dict(worker_token="r1", manager_token="r1", unlock_key="r1", ca="r1")
    assert plan["spec"]["Name"] == "default"


def test_the_spec_read_is_not_changed_in_place():
    current = swarm(labels={"team": "platform"})
    plan_rotation(current, ["ca"], "r1")
    assert current["Spec"]["Labels"] == {"team": "platform"} and "ForceRotate" not in current["Spec"]["CAConfig"]


def test_other_labels_are_kept():
    plan = plan_rotation(swarm(labels={"team": "platform"}), ["worker_token"], "r1")
    assert plan["spec"]["Labels"] == {"team": "platform", "dockfleet.rotate.worker_token": "r1"}
    assert plan["flags"] == dict(rotate_worker_token=True, rotate_manager_token=False, rotate_manager_unlock_key=False)


def test_force_rotate_starts_at_one():
    assert plan_rotation(swarm(), ["ca"], "r1")["spec"]["CAConfig"]["ForceRotate"] == 1


def test_the_same_round_again_rotates_nothing():
    labels = {"dockfleet.rotate.%s" % name: "r1" for name in ("worker_token", "manager_token", "unlock_key", "ca")}
    plan = plan_rotation(swarm(labels=labels), ["worker_token", "manager_token", "unlock_key", "ca"], "r1")
    assert plan == dict(rotate=[], done=["worker_token", "manager_token", "unlock_key", "ca"], spec=None, flags={})


def test_an_interrupted_round_does_only_what_is_left():
    plan = plan_rotation(swarm(labels={"dockfleet.rotate.worker_token": "r1"}), ["worker_token", "ca"], "r1")
    assert plan["rotate"] == ["ca"] and plan["done"] == ["worker_token"]
    assert plan["flags"]["rotate_worker_token"] is False


def test_a_later_round_rotates_again():
    plan = plan_rotation(swarm(labels={"dockfleet.rotate.manager_token": "r1"}), ["manager_token"], "r2")
    assert plan["rotate"] == ["manager_token"]


def test_a_round_already_rotating_the_ca_is_not_refused_while_in_progress():
    plan = plan_rotation(swarm(labels={"dockfleet.rotate.ca": "r1"}, in_progress=True), ["ca"], "r1")
    assert plan["rotate"] == [] and plan["done"] == ["ca"]


def test_unlock_key_needs_autolock():
    with pytest.raises(RotationError, match="unlock_key: autolock is off in this swarm"):
        plan_rotation(swarm(autolock=False), ["worker_token", "unlock_key"], "r1")


def test_ca_with_an_external_ca_is_refused():
    with pytest.raises(RotationError, match="ca: an external CA signs"):
        plan_rotation(swarm(external=[{"Protocol": "cfssl", "URL": "https://ca"}]), ["ca"], "r1")


def test_ca_while_another_rotation_runs_is_refused():
    with pytest.raises(RotationError, match="still in progress"):
        plan_rotation(swarm(in_progress=True), ["ca"], "r1")


def test_an_empty_round_is_refused():
    with pytest.raises(RotationError, match="rotation must name the round"):
        plan_rotation(swarm(), ["ca"], " ")


def test_root_digest_is_the_sha256_of_the_pem():
    assert root_digest(swarm()) == hashlib.sha256(OLD_ROOT.encode()).hexdigest()
    assert root_digest({}) is None


def test_ca_finished_when_every_node_has_the_swarm_root():
    assert ca_pending(swarm(root=NEW_ROOT), [node("m1", NEW_ROOT), node("m2", NEW_ROOT)]) == []


def test_ca_pending_names_the_nodes_on_the_old_root():
    pending = ca_pending(swarm(root=NEW_ROOT), [node("m1", NEW_ROOT), node("m2", OLD_ROOT, "down")])
    assert pending == ["node m2 (down) has no certificate from the new root yet"]


def test_ca_pending_while_the_swarm_reports_the_rotation():
    pending = ca_pending(swarm(in_progress=True), [node("m1")])
    assert pending == ["the swarm still reports its root CA rotation in progress"]


def test_ca_pending_while_the_swarm_still_has_the_old_root():
    # Just after the update the swarm may not report the rotation yet: the old root is not "finished".
    old = root_digest(swarm())
    assert ca_pending(swarm(), [node("m1")], old) == ["the swarm still has its old root CA"]
    assert ca_pending(swarm(root=NEW_ROOT), [node("m1", NEW_ROOT)], old) == []


def test_diff_view_shows_rounds_and_root_digest_only():
    view = diff_view(swarm(labels={"dockfleet.rotate.ca": "r0"})["Spec"], swarm(), ["worker_token", "ca"])
    assert view == {"worker_token": None, "ca": "r0", "ca_root_sha256": root_digest(swarm())}
