# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision of the dockfleet.docker.swarm_backup playbook, in Python: which manager to back up.
The playbook reads each manager with engine_info; the choice is
``swarm_backup_metadata.choose_backup_host``, which the swarm_backup module's own refusal checks again."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import choose_backup_host
from ansible_collections.dockfleet.docker.plugins.plugin_utils.hostvars import host_fact


def swarm_backup_choice(hosts, hostvars, result_name, requested=None):
    """``{host, managers}`` for the play's ``hosts`` from the engine_info result each registered as ``result_name``."""
    engines = dict((host, host_fact(hostvars, host, result_name, {})) for host in hosts)
    return choose_backup_host(engines, requested or None)


class FilterModule:
    def filters(self):
        return {"swarm_backup_choice": swarm_backup_choice}
