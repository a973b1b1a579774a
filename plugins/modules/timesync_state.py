#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: timesync_state
short_description: Read everything the timesync role compares, and whether the host follows its time source
version_added: 0.1.0
description:
  - The first step of the P(dockfleet.docker.timesync#role) role, in one call - reads whether the host can set its
    clock (C(CAP_SYS_TIME) in systemd's bounding set), the chrony package, the files the role writes (chrony.conf,
    C(/etc/default/chrony), the systemd drop-in) against their wanted content, mode and owner, the chrony service and
    the competing time services, and returns RV(differs) and what differs. The role's writing tasks run only for that.
  - On a host where nothing differs it also checks, as M(dockfleet.docker.timesync_check) does, that chronyd follows a
    source that answers within O(max_offset) (unless O(check=false)), so a converged host costs one module call.
  - Reads only; check mode runs the same.
extends_documentation_fragment:
  - dockfleet.docker.attributes
  - dockfleet.docker.attributes.read_only
options:
  clock_control:
    description:
      - V(auto) - chronyd steers the clock where the host can set it (C(CAP_SYS_TIME)) and only follows its sources
        elsewhere (containers, some VMs); V(enabled) / V(disabled) force one or the other.
      - V(enabled) on a host that cannot set its clock fails, naming C(timesync_clock_control).
    type: str
    choices: [auto, enabled, disabled]
    default: auto
  files_steering:
    description:
      - The role's files where chronyd steers the clock - path to wanted content, or null for a file that must not
        exist. Files must be owned by root with mode C(0644).
    type: dict
    default: {}
  files_following:
    description: The same where chronyd only follows its sources (runs with C(-x)).
    type: dict
    default: {}
  competing_services:
    description: Time services (without C(.service)) that must be stopped and masked where they exist.
    type: list
    elements: str
    default: []
  check:
    description: On a host where nothing differs, check that chronyd follows a source that answers.
    type: bool
    default: true
  max_offset:
    description: Largest allowed clock offset in seconds for the check (as in M(dockfleet.docker.timesync_check)).
    type: float
    default: 0.1
  wait_timeout:
    description: Seconds the check keeps looking for a healthy state.
    type: int
    default: 60
  probe:
    description: Ask chronyd for fresh measurements during the check (as in M(dockfleet.docker.timesync_check)).
    type: bool
    default: true
  fail_on_unhealthy:
    description: Fail when the check finds the host out of sync.
    type: bool
    default: true
notes:
  - Supports check mode (it only reads).
seealso:
  - module: dockfleet.docker.timesync_check
"""

EXAMPLES = r"""
- name: Read chrony's package, files, service, the competing services and the time source
  dockfleet.docker.timesync_state:
    files_following:
      /etc/chrony/chrony.conf: "{{ lookup('ansible.builtin.template', 'chrony.conf.j2') }}"
    competing_services: [systemd-timesyncd, ntp]
  register: timesync_state
"""

RETURN = r"""
differs:
  description: Whether anything the role manages differs (then RV(sync) is not checked).
  returned: always
  type: bool
can_set_clock:
  description: Whether the host can set its clock (C(CAP_SYS_TIME)); null when it cannot be read.
  returned: always
  type: bool
steers_clock:
  description: Whether chronyd steers the clock here (O(clock_control) and RV(can_set_clock)).
  returned: always
  type: bool
chrony_installed:
  description: Whether the chrony package is installed.
  returned: always
  type: bool
chrony_version:
  description: The installed chrony package version, null when not installed.
  returned: always
  type: str
files:
  description: The managed files that differ, with how (V(missing), V(content), V(mode), V(owner), V(present)).
  returned: always
  type: dict
  sample: {/etc/chrony/chrony.conf: content}
competing:
  description: The competing services that exist and are not stopped and masked.
  returned: always
  type: list
  elements: str
service:
  description: What is wrong with chrony.service (not enabled, not running); empty when nothing.
  returned: always
  type: list
  elements: str
sync:
  description: The check's result (RV(dockfleet.docker.timesync_check#module:healthy), C(summary), C(problems), ...)
    when it ran; empty otherwise.
  returned: always
  type: dict
summary:
  description: One line - what differs, or the time source the host follows.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.host_files import file_state
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import Systemd
from ansible_collections.dockfleet.docker.plugins.module_utils.timesync_host import (
    CHRONY_SERVICE,
    check,
    competing_to_stop,
    read_host,
    service_differs,
    steers_clock,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            clock_control=dict(type="str", default="auto", choices=["auto", "enabled", "disabled"]),
            files_steering=dict(type="dict", default={}),
            files_following=dict(type="dict", default={}),
            competing_services=dict(type="list", elements="str", default=[]),
            check=dict(type="bool", default=True),
            max_offset=dict(type="float", default=0.1),
            wait_timeout=dict(type="int", default=60),
            probe=dict(type="bool", default=True),
            fail_on_unhealthy=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    systemd = Systemd(module, required=False)
    host = read_host(module, systemd, params["competing_services"])
    if params["clock_control"] == "enabled" and not host["can_set_clock"]:
        module.fail_json(
            msg="timesync_clock_control is 'enabled' but this host has no CAP_SYS_TIME, so chronyd could not set the "
            "clock and systemd would not even start it. Use 'auto' (or 'disabled') to run chrony without clock control "
            "here. Nothing was changed.",
            can_set_clock=host["can_set_clock"],
        )
    steers = steers_clock(params["clock_control"], host["can_set_clock"])
    wanted = params["files_steering"] if steers else params["files_following"]
    files = {}
    for path, content in sorted(wanted.items()):
        how = file_state(path, content)
        if how:
            files[path] = how
    units = host.pop("units")
    competing = competing_to_stop(params["competing_services"], units)
    service = service_differs(units.get(CHRONY_SERVICE) or {}) if host["chrony_installed"] else ["not installed"]
    differs = not host["chrony_installed"] or bool(files or competing or service)
    result = dict(
        changed=False,
        differs=differs,
        steers_clock=steers,
        files=files,
        competing=competing,
        service=service,
        sync={},
        **host,
    )
    if differs:
        parts = ["chrony not installed"] if not host["chrony_installed"] else []
        parts += ["%s (%s)" % item for item in sorted(files.items())]
        parts += ["%s not stopped and masked" % name for name in competing]
        parts += ["chrony.service %s" % problem for problem in service if host["chrony_installed"]]
        result["summary"] = "differs: " + "; ".join(parts)
        module.exit_json(**result)
    if not params["check"]:
        result["summary"] = "chrony as declared"
        module.exit_json(**result)

    binary = module.get_bin_path("chronyc", required=True)
    sync = check(module, binary)
    for warning in sync.pop("warnings"):
        module.warn(warning)
    result["sync"] = sync
    result["summary"] = sync["summary"]
    if not sync["healthy"] and params["fail_on_unhealthy"]:
        module.fail_json(
            msg="Time is not in sync on this host: %s. Look at `chronyc sources` and `chronyc tracking` there; "
            "its time sources must answer on UDP port 123." % "; ".join(sync["problems"]),
            **result,
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
