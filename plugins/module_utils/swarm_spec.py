# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Swarm and swarm-node specs: what the engine has, what the user asked for, what must change.

Pure: works on the engine's own JSON (``GET /info``, ``GET /swarm``, ``GET /nodes``) and never
talks to it. Used by the modules ``swarm`` (cluster settings, membership) and ``swarm_node``
(labels, availability, role, removal of nodes), which only apply what these functions plan.
"""

from __future__ import annotations

import copy
import hashlib
import re

from ansible_collections.dockfleet.docker.plugins.module_utils.durations import (
    DurationError,
    format_duration,
    parse_duration,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.quorum import (
    QuorumCheck,
    even_manager_warning,
    raft_members,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import LabelError, has_changes, plan_labels

SWARM_PORT = 2377

# Swarm settings that can change on a running swarm: option -> (path in the swarm spec, kind).
SWARM_SETTINGS = {
    "autolock_managers": (("EncryptionConfig", "AutoLockManagers"), "bool"),
    "node_cert_expiry": (("CAConfig", "NodeCertExpiry"), "duration"),
    "task_history_retention_limit": (("Orchestration", "TaskHistoryRetentionLimit"), "int"),
    "dispatcher_heartbeat_period": (("Dispatcher", "HeartbeatPeriod"), "duration"),
    "snapshot_interval": (("Raft", "SnapshotInterval"), "int"),
    "keep_old_snapshots": (("Raft", "KeepOldSnapshots"), "int"),
}


# The module options of SWARM_SETTINGS and of the creation-only settings, as AnsibleModule takes them: the swarm module
# sets them, swarm_info compares them.
SETTINGS_ARGUMENT_SPEC = dict(
    autolock_managers=dict(type="bool"),
    node_cert_expiry=dict(type="raw"),
    task_history_retention_limit=dict(type="int"),
    dispatcher_heartbeat_period=dict(type="raw"),
    snapshot_interval=dict(type="int"),
    keep_old_snapshots=dict(type="int"),
    data_path_port=dict(type="int"),
    default_addr_pool=dict(type="list", elements="str"),
    subnet_size=dict(type="int"),
)


class SpecError(ValueError):
    """An input the engine could not take; the message names the option and the fix."""


# ---------------------------------------------------------------- swarm settings


def _get_path(spec, path):
    value = spec
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def desired_setting_values(settings):
    """Engine values for the settings the user set (``None`` means: leave as the swarm has it)."""
    values = {}
    for option, (_path, kind) in SWARM_SETTINGS.items():
        value = settings.get(option)
        if value is None:
            continue
        if kind == "duration":
            try:
                value = parse_duration(value, option)
            except DurationError as exc:
                raise SpecError(str(exc)) from exc
        elif kind == "int":
            value = int(value)
            if value < 0:
                raise SpecError("%s: %d is negative; give a whole number, 0 or more." % (option, value))
        else:
            value = bool(value)
        values[option] = value
    return values


def plan_swarm_spec(current_spec, settings):
    """Return ``(new_spec, changes)``: the full spec to send and ``{option: [old, new]}``.

    ``new_spec`` is ``current_spec`` with only the options the user set replaced, because the
    engine replaces the whole spec on update and unset options would fall back to defaults.
    """
    new_spec = copy.deepcopy(current_spec or {})
    changes = {}
    for option, value in desired_setting_values(settings).items():
        path, kind = SWARM_SETTINGS[option]
        old = _get_path(new_spec, path)
        if kind == "bool":
            old = bool(old)
        if old != value:
            node = new_spec
            for key in path[:-1]:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            node[path[-1]] = value
            changes[option] = [_show(kind, old), _show(kind, value)]
    return new_spec, changes


# Options that are durations: strings with units, refused as bare numbers (see the swarm module's documentation).
DURATION_OPTIONS = ("node_cert_expiry", "dispatcher_heartbeat_period")


def read_settings(params):
    """Module options as settings for ``plan_swarm_spec``, durations as exact nanosecond strings.

    Raises DurationError or SpecError with a message that names the option.
    """
    settings = dict(params)
    for option in DURATION_OPTIONS:
        nanoseconds = parse_duration(params.get(option), option)
        settings[option] = None if nanoseconds is None else "%dns" % nanoseconds
    plan_swarm_spec({}, settings)  # every setting readable before anything is touched
    return settings


def _show(kind, value):
    return format_duration(value) if kind == "duration" else value


def init_spec(settings):
    """The spec for a new swarm: only the settings the user set (the engine fills the rest)."""
    spec, _changes = plan_swarm_spec({}, settings)
    return spec


def init_only_mismatches(swarm_info, settings):
    """Warnings for init-only settings that differ from the running swarm (they cannot change)."""
    warnings = []
    cluster = swarm_info.get("Cluster") or {}
    wanted_pool = settings.get("default_addr_pool")
    if (
        wanted_pool
        and cluster.get("DefaultAddrPool") is not None
        and list(wanted_pool) != list(cluster["DefaultAddrPool"])
    ):
        warnings.append(
            "default_addr_pool %s differs from the swarm's %s; it can only be set when the swarm is created, so the "
            "swarm keeps %s." % (list(wanted_pool), cluster["DefaultAddrPool"], cluster["DefaultAddrPool"])
        )
    wanted_size = settings.get("subnet_size")
    if wanted_size and cluster.get("SubnetSize") and wanted_size != cluster["SubnetSize"]:
        warnings.append(
            "subnet_size %s differs from the swarm's %s; it can only be set when the swarm is created."
            % (wanted_size, cluster["SubnetSize"])
        )
    wanted_port = settings.get("data_path_port")
    if wanted_port and cluster.get("DataPathPort") and wanted_port != cluster["DataPathPort"]:
        warnings.append(
            "data_path_port %s differs from the swarm's %s; it can only be set when the swarm is created."
            % (wanted_port, cluster["DataPathPort"])
        )
    wanted_addr = settings.get("advertise_addr")
    node_addr = swarm_info.get("NodeAddr")
    if wanted_addr and node_addr and host_of(wanted_addr) != node_addr and is_ip(host_of(wanted_addr)):
        warnings.append(
            "advertise_addr %s differs from the address this node advertises (%s); a node keeps the address it "
            "joined with. Leave and re-join the node to change it." % (wanted_addr, node_addr)
        )
    return warnings


# ---------------------------------------------------------------- addresses and membership


def host_of(addr):
    """The host part of ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    addr = str(addr).strip()
    if addr.startswith("["):
        return addr[1:].split("]", 1)[0]
    if addr.count(":") == 1:
        return addr.split(":", 1)[0]
    return addr


