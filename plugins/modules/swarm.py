#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm
short_description: Initialise, join or leave a Docker swarm, and keep the swarm's settings as declared
version_added: 0.1.0
description:
  - V(present) initialises a swarm on this host, or, when this host is already a manager, changes the swarm
    settings that differ from the ones given. Settings not given are left as the swarm has them.
  - V(join) joins this host to the swarm reached at O(remote_addrs) with O(join_token).
  - V(absent) makes this host leave its swarm.
  - V(unlocked) only unlocks this node when autolock locked it after its engine restarted, with O(unlock_key);
    nothing else is read or changed, so it works on a manager whose control plane is not up yet (the rolling
    runbooks use it right after a manager's engine restart).
  - Idempotent. A host already in the right swarm is reported unchanged. A host in a B(different) swarm is an
    error unless O(leave_other_swarm=true).
  - Returns the cluster ID, the node ID, the join tokens and the unlock key. The tokens and the key grant
    membership of the swarm; register the result in a task with C(no_log) (the P(dockfleet.docker.swarm#role)
    role does) so they are never printed.
extends_documentation_fragment:
  - dockfleet.docker.engine_writer
attributes:
  check_mode:
    details:
      - Reports whether the node would initialise, join or leave a swarm and which settings would change.
  diff_mode:
    details:
      - Shows the node's swarm membership and the settings that change, never the join tokens or the unlock key.
options:
  state:
    description:
      - V(present) initialises a swarm here or manages the settings of the swarm this manager belongs to.
      - V(join) joins the swarm at O(remote_addrs).
      - V(absent) leaves the swarm.
      - V(unlocked) unlocks this node when it is locked (requires O(unlock_key)); a node that is not locked is left
        as it is and reported unchanged.
    type: str
    choices: [present, join, absent, unlocked]
    default: present
  advertise_addr:
    description:
      - Address (C(ip), C(ip:port) or interface name) other nodes use to reach this node.
      - Used when initialising or joining. A node keeps the address it joined with; a different value on an
        existing node gives a warning.
    type: str
  listen_addr:
    description:
      - Address this node listens on for swarm control traffic.
    type: str
    default: 0.0.0.0:2377
  data_path_addr:
    description:
      - Address or interface for data path (overlay network) traffic, when it differs from O(advertise_addr).
    type: str
  data_path_port:
    description:
      - UDP port for overlay network (VXLAN) traffic. Only when initialising; 1024 to 49151. The engine uses 4789
        when not given.
    type: int
  default_addr_pool:
    description:
      - Subnets (CIDR) overlay networks are allocated from. Only when initialising; a different value on an existing
        swarm gives a warning.
    type: list
    elements: str
  subnet_size:
    description:
      - Prefix length of each overlay network taken from O(default_addr_pool). Only when initialising.
    type: int
  autolock_managers:
    description:
      - Lock managers' raft data with a key when they restart; the key is returned as RV(unlock_key) and is needed
        (O(unlock_key)) to bring a restarted manager back.
    type: bool
  node_cert_expiry:
    description:
      - Validity of node certificates, as a duration with a unit such as V(90d), V(2160h) or V(1h30m) (units V(d),
        V(h), V(m), V(s), V(ms), V(us), V(ns)).
      - A bare number is refused. community.docker.docker_swarm takes this option as an integer of nanoseconds,
        while the docker CLI and most people count seconds; a number without a unit would silently be a billion
        times off for one of them, so the unit is written in the value (V(90d), not C(7776000000000000)).
    type: raw
  task_history_retention_limit:
    description:
      - Number of finished tasks kept per service slot.
    type: int
  dispatcher_heartbeat_period:
    description:
      - How often nodes report to the managers, as a duration with a unit such as V(5s) or V(500ms).
      - A bare number is refused, as for O(node_cert_expiry).
    type: raw
  snapshot_interval:
    description:
      - Raft log entries between snapshots.
    type: int
  keep_old_snapshots:
    description:
      - Raft snapshots kept besides the current one.
    type: int
  remote_addrs:
    description:
      - Managers of the swarm to join (C(host) or C(host:port); port 2377 when not given). Required with V(join).
      - Also how a worker that is already in a swarm is recognised as being in this one.
    type: list
    elements: str
  join_token:
    description:
      - Worker or manager join token of the swarm to join. Required with V(join).
    type: str
  leave_other_swarm:
    description:
      - When this host is in a different swarm than the one asked for, leave it (forcefully) first.
      - Leaving the last manager of the other swarm destroys that swarm.
    type: bool
    default: false
  force:
    description:
      - With V(absent), leave even when this node is a manager. A manager leaving lowers the swarm's
        fault tolerance and, for the last manager, ends the swarm; demote it with
        M(dockfleet.docker.swarm_node) first where you can.
    type: bool
    default: false
  unlock_key:
    description:
      - Key to unlock this node when autolock locked it after a restart. Required with V(unlocked).
      - With V(present) or V(join), a locked node is unlocked first; without the key that is an error.
    type: str
notes:
  - Run on the host that is to be a swarm node (the module talks to the local engine).
  - The swarm settings have community.docker.docker_swarm's names. Its durations are integers of nanoseconds; here
    they are strings with units, and a bare number is an error that names the option, never a guess.
seealso:
  - module: dockfleet.docker.swarm_node
  - name: The dockfleet.docker.swarm role
    description: Forms and keeps a swarm from inventory groups with this module and M(dockfleet.docker.swarm_node).
    link: https://github.com/dockfleet/dockfleet.docker/blob/main/roles/swarm/README.md
"""

EXAMPLES = r"""
- name: Initialise the swarm on the first manager
  dockfleet.docker.swarm:
    state: present
    advertise_addr: "{{ ansible_facts.default_ipv4.address }}"
    default_addr_pool: [10.20.0.0/16]
    node_cert_expiry: 90d  # community.docker.docker_swarm: 7776000000000000 (nanoseconds)
    dispatcher_heartbeat_period: 5s
  register: swarm_init
  no_log: true  # the result holds the join tokens

- name: Join a worker
  dockfleet.docker.swarm:
    state: join
    remote_addrs: ["{{ hostvars['mgr1'].ansible_facts.default_ipv4.address }}"]
    join_token: "{{ hostvars['mgr1'].swarm_init.join_tokens.worker }}"

- name: Leave the swarm
  dockfleet.docker.swarm:
    state: absent

- name: Unlock this manager after its engine restarted (autolock)
  dockfleet.docker.swarm:
    state: unlocked
    unlock_key: "{{ vault_swarm_unlock_key }}"
"""

RETURN = r"""
cluster_id:
  description: ID of the swarm (known to managers only; null on workers, outside a swarm and on a locked node).
  returned: always
  type: str
node_id:
  description: ID of this node in its swarm (null outside a swarm).
  returned: always
  type: str
local_node_state:
  description: The engine's state of this node in the swarm (V(active), V(inactive), V(locked), ...).
  returned: always
  type: str
is_manager:
  description: Whether this node is a manager.
  returned: always
  type: bool
node_addr:
  description: Address this node advertises to the swarm.
  returned: always
  type: str
remote_managers:
  description: Addresses of the swarm's managers, as this node knows them.
  returned: always
  type: list
  elements: str
join_tokens:
  description:
    - Join tokens. Sensitive; register the result in a task with C(no_log).
  returned: on managers, except with V(unlocked)
  type: dict
  contains:
    worker:
      description: Token workers join with.
      type: str
    manager:
      description: Token managers join with.
      type: str
unlock_key:
  description: Key that unlocks a restarted manager when autolock is on (null otherwise). Sensitive.
  returned: on managers, except with V(unlocked)
  type: str
changes:
  description: Swarm settings that changed, each as a list of the old and the new value.
  returned: always
  type: dict
"""

import contextlib
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.durations import DurationError
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    EngineError,
    autolock_on,
    connect,
    engine_argument_spec,
    engine_errors,
    unlock_swarm,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import (
    SETTINGS_ARGUMENT_SPEC,
    SpecError,
    init_only_mismatches,
    init_spec,
    normalize_addr,
    plan_swarm_spec,
    read_settings,
    same_swarm,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


def swarm_info(client):
    """The engine's swarm view, once it is no longer 'pending' (a join in progress), or after 30s as it is."""
    seen = {}

    def settled():
        seen["info"] = client.info().get("Swarm") or {}
        return seen["info"].get("LocalNodeState") != "pending"

    with contextlib.suppress(WaitTimeout):
        wait_until(settled, 30, "a pending swarm join to finish", interval=2)
    return seen["info"]


def in_swarm(info):
    return info.get("LocalNodeState") == "active"


def snapshot(info):
    """What the diff shows about membership (never secrets)."""
    return {
        "local_node_state": info.get("LocalNodeState"),
        "is_manager": bool(info.get("ControlAvailable")),
        "cluster_id": (info.get("Cluster") or {}).get("ID"),
    }


def result_for(client, info, changes, secrets=True):
    """The module's result; the join tokens and the unlock key only with ``secrets`` (they need a leader)."""
    result = dict(
        snapshot(info),
        node_id=info.get("NodeID") or None,
        node_addr=info.get("NodeAddr") or None,
        remote_managers=[m.get("Addr") for m in info.get("RemoteManagers") or []],
        changes=changes,
    )
    if secrets and info.get("ControlAvailable"):
        swarm = client.inspect_swarm()
        tokens = swarm.get("JoinTokens") or {}
        result["join_tokens"] = {"worker": tokens.get("Worker"), "manager": tokens.get("Manager")}
        result["unlock_key"] = (client.get_unlock_key() or {}).get("UnlockKey") if autolock_on(swarm) else None
    return result


def unlock_if_locked(module, client, info):
    try:
        locked = unlock_swarm(client, info, module.params["unlock_key"], check=module.check_mode)
    except EngineError as exc:
        module.fail_json(msg=str(exc))
    if not locked:
        return info
    if module.check_mode:
        module.exit_json(
            changed=True,
            msg="would unlock this node",
            diff=dict(before=snapshot(info), after=dict(snapshot(info), local_node_state="active")),
            **snapshot(info),
        )
    with engine_errors(module, "report this node's swarm state"):
        return swarm_info(client)


def leave(module, client, force, why):
    with engine_errors(module, why):
        client.leave_swarm(force=force)


def ensure_present(module, client, info, settings):
    params = module.params
    before = snapshot(info)
    if in_swarm(info) and not info.get("ControlAvailable"):
        module.fail_json(
            msg="This node is a worker in a swarm (managers: %s). state=present initialises a swarm or manages one "
            "from a manager: run it on a manager, or make this node leave first (state=absent)."
            % ", ".join(m.get("Addr", "") for m in info.get("RemoteManagers") or [])
        )
    if not in_swarm(info):
        if module.check_mode:
            return True, {}, before, dict(before, local_node_state="active", is_manager=True)
        kwargs = dict(
            advertise_addr=params["advertise_addr"],
            listen_addr=params["listen_addr"],
            swarm_spec=init_spec(settings),
        )
        for option in ("default_addr_pool", "subnet_size", "data_path_addr", "data_path_port"):
            if params[option]:
                kwargs[option] = params[option]
        with engine_errors(module, "initialise a swarm on this node"):
            client.init_swarm(**kwargs)
        info = swarm_info(client)
        return True, {}, before, snapshot(info)
    for warning in init_only_mismatches(info, settings):
        module.warn(warning)
    with engine_errors(module, "read the swarm settings"):
        swarm = client.inspect_swarm()
    new_spec, changes = plan_swarm_spec(swarm.get("Spec") or {}, settings)
    if changes and not module.check_mode:
        with engine_errors(module, "update the swarm settings (%s)" % ", ".join(sorted(changes))):
            client.update_swarm(version=swarm["Version"]["Index"], swarm_spec=new_spec)
    return (
        bool(changes),
        changes,
        dict(before, **dict((k, v[0]) for k, v in changes.items())),
        dict(before, **dict((k, v[1]) for k, v in changes.items())),
    )


def local_trust_root(module, client):
    """The root CA this node keeps on disk, when the engine is local; None when it cannot be read."""
    if not module.params["docker_host"].startswith("unix://"):
        return None
    with engine_errors(module, "report its data directory"):
        root = client.info().get("DockerRootDir") or "/var/lib/docker"
    path = os.path.join(root, "swarm", "certificates", "swarm-root-ca.crt")
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return None


def ensure_joined(module, client, info):
    params = module.params
    before = snapshot(info)
    remote_addrs = [normalize_addr(a) for a in params["remote_addrs"]]
    if in_swarm(info):
        if same_swarm(info, remote_addrs, params["join_token"], local_trust_root(module, client)):
            return False, before, before
        if not params["leave_other_swarm"]:
            module.fail_json(
                msg="This node is already in a different swarm (its managers: %s; asked to join %s). Nothing was "
                "changed. Set leave_other_swarm=true to leave that swarm and join this one (leaving the last manager "
                "of a swarm destroys it), or check remote_addrs."
                % (
                    ", ".join(m.get("Addr", "") for m in info.get("RemoteManagers") or []) or "unknown",
                    ", ".join(remote_addrs),
                )
            )
        if module.check_mode:
            return True, before, dict(before, local_node_state="active", cluster_id=None)
        leave(module, client, True, "leave its current swarm before joining another")
    elif info.get("LocalNodeState") == "error":
        module.warn("This node's swarm state was 'error' (%s); joining again." % info.get("Error"))
    if module.check_mode:
        return True, before, dict(before, local_node_state="active")
    kwargs = dict(
        remote_addrs=remote_addrs,
        join_token=params["join_token"],
        listen_addr=params["listen_addr"],
        advertise_addr=params["advertise_addr"],
    )
    if params["data_path_addr"]:
        kwargs["data_path_addr"] = params["data_path_addr"]
    with engine_errors(module, "join the swarm at %s" % ", ".join(remote_addrs)):
        client.join_swarm(**kwargs)
    info = swarm_info(client)
    return True, before, snapshot(info)


def ensure_absent(module, client, info):
    before = snapshot(info)
    if info.get("LocalNodeState") in ("inactive", None, ""):
        return False, before, before
    if info.get("ControlAvailable") and not module.params["force"]:
        cluster = info.get("Cluster") or {}
        module.fail_json(
            msg="This node is a manager (swarm %s with %s managers). Leaving lowers the swarm's fault tolerance, "
            "and for the last manager ends the swarm. Demote it first (dockfleet.docker.swarm_node role=worker), "
            "or set force=true." % (cluster.get("ID"), info.get("Managers"))
        )
    if not module.check_mode:
        leave(module, client, module.params["force"] or info.get("LocalNodeState") != "active", "leave the swarm")
    after = dict(before, local_node_state="inactive", is_manager=False, cluster_id=None)
    return True, before, after


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            state=dict(type="str", default="present", choices=["present", "join", "absent", "unlocked"]),
            advertise_addr=dict(type="str"),
            listen_addr=dict(type="str", default="0.0.0.0:2377"),
            data_path_addr=dict(type="str"),
            **SETTINGS_ARGUMENT_SPEC,
            remote_addrs=dict(type="list", elements="str"),
            join_token=dict(type="str", no_log=True),
            leave_other_swarm=dict(type="bool", default=False),
            force=dict(type="bool", default=False),
            unlock_key=dict(type="str", no_log=True),
        ),
        required_if=[("state", "join", ["remote_addrs", "join_token"]), ("state", "unlocked", ["unlock_key"])],
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    try:
        settings = read_settings(params)
    except (DurationError, SpecError) as exc:
        module.fail_json(msg=str(exc))
    client = connect(module)
    with engine_errors(module, "report this node's swarm state"):
        info = swarm_info(client)
    before = snapshot(info)
    if params["state"] != "absent":
        info = unlock_if_locked(module, client, info)

    changes = {}
    if params["state"] == "unlocked":
        # The control plane of a manager that was just unlocked may not be up yet: read nothing that needs it.
        module.exit_json(
            changed=before["local_node_state"] == "locked",
            diff=dict(before=before, after=snapshot(info)),
            **result_for(client, info, changes, secrets=False),
        )
    if params["state"] == "present":
        changed, changes, before, after = ensure_present(module, client, info, settings)
    elif params["state"] == "join":
        changed, before, after = ensure_joined(module, client, info)
    else:
        changed, before, after = ensure_absent(module, client, info)

    with engine_errors(module, "report this node's swarm state"):
        result = result_for(client, swarm_info(client), changes)
    module.exit_json(changed=changed, diff=dict(before=before, after=after), **result)


if __name__ == "__main__":
    main()
