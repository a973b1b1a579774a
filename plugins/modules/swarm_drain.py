#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_drain
short_description: Drain swarm nodes together without stopping a service, and wait until their tasks run elsewhere
version_added: 0.1.0
description:
  - Runs on a swarm manager. Drains the nodes O(nodes) together, as a rolling upgrade's batch, and returns once no
    task holds a container on them and every service runs all the tasks it wants again.
  - Draining nodes at once stops every task on them before the replacements start. A swarm does not move tasks back
    to nodes that return from a drain, so after one batch of a rolling change the next batch often runs all the tasks
    of a replicated service; C(docker node update --availability drain) on all of them would stop that service.
    This module first pauses every node of the batch (no new task goes to them, none of theirs stops), then drains
    them in stages. A stage holds the nodes that can go together without taking the last running tasks of any
    replicated service; the next stage starts once the tasks of the drained nodes run elsewhere, on nodes outside
    the batch. One stage is the common case; a service whose tasks all sit on the batch makes two. A node that alone
    runs every task of a service stops them whenever it is drained, and is not held back for that.
  - A stage takes about one stop grace period of its tasks, because a swarm starts a drained task's replacement
    only once the old task has stopped. The old tasks of a stage need not have stopped before the next stage begins
    (their replacements run), only before the module returns.
  - Whether the nodes left active have room for every service's replicas is the plan's question
    (M(dockfleet.docker.swarm_health) with O(dockfleet.docker.swarm_health#module:batch_size)), not this module's. A
    service that has no room once the batch is drained does not converge, and the wait fails naming it.
  - The whole request is checked before anything changes - every node is in the swarm, named once, and draining it
    keeps an active manager - as M(dockfleet.docker.swarm_node) checks a drain; nothing changes if any check fails.
  - Nodes already drained count as done. Returning them to service is M(dockfleet.docker.swarm_node)'s
    O(dockfleet.docker.swarm_node#module:availability).
extends_documentation_fragment:
  - dockfleet.docker.engine_writer.api_timeout
attributes:
  check_mode:
    details:
      - Runs every check and returns the stages planned from where the tasks run now, assuming each stage's tasks
        start outside the batch, without changing a node or waiting.
  diff_mode:
    details:
      - Shows the availability of every node that changes, before and after.
options:
  nodes:
    description:
      - The nodes to drain together, by hostname, node ID or unique ID prefix (6 characters or more). Stages keep
        this order.
    type: list
    elements: str
    required: true
  timeout:
    description:
      - Seconds each stage may take until its nodes hold no task and every service runs all its tasks again.
      - Not the engine API timeout, which is O(api_timeout) in this module.
    type: int
    default: 180
  allow_unsafe_change:
    description:
      - Drain even the last active manager (a swarm with one manager, whose engine is to go down anyway). The check
        becomes a warning.
    type: bool
    default: false
notes:
  - Run it on one manager (C(run_once), or delegate to one); draining the manager it runs on is fine.
  - On a failure the nodes are left as they got to - paused, or drained - and the message names them.
seealso:
  - module: dockfleet.docker.swarm_node
  - module: dockfleet.docker.swarm_health
"""

EXAMPLES = r"""
- name: Drain a batch of workers, keeping every service running
  dockfleet.docker.swarm_drain:
    nodes: [worker-4, worker-5, worker-6]
    timeout: 300
  delegate_to: manager-1
  run_once: true

- name: Drain the only manager of a one-manager swarm before its engine restarts
  dockfleet.docker.swarm_drain:
    nodes: [manager-1]
    allow_unsafe_change: true
"""

RETURN = r"""
stages:
  description:
    - The stages, in order, as run (in check mode, as planned).
    - C(held) maps a node that waited for a later stage to the services whose last running tasks it would have
      stopped with that stage.
  returned: always
  type: list
  elements: dict
  sample: [{hostnames: [worker-4, worker-5], held: {worker-6: [api]}}, {hostnames: [worker-6], held: {}}]
actions:
  description: The availability changes made (or that would be made), in order, each C(kind) V(pause) or V(drain).
  returned: always
  type: list
  elements: dict
  sample: [{kind: pause, hostname: worker-4, id: 3j5..., before: active, after: pause}]
waited:
  description: Seconds spent waiting for the drained nodes' tasks to run elsewhere.
  returned: always
  type: float
reason:
  description:
    - Why the drain stopped, without where each node is left (C(msg) says both; RV(actions) holds the changes), for
      a caller that says where the nodes are left itself, as the rolling runbooks do.
  returned: failure
  type: str
  sample: "The drain stopped. Waited 180s for the tasks of worker-4 to run on other nodes."
"""

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import drain_stages, upgrade_plan
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    EngineError,
    connect,
    engine_argument_spec,
    engine_errors,
    manager_swarm_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import raft_members
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import plan_nodes
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until, waited_since


def action(hostnames, node_id, before, after):
    """One availability change, as RV(actions) lists it."""
    return dict(kind=after, id=node_id, hostname=hostnames[node_id], before=before, after=after)


def describe_stage(hostnames, node_ids, held):
    """One stage, as RV(stages) lists it: its nodes and those held back, by hostname."""
    return {
        "hostnames": [hostnames[n] for n in node_ids],
        "held": dict((hostnames[n], services) for n, services in held.items()),
    }


def read_swarm(client):
    return client.nodes(), client.services(), client.tasks()


def set_availability(client, node_id, availability):
    """Change one node's availability, on the version the node has now (an earlier change may have moved it)."""
    node = client.inspect_node(node_id)
    spec = dict(node.get("Spec") or {}, Availability=availability)
    client.update_node(node_id, node["Version"]["Index"], spec)


class Drain:
    """The live run: pause the batch, then drain it stage by stage, each planned from the swarm as it is now."""

    def __init__(self, client, pending, hostnames, timeout):
        self.client = client
        self.pending = list(pending)
        self.hostnames = hostnames
        self.timeout = timeout
        self.done, self.stages, self.actions = [], [], []
        self.unmet = []

    def change(self, node_id, before, after):
        set_availability(self.client, node_id, after)
        self.actions.append(action(self.hostnames, node_id, before, after))

    def run(self, availability):
        if len(self.pending) > 1:
            for node_id in self.pending:
                if availability[node_id] == "active":
                    self.change(node_id, "active", "pause")
                    availability[node_id] = "pause"
        while self.pending:
            running = drain_stages.running_by_service(self.client.services(), self.client.tasks())
            stage, held = drain_stages.next_stage(running, self.pending)
            for node_id in stage:
                self.change(node_id, availability[node_id], "drain")
            self.stages.append(describe_stage(self.hostnames, stage, held))
            self.done += stage
            self.pending = [node_id for node_id in self.pending if node_id not in stage]
            # Before the next stage: the stage's tasks run elsewhere. After the last: the whole batch holds none.
            wait_until(
                lambda stage=stage: self.settled(stage, last=not self.pending),
                self.timeout,
                "the tasks of %s to run on other nodes" % ", ".join(self.hostnames[n] for n in stage),
                interval=1,
            )

    def settled(self, stage, last):
        """Is the stage done with: its tasks replaced elsewhere (and, after the last stage, none left running)?"""
        nodes, services, tasks = read_swarm(self.client)
        if last:
            self.unmet = [
                s
                for node_id in self.done
                for s in upgrade_plan.unmet(nodes, services, tasks, node_id, ["node_drained"])
            ]
        else:
            placed = drain_stages.still_placed(tasks, stage)
            where = ", ".join(self.hostnames[n] for n in stage)
            self.unmet = ["%d task(s) on %s not yet rescheduled" % (len(placed), where)] if placed else []
        self.unmet += upgrade_plan.unmet(nodes, services, tasks, wait_for=["services_converged"])
        return not self.unmet


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            nodes=dict(type="list", elements="str", required=True),
            timeout=dict(type="int", default=180),
            allow_unsafe_change=dict(type="bool", default=False),
        ),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    params = module.params
    if not params["nodes"]:
        module.fail_json(msg="nodes is empty: name the nodes to drain (hostnames or node IDs). Nothing was changed.")
    if params["timeout"] < 0:
        module.fail_json(msg="timeout is %d: give the seconds a stage may take, 0 or more." % params["timeout"])

    client = connect(module)
    info = manager_swarm_state(module, client, "run swarm_drain on a manager (delegate_to one). Nothing was changed.")
    with engine_errors(module, "list the swarm's nodes, services and tasks"):
        nodes, services, tasks = read_swarm(client)

    requests = [dict(node=name, availability="drain") for name in params["nodes"]]
    plan = plan_nodes(
        nodes, requests, False, params["allow_unsafe_change"], info.get("NodeID"), raft_members(nodes, info)
    )
    if plan["errors"]:
        module.fail_json(msg="Nothing was changed. " + " ".join(plan["errors"]), errors=plan["errors"])
    for warning in plan["warnings"]:
        module.warn(warning)

    order = [a["id"] for a in sorted(plan["actions"], key=lambda a: _position(nodes, params["nodes"], a["id"]))]
    hostnames = dict((a["id"], a["hostname"]) for a in plan["actions"])
    availability = dict((a["id"], a["before"]["availability"]) for a in plan["actions"])
    diff = dict(
        before=dict((hostnames[i], availability[i]) for i in order), after=dict((hostnames[i], "drain") for i in order)
    )

    if module.check_mode:
        running = drain_stages.running_by_service(services, tasks)
        stages = [
            describe_stage(hostnames, stage["node_ids"], stage["held"])
            for stage in drain_stages.plan_stages(running, order)
        ]
        paused = [i for i in order if len(order) > 1 and availability[i] == "active"]
        actions = [action(hostnames, i, "active", "pause") for i in paused]
        actions += [action(hostnames, i, "pause" if i in paused else availability[i], "drain") for i in order]
        module.exit_json(changed=bool(order), stages=stages, actions=actions, waited=0.0, diff=diff)

    drain = Drain(client, order, hostnames, params["timeout"])
    started = time.monotonic()
    try:
        drain.run(availability)
    except WaitTimeout as exc:
        module.fail_json(**_stopped(drain, started, "%s Not yet: %s" % (exc, "; ".join(drain.unmet))))
    except EngineError as exc:
        module.fail_json(**_stopped(drain, started, str(exc)))
    except Exception as exc:
        explanation = getattr(exc, "explanation", None) or str(exc)
        module.fail_json(**_stopped(drain, started, "Docker engine refused a change: %s" % explanation))
    module.exit_json(changed=bool(order), diff=diff, **_result(drain, started))


def _position(nodes, names, node_id):
    """Where a node was named in ``nodes`` (stages keep the caller's order)."""
    node = next(n for n in nodes if n["ID"] == node_id)
    keys = {node_id, (node.get("Description") or {}).get("Hostname"), (node.get("Spec") or {}).get("Name")}
    for index, name in enumerate(names):
        if name in keys or (len(name) >= 6 and node_id.startswith(name)):
            return index
    return len(names)


def _result(drain, started):
    return dict(stages=drain.stages, actions=drain.actions, waited=waited_since(started))


def _stopped(drain, started, reason):
    """The failure result: the message (why, and where every node of the batch is left) and the reason alone."""
    left = dict((a["hostname"], a["after"]) for a in drain.actions)
    where = "; ".join("%s is left %s" % (host, drain_stages.left_words(state)) for host, state in left.items())
    reason = "The drain stopped. %s." % reason.rstrip(".")
    return dict(
        _result(drain, started),
        msg="%s %s" % (reason, (where + ".") if where else "No node was changed."),
        reason=reason,
    )


if __name__ == "__main__":
    main()
