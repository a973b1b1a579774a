# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation every module that changes the swarm or the engine's objects through the engine API shares
(network, volume, swarm, swarm_node, swarm_rotate): how to reach the engine, the API timeout, the attributes of a
member of the action group dockfleet.docker.docker with full check and diff support, and the author. A module
names this one fragment and states in its own C(attributes) only what check and diff mode show for it."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.doc_fragments.engine_reader import member_fragments

_FULL_SUPPORT = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""


class ModuleDocFragment:
    """DOCUMENTATION (fragment dockfleet.docker.engine_writer) and API_TIMEOUT (fragment
    dockfleet.docker.engine_writer.api_timeout, for swarm_rotate, whose own timeout is how long it waits), set below
    the class, composed when the fragment is loaded."""


# Below the class: ansible-test's linters read the class body for literal YAML only.
ModuleDocFragment.DOCUMENTATION, ModuleDocFragment.API_TIMEOUT = member_fragments(_FULL_SUPPORT)
