#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_rollback
short_description: Put back the previous dockerd configuration after dockerd refused a new one, and bring dockerd back
description:
  - The other half of M(dockfleet.docker.daemon_config) with O(dockfleet.docker.daemon_config#module:apply) - when
    dockerd does not take a new configuration (a restart fails, the API does not come back, a reload is refused), the
    P(dockfleet.docker.daemon#role) role calls this module from the C(rescue) of that task with what the failed task
    returned.
  - Reads dockerd's own error from its journal (after O(journal_cursor)), puts back every file of O(restore) from its
    backup (or removes a file the failed run created), and - after a failed restart, or when dockerd no longer answers -
    clears systemd's start limit, restarts dockerd and waits until it answers. After a refused reload dockerd still
    runs the previous settings, so restoring the files is enough.
  - Returns RV(message), the sentence to fail the host with, naming the action that failed, the changed keys, whether
    dockerd is back, and dockerd's own words. It does not fail itself unless it cannot restore a file.
  - Holds the host lock C(/run/dockfleet/dockerd.lock) while it works, like every module that changes dockerd.
version_added: 0.1.0
extends_documentation_fragment:
  - dockfleet.docker.attributes
options:
  restore:
    description:
      - What to put back - RV(dockfleet.docker.daemon_config#module:restore) of the failed task, and any other file the
        run replaced (the role adds the TLS files it changed).
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: The file to put back.
        type: path
        required: true
      backup:
        description: The copy of its previous content. Without one, O(restore[].remove) decides.
        type: path
      remove:
        description: Remove O(restore[].dest) when there is no O(restore[].backup) (the failed run created it).
        type: bool
        default: false
  action:
    description:
      - What failed - C(restart) restarts dockerd on the restored files; C(reload) and C(none) (the task failed before
        dockerd was asked anything, for example a refused input) restart it only when it no longer answers.
    type: str
    choices: [none, reload, restart]
    required: true
  failure:
    description: The failed task's message; with O(action=none) it is RV(message).
    type: str
    default: ""
  changed_keys:
    description: The daemon.json keys the failed change touched, for RV(message).
    type: list
    elements: str
    default: []
  journal_cursor:
    description: Where dockerd's journal stood before the failed change; its errors are read after it.
    type: str
  service:
    description: The systemd unit that runs dockerd.
    type: str
    default: docker.service
  api_timeout:
    description: Seconds to wait for dockerd to answer after the restart.
    type: int
    default: 60
  host_lock_timeout:
    description: Seconds to wait for another run that holds the host lock.
    type: int
    default: 300
attributes:
  check_mode:
    support: none
    details:
      - A rollback only follows a change that was made; in check mode the module refuses to run.
  diff_mode:
    support: none
notes:
  - The daemon role calls it; using it on its own makes sense only with the return values of a failed
    M(dockfleet.docker.daemon_config) task.
seealso:
  - module: dockfleet.docker.daemon_config
"""

EXAMPLES = r"""
- name: Write and apply daemon.json; roll back when dockerd does not take it
  block:
    - name: Restart dockerd with the new configuration
      dockfleet.docker.daemon_config:
        settings: {storage-opts: ["overlay2.override_kernel_check=true"]}
        apply: restart
  rescue:
    - name: Put back the previous configuration
      dockfleet.docker.daemon_rollback:
        restore: "{{ ansible_failed_result.restore | default([]) }}"
        action: "{{ ansible_failed_result.action | default('none') }}"
        failure: "{{ ansible_failed_result.msg | default('') }}"
        changed_keys: "{{ ansible_failed_result.changed_keys | default([]) }}"
        journal_cursor: "{{ ansible_failed_result.journal_cursor | default(omit, true) }}"
      register: rollback

    - name: Fail the host with dockerd's own error
      ansible.builtin.fail:
        msg: "{{ rollback.message }}"
"""

RETURN = r"""
message:
  description: What failed, whether dockerd is up again on the previous configuration, and dockerd's own error.
  returned: always
  type: str
  sample: >-
    dockerd did not accept the new configuration (restart failed; changed keys: storage-opts). Rolled back: dockerd is
    up again with the previous configuration. dockerd said: failed to start daemon: error initializing graphdriver: ...
restored:
  description: The files put back or removed.
  returned: always
  type: list
  elements: str
restarted:
  description: dockerd was restarted on the restored files.
  returned: always
  type: bool
answers:
  description: dockerd answers after the rollback.
  returned: always
  type: bool
dockerd_errors:
  description: dockerd's journal lines about the failure (its last lines when none says error).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_activation as activation
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_engine
from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import ENGINE, host_lock
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import Systemd, SystemdError


def rollback_message(action, changed_keys, answers, errors, service, failure="", restored=()):
    """The sentence the role fails the host with (pure)."""
    if action == "none" and answers:
        put_back = " Put back: %s." % ", ".join(restored) if restored else ""
        return (failure or "The daemon configuration task failed before dockerd was asked anything.") + put_back
    back = (
        "Rolled back: dockerd is up again with the previous configuration."
        if answers
        else "ROLLBACK DID NOT BRING DOCKERD BACK: the previous configuration is restored on disk but dockerd is down; "
        "check journalctl -u %s now." % service
    )
    return "dockerd did not accept the new configuration (%s failed; changed keys: %s). %s dockerd said: %s" % (
        action,
        ", ".join(changed_keys) or "none",
        back,
        " | ".join(errors) or "nothing in its journal",
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            restore=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    dest=dict(type="path", required=True),
                    backup=dict(type="path"),
                    remove=dict(type="bool", default=False),
                ),
            ),
            action=dict(type="str", choices=["none", "reload", "restart"], required=True),
            failure=dict(type="str", default=""),
            changed_keys=dict(type="list", elements="str", default=[], no_log=False),
            journal_cursor=dict(type="str"),
            service=dict(type="str", default="docker.service"),
            api_timeout=dict(type="int", default=60),
            host_lock_timeout=dict(type="int", default=300),
        ),
        supports_check_mode=False,
    )
    params = module.params
    service = params["service"] if params["service"].endswith(".service") else params["service"] + ".service"
    journal = activation.Journal(module, service)
    with host_lock(
        module, ENGINE, timeout=params["host_lock_timeout"], variable="daemon_host_lock_timeout (daemon role)"
    ):
        errors = (
            activation.dockerd_errors(journal.lines_after(params["journal_cursor"]))
            if params["action"] != "none"
            else []
        )
        try:
            restored = activation.restore_files(params["restore"])
        except OSError as exc:
            module.fail_json(
                msg="Rollback could not put back the previous configuration: %s. dockerd said: %s. Restore the files "
                "by hand (backups: %s)."
                % (exc, " | ".join(errors), ", ".join(e["backup"] or e["dest"] for e in params["restore"])),
                dockerd_errors=errors,
            )
        restarted = False
        if params["action"] == "restart" or not daemon_engine.answers():
            restarted = True
            try:
                activation.restart(Systemd(module), service, params["api_timeout"])
            except (activation.ActivationError, SystemdError) as exc:
                errors.append("rollback restart: %s" % exc)
        answers = daemon_engine.answers()
    module.exit_json(
        changed=True,
        restored=restored,
        restarted=restarted,
        answers=answers,
        dockerd_errors=errors,
        message=rollback_message(
            params["action"], params["changed_keys"], answers, errors, service, params["failure"], restored
        ),
    )


if __name__ == "__main__":
    main()
