#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: swarm_backup_verify
short_description: Check that a swarm holds what a backup holds
version_added: 0.1.0
description:
  - Compares the swarm this manager runs with the metadata of a backup made by M(dockfleet.docker.swarm_backup) -
    services, networks, secrets, configs, node labels, and the replicas of the replicated services, waiting up to
    O(wait_timeout) seconds for those to run. Fails naming what is missing or lagging.
  - Given O(archive), it first checks the archive's checksum against the metadata and its content, as
    M(dockfleet.docker.swarm_restore) does before a restore.
  - Never changes anything.
extends_documentation_fragment:
  - dockfleet.docker.engine_reader
options:
  metadata:
    description:
      - The metadata file of the backup, on this host.
    type: path
    required: true
  archive:
    description:
      - An archive on this host to check (checksum against O(metadata), content) before the swarm is compared.
    type: path
  wait_timeout:
    description:
      - Seconds to wait for the replicated services of the backup to run their replicas.
    type: int
    default: 120
notes:
  - Run on a manager of the swarm to compare (after a restore, the restored one).
seealso:
  - module: dockfleet.docker.swarm_backup
  - module: dockfleet.docker.swarm_restore
"""

EXAMPLES = r"""
- name: Check the swarm holds every object of the backup
  dockfleet.docker.swarm_backup_verify:
    metadata: /var/tmp/swarm-backup-mgr2-20260101T020000Z.json
"""

RETURN = r"""
metadata:
  description: The metadata of the backup (never holds the unlock key).
  returned: when the metadata could be read
  type: dict
comparison:
  description: Per kind (services, networks, secrets, configs) the names matched, missing and unexpected, plus C(ok)
    and C(summary) lines.
  returned: when the swarm was compared
  type: dict
labels:
  description: Nodes (by hostname) whose labels match the backup, differ, or are absent.
  returned: when the swarm was compared
  type: dict
replicas:
  description: Desired and running replicas of each replicated service of the backup.
  returned: when the swarm was compared
  type: dict
summary:
  description: One line per kind and one for the replicas.
  returned: when the swarm was compared
  type: list
  elements: str
"""

import contextlib

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_archive
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    engine_argument_spec,
    engine_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    MetadataError,
    compare_labels,
    compare_state,
    load_metadata,
    replica_status,
    replicas_converged,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_engine import Engine
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


def verify(module, engine):
    metadata = load_metadata(module.params["metadata"])
    if module.params["archive"]:
        problem, _entries = swarm_archive.archive_problem(module.params["archive"], metadata["archive_sha256"])
        if problem:
            module.fail_json(msg=problem, metadata=metadata)
    seen = {}

    def converged():
        seen["state"] = engine.state()
        services = dict((s["ID"], s["Spec"]["Name"]) for s in engine.client.services())
        tasks = [dict(t, ServiceName=services.get(t.get("ServiceID"))) for t in engine.client.tasks()]
        seen["replicas"] = replica_status(metadata["state"]["services"], tasks)
        return replicas_converged(seen["replicas"])

    # A timeout is no error here: the comparison below names the services that lag.
    with engine_errors(module, "list the swarm's objects (on a manager of the restored swarm)"), contextlib.suppress(
        WaitTimeout
    ):
        wait_until(converged, module.params["wait_timeout"], "the services of the backup to run their replicas", 3)
    state, replicas = seen["state"], seen["replicas"]
    comparison = compare_state(metadata["state"], state)
    labels = compare_labels(metadata["state"]["nodes"], state["nodes"])
    lagging = [
        "%s (%d of %d running)" % (n, r["running"], r["desired"])
        for n, r in replicas.items()
        if r["running"] < r["desired"]
    ]
    summary = comparison["summary"] + [
        "replicas: " + ("; ".join(lagging) if lagging else "every replicated service runs its replicas")
    ]
    found = {"metadata": metadata, "comparison": comparison, "labels": labels, "replicas": replicas}
    result = dict(found, changed=False, summary=summary, notes=[])
    if not comparison["ok"] or lagging:
        module.fail_json(msg="The swarm does not match the backup: " + " | ".join(summary), **result)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=engine_argument_spec(
            metadata=dict(type="path", required=True),
            archive=dict(type="path"),
            wait_timeout=dict(type="int", default=120),
        ),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    engine = Engine(module)
    try:
        verify(module, engine)
    except MetadataError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
