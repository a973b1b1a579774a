# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a failed batch of a rolling runbook (tasks/rolling_node.yml) leaves each of its nodes.

Every host of the batch keeps ``_rolling_left`` (its availability as its turn last set it, or ``draining`` while
the batch drain runs) and ``_rolling_before`` (the availability it had before its turn). The batch drain runs once
for the whole batch; when it fails part of the way, its result's ``actions`` say which nodes it paused or drained.
Ansible stops the run on the host the drain ran from, so that host's message must speak for the whole batch."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.drain_stages import left_words
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact


def rolling_left(hosts, hostvars, node_ids=None, actions=None):
    """``{host: availability it is left with}`` for the batch ``hosts`` (``node_ids`` their swarm node IDs, in order).

    A host still ``draining`` gets what the failed drain's ``actions`` last did to its node, or its availability
    from before its turn when the drain never reached it.
    """
    node_ids = list(node_ids or [])
    done = {}
    for item in actions or []:
        done[item.get("id")] = item.get("after")
    result = {}
    for index, host in enumerate(hosts or []):
        left = host_fact(hostvars, host, "_rolling_left", "")
        if left == "draining":
            node_id = node_ids[index] if index < len(node_ids) else None
            left = done.get(node_id) or host_fact(hostvars, host, "_rolling_before", "")
        result[host] = left or "as it was"
    return result


def rolling_left_text(availability):
    """``drained``, ``paused`` or ``with availability active``: the words of swarm_drain's own messages."""
    return left_words(availability)


class FilterModule:
    def filters(self):
        return {"rolling_left": rolling_left, "rolling_left_text": rolling_left_text}
