# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the modules that stop this host's engine to archive or replace its swarm state
(swarm_backup, swarm_restore): where the state is, and how long to wait for the engine to be back."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  swarm_dir:
    description:
      - The engine's swarm state directory.
      - Default C(swarm) under the data root the engine reports (C(DockerRootDir)), or the one C(/etc/docker/daemon.json)
        gives (C(data-root), C(userns-remap)) when the engine does not report it. Set it only when dockerd keeps its
        swarm state elsewhere.
    type: path
  wait_timeout:
    description:
      - Seconds to wait for the engine and the node to be back.
    type: int
    default: 120
"""
