#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network
short_description: Declare a set of Docker networks in one call, without spurious recreation
version_added: 0.1.0
description:
  - Creates, recreates and removes Docker networks on the managed host so that they match a declared set, in
    one module call (one round trip) for the whole set.
  - Compares only what you declared with what the engine reports. Values the engine fills in by itself are not
    drift - the IPAM driver C(default), subnets and gateways it assigned when you declared none, the overlay VXLAN
    id, the order of labels.
  - The engine cannot change a network in place, so any difference means removing and creating the network again.
    O(recreate) decides whether that may happen. A network that containers or services use is never removed
    silently; the error names them.
  - The whole declared set is checked before the first change, and every error is reported at once - names (letters,
    digits, C(_), C(.) and C(-), starting with a letter or digit; no white space; an overlay name is a DNS name
    component, without C(.)), subnets in CIDR form that overlap neither each other nor a network the engine already
    has (Docker's own C(bridge), C(docker_gwbridge) and C(ingress) included), gateways, O(networks[].ipam_config[].ip_range)
    and aux addresses inside their subnet. One bad network means no network is created, changed or removed.
  - Every network the module creates carries the label C(io.dockfleet.managed=true). O(exclusive) removes networks
    with that label that are no longer declared and never touches any other network.
  - Overlay networks are swarm-scoped; declare them on one swarm manager (the P(dockfleet.docker.resources#role)
    role does this once per swarm).
  - The swarm's ingress network (the routing mesh of published ports), which Docker creates unencrypted, can be
    declared with O(networks[].ingress=true) - for example encrypted, or with another subnet - or declared absent
    (a swarm without a routing mesh). The engine's ingress is then removed and the declared one created, on a swarm
    manager, only while no service publishes a port through it (ports in C(ingress) publish mode, the default); the
    module refuses otherwise, naming those services, before any change. Not declared, it is left alone.
extends_documentation_fragment:
  - dockfleet.docker.engine_writer
  - dockfleet.docker.declared_set.network
options:
  name:
    description: Name of a single network to declare instead of O(networks). The options below apply to it.
    type: str
  recreate:
    description:
      - What to do when a network differs from its declaration.
      - V(never) fails, listing every difference, and changes nothing.
      - V(when_unused) recreates it when no container or service uses it, and fails naming them otherwise.
      - V(always) recreates it even when containers use it, but only with O(force=true); without it, fails naming them.
    type: str
    choices: [never, when_unused, always]
    default: never
  force:
    description:
      - Disconnect containers from a network that must be removed (O(state=absent), O(exclusive)) or recreated
        (O(recreate=always)), and reconnect them to the new network with their aliases and static addresses.
      - Services are never detached; remove the network from the service first.
    type: bool
    default: false
  exclusive_scope:
    description:
      - Which undeclared managed networks O(exclusive) considers. V(swarm) for a call on a manager that declares the
        overlays, V(local) for a per-host call that declares local networks, V(all) for both.
    type: str
    choices: [all, local, swarm]
    default: all
  also_declared:
    description:
      - Networks of the same declaration that another call of this module manages, as they are declared there (for
        example the overlays, when this call declares the local networks on every host). Their subnets are checked
        against this call's networks for overlaps, before any change; nothing else is done with them.
    type: list
    elements: dict
    default: []
  declared_in:
    description:
      - Where the declaration comes from, for example the inventory variables a role builds it from. Every refusal
        starts with it, so that the message names what to fix where it is written (the options of this module are
        named otherwise).
    type: str
    version_added: 0.1.0
notes:
  - The options that community.docker.docker_network also has take its names as aliases (O(ipam_driver_options),
    O(ipam_config[].iprange)). Unlike it, this module declares a whole set of networks, compares only what is
    declared, and never recreates a network silently (O(recreate)); it does not connect containers (C(connected)).
  - If any network cannot be converged (a refused recreation, an in-use removal, an invalid declaration), the module
    fails before changing anything and lists every problem.
  - A manager sees which services use an overlay network, and only the containers attached on its own host.
"""

EXAMPLES = r"""
- name: Declare the application networks
  dockfleet.docker.network:
    networks:
      - name: frontend
        ipam_config:
          - subnet: 10.30.0.0/24
            gateway: 10.30.0.1
        labels:
          team: web
      - name: backend
        internal: true
    exclusive: true
    exclusive_scope: local

- name: Declare an encrypted attachable overlay on one manager
  dockfleet.docker.network:
    name: mesh
    driver: overlay
    attachable: true
    encrypted: true
  run_once: true

- name: Replace the swarm's unencrypted ingress network by an encrypted one (CIS Docker Benchmark 7.3)
  dockfleet.docker.network:
    name: ingress
    ingress: true
    encrypted: true
    ipam_config:
      - subnet: 10.11.0.0/24
        gateway: 10.11.0.1
  run_once: true

- name: Recreate a network whose subnet changed, reconnecting its containers
  dockfleet.docker.network:
    name: frontend
    ipam_config:
      - subnet: 10.31.0.0/24
    recreate: always
    force: true
"""

RETURN = r"""
networks:
  description: What happened to every network, in declaration order, then undeclared managed networks removed by O(exclusive).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description:
        - Network name, as declared. The engine's ingress network, when an ingress is declared absent or under
          another name, shows under the name the engine has for it.
      type: str
    action:
      description:
        - V(created); V(recreated) (removed and created again, because the engine cannot change a network's settings
          in place); V(removed) (O(state=absent), or an undeclared managed network with O(exclusive)); V(unchanged).
        - In check mode, what would happen.
      type: str
    differences:
      description:
        - The declared settings the engine's network does not have, each as C(field), C(declared) and C(engine).
          C(field) is the option's name (V(driver), V(scope), V(internal), V(attachable), V(enable_ipv6),
          V(encrypted), V(ipam_driver), V(labels)), a key of a map option (V(driver_options.com.docker.network.mtu),
          V(ipam_options.KEY)) or an address setting of one subnet (V(ipam_config[10.20.0.0/24].gateway);
          V(ipam_config.subnets) for the list of subnets). Settings not declared are never compared.
      type: list
      elements: dict
    users:
      description:
        - What is attached to the network, each as V(container NAME) or V(service NAME), read when it had to be
          removed or recreated; a network in use is left alone and the task fails naming them.
      type: list
      elements: str
  sample:
    - {name: frontend, action: unchanged, differences: [], users: []}
    - {name: backend, action: recreated, differences: [{field: internal, declared: true, engine: false}], users: []}
summary:
  description: How many networks got each action.
  returned: always
  type: dict
  sample: {unchanged: 98, created: 2}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    connect,
    engine_errors,
    manager_swarm_state,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.network_ingress import (
    changes_ingress,
    ingress_users,
    is_ingress,
    resolve_ingress,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.network_ingress import (
    declaration_errors as ingress_declaration_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.network_validation import (
    declaration_errors,
    existing_overlap_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import (
    DeclarationError,
    describe_network,
    network_create_arguments,
    network_differences,
    normalise_network,
    plan,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_module import (
    batch_argument_spec,
    declared_items,
    module_arguments,
    report_and_apply,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import NETWORK_OPTIONS
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


class Networks:
    """The engine side: read networks and their users, apply a plan."""

    def __init__(self, module, client):
        self.module = module
        self.client = client
        self._services = None

    def current(self):
        with engine_errors(self.module, "list networks"):
            listed = self.client.networks()
        by_name = {}
        duplicates = set()
        for item in listed:
            if item["Name"] in by_name:
                duplicates.add(item["Name"])
            by_name[item["Name"]] = item
        return by_name, duplicates

    def users_of(self, network):
        users = []
        with engine_errors(self.module, "list the containers using network %r" % network["Name"]):
            for container in self.client.containers(all=True, filters={"network": network["Id"]}):
                users.append({"kind": "container", "name": container["Names"][0].lstrip("/")})
        if is_ingress(network):
            users.extend(ingress_users(self.services()))
        elif network.get("Scope") == "swarm":
            for service in self.services():
                spec = service.get("Spec") or {}
                attached = (spec.get("TaskTemplate") or {}).get("Networks") or spec.get("Networks") or []
                if any(item.get("Target") in (network["Id"], network["Name"]) for item in attached):
                    users.append({"kind": "service", "name": spec.get("Name", service.get("ID"))})
        return users

    def wait_ingress_gone(self, timeout=60):
        """The swarm removes an ingress network from the engines after the API call returns: wait for it, since the
        engine refuses a new ingress network while the old one is still listed."""

        def gone():
            return not any(is_ingress(network) for network in self.client.networks())

        try:
            wait_until(gone, timeout, "the engine to drop the removed ingress network", interval=1)
        except WaitTimeout as exc:
            self.module.fail_json(msg="The ingress network was removed, but %s. Run again to create it." % exc)

    def create(self, desired, timeout=30):
        """Create a network; an ingress network again while the engine still holds the removed one's name."""
        if not desired.get("ingress"):
            return self.client.create_network(**network_create_arguments(desired))
        seen = {}

        def created():
            try:
                seen["network"] = self.client.create_network(**network_create_arguments(desired))
                return True
            except Exception as exc:  # the SDK's APIError; anything but "already exists" is not retried
                if "already exists" not in str(getattr(exc, "explanation", None) or exc):
                    raise
                seen["error"] = exc
                return False

        try:
            wait_until(created, timeout, "the engine to accept the new ingress network", interval=2)
        except WaitTimeout:
            raise seen["error"] from None
        return seen["network"]

    def require_manager(self, names):
        """Fail unless this engine is a swarm manager (the ingress network is the swarm's)."""
        manager_swarm_state(
            self.module,
            self.client,
            "the ingress network (%s) can be declared only on a swarm manager. Run the task on a manager (the "
            "dockfleet.docker.resources role declares it on the first host of resources_swarm_managers_group). "
            "Nothing was changed." % ", ".join(names),
        )

    def services(self):
        if self._services is None:
            try:
                self._services = self.client.services()
            except Exception:  # not a manager (or not in a swarm): no services to see from here
                self._services = []
        return self._services

    def endpoints(self, network_name, containers):
        """Aliases and static addresses of each container on the network, to reconnect it the same way."""
        saved = []
        for name in containers:
            with engine_errors(self.module, "inspect container %r" % name):
                info = self.client.inspect_container(name)
            endpoint = ((info.get("NetworkSettings") or {}).get("Networks") or {}).get(network_name) or {}
            ipam = endpoint.get("IPAMConfig") or {}
            aliases = [a for a in endpoint.get("Aliases") or [] if not info["Id"].startswith(a)]
            saved.append(
                dict(
                    container=name,
                    aliases=aliases or None,
                    ipv4_address=ipam.get("IPv4Address") or None,
                    ipv6_address=ipam.get("IPv6Address") or None,
                )
            )
        return saved

    def apply(self, step, desired, engine_network):
        name = step["name"]
        saved = []
        if step["action"] in ("removed", "recreated"):
            if step["action"] == "recreated":
                saved = self.endpoints(name, step["detach"])
            for container in step["detach"]:
                with engine_errors(self.module, "disconnect container %r from network %r" % (container, name)):
                    self.client.disconnect_container_from_network(container, engine_network["Id"], force=True)
            with engine_errors(self.module, "remove network %r" % name):
                self.client.remove_network(engine_network["Id"])
            if is_ingress(engine_network):
                self.wait_ingress_gone()
        if step["action"] in ("created", "recreated"):
            with engine_errors(self.module, "create network %r" % name):
                created = self.create(desired)
            for endpoint in saved:
                container = endpoint.pop("container")
                with engine_errors(
                    self.module,
                    "reconnect container %r to the recreated network %r "
                    "(it stays disconnected; connect it by hand)" % (container, name),
                ):
                    self.client.connect_container_to_network(container, created["Id"], **endpoint)


def named(errors, declared_in):
    """The refusals, each starting with where the declaration comes from (declared_in), when given."""
    return ["%s: %s" % (declared_in, error) for error in errors] if declared_in else errors


def main():
    module = AnsibleModule(
        **module_arguments(
            *batch_argument_spec(
                "network",
                NETWORK_OPTIONS,
                force=dict(type="bool", default=False),
                exclusive_scope=dict(type="str", choices=["all", "local", "swarm"], default="all"),
                also_declared=dict(type="list", elements="dict", default=[]),
                declared_in=dict(type="str"),
            )
        )
    )
    params = module.params
    try:
        items = declared_items(params, "network", NETWORK_OPTIONS)
        # The whole set first, every error at once: nothing is created when any network is wrong.
        option = "networks" if params["networks"] is not None else "network"
        errors = declaration_errors(items, params["state"], option, params["also_declared"])
        errors += ingress_declaration_errors(items, params["state"], option)
        if errors:
            errors = named(errors, params["declared_in"])
            module.fail_json(msg="Nothing was changed. " + " ".join(errors), errors=errors)
        declared = [normalise_network(item, params["state"]) for item in items]
    except DeclarationError as exc:
        module.fail_json(msg=str(exc))

    engine = Networks(module, connect(module))
    current, duplicates = engine.current()
    ambiguous = sorted(duplicates & set(d["name"] for d in declared))
    if ambiguous:
        module.fail_json(
            msg="Several networks are named %s on this engine; remove the extra ones by id "
            "(docker network ls --filter name=...) before declaring them." % ", ".join(ambiguous)
        )
    declared = resolve_ingress(declared, current)

    scope = params["exclusive_scope"]
    try:
        plan_result = plan(
            "network",
            declared,
            current,
            network_differences,
            users_of=lambda name: engine.users_of(current[name]),
            recreate=params["recreate"],
            force=params["force"],
            exclusive=params["exclusive"],
            exclusive_filter=None
            if scope == "all"
            else (lambda network: (network.get("Scope") == "swarm") == (scope == "swarm")),
            force_detaches=True,
        )
    except DeclarationError as exc:
        module.fail_json(msg=str(exc))
    steps, errors = plan_result
    ingress_changes = changes_ingress(steps, declared, current)
    if ingress_changes:
        engine.require_manager(ingress_changes)
    leaving = [step["name"] for step in steps if step["action"] in ("removed", "recreated")]
    leaving += [item.get("name") for item in params["also_declared"]]  # their declared subnets were compared
    errors = named(errors + existing_overlap_errors(declared, current, leaving), params["declared_in"])
    report_and_apply(
        module,
        "network",
        (steps, errors),
        declared,
        current,
        describe_network,
        lambda step, desired: engine.apply(step, desired, current.get(step["name"])),
    )


if __name__ == "__main__":
    main()
