# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation every module that only reads the engine shares (engine_info, swarm_health,
swarm_backup_verify): how to reach the engine, the API timeout, and the attributes of a read-only
member of the action group dockfleet.docker.docker, and the author. Composed from the engine and
attributes fragments, so a module names one fragment instead of five."""

from __future__ import annotations

import yaml

from ansible_collections.dockfleet.docker.plugins.doc_fragments import attributes, engine


def _merge(target, source):
    for key, value in source.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def compose(*texts):
    """One fragment from several: their YAML merged key by key (a later text adds to an earlier one)."""
    merged = {}
    for text in texts:
        _merge(merged, yaml.safe_load(text) or {})
    return yaml.safe_dump(merged, sort_keys=False, width=120)


def member_fragments(*own):
    """The two fragments of a member of the action group dockfleet.docker.docker: the connection options with
    O(timeout), and with O(api_timeout) for a module whose own O(timeout) is how long it waits; each with the
    attributes, the author and the module kind's own texts."""
    common = (attributes.ModuleDocFragment.DOCUMENTATION, attributes.ModuleDocFragment.ACTIONGROUP_DOCKER, *own)
    return tuple(
        compose(engine.ModuleDocFragment.DOCUMENTATION, timeout, *common)
        for timeout in (engine.ModuleDocFragment.TIMEOUT, engine.ModuleDocFragment.API_TIMEOUT)
    )


class ModuleDocFragment:
    """DOCUMENTATION (fragment dockfleet.docker.engine_reader): the connection options with timeout.
    API_TIMEOUT (fragment dockfleet.docker.engine_reader.api_timeout): the same for a module whose own option timeout
    is how long it waits. Both are set below the class, composed when the fragment is loaded."""


# Below the class: ansible-test's linters read the class body for literal YAML only.
ModuleDocFragment.DOCUMENTATION, ModuleDocFragment.API_TIMEOUT = member_fragments(
    attributes.ModuleDocFragment.READ_ONLY
)
