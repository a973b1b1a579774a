#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: timesync_check
short_description: Check that a host's clock follows a time source that answers, within an offset
version_added: 0.1.0
description:
  - Asks the local C(chronyd) (through C(chronyc)) which time sources it has, which of them answer, which one it
    follows, its stratum and how far the system clock is from NTP time.
  - By default it first asks chronyd for a short burst of fresh measurements (C(chronyc burst)) and only counts a
    source as reachable when it answered during this check, that is when chronyd's count of valid responses from it
    (C(chronyc ntpdata)) went up. chronyd keeps showing a source that went away as selected for several polls; the
    probe is what tells that apart from a live one, however recently the source went away.
  - Waits up to O(wait_timeout) seconds for the host to become healthy, so a check right after chronyd (re)started
    passes as soon as it is synchronised. It never passes while no source answers.
  - A host that serves its own clock to the fleet (C(local stratum) in chrony.conf) is the fleet's reference and
    healthy by itself; its configured sources that do not answer are reported as warnings.
  - Fails when the host is not healthy, unless O(fail_on_unhealthy=false) (the C(dockfleet.docker.timesync_check)
    playbook uses that to collect every host into one table).
  - Reads only; asking for a burst of measurements changes no configuration and is also done in check mode.
extends_documentation_fragment:
  - dockfleet.docker.attributes
  - dockfleet.docker.attributes.read_only
options:
  max_offset:
    description:
      - Largest allowed difference, in seconds, between the system clock and NTP time as chronyd estimates it.
      - chrony keeps healthy hosts within milliseconds; raise this only for sources across slow or jittery links.
    type: float
    default: 0.1
  wait_timeout:
    description:
      - Seconds to keep looking for a healthy state before reporting the host as out of sync. V(0) looks once;
        when probing, sources still get a few seconds to answer.
    type: int
    default: 60
  probe:
    description:
      - Ask chronyd for fresh measurements and count only sources that answered during this check.
      - Needs root (C(chronyc burst) is a privileged command). Without it, a source counts as reachable when its
        last good sample is younger than four of its poll intervals.
      - On a chrony too old to count responses (before 3.2), a source counts as reachable when its last good sample
        is no older than the probe, to the second chronyc reports.
    type: bool
    default: true
  fail_on_unhealthy:
    description:
      - Fail the task when the host is out of sync. With V(false) the result carries RV(healthy) and RV(problems)
        for the caller to decide.
    type: bool
    default: true
  chronyc_path:
    description:
      - Path of C(chronyc). Found on E(PATH) when not given.
    type: path
notes:
  - Supports check mode. Runs on the managed host; needs chrony (the C(dockfleet.docker.timesync) role
    installs it).
seealso:
  - name: chronyc documentation
    description: The tracking and sources reports this module reads.
    link: https://chrony-project.org/doc/4.3/chronyc.html
"""

EXAMPLES = r"""
- name: Fail unless this host follows a reachable time source within 50 ms
  dockfleet.docker.timesync_check:
    max_offset: 0.05
    wait_timeout: 30
  become: true

- name: Collect the time sync state without failing
  dockfleet.docker.timesync_check:
    fail_on_unhealthy: false
  become: true
  register: timesync

- name: Show the source this host follows
  ansible.builtin.debug:
    msg: "{{ timesync.summary }}"
"""

RETURN = r"""
installed:
  description:
    - Whether C(chronyc) is on the host. When it is not, RV(healthy) is false and RV(problems) says so; a runbook
      that checks clocks only where chrony runs (C(auto)) reads this instead of looking for the binary first.
  returned: always
  type: bool
  sample: true
healthy:
  description: Whether the host follows a source that answers, within O(max_offset).
  returned: always
  type: bool
  sample: true
problems:
  description: Why the host is not healthy, in words. Empty when healthy.
  returned: always
  type: list
  elements: str
  sample: ["no reachable time source: none of its 1 sources answered (172.18.0.5)"]
summary:
  description: One line for tables and logs.
  returned: always
  type: str
  sample: "source 172.18.0.5, stratum 9, offset +0.000015 s (slow), 1/1 sources answering"
selected_source:
  description: Address of the source chronyd follows (C(^*) in C(chronyc sources)), C(local clock) on a host that
    serves its own clock, or null when chronyd follows nothing.
  returned: always
  type: str
  sample: 172.18.0.5
local_reference:
  description: Whether the host serves its own clock (C(local stratum)) as the reference.
  returned: always
  type: bool
reachable_sources:
  description: Addresses of the sources that answered (during the probe, when probing).
  returned: always
  type: list
  elements: str
unreachable_sources:
  description: Addresses of the configured sources that did not answer.
  returned: always
  type: list
  elements: str
stratum:
  description: The host's NTP stratum (0 when not synchronised).
  returned: when chronyd answers
  type: int
  sample: 9
offset:
  description: Seconds between the system clock and NTP time as chronyd estimates it; positive means the clock is slow
    (chronyc's sign).
  returned: when chronyd answers
  type: float
  sample: 0.000015
leap_status:
  description: chronyd's leap status, C(Not synchronised) when it follows nothing.
  returned: when chronyd answers
  type: str
  sample: Normal
sources:
  description: Every source as C(chronyc -c sources) reports it, with C(reach) as a number and C(last_rx) in seconds
    (null when it never answered).
  returned: always
  type: list
  elements: dict
  sample:
    - {mode: server, state: selected, selected: true, address: 172.18.0.5, stratum: 8, poll: 6, reach: 255,
       last_rx: 1, offset: 0.000001, measured_offset: 0.000136, error: 0.000024}
probed:
  description: Whether chronyd took fresh measurements for this check (see O(probe)).
  returned: always
  type: bool
waited:
  description: Seconds the check took.
  returned: always
  type: float
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils.timesync_host import measure


def main():
    module = AnsibleModule(
        argument_spec=dict(
            max_offset=dict(type="float", default=0.1),
            wait_timeout=dict(type="int", default=60),
            probe=dict(type="bool", default=True),
            fail_on_unhealthy=dict(type="bool", default=True),
            chronyc_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    if module.params["max_offset"] <= 0:
        module.fail_json(msg="max_offset must be a positive number of seconds, got %s" % module.params["max_offset"])
    if module.params["wait_timeout"] < 0:
        module.fail_json(msg="wait_timeout must be 0 or more seconds, got %s" % module.params["wait_timeout"])

    result = measure(module, module.params["chronyc_path"] or module.get_bin_path("chronyc"))
    if not result["healthy"] and module.params["fail_on_unhealthy"]:
        module.fail_json(
            msg="Time is not in sync on this host: %s. Look at `chronyc sources` and `chronyc tracking` there; "
            "its time sources must answer on UDP port 123." % "; ".join(result["problems"]),
            changed=False,
            **result,
        )
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
