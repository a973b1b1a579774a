#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: engine_upgrade_state
short_description: Read in one call what the engine upgrade's pre-flight must know of a host
version_added: 0.1.0
description:
  - The first step of the C(dockfleet.docker.engine_upgrade) playbook on every host, in one call. Reads whether the
    local engine answers and its swarm membership (RV(engine), as M(dockfleet.docker.engine_info) reports it), the
    Docker packages the target O(version) resolves to in this host's repository (RV(target), as
    M(dockfleet.docker.engine_package) plans them in check mode), the note an interrupted run left (RV(note)) and,
    with O(timesync), how well the clock follows its time source (RV(timesync), as M(dockfleet.docker.timesync_check)
    measures it).
  - Refreshes apt's package lists first when they are older than O(cache_valid_time) and O(update_cache) is on (not in
    check mode). That changes nothing installed.
  - Reads only, and reports instead of failing. An engine that does not answer, a version that does not resolve, a
    note that cannot be read and a clock out of sync are results, for the playbook to put into one table of
    problems. It fails only for options it cannot use.
extends_documentation_fragment:
  - dockfleet.docker.attributes
  - dockfleet.docker.attributes.read_only_apt_lists
options:
  version:
    description:
      - The target engine version, in any form M(dockfleet.docker.engine_package) accepts (V(26.1), V(26.1.5),
        V(latest), a full package version).
    type: str
    required: true
  allow_downgrade:
    description: Whether the target may be lower than the installed version, as in M(dockfleet.docker.engine_package).
    type: bool
    default: false
  flavor:
    description: The package names, as in M(dockfleet.docker.engine_package).
    type: str
    choices: [docker-ce, docker.io]
    default: docker-ce
  pin:
    description: Whether the packages are to be pinned, as in M(dockfleet.docker.engine_package).
    type: bool
    default: true
  plugins:
    description: The plugin packages that move with the engine, as in M(dockfleet.docker.engine_package).
    type: list
    elements: str
    default: []
  containerd_version:
    description: The containerd version, as in M(dockfleet.docker.engine_package).
    type: str
  lock_timeout:
    description: Seconds to wait for the apt/dpkg lock when refreshing the lists.
    type: int
    default: 300
  docker_socket:
    description: The local engine's Unix socket.
    type: path
    default: /var/run/docker.sock
  preferences_file:
    description: The apt pin file of M(dockfleet.docker.engine_package).
    type: path
    default: /etc/apt/preferences.d/dockfleet-docker-engine.pref
  update_cache:
    description: Refresh apt's package lists when they are older than O(cache_valid_time).
    type: bool
    default: true
  cache_valid_time:
    description: Seconds apt's package lists may be old before they are refreshed.
    type: int
    default: 3600
  state_file:
    description: The note a rolling run writes before it drains a node and removes when the node is back (JSON with
      C(availability) and C(target)).
    type: path
    default: /var/lib/dockfleet/engine-upgrade.json
  timesync:
    description: Measure the clock (RV(timesync)). With V(false) RV(timesync) is empty.
    type: bool
    default: true
  timesync_max_offset:
    description: Largest clock offset in seconds, as O(dockfleet.docker.timesync_check#module:max_offset).
    type: float
    default: 0.1
  timesync_wait_timeout:
    description: Seconds to wait for the clock to be healthy, as
      O(dockfleet.docker.timesync_check#module:wait_timeout).
    type: int
    default: 30
notes:
  - Runs on the managed host, as root (apt and chronyc need it). Debian and Ubuntu hosts.
seealso:
  - module: dockfleet.docker.engine_info
  - module: dockfleet.docker.engine_package
  - module: dockfleet.docker.timesync_check
"""

EXAMPLES = r"""
- name: Read what the upgrade to 26.1 must know of this host
  dockfleet.docker.engine_upgrade_state:
    version: "26.1"
  register: host

- name: Say where this host stands
  ansible.builtin.debug:
    msg: >-
      engine {{ host.engine.engine.version | default('not answering', true) }},
      target {{ host.target.version_after.server | default(host.target.msg) }},
      {{ 'an interrupted run left a note' if host.note else 'no note' }}
"""

RETURN = r"""
engine:
  description: The local engine and its swarm membership, as M(dockfleet.docker.engine_info) returns them (a daemon
    that is down is C(answers=false) with the reason in C(server_errors)).
  returned: always
  type: dict
  sample: {answers: true, server_errors: [], engine: {version: "20.10.24"},
           swarm: {local_node_state: active, node_id: 4q8x1kzr0m2s, role: worker, control_available: false}}
target:
  description:
    - The target resolved in this host's repository, as M(dockfleet.docker.engine_package) in check mode returns it -
      C(version_before), C(version_after) (C(server) each), C(changes) (empty when the host is on the target),
      C(packages).
    - When it cannot be resolved, only C(msg), saying why (no such version, a downgrade not allowed, apt lists that
      could not be refreshed, a host without apt).
  returned: always
  type: dict
  sample: {version_before: {server: "20.10.24"}, version_after: {server: "26.1.5"},
           changes: [{package: docker-ce, before: "5:20.10.24-1", after: "5:26.1.5-1"}], packages: {}}
note:
  description: The note of an interrupted run on this host (C(availability), C(target)), or null when there is none.
  returned: always
  type: dict
  sample: {availability: active, target: "26.1.5"}
note_error:
  description: Why the note in O(state_file) could not be read (empty when it could, or there is none).
  returned: always
  type: str
on_target:
  description: Whether the run has nothing to do on this host - the target resolved, no package to change, and no
    note of an interrupted run (nor one that cannot be read). The pre-flight skips such hosts.
  returned: always
  type: bool
  sample: false
timesync:
  description: With O(timesync), the clock as M(dockfleet.docker.timesync_check) measures it (C(installed),
    C(healthy), C(problems) and the rest of its result); empty otherwise.
  returned: always
  type: dict
  sample: {installed: true, healthy: true, problems: [], offset: 0.000012}
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages, versions
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import (
    Apt,
    AptError,
    lists_older_than,
    platform_problem,
    read_os_release,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_engine import read_local_engine
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import read_text
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import EngineError
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import down_result
from ansible_collections.dockfleet.docker.plugins.module_utils.timesync_host import measure


def read_engine(socket_path):
    """engine_info's result for the local engine; something that answers, but not as an engine, is "down" here."""
    try:
        return read_local_engine(socket_path)
    except EngineError as exc:
        return down_result(str(exc))


def read_target(module, running):
    """engine_package's check-mode answer for the target, or ``{msg}`` saying why it cannot be resolved."""
    params = module.params
    fields = read_os_release()
    problem = platform_problem(module, "dockfleet.docker.engine_upgrade", fields)
    if problem:
        return dict(msg=problem)
    apt = Apt(module, params["lock_timeout"])
    try:
        if params["update_cache"] and not module.check_mode and lists_older_than(params["cache_valid_time"]):
            apt.update()
        plan, _pin = engine_packages.declared_plan(apt, params["flavor"], params, read_text(params["preferences_file"]))
    except (AptError, engine_packages.PlanError) as exc:
        return dict(msg=str(exc))
    after = versions.release_text(plan.engine_version) if plan.changes else running
    return dict(
        version_before=dict(server=running),
        version_after=dict(server=after),
        changes=[dict(package=n, before=b, after=a) for n, b, a in plan.changes],
        packages=dict(plan.targets),
    )


def read_note(path):
    """``(note, problem)``: the note of an interrupted run (None when there is none), or why it cannot be read."""
    try:
        text = read_text(path)
        note = None if text is None else json.loads(text)
    except (OSError, ValueError) as exc:
        return None, "%s cannot be read (%s): remove it if no run is in progress on this host" % (path, exc)
    if note is not None and not (isinstance(note, dict) and note.get("availability")):
        return None, "%s holds no availability to restore: remove it if no run is in progress on this host" % path
    return note, ""


def main():
    module = AnsibleModule(
        argument_spec=engine_packages.flavored_argument_spec(
            update_cache=dict(type="bool", default=True),
            cache_valid_time=dict(type="int", default=3600),
            state_file=dict(type="path", default="/var/lib/dockfleet/engine-upgrade.json"),
            timesync=dict(type="bool", default=True),
            timesync_max_offset=dict(type="float", default=0.1),
            timesync_wait_timeout=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["timesync_max_offset"] <= 0 or params["timesync_wait_timeout"] < 0:
        module.fail_json(
            msg="timesync_max_offset must be a positive number of seconds and timesync_wait_timeout 0 or more, got "
            "%s and %s" % (params["timesync_max_offset"], params["timesync_wait_timeout"])
        )
    engine = read_engine(params["docker_socket"])
    note, note_error = read_note(params["state_file"])
    timesync = {}
    if params["timesync"]:
        settings = dict(
            max_offset=params["timesync_max_offset"], wait_timeout=params["timesync_wait_timeout"], probe=True
        )
        timesync = measure(module, module.get_bin_path("chronyc"), settings)
    target = read_target(module, engine["engine"].get("version"))
    module.exit_json(
        changed=False,
        engine=engine,
        target=target,
        note=note,
        note_error=note_error,
        timesync=timesync,
        on_target=target.get("changes") == [] and note is None and not note_error,
    )


if __name__ == "__main__":
    main()
