# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation the modules that stop this host's engine to archive or replace its swarm state share
(swarm_backup, swarm_restore): how to reach the engine, the attributes of a member of the action group,
where the swarm state is, how long to wait for the engine to be back, the procedure they follow and the author."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.doc_fragments.engine_reader import member_fragments

_OWN = r"""options:
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
attributes:
  check_mode:
    support: full
    details:
      - Runs every check and reports what would be done; stops nothing.
  diff_mode:
    support: full
seealso:
  - module: dockfleet.docker.swarm_backup
  - module: dockfleet.docker.swarm_restore
  - module: dockfleet.docker.swarm_backup_verify
  - name: Docker swarm administration guide, back up and recover a swarm
    link: https://docs.docker.com/engine/swarm/admin_guide/
    description: The procedure the swarm_backup and swarm_restore modules follow.
"""


class ModuleDocFragment:
    """DOCUMENTATION (fragment dockfleet.docker.swarm_state), set below the class, composed when it is loaded."""


# Below the class: ansible-test's linters read the class body for literal YAML only.
ModuleDocFragment.DOCUMENTATION = member_fragments(_OWN)[0]
