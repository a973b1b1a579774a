# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The attributes (and the author) every dockfleet module documents. A module states its own support
(and, in ``details``, what check and diff mode show for it); the descriptions live here."""

from __future__ import annotations


class ModuleDocFragment:
    # Every module: check mode, diff mode and the platforms it runs on, and the author.
    DOCUMENTATION = r"""
options: {}
author:
  - dockfleet maintainers (@dockfleet)
attributes:
  check_mode:
    description: Can run in check mode and report whether it would change anything, without changing it.
  diff_mode:
    description: Returns what changed (or, in check mode, what would change) when run with C(--diff).
  platform:
    description: The managed hosts it runs on.
    support: full
    platforms: posix
    details:
      - Debian and Ubuntu hosts, the ones the collection's roles set up.
"""

    # Modules that talk to the engine API and take the connection options of dockfleet.docker.engine.
    ACTIONGROUP_DOCKER = r"""
options: {}
attributes:
  action_group:
    description:
      - Member of the action group C(dockfleet.docker.docker). Set the engine connection options once for all of
        them with C(module_defaults) and C(group/dockfleet.docker.docker).
    support: full
    membership:
      - dockfleet.docker.docker
"""

    # Read modules that refresh apt's package lists when they are old: not in check mode. A module that says more
    # about its result in diff mode gives its own diff_mode details.
    READ_ONLY_APT_LISTS = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - Reads the same, but does not refresh apt's package lists.
  diff_mode:
    support: none
    details:
      - Nothing to compare; it changes nothing.
"""

    # Modules that only read: check mode runs the same and there is nothing to diff.
    READ_ONLY = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - Reads only; runs the same in check mode.
  diff_mode:
    support: none
    details:
      - Nothing to compare; it changes nothing.
"""
