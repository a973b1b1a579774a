#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_health
short_description: Read a swarm's health for maintenance, plan a rolling order, wait until nodes and services settle
version_added: 0.1.0
description:
  - Runs on a swarm manager and reads every node (state, role, leader, manager reachability, engine version), the
    managers' quorum and every service's desired and running tasks. Reads only; never changes the swarm.
  - With O(members) it runs the pre-flight of a rolling engine upgrade on the hosts listed - every node ready,
    every manager reachable, the managers keep a majority while any one of them is down - and returns the order to
    take the nodes in, workers first, then managers, the leader last (RV(order)). It does not fail on what it finds;
    the caller collects RV(problems) into one report.
  - With O(members) and O(batch_size) it also plans the batches to upgrade the workers in (RV(batches)); managers stay
    one per batch, the leader last. A batch only holds nodes whose drain leaves every replicated service room for all
    its replicas under its placement constraints on the nodes that stay active, and never stops every running task
    of a service at once; otherwise the batch shrinks and RV(batches) says which nodes were held back and why.
  - With O(wait_for) it waits, up to O(timeout) seconds, until the node O(node) is ready (on the release
    O(engine_version)), no task holds a container on O(node) any more, every service runs all its tasks, the
    managers keep their majority when O(node) goes down, or the leader knows the state of every node - and fails
    naming what did not happen in time. Errors of the engine while it waits (a manager that has just restarted
    and has no leader yet) are retried.
  - The C(dockfleet.docker.engine_upgrade) playbook uses it before and between the nodes it upgrades, the
    C(dockfleet.docker.swarm_restore) playbook to wait for the restored swarm to settle.
extends_documentation_fragment:
  - dockfleet.docker.engine_reader.api_timeout
options:
  members:
    description:
      - Hosts to plan a rolling upgrade for, as a mapping of a host name (as the caller knows it, e.g. the inventory
        name) to the swarm node ID of that host (C(docker info) C(.Swarm.NodeID)); an empty ID means the host is not
        in a swarm, which is a problem.
      - The order of the mapping is kept within workers and within managers, unless O(batch_size) is given (then the
        batches are planned in hostname order).
    type: dict
  skip:
    description:
      - Hosts of O(members) that are already on the target version; they keep their place in RV(order) with
        action V(skip).
    type: list
    elements: str
    default: []
  batch_size:
    description:
      - With O(members), the most workers to upgrade together, as a count (V(3)) or a percent of the workers to upgrade
        (V(10%), rounded up). Managers are always upgraded one at a time. Without it, every node is a batch of its own.
    type: raw
  node:
    description:
      - Node ID (or hostname) the node conditions of O(wait_for) are about. Required with V(node_ready),
        V(node_drained) and V(quorum_safe).
    type: str
  wait_for:
    description:
      - Conditions to wait for. V(node_ready) - O(node) is ready and, when a manager, reachable (and reports the
        release O(engine_version) when given). V(node_drained) - no task on O(node) holds a container any more.
        V(services_converged) - every replicated service runs all its replicas and every global service a task on
        every eligible node. V(quorum_safe) - the other managers keep a majority while O(node) is down.
        V(nodes_settled) - the leader knows the state of every node (none is C(unknown), as every node is for a
        few seconds after a new leader took over).
    type: list
    elements: str
    choices: [node_ready, node_drained, services_converged, quorum_safe, nodes_settled]
    default: []
  engine_version:
    description:
      - The release O(node) must report with V(node_ready), in any form (V(26.1.5), V(26.1.5+dfsg1), a package
        version).
    type: str
  timeout:
    description:
      - Seconds to wait for O(wait_for). V(0) looks once.
      - Not the engine API timeout, which is O(api_timeout) in this module. C(module_defaults) that set C(timeout)
        for the group C(dockfleet.docker.docker) set this wait too, so give O(timeout) in the task.
    type: int
    default: 300
  interval:
    description:
      - Seconds between two looks while waiting.
    type: int
    default: 2
notes:
  - Run it on a manager (delegate to one).
seealso:
  - module: dockfleet.docker.swarm_node
  - module: dockfleet.docker.engine_package
  - module: dockfleet.docker.engine_info
"""

EXAMPLES = r"""
- name: Plan a rolling upgrade of three hosts
  dockfleet.docker.swarm_health:
    members:
      worker-1: 4q8x1kzr0m2s9t6v3w5y7a1b3
      manager-1: 9z8y7x6w5v4u3t2s1r0q9p8o7
    skip: [worker-1]
    batch_size: 10%
  register: plan

