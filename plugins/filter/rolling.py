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


def rolling_give_back(hosts, hostvars, node_ids):
    """``[{node, availability}]`` for swarm_node's ``nodes``: every node of the batch ``hosts`` (``node_ids`` their
    swarm node IDs, in order) that is Ready again after its change, with the availability it had before its turn.

    Ready again means the host's own wait registered ``_rolling_ready`` and did not fail: a host whose change or wait
    failed keeps its node drained (its rescue says so), while the rest of the batch gets theirs back in one call.
    """
    node_ids = list(node_ids or [])
    found = []
    for index, host in enumerate(hosts or []):
        ready = host_fact(hostvars, host, "_rolling_ready", {})
        if not ready or ready.get("failed") or ready.get("skipped") or index >= len(node_ids):
            continue
        found.append({"node": node_ids[index], "availability": host_fact(hostvars, host, "_rolling_before", "")})
    return found


def rolling_left_text(availability):
    """``drained``, ``paused`` or ``with availability active``: the words of swarm_drain's own messages."""
    return left_words(availability)


class FilterModule:
    def filters(self):
        return {
            "rolling_give_back": rolling_give_back,
            "rolling_left": rolling_left,
            "rolling_left_text": rolling_left_text,
        }
