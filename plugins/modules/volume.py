#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
short_description: Declare a set of Docker volumes in one call, without spurious recreation
version_added: 0.1.0
description:
  - Creates, recreates and removes Docker volumes on the managed host so that they match a declared set, in one
    module call (one round trip) for the whole set.
  - Compares only what you declared (driver, the declared driver options, labels) with what the engine reports.
  - The engine cannot change a volume in place. Recreating a volume B(deletes its data), so O(recreate) defaults to
    V(never) and a volume any container (running or stopped) uses is never removed; the error names the containers.
  - Every volume the module creates carries the label C(io.dockfleet.managed=true). O(exclusive) removes volumes
    with that label that are no longer declared and never touches any other volume (anonymous volumes included).
extends_documentation_fragment:
  - dockfleet.docker.engine_writer
  - dockfleet.docker.declared_set.volume
options:
  name:
    description:
      - Name of a single volume to declare instead of O(volumes).
      - O(volume_name) is community.docker.docker_volume's name for it.
    type: str
    aliases: [volume_name]
  recreate:
    description:
      - What to do when a volume differs from its declaration (driver, declared driver options, labels). Recreating
        deletes the volume's data.
      - V(never) never recreates a volume. A volume that differs fails the task, listing every difference, and nothing
        is changed. community.docker.docker_volume leaves such a volume as it is and reports success.
      - V(options-changed) recreates a volume that differs when no container uses it, and fails naming the containers
        otherwise (a volume cannot be detached from a container; the engine refuses to remove a volume in use). It
        means what it means in community.docker.docker_volume. V(when_unused) is the same, under the name the
        P(dockfleet.docker.resources#role) role uses for networks and volumes alike.
      - V(always) is accepted for the P(dockfleet.docker.resources#role) role, where it also recreates networks that
        containers use; for a volume it is V(options-changed). B(It differs from community.docker.docker_volume),
        where V(always) recreates the volume on every run, deleting its data each time; this module never recreates
        a volume that matches its declaration.
    type: str
    choices: [never, options-changed, when_unused, always]
    default: never
notes:
  - If any volume cannot be converged, the module fails before changing anything and lists every problem.
"""

EXAMPLES = r"""
- name: Declare the application volumes
  dockfleet.docker.volume:
    volumes:
      - name: postgres-data
        labels:
          backup: daily
      - name: shared-uploads
        driver_options:
          type: nfs
          device: ":/exports/uploads"
          o: addr=10.0.0.5,rw,nfsvers=4
      - name: scratch
        driver_options:
          type: tmpfs
          device: tmpfs
          o: size=256m
    exclusive: true

- name: Remove a volume nothing uses any more
  dockfleet.docker.volume:
    name: old-cache
    state: absent

- name: Recreate a scratch volume whose options changed (deletes its data)
  dockfleet.docker.volume:
    volume_name: scratch
    driver_options:
      type: tmpfs
      device: tmpfs
      o: size=512m
    recreate: options-changed
"""

RETURN = r"""
volumes:
  description: What happened to every volume, in declaration order, then undeclared managed volumes removed by O(exclusive).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Volume name, as declared.
      type: str
    action:
      description:
        - V(created); V(recreated) (its data deleted; only when O(recreate) allows it); V(removed) (O(state=absent),
          or an undeclared managed volume with O(exclusive)); V(unchanged). In check mode, what would happen.
      type: str
    differences:
      description:
        - How the engine's volume differs from the declaration, each as C(field) (V(driver), V(labels), or
          V(driver_options.KEY) for one driver option such as V(driver_options.o)), C(declared) and C(engine).
          Only declared driver options are compared; labels only when declared.
      type: list
      elements: dict
    users:
      description:
        - The containers, running or stopped, that mount the volume, each as V(container NAME), read when it had to
          be removed or recreated. A volume in use is never removed; the task fails naming them.
      type: list
      elements: str
  sample:
    - {name: postgres-data, action: unchanged, differences: [], users: []}
summary:
  description: How many volumes got each action.
  returned: always
  type: dict
  sample: {unchanged: 3}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    connect,
    engine_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import (
    DeclarationError,
    describe_volume,
    normalise_volume,
    plan,
    volume_create_arguments,
    volume_differences,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_module import (
    batch_argument_spec,
    declared_items,
    module_arguments,
    report_and_apply,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import VOLUME_OPTIONS

# community.docker.docker_volume's recreate values, as the policies resource_diff plans with.
RECREATE_POLICY = {
    "never": "never",
    "options-changed": "when_unused",
    "when_unused": "when_unused",
    "always": "when_unused",
}


def argument_spec():
    """The options: the shared network/volume ones with community.docker.docker_volume's names added."""
    spec, mutually_exclusive = batch_argument_spec("volume", VOLUME_OPTIONS)
    spec["name"] = dict(spec["name"], aliases=["volume_name"])
    spec["recreate"] = dict(type="str", choices=list(RECREATE_POLICY), default="never")
    return spec, mutually_exclusive


def current_volumes(module, client):
    with engine_errors(module, "list volumes"):
        listed = client.volumes().get("Volumes") or []
    return dict((item["Name"], item) for item in listed)


def users_of(module, client, name):
    with engine_errors(module, "list the containers using volume %r" % name):
        containers = client.containers(all=True, filters={"volume": name})
    users = []
    for container in containers:
        # The filter also matches a mount destination; keep only real uses of this volume.
        if any(mount.get("Name") == name for mount in container.get("Mounts") or []):
            users.append({"kind": "container", "name": container["Names"][0].lstrip("/")})
    return users


def apply(module, client, step, desired):
    name = step["name"]
    if step["action"] in ("removed", "recreated"):
        with engine_errors(module, "remove volume %r" % name):
            client.remove_volume(name)
    if step["action"] in ("created", "recreated"):
        with engine_errors(module, "create volume %r" % name):
            client.create_volume(**volume_create_arguments(desired))


def main():
    module = AnsibleModule(**module_arguments(*argument_spec()))
    params = module.params
    try:
        declared = [
            normalise_volume(item, params["state"]) for item in declared_items(params, "volume", VOLUME_OPTIONS)
        ]
    except DeclarationError as exc:
        module.fail_json(msg=str(exc))

    client = connect(module)
    current = current_volumes(module, client)
    plan_result = plan(
        "volume",
        declared,
        current,
        volume_differences,
        users_of=lambda name: users_of(module, client, name),
        recreate=RECREATE_POLICY[params["recreate"]],
        force=False,
        exclusive=params["exclusive"],
        force_detaches=False,
    )
    report_and_apply(
        module,
        "volume",
        plan_result,
        declared,
        current,
        describe_volume,
        lambda step, desired: apply(module, client, step, desired),
    )


if __name__ == "__main__":
    main()
