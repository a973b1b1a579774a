#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: engine_info
short_description: Read whether the Docker engine answers, its version, data root and swarm membership
version_added: 0.1.0
description:
  - Asks the Docker engine of the managed host (or the one O(docker_host) names) for its version and C(docker info),
    and reports whether it answers, its version, C(DockerRootDir), storage driver, live-restore, its warnings, this
    node's swarm membership
    (C(LocalNodeState), C(NodeID), C(ControlAvailable), the cluster ID) and its role. Reads only.
  - On a manager it also reads the swarm's nodes and reports the raft view (the nodes that are members of the raft
    cluster), a managers summary (total, reachable, the majority needed, the leader) and every node.
  - A daemon that is down is a result, not a failure - RV(answers=false) with the reason in RV(server_errors) - unless
    O(fail_on_down=true). "Down" means nothing answered where the engine should be - no socket, connection refused
    or no answer within the API timeout. An engine that answers with an error, TLS settings that are refused and a
    missing Docker SDK for Python always fail the task, naming what to fix.
  - With O(managed_resources=true) it lists the networks and volumes the collection manages on this engine (those
    with the label C(io.dockfleet.managed=true)).
  - Playbooks and roles read the engine with this module rather than parsing C(docker info) or calling the socket.
extends_documentation_fragment:
  - dockfleet.docker.engine_reader
options:
  fail_on_down:
    description:
      - Fail the task when the daemon is down, instead of returning RV(answers=false).
    type: bool
    default: false
  managed_resources:
    description:
      - Also list the networks and volumes labelled C(io.dockfleet.managed=true) (RV(networks), RV(volumes)).
    type: bool
    default: false
seealso:
  - module: dockfleet.docker.swarm_health
  - module: dockfleet.docker.swarm
"""

EXAMPLES = r"""
- name: Read this host's engine and swarm membership
  dockfleet.docker.engine_info:
  register: engine

- name: Stop when docker does not answer
  ansible.builtin.assert:
    that: engine.answers
    fail_msg: "docker does not answer on {{ inventory_hostname }}: {{ engine.server_errors | join('; ') }}"

- name: The same, failing the task itself
  dockfleet.docker.engine_info:
    fail_on_down: true

- name: Count the managers, on a manager
  ansible.builtin.debug:
    msg: "{{ engine.managers.summary }}"
  when: engine.swarm.role == 'manager'
"""

RETURN = r"""
answers:
  description: Whether the engine answered. V(false) means the daemon is down (see RV(server_errors)).
  returned: always
  type: bool
  sample: true
server_errors:
  description: Why the engine did not answer (empty when it did), as C(docker info) reports C(ServerErrors).
  returned: always
  type: list
  elements: str
  sample: ["Cannot reach the Docker engine at unix:///var/run/docker.sock: there is no socket at /var/run/docker.sock ..."]
engine:
  description: The engine's version, API version, OS, architecture, kernel, C(DockerRootDir), storage driver, security
    options (C(name=userns) when user namespaces are remapped), whether live-restore is on, how many containers and
    images it holds, and the warnings it gives about itself (C(docker info) C(Warnings)); values are null when it does
    not answer.
  returned: always
  type: dict
  sample: {version: "26.1.5", api_version: "1.45", os: linux, arch: amd64, kernel_version: "6.1.0-28-amd64",
           docker_root_dir: /var/lib/docker, storage_driver: overlay2, security_options: ["name=seccomp,profile=builtin"],
           live_restore_enabled: false, containers: 3, images: 5, warnings: []}
swarm:
  description:
    - This node's swarm membership. C(local_node_state) is V(inactive), V(pending), V(active), V(locked) or V(error);
      empty when the engine does not answer.
    - C(role) is V(manager) or V(worker) for an active member, else null.
  returned: always
  type: dict
  sample: {local_node_state: active, node_id: 4q8x1kzr0m2s9t6v3w5y7a1b3, node_addr: 10.0.0.11, control_available: true,
           cluster_id: k3j2h1g0f9e8d7c6b5a4, error: "", role: manager}
