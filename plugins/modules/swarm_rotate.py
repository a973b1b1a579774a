#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_rotate
short_description: Rotate a swarm's join tokens, managers' unlock key and root CA, once per rotation round
version_added: 0.1.0
description:
  - Runs on a swarm manager. Rotates the credentials named (O(join_tokens), O(unlock_key), O(ca)) in one update of
    the swarm, as C(docker swarm join-token --rotate), C(docker swarm unlock-key --rotate) and
    C(docker swarm ca --rotate) do.
  - Each rotation belongs to a round (O(rotation)). The round is noted in the swarm's labels
    (C(dockfleet.rotate.worker_token), C(dockfleet.rotate.manager_token), C(dockfleet.rotate.unlock_key),
    C(dockfleet.rotate.ca)), so a credential already rotated in this round is not rotated again - running the same
    task twice changes nothing - and an interrupted run is finished by running it again.
  - With O(ca) the swarm makes a new root CA and every node gets a certificate from it; the module waits up to
    O(timeout) seconds until the swarm reports the rotation finished and every node reports a certificate from
    the new root (C(docker node inspect) C(.Description.TLSInfo)), and fails naming the nodes that do not. A run
    of a round whose CA rotation was already started waits for it the same way, without starting another.
  - The whole request is checked before anything changes. O(unlock_key) needs autolock on; O(ca) is refused when an
    external CA signs the swarm's certificates or a rotation started elsewhere is still in progress.
  - Returns the new join tokens and the new unlock key once, in the run that rotates them. They grant membership
    of the swarm and unlock its managers. Use C(no_log) on the task and store the unlock key in a vault at once.
    Old tokens are refused for joining from then on; the old unlock key no longer unlocks a restarted manager.
extends_documentation_fragment:
  - dockfleet.docker.engine_writer.api_timeout
attributes:
  check_mode:
    details:
      - Checks the whole request and reports what it would rotate, without rotating anything or waiting.
  diff_mode:
    details:
      - Shows, for every credential asked for, the round it was last rotated in, and with O(ca) the SHA-256 of the
        root CA certificate, before and after. Never a token or a key.
