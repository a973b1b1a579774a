#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_info
short_description: Read this host's swarm membership and, on a manager, the nodes and the settings that differ
version_added: 0.1.0
description:
  - One read of everything the P(dockfleet.docker.swarm#role) role compares with the inventory, in one call of
    C(docker info) (and the node list on a manager).
  - Every host - its swarm membership (C(LocalNodeState), node ID, cluster ID, whether it is a manager) and the
    IPv4 address of its default route (the address the role advertises when C(swarm_advertise_addr) is empty).
  - On a manager - every node of the swarm (role, availability, labels, state) and the swarm settings given to this
    module (the options the M(dockfleet.docker.swarm) module keeps as declared) that differ from the swarm's, in
    RV(settings_changes). Settings that can only be set when a swarm is created and differ give a warning, as with
    M(dockfleet.docker.swarm).
  - Fails when the engine does not answer, naming it; "no answer" is never read as "not in a swarm".
  - The P(dockfleet.docker.swarm#role) role passes the results of every host to the
    P(dockfleet.docker.swarm_drift#filter) filter, and changes the swarm only when it differs.
extends_documentation_fragment:
  - dockfleet.docker.engine_reader
options:
  autolock_managers:
    description: See M(dockfleet.docker.swarm); compared on a manager when given.
    type: bool
  node_cert_expiry:
    description: See M(dockfleet.docker.swarm) (a duration with a unit, such as V(90d)); compared when given.
    type: raw
  task_history_retention_limit:
    description: See M(dockfleet.docker.swarm); compared when given.
    type: int
  dispatcher_heartbeat_period:
    description: See M(dockfleet.docker.swarm) (a duration with a unit, such as V(5s)); compared when given.
    type: raw
  snapshot_interval:
    description: See M(dockfleet.docker.swarm); compared when given.
    type: int
  keep_old_snapshots:
    description: See M(dockfleet.docker.swarm); compared when given.
    type: int
  data_path_port:
    description: Set only when a swarm is created; a different value on the swarm gives a warning.
    type: int
  default_addr_pool:
    description: Set only when a swarm is created; a different value on the swarm gives a warning.
    type: list
    elements: str
  subnet_size:
    description: Set only when a swarm is created; a different value on the swarm gives a warning.
    type: int
"""

EXAMPLES = r"""
- name: Read the swarm membership, and on the managers the nodes and the settings that differ
  dockfleet.docker.swarm_info:
    node_cert_expiry: 30d
    task_history_retention_limit: 3
  register: swarm_read

- name: Say how the swarm differs from the inventory
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts | dockfleet.docker.swarm_drift(hostvars, managers=groups['swarm_managers'],
      workers=groups['swarm_workers'], read='swarm_read') }}"
  run_once: true
"""

RETURN = r"""
swarm:
  description: This node's swarm membership, as M(dockfleet.docker.engine_info) reports it.
  returned: always
  type: dict
  sample: {local_node_state: active, node_id: 4q8x1kzr0m2s9t6v3w5y7a1b3, node_addr: 10.0.0.11, control_available: true,
           cluster_id: k3j2h1g0f9e8d7c6b5a4, error: "", role: manager}
default_ipv4:
  description: The IPv4 address of this host's default route; null when it has none.
  returned: always
  type: str
  sample: 10.0.0.11
nodes:
  description: On a manager, every node of the swarm (as M(dockfleet.docker.engine_info) lists them); else empty.
  returned: always
  type: list
  elements: dict
  sample: [{id: 4q8x1kzr0m2s, hostname: manager-1, role: manager, availability: active, state: ready, labels: {}}]
cluster_error:
  description: On a manager, why the nodes could not be listed (e.g. the swarm has no leader); else empty.
  returned: always
  type: str
settings_changes:
  description: On a manager, each given setting that differs from the swarm's, as the swarm's and the given value.
  returned: always
  type: dict
  sample: {node_cert_expiry: ["2160h", "720h"]}
"""

import socket

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.durations import DurationError
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    connect,
    daemon_down,
    engine_argument_spec,
    engine_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import cluster_view, swarm_view
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_spec import (
    SETTINGS_ARGUMENT_SPEC,
    SWARM_SETTINGS,
    SpecError,
    init_only_mismatches,
    plan_swarm_spec,
    read_settings,
)

# Any public address: connecting a UDP socket sends nothing, it only picks the route (as `ip route get` does).
ROUTE_PROBE = ("192.0.2.1", 9)


def default_ipv4():
    """The source address of this host's default IPv4 route, or None."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(ROUTE_PROBE)
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(**SETTINGS_ARGUMENT_SPEC),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    try:
        settings = read_settings(module.params)
    except (DurationError, SpecError) as exc:
        module.fail_json(msg=str(exc))
    client = connect(module)
    try:
        info = client.info()
    except Exception as exc:  # the SDK raises several unrelated types (APIError, requests, OSError)
        module.fail_json(
            msg="The Docker engine at %s did not answer docker info%s: %s. Start it (systemctl start docker) and run "
            "again." % (module.params["docker_host"], " (it is down)" if daemon_down(exc) else "", exc)
        )
    result = dict(
        swarm=swarm_view(info),
        default_ipv4=default_ipv4(),
        nodes=[],
        cluster_error="",
        settings_changes={},
    )
    if result["swarm"]["role"] == "manager":
        swarm = info.get("Swarm") or {}
        try:
            result["nodes"] = cluster_view(client.nodes(), info)["nodes"]
        except Exception as exc:
            # A manager without a leader answers, but cannot list the swarm.
            result["cluster_error"] = getattr(exc, "explanation", None) or str(exc)
        spec = (swarm.get("Cluster") or {}).get("Spec")
        if spec is None and any(settings.get(option) is not None for option in SWARM_SETTINGS):
            with engine_errors(module, "read the swarm settings"):
                spec = client.inspect_swarm().get("Spec")
        result["settings_changes"] = plan_swarm_spec(spec or {}, settings)[1]
        for warning in init_only_mismatches(swarm, settings):
            module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