raft_members:
  description: On a manager, the IDs of the nodes that are members of the raft cluster (the raft view); else empty.
  returned: always
  type: list
  elements: str
managers:
  description: On a manager, the managers that count (raft members), how many are reachable, the majority needed,
    how many may be lost, the leader and the nodes with the manager role outside the raft; else empty.
  returned: always
  type: dict
  sample: {total: 3, reachable: 3, quorum: 2, has_quorum: true, fault_tolerance: 1, leader: manager-1,
           outside_raft: [], summary: "3 managers, 3 reachable (a majority needs 2)"}
nodes:
  description: On a manager, every node of the swarm, managers first; else empty.
  returned: always
  type: list
  elements: dict
  sample: [{id: 4q8x1kzr0m2s, hostname: manager-1, role: manager, availability: active, state: ready,
            addr: 10.0.0.11, manager_reachability: reachable, leader: true, labels: {}, engine_version: "26.1.5",
            raft_member: true}]
cluster_error:
  description: On a manager, why the swarm's nodes could not be listed (e.g. the swarm has no leader); else empty.
  returned: always
  type: str
networks:
  description: With O(managed_resources), the managed networks (name, driver, scope), by name.
  returned: when O(managed_resources=true) and the engine answers
  type: list
  elements: dict
  sample: [{name: frontend, driver: overlay, scope: swarm}]
volumes:
  description: With O(managed_resources), the managed volumes of this engine (name, driver), by name.
  returned: when O(managed_resources=true) and the engine answers
  type: list
  elements: dict
  sample: [{name: data, driver: local}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    EngineError,
    daemon_down,
    engine_argument_spec,
    open_client,
    require_sdk,
    timeout_option,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import (
    cluster_view,
    down_result,
    engine_view,
    swarm_view,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import MANAGED_LABEL


def read_engine(client, managed_resources):
    """Everything engine_info returns, read from an engine that answered a ping."""
    info = client.info()
    # Every key of the result, as down_result has them, with what the engine answered.
    result = down_result("")
    result.update(answers=True, server_errors=[], engine=engine_view(client.version(), info), swarm=swarm_view(info))
    if result["swarm"]["role"] == "manager":
        try:
            result.update(cluster_view(client.nodes(), info))
        except Exception as exc:
            if daemon_down(exc):
                raise
            # A manager without a leader answers, but cannot list the swarm.
            result["cluster_error"] = getattr(exc, "explanation", None) or str(exc)
    if managed_resources:
        wanted = {"label": ["%s=true" % MANAGED_LABEL]}
        result["networks"] = sorted(
            (
                dict(name=n.get("Name"), driver=n.get("Driver"), scope=n.get("Scope"))
                for n in client.networks(filters=wanted)
            ),
            key=lambda n: n["name"] or "",
        )
        result["volumes"] = sorted(
            (
                dict(name=v.get("Name"), driver=v.get("Driver"))
                for v in (client.volumes(filters=wanted) or {}).get("Volumes") or []
            ),
            key=lambda v: v["name"] or "",
        )
    return result


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            fail_on_down=dict(type="bool", default=False),
            managed_resources=dict(type="bool", default=False),
        ),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    require_sdk(module)
    params = module.params
    failure = None
    try:
        client = open_client(params, timeout_name=timeout_option(module.argument_spec))
        result = read_engine(client, params["managed_resources"])
    except EngineError as exc:
        failure = exc
    except Exception as exc:  # the SDK raises several unrelated types (APIError, requests, OSError)
        failure = EngineError(
            "The Docker engine at %s did not answer docker info: %s"
            % (params["docker_host"], getattr(exc, "explanation", None) or exc),
            down=daemon_down(exc),
        )
    if failure is None:
        module.exit_json(changed=False, **result)
    if failure.down and not params["fail_on_down"]:
        module.exit_json(changed=False, **down_result(str(failure)))
    module.fail_json(msg=str(failure), **down_result(str(failure)))


if __name__ == "__main__":
    main()