options:
  join_tokens:
    description:
      - The join tokens to rotate. A node that joined keeps its membership; only new joins need the new token.
    type: list
    elements: str
    choices: [worker, manager]
    default: []
  unlock_key:
    description:
      - Rotate the key that unlocks a manager after its engine restarts (autolock). Needs autolock on.
    type: bool
    default: false
  ca:
    description:
      - Rotate the swarm's root CA (a new CA made by the swarm) and wait until every node has a certificate from it.
      - While it runs the swarm cross-signs, so nodes keep talking to each other; it takes a few seconds per node.
    type: bool
    default: false
  rotation:
    description:
      - The round this rotation belongs to. A credential already rotated in this round (noted in the swarm's labels)
        is not rotated again. Default today's date in UTC (V(2026-12-02)); give another name to rotate again the
        same day.
    type: str
  timeout:
    description:
      - Seconds to wait for the nodes to have certificates from the new root CA (O(ca)).
      - Not the engine API timeout, which is O(api_timeout) in this module.
    type: int
    default: 300
notes:
  - Run it on one manager (C(run_once), or delegate to one).
seealso:
  - module: dockfleet.docker.swarm
  - module: dockfleet.docker.swarm_health
"""

EXAMPLES = r"""
- name: Rotate both join tokens (a token was pasted into a ticket)
  dockfleet.docker.swarm_rotate:
    join_tokens: [worker, manager]
  no_log: true
  run_once: true

- name: Rotate the swarm root CA after a manager was compromised, waiting up to 10 minutes for every node
  dockfleet.docker.swarm_rotate:
    ca: true
    rotation: incident-4711
    timeout: 600
  run_once: true

- name: Rotate the unlock key and keep the new one
  dockfleet.docker.swarm_rotate:
    unlock_key: true
  register: rotated
  no_log: true
  run_once: true
"""

RETURN = r"""
rotated:
  description: The credentials rotated by this call (in check mode, the ones it would rotate).
  returned: always
  type: list
  elements: str
  sample: [worker_token, manager_token]
already_rotated:
  description: The credentials asked for that were already rotated in this round, left as they are.
  returned: always
  type: list
  elements: str
  sample: [ca]
rotation:
  description: The round.
  returned: always
  type: str
  sample: "2026-12-02"
join_tokens:
  description: The swarm's join tokens after the rotation, when this call rotated one. Sensitive.
  returned: when a join token was rotated (not in check mode)
  type: dict
  sample: {worker: SWMTKN-1-..., manager: SWMTKN-1-...}
unlock_key:
  description: The new unlock key, when this call rotated it. Returned this once; sensitive.
  returned: when the unlock key was rotated (not in check mode)
  type: str
  sample: SWMKEY-1-...
ca_root_sha256:
  description: SHA-256 (hex) of the swarm's root CA certificate before and after, with O(ca).
  returned: with O(ca)
  type: dict
  sample: {before: 5d4c..., after: 9a1b...}
waited:
  description: Seconds spent waiting for the nodes' certificates (O(ca)).
  returned: always
  type: float
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    connect,
    engine_argument_spec,
    engine_errors,
    manager_swarm_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_rotation import (
    RotationError,
    ca_pending,
    default_round,
    diff_view,
    plan_rotation,
    requested_credentials,
    root_digest,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until, waited_since


def read_swarm(module, client):
    manager_swarm_state(module, client, "run swarm_rotate on a manager (delegate_to one).")
    with engine_errors(module, "read the swarm"):
        return client.inspect_swarm()


def wait_for_ca(module, client, old_digest):
    """Wait until every node has a certificate from the new root; fail naming the ones that do not."""
    seen = {"pending": []}

    def finished():
        try:
            pending = ca_pending(client.inspect_swarm(), client.nodes(), old_digest)
        except Exception as exc:  # a manager busy with the rotation may answer with errors for a moment
            pending = ["the manager could not answer: %s" % (getattr(exc, "explanation", None) or exc)]
        seen["pending"] = pending
        return not pending

    try:
        wait_until(finished, module.params["timeout"], "every node to have a certificate from the new root CA", 2)
    except WaitTimeout:
        module.fail_json(
            msg="The swarm root CA rotation did not finish within %ss (timeout): %s. The rotation goes on in the "
            "swarm; a node that is down gets its certificate when it is back. Run again with the same rotation "
            "to wait for it." % (module.params["timeout"], "; ".join(seen["pending"]))
        )


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            join_tokens=dict(type="list", elements="str", choices=["worker", "manager"], default=[], no_log=False),
            unlock_key=dict(type="bool", default=False, no_log=False),
            ca=dict(type="bool", default=False),
            rotation=dict(type="str"),
            timeout=dict(type="int", default=300),
        ),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    credentials = requested_credentials(params["join_tokens"], params["unlock_key"], params["ca"])
    if not credentials:
        module.fail_json(msg="Nothing to rotate: name join_tokens, unlock_key or ca.")
    rotation_round = params["rotation"] or default_round()
    client = connect(module)
    swarm = read_swarm(module, client)
    try:
        plan = plan_rotation(swarm, credentials, rotation_round)
    except RotationError as exc:
        module.fail_json(msg=str(exc))
    old_digest = root_digest(swarm)
    before = diff_view(swarm.get("Spec"), swarm, credentials)
    result = dict(rotated=plan["rotate"], already_rotated=plan["done"], rotation=rotation_round, waited=0.0)
    if module.check_mode:
        after = dict(before, **dict((name, rotation_round) for name in plan["rotate"]))
        if "ca" in plan["rotate"]:
            after["ca_root_sha256"] = "(a new root CA)"
            result["ca_root_sha256"] = dict(before=old_digest, after=None)
        elif "ca" in credentials:
            result["ca_root_sha256"] = dict(before=old_digest, after=old_digest)
        module.exit_json(changed=bool(plan["rotate"]), diff=dict(before=before, after=after), **result)

    if plan["rotate"]:
        with engine_errors(module, "rotate %s" % ", ".join(plan["rotate"])):
            client.update_swarm(version=swarm["Version"]["Index"], swarm_spec=plan["spec"], **plan["flags"])
    started = time.monotonic()
    if "ca" in credentials:
        wait_for_ca(module, client, old_digest if "ca" in plan["rotate"] else None)
    result["waited"] = waited_since(started)
    swarm_after = read_swarm(module, client)
    if "ca" in credentials:
        result["ca_root_sha256"] = dict(before=old_digest, after=root_digest(swarm_after))
    if plan["flags"].get("rotate_worker_token") or plan["flags"].get("rotate_manager_token"):
        tokens = swarm_after.get("JoinTokens") or {}
        result["join_tokens"] = dict(worker=tokens.get("Worker"), manager=tokens.get("Manager"))
    if "unlock_key" in plan["rotate"]:
        with engine_errors(module, "return the new unlock key"):
            result["unlock_key"] = (client.get_unlock_key() or {}).get("UnlockKey")
    after = diff_view(swarm_after.get("Spec"), swarm_after, credentials)
    module.exit_json(changed=bool(plan["rotate"]), diff=dict(before=before, after=after), **result)


if __name__ == "__main__":
    main()