- name: Wait until worker-1 holds no task and every service runs all replicas
  dockfleet.docker.swarm_health:
    node: worker-1
    wait_for: [node_drained, services_converged]
    timeout: 180
  delegate_to: manager-1
"""

RETURN = r"""
nodes:
  description: Every node of the swarm.
  returned: always
  type: list
  elements: dict
  sample: [{id: 4q8x1kzr0m2s, hostname: worker-1, role: worker, availability: active, state: ready,
            leader: false, reachable: false, engine_version: "26.1.5", addr: 10.0.0.21}]
managers:
  description:
    - Manager count, reachable managers, the majority needed, the leader's hostname, and whether autolock locks
      managers when their engine restarts (C(autolock), null when the swarm could not be read).
  returned: always
  type: dict
  sample: {total: 3, reachable: 3, majority: 2, leader: manager-1, autolock: false}
services:
  description: Every service with its mode, desired and running tasks and whether they agree.
  returned: always
  type: list
  elements: dict
  sample: [{name: web, mode: replicated, desired: 3, running: 3, converged: true}]
problems:
  description: With O(members), what stops a rolling upgrade, one row per host (or C(swarm)).
  returned: always
  type: list
  elements: dict
  sample: [{host: worker-2, problem: "node is down, not ready"}]
notices:
  description: With O(members), what the caller should know but does not stop the upgrade. These are not Ansible
    warnings; the caller shows them with its report.
  returned: always
  type: list
  elements: str
order:
  description: With O(members), the hosts in the order to upgrade them (workers, managers, the leader last).
  returned: always
  type: list
  elements: dict
  sample: [{host: worker-1, node_id: 4q8x..., hostname: worker-1, role: worker, leader: false, action: upgrade,
            batch: 1}]
batches:
  description:
    - With O(members), the batches to upgrade the hosts not skipped in, in order (RV(order) takes the same order;
      its rows carry the batch number). Without O(batch_size), one host per batch.
    - Each has C(hosts), C(role) (V(worker) or V(manager)), C(safe) (draining it leaves every service room and the
      managers a majority), C(warnings) (why not), C(shrunk) (hosts held back for a later batch, and why),
      C(global_services) (whose tasks on these nodes stop while they are drained) and C(notes).
  returned: always
  type: list
  elements: dict
  sample: [{hosts: [worker-1, worker-2], role: worker, safe: true, warnings: [], shrunk: [], global_services: [],
            notes: []}]
unmet:
  description: The conditions of O(wait_for) that did not hold at the last look (empty on success).
  returned: always
  type: list
  elements: str
waited:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import contextlib
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_client, upgrade_batches, upgrade_plan
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import ManagerCounts
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import find_node
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until, waited_since

# wait_for conditions about the one node the node option names.
NODE_CONDITIONS = ("node_ready", "node_drained", "quorum_safe")


def read_swarm(client):
    """Nodes, services and tasks as the manager sees them."""
    info = client.info().get("Swarm") or {}
    if not info.get("ControlAvailable"):
        raise RuntimeError(
            "this host is not a reachable swarm manager (local node state '%s')" % info.get("LocalNodeState")
        )
    return client.nodes(), client.services(), client.tasks()


def read_autolock(client):
    """Whether autolock is on (a restarted manager comes back locked); None when the swarm cannot be read."""
    try:
        return engine_client.autolock_on(client.inspect_swarm())
    except Exception:  # a leader election in progress: the caller decides what unknown means
        return None


def check(module, nodes, services, tasks):
    """The unmet conditions of wait_for, with the node resolved by name or ID."""
    params = module.params
    node_id = None
    if params["node"]:
        node, error = find_node(nodes, params["node"])
        if error:
            return [error]
        node_id = node["ID"]
    unmet = upgrade_plan.unmet(
        nodes, services, tasks, node_id, params["wait_for"], engine_version=params["engine_version"]
    )
    if "quorum_safe" in params["wait_for"] and node_id:
        outage = upgrade_plan.manager_outage(nodes, node_id)
        if outage:
            unmet.append(outage)
    return unmet


