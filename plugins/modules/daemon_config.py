#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: daemon_config
short_description: Write a validated /etc/docker/daemon.json and say whether dockerd needs a reload or a restart
description:
  - Builds C(daemon.json) from structured settings, validates it, and replaces the live file atomically
    (pretty JSON, sorted keys, mode 0644 root, backup of the previous file).
  - "Before anything is written: unknown keys are rejected with the closest valid key suggested (C(storage-drivr) ->
    C(storage-driver)); value types are checked; keys the installed engine does not know yet (or no longer) are
    rejected; contradictions are rejected: a C(tcp://) host without C(tlsverify) (unless O(allow_insecure_tcp)),
    C(tlsverify) without C(tlscacert), TLS files that do not exist on the host, a TLS key readable by every user, and
    keys also given as flags on the docker unit's command line."
  - "Before anything is written, what dockerd needs from the host: C(log-opts) the C(log-driver) takes (Docker's
    logging driver documentation; a logging plugin's options are not checked), a C(userns-remap) user (and group)
    that exists with /etc/subuid and /etc/subgid ranges (except C(default), which dockerd creates), and every
    C(authorization-plugins) entry installed where Docker finds plugins (a socket in /run/docker/plugins, a spec in
    /etc/docker/plugins or /usr/lib/docker/plugins; managed plugins C(vendor/name:tag) are the engine's to check)."
  - When the installed dockerd supports C(dockerd --validate) (engine 23.0 and later; detected, not assumed), the
    candidate file is validated by dockerd itself before it replaces the live one.
  - When the candidate sets C(hosts) and the docker unit passes C(-H) flags, a systemd drop-in runs the unit's own
    command (read from the unit, never assumed) without them; it is removed again when C(hosts) is no longer set.
  - It returns RV(restart_required) and RV(reload_required); with O(apply) it also makes dockerd take the change
    (a SIGHUP reload or a restart), waits until dockerd answers, and when dockerd does not take it fails with what
    M(dockfleet.docker.daemon_rollback) needs to put the previous files back (RV(restore), RV(journal_cursor)).
  - With O(engine) it reads the running dockerd on its local socket (no Docker SDK needed) and refuses a change that
    is unsafe for it - a storage driver or userns-remap change that would hide the host's images and containers
    (unless O(force_storage_change) / O(force_userns_change)), live-restore on a swarm node - and returns what
    M(dockfleet.docker.engine_info) returns (RV(answers) and C(engine), C(swarm), C(nodes)).
  - RV(differs) lists everything that is not as asked - daemon.json, the drop-in, file permissions, the userns-remap
    prerequisites (the C(dockremap) user and its id ranges, for C(default)) and the TLS files (O(tls)) - so a caller
    reads one result and changes only what differs.
  - Holds the host lock C(/run/dockfleet/dockerd.lock) (shared with M(dockfleet.docker.engine_package)) from the read
    to the last change, so two runs against one host do not both change it. Check mode reads without the lock.
version_added: 0.1.0
extends_documentation_fragment:
  - dockfleet.docker.attributes
options:
  settings:
    description:
      - daemon.json keys and values, named exactly as in daemon.json (C(storage-driver), C(log-opts), ...).
      - With O(mode=merge), a key whose value is C(null) is removed from the file.
    type: dict
    required: true
  mode:
    description:
      - C(merge) keeps keys of the current file that O(settings) does not mention; C(replace) writes O(settings) only.
    type: str
    choices: [merge, replace]
    default: merge
  path:
    description: The daemon configuration file.
    type: path
    default: /etc/docker/daemon.json
  backup:
    description: Keep a timestamped copy of the previous file next to it (returned as RV(backup_file)).
    type: bool
    default: true
  backups_to_keep:
    description:
      - How many timestamped copies (C(daemon.json.PID.DATE@TIME~)) of O(path), and of the host-flags drop-in, to keep.
        Older ones are removed when this run writes a new copy, so they do not pile up in /etc/docker.
      - At least 1 - the newest copy is what a rollback restores.
    type: int
    default: 3
  allow_insecure_tcp:
    description:
      - Accept C(tcp://) hosts without C(tlsverify). That is unauthenticated root access for anyone who reaches the
        port; only for isolated lab networks.
    type: bool
    default: false
  dockerd_validation:
    description:
      - C(auto) runs C(dockerd --validate --config-file CANDIDATE) when the installed dockerd has it.
      - C(required) fails when it does not. C(never) relies on the built-in checks only.
    type: str
    choices: [auto, required, never]
    default: auto
  check_tls_files:
    description:
      - Check that the TLS files the settings name exist on the host and that the key is not readable by every user.
      - Only turn off for a preview (check mode) made before the files are issued.
    type: bool
    default: true
  service:
    description: The systemd unit that runs dockerd; its command line is checked for flags that clash with the file.
    type: str
    default: docker.service
  local_host:
    description:
      - When O(settings) sets C(hosts), the local socket dockerd also listens on, put first. C(auto) is C(fd://) when
        the service's socket unit is loaded (systemd passes the socket), else C(unix:///var/run/docker.sock).
    type: str
  engine:
    description:
      - C(required) reads the running dockerd and fails when it does not answer; C(optional) returns RV(answers=false)
        and plans nothing when it does not (a plan made before the engine is installed); C(ignore) does not read it.
    type: str
    choices: [ignore, optional, required]
    default: ignore
  force_storage_change:
    description: Change C(storage-driver) although the running dockerd holds images or containers (they vanish from view).
    type: bool
    default: false
  force_userns_change:
    description: Change C(userns-remap) although the running dockerd holds images or containers (they vanish from view).
    type: bool
    default: false
  tls:
    description:
      - What the TLS files O(settings) names must match, to report in RV(tls_problems) whether they must be issued
        again. Without it (or without C(tlsverify)) the files are not compared.
    type: dict
    suboptions:
      inventory_name:
        description: The host's inventory name, one of the names the server certificate must hold.
        type: str
        required: true
      ca_cert:
        description: The CA certificate (PEM text) C(tlscacert) must hold and the server certificate must be signed by.
        type: str
        default: ""
      extra_names:
        description: More names the server certificate must hold (C(DNS:name), C(IP:address)).
        type: list
        elements: str
        default: []
      controller_ready:
        description: Whether the controller side (CA key, operators' client certificate) is complete.
        type: bool
        default: true
  apply:
    description:
      - C(none) only writes. C(reload) writes and sends dockerd a SIGHUP when the change is reloadable (fails, writing
        nothing, when it needs a restart); C(restart) writes and restarts dockerd whether or not the file changed (for
        example after its TLS files changed). After either, waits until dockerd answers (and, after a reload, until its
        journal says it took the configuration).
    type: str
    choices: [none, reload, restart]
    default: none
  api_timeout:
    description: Seconds to wait for dockerd to answer after a restart.
    type: int
    default: 60
  host_lock_timeout:
    description: Seconds to wait for another run that holds the host lock; on timeout the module fails naming it.
    type: int
    default: 300
  file_permissions:
    description:
      - Make Docker's files root-owned and no looser than the CIS Docker Benchmark v1.6.0 asks - the unit files of
        O(service) and its socket unit 0644 (3.1-3.4), /etc/docker 0755 (3.5, 3.6), the files under
        /etc/docker/certs.d 0444 (3.7, 3.8), O(path) 0644 (3.17, 3.18), /etc/default/docker and
        /etc/sysconfig/docker 0644 (3.19-3.22). A stricter mode is kept; missing files and symbolic links are left
        alone. What changes is returned in RV(permission_changes).
    type: bool
    default: false
  manage_host_flags:
    description:
      - Write (or remove) the drop-in C(/etc/systemd/system/SERVICE.d/dockfleet-hosts.conf) that drops the unit's
        C(-H) flags when O(settings) sets C(hosts). Without it dockerd refuses to start (moby/moby#25471).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details:
      - Validates everything (including C(dockerd --validate)) and reports the change without writing.
  diff_mode:
    support: full
    details:
      - Shows the old and new daemon.json text (and the drop-in when it changes).
notes:
  - Removing a key, or changing any key outside the SIGHUP-reloadable set, returns RV(restart_required=true);
    on reload dockerd keeps the previous value of a key that is no longer in the file.
"""

EXAMPLES = r"""
- name: Write the daemon configuration
  dockfleet.docker.daemon_config:
    settings:
      storage-driver: overlay2
      live-restore: true
      log-driver: json-file
      log-opts: {max-size: 10m, max-file: "3"}
  register: daemon_json

- name: Reload dockerd when a SIGHUP is enough
  ansible.builtin.systemd_service:
    name: docker
    state: reloaded
  when: daemon_json.reload_required

- name: Remove the debug key, keep everything else in the file
  dockfleet.docker.daemon_config:
    settings:
      debug: null
"""

RETURN = r"""
config:
  description: The daemon.json content after the run (what would be written in check mode).
  returned: always
  type: dict
previous_config:
  description: The daemon.json content before the run (C(null) when the file did not exist or was not valid JSON).
  returned: always
  type: dict
changed_keys:
  description: Keys whose value differs between the previous and the new file.
  returned: always
  type: list
  elements: str
restart_keys:
  description: The changed keys that dockerd only applies on a restart.
  returned: always
  type: list
  elements: str
restart_required:
  description: dockerd must be restarted to apply the change (also when the host-flags drop-in changed).
  returned: always
  type: bool
reload_required:
  description: A SIGHUP (C(systemctl reload docker)) applies the change; no restart needed.
  returned: always
  type: bool
backup_file:
  description: Copy of the previous file; C(null) when nothing was written or there was no previous file.
  returned: always
  type: str
previous_exists:
  description: Whether the file existed before this run (a rollback removes it when it did not).
  returned: always
  type: bool
path:
  description: The daemon configuration file.
  returned: always
  type: str
file_changed:
  description: daemon.json was (or in check mode would be) rewritten.
  returned: always
  type: bool
dropin_path:
  description: The host-flags drop-in this module manages.
  returned: always
  type: str
dropin_changed:
  description: The drop-in was written or removed.
  returned: always
  type: bool
removed_backups:
  description: Older backup copies this run removed to keep O(backups_to_keep).
  returned: always
  type: list
  elements: str
dropin_backup:
  description: Copy of the previous drop-in, when one was replaced or removed.
  returned: always
  type: str
dropin_previous_exists:
  description: Whether the drop-in existed before this run.
  returned: always
  type: bool
engine_version:
  description: The installed dockerd version, as C(dockerd --version) reports it (null when dockerd is not found).
  returned: always
  type: str
validated_by_dockerd:
  description: The candidate file passed C(dockerd --validate).
  returned: always
  type: bool
differs:
  description: What is not as asked, among C(daemon.json), C(drop-in), C(file permissions), C(userns prerequisites) and
    C(TLS files); empty on a converged host.
  returned: always
  type: list
  elements: str
userns_ready:
  description: Whether the host has what C(userns-remap) needs (for C(default), the C(dockremap) user and its ranges).
  returned: always
  type: bool
tls_problems:
  description: What differs in the TLS files from O(tls) (missing files, modes, another CA, missing names, expiry).
  returned: always
  type: list
  elements: str
action:
  description: What O(apply) did (in check mode, would do) - V(none), V(reload) or V(restart).
  returned: always
  type: str
restore:
  description: What a rollback puts back - C(dest), C(backup) (or null) and C(remove) for daemon.json and the drop-in
    when they changed. Also returned when O(apply) fails.
  returned: always
  type: list
  elements: dict
journal_cursor:
  description: Where dockerd's journal stood before O(apply) acted (null without one).
  returned: always
  type: str
answers:
  description: With O(engine), whether dockerd answered; the other keys M(dockfleet.docker.engine_info) returns
    (C(engine), C(swarm), C(nodes), C(managers), C(raft_members), C(server_errors), C(cluster_error)) come with it.
  returned: when O(engine) is not C(ignore)
  type: bool
permission_changes:
  description:
    - With O(file_permissions), the files whose owner or mode was (in check mode, would be) changed, with the CIS
      control, the mode and the owner (C(uid:gid)) before and after.
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/docker/certs.d/registry:5000/ca.crt, control: 3.7/3.8, mode_before: "0644", mode_after: "0444",
            owner_before: "0:0", owner_after: "0:0"}]
dockerd_validation_skipped:
  description:
    - Why C(dockerd --validate) was not run although dockerd has it (with O(check_tls_files=false), the TLS files it
      would load are not there yet), or C(null).
  returned: always
  type: str
"""

import contextlib
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import (
    daemon_activation as activation,
)
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_engine, daemon_files, daemon_tls, versions
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema as schema
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_service as unit
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import (
    Host,
    check_unit,
    file_stat,
    read_text,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_prerequisites import (
    prerequisite_errors,
    userns_ready,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_writes import (
    apply_dropin,
    apply_permissions,
    permission_entries,
    prune_backups,
    validate_with_dockerd,
    write_atomic,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import EngineError
from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import DEFAULT_TIMEOUT as DEFAULT_LOCK_TIMEOUT
from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import ENGINE, host_lock
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import Systemd, SystemdError


def tls_state(module, host, config, tls):
    """What differs in the TLS files from what the daemon role would issue (empty: nothing)."""
    if not tls or not config.get("tlsverify"):
        return []
    files = {}
    for kind, key in (("ca", "tlscacert"), ("cert", "tlscert"), ("key", "tlskey")):
        name = config.get(key) or ""
        st = file_stat(name) if name else None
        try:
            with open(name, "rb") as handle:
                files[kind] = (handle.read(), st)
        except OSError:
            files[kind] = (None, st)
    ip = module.get_bin_path("ip")
    _rc, out, _err = host.run([ip, "-4", "-o", "addr", "show"]) if ip else (1, "", "")
    names = daemon_tls.wanted_names(tls["inventory_name"], daemon_tls.host_addresses(out), tls.get("extra_names") or [])
    problems = daemon_tls.tls_problems(files, tls.get("ca_cert") or "", names)
    if not tls.get("controller_ready", True):
        problems.append("the CA or the operators' client certificate is missing on the controller")
    return problems


def planned_action(module, result):
    """What ``apply`` will do: none, reload or restart. Fails, before anything is written, when a reload was asked
    for a change that needs a restart (the host changed since the plan)."""
    wanted = module.params["apply"]
    if wanted == "restart":
        return "restart"
    if wanted == "none":
        return "none"
    if result["restart_required"] and (result["file_changed"] or result["dropin_changed"]):
        module.fail_json(
            msg="daemon.json not changed: this change needs a restart of dockerd (keys %s), but apply=reload. Plan "
            "again (the host changed since the plan) or use apply=restart." % ", ".join(result["restart_keys"]),
            **result,
        )
    return "reload" if result["reload_required"] and result["file_changed"] else "none"


def activate(module, service, result):
    """Reload or restart dockerd as planned; fail the module with what a rollback needs when it does not take it."""
    restore = []
    if result["file_changed"]:
        restore.append(dict(dest=result["path"], backup=result["backup_file"], remove=not result["previous_exists"]))
    if result["dropin_changed"]:
        restore.append(
            dict(
                dest=result["dropin_path"], backup=result["dropin_backup"], remove=not result["dropin_previous_exists"]
            )
        )
    result["restore"] = restore
    action = result["action"]
    if action == "none" or module.check_mode:
        return False
    systemd = Systemd(module)
    journal = activation.Journal(module, service)
    result["journal_cursor"] = journal.cursor()
    try:
        if action == "reload":
            activation.reload(systemd, journal, service, result["journal_cursor"])
        else:
            activation.restart(systemd, service, module.params["api_timeout"])
    except (activation.ActivationError, SystemdError) as exc:
        result["dockerd_errors"] = activation.dockerd_errors(journal.lines_after(result["journal_cursor"]))
        module.fail_json(
            msg="dockerd did not take the new configuration (%s): %s. dockerd said: %s"
            % (action, exc, " | ".join(result["dockerd_errors"])),
            **result,
        )
    return True


def write(module, host, result, current_text, text, dropin_wanted, dropin_current):
    """Write daemon.json, the drop-in and the owner/mode fixes; fills the backups into ``result``."""
    params = module.params
    path, dropin_path = result["path"], result["dropin_path"]
    if result["file_changed"]:
        if params["backup"] and current_text is not None:
            result["backup_file"] = module.backup_local(path)
        write_atomic(module, path, text)
    elif current_text is not None:
        result["changed"] = module.set_mode_if_different(path, "0644", result["changed"])
        result["changed"] = module.set_owner_if_different(path, "root", result["changed"])
    if result["dropin_changed"]:
        result["dropin_backup"] = apply_dropin(module, host, dropin_path, dropin_wanted, dropin_current)
    apply_permissions(result["permission_changes"])
    if result["backup_file"]:
        result["removed_backups"] += prune_backups(path, params["backups_to_keep"])
    if result["dropin_backup"]:
        result["removed_backups"] += prune_backups(dropin_path, params["backups_to_keep"])


def run(module, host, service, dropin_path):
    """Read, compare, validate, and (unless in check mode) write and apply. Returns the result."""
    params = module.params
    path = params["path"]
    settings = dict(params["settings"])
    engine = {}
    if params["engine"] != "ignore":
        try:
            engine = daemon_engine.read_local_engine()
        except EngineError as exc:
            module.fail_json(msg=str(exc))
        if not engine["answers"] and params["engine"] == "optional":
            # Planning on a host whose engine does not run yet: nothing to restart there.
            module.exit_json(changed=False, differs=[], restart_required=False, reload_required=False, **engine)
        if not engine["answers"]:
            module.fail_json(
                msg="dockerd does not answer on %s (%s). Install and start it first (dockfleet.docker.engine role), "
                "then run this role." % (daemon_engine.LOCAL_SOCKET, "; ".join(engine["server_errors"])),
                **engine,
            )
    if settings.get("hosts") and params["local_host"]:
        local = activation.local_host(host, service, params["local_host"])
        settings["hosts"] = [local] + [h for h in settings["hosts"] if h != local]

    # 1. Current state.
    current_text = read_text(path)
    try:
        current = schema.parse(current_text or "", path)
    except ValueError as exc:
        if params["mode"] != "replace":
            module.fail_json(msg=str(exc))
        current = None
    desired = schema.candidate(current, settings, params["mode"])

    # 2. Validate before anything is written.
    unit_errors, dropin_wanted, dockerd = check_unit(host, service, params["manage_host_flags"], desired, dropin_path)
    engine_text, can_validate = host.engine(dockerd)
    errors = schema.validate(
        desired,
        versions.release(engine_text)[:2] or None,
        params["allow_insecure_tcp"],
        file_stat if params["check_tls_files"] else None,
    )
    errors += unit_errors
    errors += prerequisite_errors(desired, host)
    if engine:
        errors += daemon_engine.engine_refusals(
            desired, current, engine, params["force_storage_change"], params["force_userns_change"]
        )
    if errors:
        module.fail_json(msg="daemon.json not changed: " + " ".join(errors), errors=errors)

    # 3. Difference.
    text = schema.render(desired)
    costs = schema.classify(current if current is not None else {"<unparseable file>": True}, desired)
    file_changed = text != current_text
    dropin_current = read_text(dropin_path)
    dropin_changed = dropin_wanted != dropin_current
    result = dict(
        changed=file_changed or dropin_changed,
        path=path,
        file_changed=file_changed,
        config=desired,
        previous_config=current,
        backup_file=None,
        previous_exists=current_text is not None,
        dropin_path=dropin_path,
        dropin_changed=dropin_changed,
        dropin_backup=None,
        removed_backups=[],
        dropin_previous_exists=dropin_current is not None,
        engine_version=engine_text,
        validated_by_dockerd=False,
        dockerd_validation_skipped=None,
        permission_changes=[],
        userns_ready=userns_ready(host, desired),
        tls_problems=tls_state(module, host, desired, params["tls"]),
        action="none",
        restore=[],
        journal_cursor=None,
        **costs,
    )
    result.update(engine)
    if dropin_changed:
        result.update(restart_required=True, reload_required=False)
    diffs = [dict(before_header=path, after_header=path, before=current_text or "", after=text)]
    if dropin_changed:
        diffs.append(
            dict(
                before_header=dropin_path,
                after_header=dropin_path,
                before=dropin_current or "",
                after=dropin_wanted or "",
            )
        )
    if params["file_permissions"]:
        result["permission_changes"] = [
            change
            for change in daemon_files.permission_changes(permission_entries(host, service, path))
            # daemon.json is written 0644 root:root below whenever it changes.
            if not (file_changed and change["path"] == path)
        ]
        if result["permission_changes"]:
            result["changed"] = True
            diffs.append(
                dict(
                    before_header="owner and mode of Docker's files (CIS section 3)",
                    after_header="owner and mode of Docker's files (CIS section 3)",
                    before="".join(
                        "%(path)s %(owner_before)s %(mode_before)s\n" % c for c in result["permission_changes"]
                    ),
                    after="".join(
                        "%(path)s %(owner_after)s %(mode_after)s\n" % c for c in result["permission_changes"]
                    ),
                )
            )
    result["diff"] = diffs
    result["differs"] = [
        what
        for what, differs in (
            ("daemon.json", file_changed),
            ("drop-in", dropin_changed),
            ("file permissions", bool(result["permission_changes"])),
            ("userns prerequisites", not result["userns_ready"]),
            ("TLS files", bool(result["tls_problems"])),
        )
        if differs
    ]

    # dockerd --validate loads the TLS key pair: a preview made before the files are issued cannot use it.
    missing_tls = [
        desired[k] for k in schema.TLS_FILE_KEYS if isinstance(desired.get(k), str) and not file_stat(desired[k])
    ]
    if missing_tls and not params["check_tls_files"]:
        result["dockerd_validation_skipped"] = "%s not there yet" % ", ".join(missing_tls)
    elif file_changed and dockerd and can_validate and params["dockerd_validation"] != "never":
        validate_with_dockerd(module, host, dockerd, text, os.path.dirname(path))
        result["validated_by_dockerd"] = True
    elif file_changed and params["dockerd_validation"] == "required":
        module.fail_json(
            msg="daemon.json not changed: dockerd_validation=required but %s cannot validate a "
            "configuration file (engine %s; dockerd --validate needs 23.0 or later)."
            % (dockerd or "dockerd (not found)", engine_text or "unknown")
        )

    # 4. Write and apply.
    result["action"] = planned_action(module, result)
    if not module.check_mode:
        write(module, host, result, current_text, text, dropin_wanted, dropin_current)
    if activate(module, service, result):
        result["changed"] = True
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type="dict", required=True),
            mode=dict(type="str", choices=["merge", "replace"], default="merge"),
            path=dict(type="path", default="/etc/docker/daemon.json"),
            backup=dict(type="bool", default=True),
            backups_to_keep=dict(type="int", default=3),
            allow_insecure_tcp=dict(type="bool", default=False),
            dockerd_validation=dict(type="str", choices=["auto", "required", "never"], default="auto"),
            service=dict(type="str", default="docker.service"),
            manage_host_flags=dict(type="bool", default=True),
            file_permissions=dict(type="bool", default=False),
            check_tls_files=dict(type="bool", default=True),
            local_host=dict(type="str"),
            engine=dict(type="str", choices=["ignore", "optional", "required"], default="ignore"),
            force_storage_change=dict(type="bool", default=False),
            force_userns_change=dict(type="bool", default=False),
            tls=dict(
                type="dict",
                options=dict(
                    inventory_name=dict(type="str", required=True),
                    ca_cert=dict(type="str", default=""),
                    extra_names=dict(type="list", elements="str", default=[]),
                    controller_ready=dict(type="bool", default=True),
                ),
            ),
            apply=dict(type="str", choices=["none", "reload", "restart"], default="none"),
            api_timeout=dict(type="int", default=60),
            host_lock_timeout=dict(type="int", default=DEFAULT_LOCK_TIMEOUT),
        ),
        supports_check_mode=True,
    )
    params = module.params
    service = params["service"] if params["service"].endswith(".service") else params["service"] + ".service"
    dropin_path = os.path.join("/etc/systemd/system", service + ".d", unit.DROPIN_NAME)
    host = Host(module)
    if params["backups_to_keep"] < 1:
        module.fail_json(
            msg="backups_to_keep must be at least 1 (daemon role: daemon_backups_to_keep), got %d: the newest copy is "
            "what a rollback restores." % params["backups_to_keep"]
        )
    # The read, the comparison and every change under the host lock: a second run waits, then finds nothing to do.
    writes = not module.check_mode
    lock = (
        host_lock(
            module,
            ENGINE,
            timeout=params["host_lock_timeout"],
            variable="daemon_host_lock_timeout (daemon role) / host_lock_timeout",
        )
        if writes
        else contextlib.nullcontext()
    )
    with lock:
        result = run(module, host, service, dropin_path)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
