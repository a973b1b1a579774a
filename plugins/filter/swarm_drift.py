# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm role's "is anything different?" as a filter: reads every host's swarm_info result and declared
labels and availability through ``hostvars`` and returns module_utils/swarm_drift.py's list of differences."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_drift import swarm_drift as differences
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import value_of


def swarm_drift(
    hosts,
    hostvars,
    managers=(),
    workers=(),
    all_members=None,
    read="_swarm_read",
    labels_mode="exact",
    prune_down_nodes=False,
):
    """The differences for ``hosts`` (the play's swarm hosts, in inventory order). Per host it reads the variable
    named by ``read`` (swarm_info's result) and the host's swarm_labels, swarm_labels_mode and swarm_availability
    (``labels_mode`` when the host sets no swarm_labels_mode)."""
    reads, declarations = {}, {}
    for host in hosts:
        facts = value_of(hostvars, host, {})
        reads[host] = value_of(facts, read)
        declarations[host] = {
            "labels": value_of(facts, "swarm_labels", {}),
            "labels_mode": value_of(facts, "swarm_labels_mode", labels_mode),
            "availability": value_of(facts, "swarm_availability"),
        }
    return differences(
        list(hosts),
        list(managers or ()),
        list(workers or ()),
        reads,
        declarations,
        all_members=list(all_members) if all_members is not None else None,
        prune_down_nodes=bool(prune_down_nodes),
    )


class FilterModule:
    def filters(self):
        return {"swarm_drift": swarm_drift}
