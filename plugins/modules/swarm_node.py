#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_node
short_description: Labels, availability and role of swarm nodes, changed only when the swarm keeps its quorum
version_added: 0.1.0
description:
  - Runs on a swarm manager and manages one node (O(node)) or many in one call (O(nodes)).
  - Labels are declarative. With O(labels_mode=exact) a node carries exactly O(labels), so a label taken out of
    the inventory disappears from the node; with V(merge) other labels are kept. O(labels_to_remove) deletes labels in
    either mode.
  - A task written for community.docker.docker_node works with its option names - O(node) is also called
    O(hostname), O(labels_mode) also O(labels_state), and V(replace) means what it means there (see O(labels_mode)).
    The differences are named in the options.
  - Every demotion, drain, pause and removal is checked against the swarm's raft quorum first. A change that would
    leave the managers without a majority, remove or demote the last manager, or drain or pause the last active
    manager is refused with a message giving the manager count, how many are reachable and what the change would
    do. When anything in a call is refused, nothing in the call is changed.
  - The managers counted are the members of the raft cluster as the engine the module talks to reports them (a node's
    manager status). After C(docker swarm init --force-new-cluster) the old managers keep the manager role but are no
    raft members; they do not count, and they are removed without being demoted first.
  - Changes are applied in a safe order, promotions first, then label and availability changes, then demotions,
    then removals.
extends_documentation_fragment:
  - dockfleet.docker.engine_writer
attributes:
  check_mode:
    details:
      - Runs every quorum check and reports the changes it would make, in order, without making them.
  diff_mode:
    details:
      - Shows the role, availability and labels of every node that changes, before and after.
