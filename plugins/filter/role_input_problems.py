# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A role's variables checked before anything changes (module_utils/role_inputs.py), as a filter: the first step of
the timesync, daemon, swarm and resources roles."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.dockfleet.docker.plugins.module_utils.role_inputs import problems

ROLES = ("timesync", "daemon", "swarm", "resources")


def role_input_problems(variables, role, hosts=None, hostvars=None):
    """The problems of ``variables`` (the role's variables, by name) for ``role``; for the swarm role also of the
    swarm declaration (labels, availability) of every host in ``hosts``, read from ``hostvars``."""
    if role not in ROLES:
        raise AnsibleFilterError("role_input_problems: role must be one of %s, got %r" % (", ".join(ROLES), role))
    if not isinstance(variables, dict):
        raise AnsibleFilterError("role_input_problems: the input must be a mapping of variable names to values")
    declarations = None
    if hosts and hostvars is not None:
        declarations = {}
        for host in hosts:
            try:
                facts = hostvars[host]
            except KeyError:
                continue
            declarations[host] = {
                name: facts.get(name) for name in ("swarm_labels", "swarm_availability") if name in facts
            }
    return problems(role, dict(variables), declarations)


class FilterModule:
    def filters(self):
        return {"role_input_problems": role_input_problems}
