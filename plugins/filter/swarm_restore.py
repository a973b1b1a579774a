# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decisions of the dockfleet.docker.swarm_restore playbook after the restore, in Python: which hosts
did not answer and were left out, which labels the Ready nodes get again, and which nodes the removal of
Down nodes keeps. The playbook only sequences the steps."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact

LABEL_SOURCES = ("metadata", "inventory", "none")


def swarm_restore_unreachable(hosts, hostvars, restored_host, result_name="swarm_restore_reach"):
    """The ``hosts`` (managers and workers of the inventory) other than ``restored_host`` whose reachability check,
    registered as ``result_name``, failed (its result has a ``msg``), in order, each once."""
    found = []
    for host in hosts or []:
        if host == restored_host or host in found:
            continue
        reach = host_fact(hostvars, host, result_name)
        if isinstance(reach, dict) and "msg" in reach:
            found.append(host)
    return found


def swarm_restore_label_declarations(ready, source, metadata=None, hostvars=None, hosts=()):
    """``dockfleet.docker.swarm_node`` declarations for the Ready nodes named ``ready``: the labels ``source`` gives
    (``metadata``: the backup's, ``inventory``: each host's ``swarm_labels``, ``none``: none) set exactly, and a
    bare declaration (kept, labels untouched) for a node the source says nothing about."""
    if source not in LABEL_SOURCES:
        raise AnsibleFilterError(
            "swarm_restore_labels_source must be %s, not %r." % (", ".join(LABEL_SOURCES[:-1]) + " or none", source)
        )
    wanted = {}
    if source == "metadata":
        for name, entry in (((metadata or {}).get("state") or {}).get("nodes") or {}).items():
            wanted[name] = (entry or {}).get("labels") or {}
    elif source == "inventory":
        for host in hosts or []:
            labels = host_fact(hostvars, host, "swarm_labels")
            if labels is not None:
                wanted.setdefault(host, labels)
    declarations = []
    for name in swarm_restore_keep(ready):
        node = name["node"]
        declarations.append(dict(name, labels=wanted[node], labels_mode="exact") if node in wanted else name)
    return declarations


def swarm_restore_keep(ready):
    """The nodes named ``ready`` as ``dockfleet.docker.swarm_node`` declarations that only keep them, each once."""
    seen = []
    for name in ready or []:
        if name not in seen:
            seen.append(name)
    return [{"node": name} for name in seen]


class FilterModule:
    def filters(self):
        return {
            "swarm_restore_unreachable": swarm_restore_unreachable,
            "swarm_restore_label_declarations": swarm_restore_label_declarations,
            "swarm_restore_keep": swarm_restore_keep,
        }