options:
  node:
    description:
      - The node to manage, by hostname, node ID or unique ID prefix (6 characters or more).
      - When a hostname matches several nodes (a reinstalled host leaves its old node Down), the Ready one is used.
      - Exactly one of O(node) and O(nodes) is required.
      - O(hostname) is community.docker.docker_node's name for it.
    type: str
    aliases: [hostname]
  nodes:
    description:
      - Many nodes in one call, each with the same options as a single node. All changes are quorum-checked together
        and nothing is applied if any is refused.
    type: list
    elements: dict
    suboptions:
      node:
        description: Hostname, node ID or unique ID prefix.
        type: str
        required: true
        aliases: [hostname]
      labels:
        description:
          - Labels to set (values become strings, V(true)/V(false) for booleans). Keys are non-empty and hold no white
            space or C(=); values are never mappings or lists. Any bad label fails the whole call before a change.
        type: dict
      labels_mode:
        description:
          - V(merge) keeps other labels; V(exact) removes every label not in O(nodes[].labels); V(replace) is
            V(exact), and also removes every label when O(nodes[].labels) is not given. See O(labels_mode).
        type: str
        choices: [merge, exact, replace]
        default: merge
        aliases: [labels_state]
      labels_to_remove:
        description: Label keys to delete.
        type: list
        elements: str
      availability:
        description: Scheduling availability.
        type: str
        choices: [active, pause, drain]
      role:
        description: Node role.
        type: str
        choices: [manager, worker]
      state:
        description: V(absent) removes the node from the swarm (a manager is demoted first).
        type: str
        choices: [present, absent]
        default: present
      force:
        description: With V(absent), remove the node even though it is not Down.
        type: bool
        default: false
  labels:
    description:
      - Labels to set on O(node). Values become strings (V(true)/V(false) for booleans).
      - Not given means labels are not managed (except O(labels_to_remove)).
      - Keys are non-empty and hold no white space or C(=) (Docker takes C(KEY=VALUE)); values are never mappings or
        lists. A bad label fails the call before anything changes.
    type: dict
  labels_mode:
    description:
      - V(merge) keeps labels the node has that are not in O(labels); V(exact) makes the node carry exactly O(labels).
        With either, labels are not managed when O(labels) is not given.
      - V(replace) and the alias O(labels_state) are community.docker.docker_node's names. V(replace) is V(exact), and
        without O(labels) it removes every label of the node, as it does there.
    type: str
    choices: [merge, exact, replace]
    default: merge
    aliases: [labels_state]
  labels_to_remove:
    description:
      - Label keys to delete from O(node). A key may not be both here and in O(labels); community.docker.docker_node
        keeps the value from O(labels) in that case, this module refuses the contradiction.
    type: list
    elements: str
  availability:
    description:
      - V(active) schedules tasks on the node, V(pause) stops new tasks, V(drain) moves its tasks elsewhere.
      - Not given means unchanged.
    type: str
    choices: [active, pause, drain]
  role:
    description:
      - V(manager) promotes, V(worker) demotes. Not given means unchanged.
    type: str
    choices: [manager, worker]
  state:
    description:
      - V(present) manages the node; V(absent) removes it from the node list (a manager is demoted first).
      - A node that is not Down is only removed with O(force=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - With O(state=absent), remove the node even though it is not Down.
    type: bool
    default: false
  prune_down_nodes:
    description:
      - With O(nodes), also remove every node that is Down and not listed (nodes that left or were reinstalled under
        a new ID). Down managers are demoted first, which the quorum check allows while the reachable managers keep
        a majority.
    type: bool
    default: false
  allow_unsafe_change:
    description:
      - Apply a change the quorum check refuses, with a warning instead of an error. Only for recovery, when you know
        the unreachable managers are gone for good.
    type: bool
    default: false
  allow_fault_tolerance_loss:
    description:
      - A call whose demotions or removals leave the swarm unable to lose one more manager (3 managers demoted to 1;
        counted as the reachable managers beyond the majority) is refused unless this is V(true), even though the
        quorum holds. With V(true), and for any smaller loss (5 managers to 3), the module warns with the fault
        tolerance that remains.
    type: bool
    default: false
    version_added: 0.1.0
notes:
  - Run on a swarm manager (the leader or any reachable manager).
seealso:
  - module: dockfleet.docker.swarm
  - name: The dockfleet.docker.swarm role
    description: Forms and keeps a swarm from inventory groups; declares all nodes in one call of this module.
    link: https://github.com/dockfleet/dockfleet.docker/blob/main/roles/swarm/README.md
"""

EXAMPLES = r"""
- name: Label a node, keeping its other labels
  dockfleet.docker.swarm_node:
    node: worker-1
    labels:
      zone: eu-1a
      ssd: true

- name: Declare labels and roles of the whole fleet in one call, removing nodes that left
  dockfleet.docker.swarm_node:
    nodes:
      - node: manager-1
        role: manager
        labels: {}
        labels_mode: exact
      - node: worker-1
        role: worker
        labels: {zone: eu-1a}
        labels_mode: exact
    prune_down_nodes: true

- name: Drain a worker for maintenance
  dockfleet.docker.swarm_node:
    node: worker-1
    availability: drain

- name: The same task as for community.docker.docker_node, removing every label of a node
  dockfleet.docker.swarm_node:
    hostname: worker-2
    labels_state: replace
"""

RETURN = r"""
nodes:
  description: Every node of the swarm after the call (in check mode, as it is now).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Node ID.
      type: str
    hostname:
      description: Hostname the node reported.
      type: str
    role:
      description: V(manager) or V(worker).
      type: str
    availability:
      description: V(active), V(pause) or V(drain).
      type: str
    labels:
      description: Node labels.
      type: dict
    state:
      description: V(ready), V(down), ...
      type: str
    manager_reachability:
      description: For managers, V(reachable) or V(unreachable).
      type: str
actions:
  description: The changes made (or, in check mode, that would be made), in the order applied.
  returned: always
  type: list
  elements: dict
  sample: [{kind: update, hostname: worker-1, id: 3j5..., before: {labels: {}}, after: {labels: {zone: eu-1a}}}]
managers:
  description:
    - Manager count, reachable managers and the majority needed, after the call, counting the raft members only.
    - C(outside_raft) lists the hostnames of nodes with the manager role that are not raft members (the old managers
      after C(docker swarm init --force-new-cluster)); they do not count.
  returned: always
  type: dict
fault_tolerance:
  description: How many managers the swarm can lose (reachable managers beyond the majority) before and after the call.
  returned: success
  type: dict
  sample: {before: 1, after: 0}
  version_added: 0.1.0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    EngineError,
    connect,
    engine_argument_spec,
    engine_errors,
    is_not_found,
    manager_swarm_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import ManagerCounts, node_view, raft_members
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_fault_tolerance import (
    fault_tolerance_loss,
    fault_tolerance_of,
    tolerance_change,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import label_errors
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import node_summary, plan_nodes
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until

NODE_OPTIONS = dict(
    labels=dict(type="dict"),
    labels_mode=dict(type="str", default="merge", choices=["merge", "exact", "replace"], aliases=["labels_state"]),
    labels_to_remove=dict(type="list", elements="str"),
    availability=dict(type="str", choices=["active", "pause", "drain"]),
    role=dict(type="str", choices=["manager", "worker"]),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    force=dict(type="bool", default=False),
)


def node_request(options):
    """One node's options as swarm_spec plans them: community.docker.docker_node's V(replace) is V(exact), and
    without labels it means no labels at all."""
    request = dict(options)
    if request.get("labels_mode") == "replace":
        request["labels_mode"] = "exact"
        if request.get("labels") is None:
            request["labels"] = {}
    return request


def remove_node(client, action):
    """Demote a manager (waiting until it has left raft), then remove the node."""
    if action["demote_first"]:
        current = client.inspect_node(action["id"])
        client.update_node(action["id"], current["Version"]["Index"], action["spec"])
    refusals = []

    def removed():
        try:
            client.remove_node(action["id"], force=action["force"])
        except Exception as exc:
            if is_not_found(exc):
                return True
            if "demote" not in str(exc).lower() and "manager" not in str(exc).lower():
                raise _refused_removal(action, exc) from exc
            refusals.append(exc)  # the demotion is still leaving raft
            return False
        return True

    try:
        wait_until(removed, 60, "node '%s' to leave raft so it can be removed" % action["hostname"], interval=2)
    except WaitTimeout as exc:
        raise _refused_removal(action, refusals[-1]) from exc


def _refused_removal(action, exc):
    return EngineError(
        "Docker engine refused to remove node '%s' (%s): %s"
        % (action["hostname"], action["id"][:12], getattr(exc, "explanation", None) or exc)
    )


def wait_reachable(client, promoted, timeout=90):
    """Wait until promoted nodes are reachable managers: the quorum check counted on it."""
    pending = list(promoted)

    def reachable():
        pending[:] = [
            a
            for a in pending
            if (client.inspect_node(a["id"]).get("ManagerStatus") or {}).get("Reachability") != "reachable"
        ]
        return not pending

    names = ", ".join("'%s'" % a["hostname"] for a in promoted)
    try:
        wait_until(reachable, timeout, "promoted %s to be reachable managers" % names, interval=2)
    except WaitTimeout as exc:
        raise EngineError(
            "Promoted %s, but %s not a reachable manager after %ds, so the changes that rely on it (demotions, "
            "drains, removals) were not made. Check the node's docker and port 2377, then run again."
            % (names, "it is" if len(pending) == 1 else "they are", timeout)
        ) from exc


def apply(client, actions):
    promoted = [a for a in actions if a["kind"] == "promote"]
    for action in actions:
        if promoted and action["kind"] != "promote":
            wait_reachable(client, promoted)
            promoted = []
        if action["kind"] == "remove":
            remove_node(client, action)
            continue
        # Re-read the version: an earlier change in this call may have touched the node.
        version = client.inspect_node(action["id"])["Version"]["Index"]
        try:
            client.update_node(action["id"], version, action["spec"])
        except Exception as exc:
            raise EngineError(
                "Docker engine refused to %s node '%s' (%s): %s. Changes before this one in the same call were applied."
                % (action["kind"], action["hostname"], action["id"][:12], getattr(exc, "explanation", None) or exc)
            ) from exc
    if promoted:
        wait_reachable(client, promoted)


def describe(action):
    result = dict((k, action[k]) for k in ("kind", "id", "hostname", "before", "after"))
    if action.get("label_changes"):
        result["label_changes"] = action["label_changes"]
    return result


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            node=dict(type="str", aliases=["hostname"]),
            nodes=dict(
                type="list",
                elements="dict",
                options=dict(node=dict(type="str", required=True, aliases=["hostname"]), **NODE_OPTIONS),
            ),
            prune_down_nodes=dict(type="bool", default=False),
            allow_unsafe_change=dict(type="bool", default=False),
            allow_fault_tolerance_loss=dict(type="bool", default=False),
            **NODE_OPTIONS,
        ),
        required_one_of=[("node", "nodes")],
        mutually_exclusive=[("node", "nodes")],
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    if params["prune_down_nodes"] and not params["nodes"]:
        module.fail_json(msg="prune_down_nodes needs the full list of nodes to keep in nodes, not a single node.")
    requests = [
        node_request(options) for options in params["nodes"] or [dict((k, params[k]) for k in ["node", *NODE_OPTIONS])]
    ]
    invalid = []
    for index, request in enumerate(requests):
        option = "nodes[%d].labels (node %s)" % (index, request["node"]) if params["nodes"] else "labels"
        invalid += label_errors(request.get("labels"), option)
    if invalid:
        module.fail_json(msg="Nothing was changed. " + " ".join(invalid), errors=invalid)

    client = connect(module)
    info = manager_swarm_state(module, client, "run swarm_node on a manager (delegate_to one). Nothing was changed.")
    with engine_errors(module, "list the swarm's nodes"):
        nodes = client.nodes()

    # The raft view of the engine this module talks to: after a forced new cluster the old managers keep the manager
    # role but are no raft members, so they neither count for the quorum nor can be demoted before their removal.
    members = raft_members(nodes, info)
    plan = plan_nodes(
        nodes, requests, params["prune_down_nodes"], params["allow_unsafe_change"], info.get("NodeID"), members
    )
    counts_before, counts_after = tolerance_change(nodes, plan["actions"], members)
    error, warning = fault_tolerance_loss(counts_before, counts_after, allow=params["allow_fault_tolerance_loss"])
    if error:
        plan["errors"].append(error)
    if warning:
        plan["warnings"].append(warning)
    if plan["errors"]:
        module.fail_json(
            msg="Nothing was changed. " + " ".join(plan["errors"]),
            errors=plan["errors"],
            managers=manager_summary(nodes, members),
        )
    for warning in plan["warnings"]:
        module.warn(warning)
    actions = plan["actions"]
    if actions and not module.check_mode:
        with engine_errors(module, "change swarm nodes"):
            apply(client, actions)
            nodes = client.nodes()

    before = dict(("%s (%s)" % (a["hostname"], a["id"][:12]), a["before"]) for a in actions)
    after = dict(("%s (%s)" % (a["hostname"], a["id"][:12]), a["after"] or "removed") for a in actions)
    module.exit_json(
        changed=bool(actions),
        actions=[describe(a) for a in actions],
        nodes=[node_summary(n) for n in nodes],
        managers=manager_summary(nodes),
        fault_tolerance=dict(before=fault_tolerance_of(counts_before), after=fault_tolerance_of(counts_after)),
        diff=dict(before=before, after=after),
    )


def manager_summary(nodes, members=None):
    counts = ManagerCounts([node_view(n, members) for n in nodes])
    return {
        "total": counts.total,
        "reachable": counts.reachable,
        "majority": counts.quorum,
        "outside_raft": counts.outside_raft,
    }


if __name__ == "__main__":
    main()
