# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rotating a swarm's credentials: join tokens, the managers' unlock key and the swarm root CA.

Pure: works on the engine's own JSON (``GET /swarm``, ``GET /nodes``) and never talks to it. The
``swarm_rotate`` module applies what ``plan_rotation`` plans in one swarm update and waits with
``ca_pending``.

A rotation is done once per *round*: a name the caller gives (the playbook's default is the UTC date).
Every credential rotated in a round is noted in the swarm spec's labels (``dockfleet.rotate.<credential>``
= round), so running the same round again changes nothing, and an interrupted run is finished by running
it again (a root CA rotation that was started is waited for, not started twice).
"""

from __future__ import annotations

import copy
import datetime
import hashlib

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import autolock_on

LABEL_PREFIX = "dockfleet.rotate."

# The credentials, in the order they are reported.
CREDENTIALS = ("worker_token", "manager_token", "unlock_key", "ca")


class RotationError(ValueError):
    """The request cannot be done on this swarm; the message says why and what to do."""


def default_round(now=None):
    """Today's UTC date (``2026-12-02``): the round a rotation belongs to when the caller names none."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%d")


def requested_credentials(join_tokens=(), unlock_key=False, ca=False):
    """The credentials a request names, in CREDENTIALS order."""
    wanted = set("%s_token" % kind for kind in join_tokens or ())
    if unlock_key:
        wanted.add("unlock_key")
    if ca:
        wanted.add("ca")
    return [name for name in CREDENTIALS if name in wanted]


def label_of(credential):
    return LABEL_PREFIX + credential


def rounds_done(spec):
    """The round each credential was last rotated in by this module (None when never)."""
    labels = (spec or {}).get("Labels") or {}
    return dict((name, labels.get(label_of(name))) for name in CREDENTIALS)


def plan_rotation(swarm, credentials, rotation_round):
    """What to do for ``credentials`` in round ``rotation_round`` on the swarm ``GET /swarm`` returned.

    Returns a dict: ``rotate`` (credentials to rotate now), ``done`` (already rotated in this round),
    ``spec`` (the spec to send, with the round noted and the CA's ForceRotate raised; None when nothing is
    rotated) and ``flags`` (the rotate_* keyword arguments of ``APIClient.update_swarm``). Raises
    ``RotationError`` when a credential cannot be rotated here, before anything is changed.
    """
    if not rotation_round or not str(rotation_round).strip():
        raise RotationError("rotation must name the round (e.g. 2026-12-02), not be empty.")
    spec = (swarm or {}).get("Spec") or {}
    if "unlock_key" in credentials and not autolock_on(swarm):
        raise RotationError(
            "unlock_key: autolock is off in this swarm (Spec.EncryptionConfig.AutoLockManagers), so there is no "
            "unlock key to rotate. Turn autolock on first (swarm_autolock: true in the swarm role), or leave "
            "unlock_key out."
        )
    done_before = rounds_done(spec)
    rotate = [name for name in credentials if done_before[name] != rotation_round]
    done = [name for name in credentials if done_before[name] == rotation_round]
    if "ca" in rotate:
        ca_config = spec.get("CAConfig") or {}
        if ca_config.get("ExternalCAs"):
            raise RotationError(
                "ca: an external CA signs this swarm's node certificates (Spec.CAConfig.ExternalCAs); the swarm "
                "cannot make a new root itself. Rotate it with docker swarm ca --rotate --ca-cert --external-ca, "
                "or leave ca out."
            )
        if swarm.get("RootRotationInProgress"):
            raise RotationError(
                "ca: a root CA rotation that this round did not start is still in progress. Wait until it ends "
                "(docker node ls shows every node again; docker info shows no root rotation in progress) and run "
                "again."
            )
    if not rotate:
        return dict(rotate=[], done=done, spec=None, flags={})
    new_spec = copy.deepcopy(spec)
    labels = dict(new_spec.get("Labels") or {})
    for name in rotate:
        labels[label_of(name)] = str(rotation_round)
    new_spec["Labels"] = labels
    if "ca" in rotate:
        ca_config = dict(new_spec.get("CAConfig") or {})
        ca_config["ForceRotate"] = int(ca_config.get("ForceRotate") or 0) + 1
        new_spec["CAConfig"] = ca_config
    flags = dict(
        rotate_worker_token="worker_token" in rotate,
        rotate_manager_token="manager_token" in rotate,
        rotate_manager_unlock_key="unlock_key" in rotate,
    )
    return dict(rotate=rotate, done=done, spec=new_spec, flags=flags)


def root_digest(swarm):
    """sha256 (hex) of the swarm's root CA certificate (PEM), or None."""
    pem = ((swarm or {}).get("TLSInfo") or {}).get("TrustRoot")
    if not pem:
        return None
    return hashlib.sha256(pem.encode("utf-8")).hexdigest()


def _issuer(tls_info):
    tls_info = tls_info or {}
    return (tls_info.get("TrustRoot"), tls_info.get("CertIssuerSubject"), tls_info.get("CertIssuerPublicKey"))


def ca_pending(swarm, nodes, old_digest=None):
    """What still keeps a root CA rotation from being finished; an empty list when it is.

    Finished means: the swarm reports no rotation in progress, its root is not ``old_digest`` (when given: the
    root before this call rotated it) and every node reports a certificate from the swarm's root (its
    ``Description.TLSInfo`` names the swarm's root and issuer).
    """
    pending = []
    if (swarm or {}).get("RootRotationInProgress"):
        pending.append("the swarm still reports its root CA rotation in progress")
    if old_digest and root_digest(swarm) == old_digest:
        pending.append("the swarm still has its old root CA")
    wanted = _issuer((swarm or {}).get("TLSInfo"))
    for node in nodes or []:
        description = node.get("Description") or {}
        if _issuer(description.get("TLSInfo")) != wanted:
            pending.append(
                "node %s (%s) has no certificate from the new root yet"
                % (description.get("Hostname") or node.get("ID"), (node.get("Status") or {}).get("State"))
            )
    return pending


def diff_view(spec, swarm, credentials):
    """The round of each requested credential and the root's digest, for diff mode (no secret in it)."""
    view = dict((name, rounds_done(spec)[name]) for name in credentials)
    if "ca" in credentials:
        view["ca_root_sha256"] = root_digest(swarm)
    return view