def port_of(addr, default=SWARM_PORT):
    addr = str(addr).strip()
    if addr.startswith("[") and "]:" in addr:
        return int(addr.rsplit(":", 1)[1])
    if addr.count(":") == 1:
        return int(addr.split(":", 1)[1])
    return default


def is_ip(text):
    return bool(re.match(r"^\d{1,3}(\.\d{1,3}){3}$", text)) or ":" in text


def join_addr(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def normalize_addr(addr, default_port=SWARM_PORT):
    """``host:port`` with the swarm port added when missing (IPv6 hosts in brackets)."""
    return join_addr(host_of(addr), port_of(addr, default_port))


def token_digest(token):
    """The root CA digest (hex sha256) a ``SWMTKN-1-...`` join token carries, or None."""
    match = re.match(r"^SWMTKN-1-([0-9a-z]+)-[0-9a-z]+$", str(token or ""))
    if not match:
        return None
    return "%064x" % int(match.group(1), 36)


def trust_root_digest(pem):
    """The sha256 hex digest swarm tokens carry for a root CA certificate in PEM form."""
    if not pem:
        return None
    return hashlib.sha256(pem.encode("utf-8") if not isinstance(pem, bytes) else pem).hexdigest()


def same_swarm(swarm_info, remote_addrs, join_token=None, local_trust_root=None):
    """Whether a node that is already in a swarm is in the swarm ``remote_addrs``/``join_token`` name.

    The join token carries the digest of its swarm's root CA. A manager reports its root CA; any node
    keeps it on disk (``local_trust_root``, read by the caller). Either one decides exactly. Without
    them, the node is in the same swarm when one of its managers is one of ``remote_addrs``.
    """
    trust_root = ((swarm_info.get("Cluster") or {}).get("TLSInfo") or {}).get("TrustRoot") or local_trust_root
    wanted = token_digest(join_token)
    if trust_root and wanted:
        return trust_root_digest(trust_root) == wanted
    known = set(normalize_addr(m.get("Addr", "")) for m in swarm_info.get("RemoteManagers") or [] if m.get("Addr"))
    return bool(known & set(normalize_addr(a) for a in remote_addrs or []))


# ---------------------------------------------------------------- nodes


def node_summary(node):
    """What ``swarm_node`` reports about a node (never the engine's whole object)."""
    spec = node.get("Spec") or {}
    return {
        "id": node.get("ID"),
        "hostname": (node.get("Description") or {}).get("Hostname"),
        "role": spec.get("Role"),
        "availability": spec.get("Availability"),
        "labels": dict(spec.get("Labels") or {}),
        "state": (node.get("Status") or {}).get("State"),
        "addr": (node.get("Status") or {}).get("Addr"),
        "manager_reachability": (node.get("ManagerStatus") or {}).get("Reachability"),
        "leader": bool((node.get("ManagerStatus") or {}).get("Leader")),
    }


def find_node(nodes, name):
    """Return ``(node, error)`` for ``name``: a node ID, a unique ID prefix or a hostname.

    A reinstalled host leaves a Down node with its old hostname behind; when a hostname matches
    several nodes, the one that is Ready wins. Anything still ambiguous is an error, not a guess.
    """
    name = str(name)
    for node in nodes:
        if node.get("ID") == name:
            return node, None
    by_name = [
        n
        for n in nodes
        if (n.get("Description") or {}).get("Hostname") == name or (n.get("Spec") or {}).get("Name") == name
    ]
    if len(by_name) > 1:
        ready = [n for n in by_name if (n.get("Status") or {}).get("State") == "ready"]
        if len(ready) == 1:
            return ready[0], None
        return None, "node name '%s' matches %d nodes (%s); name it by node ID instead" % (
            name,
            len(by_name),
            ", ".join("%s %s" % (n["ID"][:12], (n.get("Status") or {}).get("State")) for n in by_name),
        )
    if by_name:
        return by_name[0], None
    by_prefix = [n for n in nodes if len(name) >= 6 and n.get("ID", "").startswith(name)]
    if len(by_prefix) == 1:
        return by_prefix[0], None
    return None, "no node '%s' in this swarm; its nodes are: %s" % (
        name,
        ", ".join(sorted("%s (%s)" % ((n.get("Description") or {}).get("Hostname"), n["ID"][:12]) for n in nodes)),
    )


def _visible(spec):
    return {
        "role": spec.get("Role"),
        "availability": spec.get("Availability"),
        "labels": dict(spec.get("Labels") or {}),
    }


# Order changes are applied (and quorum-checked) in: add managers before taking any away.
_ORDER = {"promote": 0, "update": 1, "demote": 2, "remove": 3}


def plan_nodes(nodes, requests, prune_down_nodes=False, allow_unsafe_change=False, self_id=None, members=None):
    """Plan every change a ``swarm_node`` call asks for, quorum-checked as one sequence.

    ``requests``: dicts with ``node`` and optional ``labels``, ``labels_mode``, ``labels_to_remove``,
    ``availability``, ``role``, ``state`` (present/absent), ``force``.
    ``members``: the raft view (``quorum.raft_members``), by default read from the nodes' ``ManagerStatus``.
    A manager that is not a raft member (an old manager after a forced new cluster) is removed without
    the demotion first, which the engine refuses for a node it has no raft member for.
    Returns ``{"actions": [...], "errors": [...], "warnings": [...]}``. Each action is
    ``{"id", "hostname", "kind", "version", "spec", "demote_first", "before", "after", "force"}``.
    Nothing must be applied when ``errors`` is not empty.
    """
    actions, errors, warnings = [], [], []
    if members is None:
        members = raft_members(nodes)
    resolved = {}
    for request in requests:
        node, error = find_node(nodes, request["node"])
        if request.get("state", "present") == "absent" and node is None and error and error.startswith("no node"):
            continue  # already gone
        if error:
            errors.append(error)
            continue
        if node["ID"] in resolved:
            errors.append(
                "node '%s' is listed twice (as '%s' and '%s'); list each node once"
                % (node["ID"][:12], resolved[node["ID"]], request["node"])
            )
            continue
        resolved[node["ID"]] = request["node"]
        action, error = _plan_one(node, request, node["ID"] in members)
        if error:
            errors.append(error)
        elif action:
            actions.append(action)
    if prune_down_nodes:
        for node in nodes:
            if node["ID"] in resolved or (node.get("Status") or {}).get("State") != "down":
                continue
            actions.append(_removal(node, False, node["ID"] in members))
    actions.sort(key=lambda a: (_ORDER[a["kind"]], a["id"] == self_id))
    check = QuorumCheck(nodes, members)
    for action in actions:
        after = action["after"] or {}
        message = check.check(
            action["id"],
            role=after.get("role") if action["kind"] in ("promote", "demote") else None,
            availability=after.get("availability"),
            remove=action["kind"] == "remove",
        )
        if message:
            if allow_unsafe_change:
                # every QuorumCheck message starts "Refusing to <verb> manager ..."
                warnings.append(message.replace("Refusing to ", "allow_unsafe_change is set, so this run will ", 1))
            else:
                errors.append(message)
    warning = even_manager_warning(check.counts().total)
    if warning:
        warnings.append(warning)
    return {"actions": actions, "errors": errors, "warnings": warnings}


def _plan_one(node, request, raft_member):
    spec = node.get("Spec") or {}
    hostname = (node.get("Description") or {}).get("Hostname")
    if request.get("state", "present") == "absent":
        state = (node.get("Status") or {}).get("State")
        if state != "down" and not request.get("force"):
            return None, (
                "node '%s' (%s) is %s; removing a node that still runs needs force=true, or make it leave the swarm "
                "first (dockfleet.docker.swarm with state=absent on that host)" % (hostname, node["ID"][:12], state)
            )
        return _removal(node, bool(request.get("force")), raft_member), None
    new_spec = copy.deepcopy(spec)
    try:
        labels, label_changes = plan_labels(
            spec.get("Labels") or {},
            request.get("labels"),
            request.get("labels_mode") or "merge",
            request.get("labels_to_remove"),
        )
    except LabelError as exc:
        return None, "node '%s': %s" % (request["node"], exc)
    new_spec["Labels"] = labels
    if request.get("availability"):
        new_spec["Availability"] = request["availability"]
    if request.get("role"):
        new_spec["Role"] = request["role"]
    before, after = _visible(spec), _visible(new_spec)
    if before == after and not has_changes(label_changes):
        return None, None
    kind = "update"
    if before["role"] != after["role"]:
        kind = "promote" if after["role"] == "manager" else "demote"
    return {
        "id": node["ID"],
        "hostname": hostname,
        "kind": kind,
        "version": (node.get("Version") or {}).get("Index"),
        "spec": new_spec,
        "demote_first": False,
        "before": before,
        "after": after,
        "label_changes": label_changes,
        "force": False,
    }, None


def _removal(node, force, raft_member):
    """Remove a node; a raft member is demoted first (the engine refuses to remove a member), a manager
    that is no raft member is removed as it is (the engine refuses to demote it)."""
    spec = node.get("Spec") or {}
    demoted = copy.deepcopy(spec)
    demoted["Role"] = "worker"
    return {
        "id": node["ID"],
        "hostname": (node.get("Description") or {}).get("Hostname"),
        "kind": "remove",
        "version": (node.get("Version") or {}).get("Index"),
        "spec": demoted if raft_member else None,
        "demote_first": raft_member,
        "before": _visible(spec),
        "after": None,
        "label_changes": None,
        "force": force,
    }