def plan(nodes, services, tasks, members, skip, batch_size):
    """Pre-flight problems and notices, the order and the batches for the hosts ``members`` ({host: node ID})."""
    problems, notices = upgrade_plan.preflight(nodes, members)
    order = upgrade_plan.order(nodes, members, skip)
    host_of = dict((row["node_id"], row["host"]) for row in order if row["action"] == "upgrade")
    batches = []
    if problems or batch_size is None:
        batches = [
            dict(hosts=[row["host"]], role=row["role"], leader=row["leader"], safe=True, warnings=[], shrunk=[],
                 global_services=[], notes=[])
            for row in order
            if row["action"] == "upgrade"
        ]  # fmt: skip
    else:
        try:
            planned = upgrade_batches.plan_batches(nodes, services, tasks, list(host_of), batch_size or 1)
        except ValueError as exc:
            problems.append({"host": "swarm", "problem": "batch_size: %s" % exc})
            planned = []
        for batch in planned:
            entry = dict((k, v) for k, v in batch.items() if k not in ("node_ids", "hostnames"))
            entry["hosts"] = [host_of[node_id] for node_id in batch["node_ids"]]
            batches.append(entry)
    number = dict((host, index) for index, batch in enumerate(batches, 1) for host in batch["hosts"])
    for row in order:
        row["batch"] = number.get(row["host"]) if row["action"] == "upgrade" else None
    order.sort(key=lambda row: row["batch"] or 0)
    return problems, notices, order, batches


def main():
    module = AnsibleModule(
        argument_spec=engine_client.engine_argument_spec(
            members=dict(type="dict"),
            skip=dict(type="list", elements="str", default=[]),
            node=dict(type="str"),
            wait_for=dict(
                type="list",
                elements="str",
                default=[],
                choices=["node_ready", "node_drained", "services_converged", "quorum_safe", "nodes_settled"],
            ),
            engine_version=dict(type="str"),
            batch_size=dict(type="raw"),
            timeout=dict(type="int", default=300),
            interval=dict(type="int", default=2),
        ),
        required_together=engine_client.ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    # required_if cannot say "the list contains one of": the node conditions need a node.
    about_node = [condition for condition in params["wait_for"] if condition in NODE_CONDITIONS]
    if about_node and not params["node"]:
        module.fail_json(msg="wait_for %s is about one node: give node (its hostname or ID)." % ", ".join(about_node))
    client = engine_client.connect(module)
    started = time.monotonic()
    seen = {}

    def conditions_met():
        try:
            nodes, services, tasks = read_swarm(client)
            unmet = check(module, nodes, services, tasks)
            error = None
        except Exception as exc:  # a manager that just restarted answers with errors for a while
            nodes, services, tasks = [], [], []
            error = getattr(exc, "explanation", None) or str(exc)
            unmet = ["the manager could not answer: %s" % error]
        seen.update(nodes=nodes, services=services, tasks=tasks, unmet=unmet, error=error)
        return not unmet

    what = "the swarm to be %s" % ", ".join(params["wait_for"]) if params["wait_for"] else "one look at the swarm"
    with contextlib.suppress(WaitTimeout):  # what is still unmet is the result
        wait_until(
            conditions_met,
            params["timeout"] if params["wait_for"] else 0,
            what,
            interval=max(params["interval"], 1),
        )
    nodes, services, tasks, unmet, error = (seen[key] for key in ("nodes", "services", "tasks", "unmet", "error"))
    waited = waited_since(started)
    if error and not params["wait_for"]:
        with engine_client.engine_errors(module, "list the swarm's nodes, services and tasks"):
            raise RuntimeError(error)

    result = dict(
        changed=False,
        nodes=[],
        managers={},
        services=upgrade_plan.services_convergence(services, tasks),
        problems=[],
        notices=[],
        order=[],
        batches=[],
        unmet=unmet,
        waited=waited,
    )
    views = [upgrade_plan.node_view(n) for n in nodes]
    result["nodes"] = [
        dict((k, v[k]) for k in ("id", "hostname", "role", "availability", "state", "leader", "reachable", "addr"))
        for v in views
    ]
    for entry, view in zip(result["nodes"], views):
        entry["engine_version"] = view["engine_version"]
    counts = ManagerCounts(views)
    leaders = [v["hostname"] for v in views if v["leader"]]
    result["managers"] = dict(
        total=counts.total,
        reachable=counts.reachable,
        majority=counts.quorum,
        leader=leaders[0] if leaders else None,
        autolock=read_autolock(client) if nodes else None,
    )
    if params["members"] is not None:
        members = dict((host, node_id or None) for host, node_id in params["members"].items())
        result["problems"], result["notices"], result["order"], result["batches"] = plan(
            nodes, services, tasks, members, params["skip"], params["batch_size"]
        )
    if params["wait_for"] and unmet:
        module.fail_json(
            msg="Waited %ds for %s%s, but: %s."
            % (
                params["timeout"],
                ", ".join(params["wait_for"]),
                " of node %s" % params["node"] if params["node"] else "",
                "; ".join(unmet),
            ),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
