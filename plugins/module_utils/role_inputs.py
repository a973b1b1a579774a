# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' inventory variables checked before anything changes: each problem is a sentence that names the
variable, the bad value and the fix. Used by the filter ``dockfleet.docker.role_input_problems`` as the first step
of the timesync, daemon, swarm and resources roles; the modules keep their own checks of their options."""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema
from ansible_collections.dockfleet.docker.plugins.module_utils.durations import DurationError, parse_duration
from ansible_collections.dockfleet.docker.plugins.module_utils.network_validation import (
    NAME_PATTERN,
    declaration_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import bad_label_keys, bad_label_values

# RFC 1123 host names (a dotted IPv4 address is one too).
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)

# chrony.conf directives (chrony 4.x, the versions Debian 12 and 13 ship, and the ones before them).
CHRONY_DIRECTIVES = frozenset(
    [
        "acquisitionport",
        "allow",
        "authselectmode",
        "bindacqaddress",
        "bindacqdevice",
        "bindaddress",
        "bindcmdaddress",
        "bindcmddevice",
        "binddevice",
        "broadcast",
        "clientloglimit",
        "clockprecision",
        "cmdallow",
        "cmddeny",
        "cmdport",
        "cmdratelimit",
        "combinelimit",
        "confdir",
        "corrtimeratio",
        "deny",
        "driftfile",
        "dscp",
        "dumpdir",
        "dumponexit",
        "fallbackdrift",
        "generatecommandkey",
        "hwclockfile",
        "hwtimestamp",
        "hwtstimeout",
        "include",
        "initstepslew",
        "keyfile",
        "leapsecmode",
        "leapseclist",
        "leapsectz",
        "linux_freq_scale",
        "linux_hz",
        "local",
        "lock_all",
        "log",
        "logbanner",
        "logchange",
        "logdir",
        "mailonchange",
        "makestep",
        "manual",
        "maxchange",
        "maxclockerror",
        "maxdistance",
        "maxdrift",
        "maxjitter",
        "maxntsconnections",
        "maxsamples",
        "maxslewrate",
        "maxupdateskew",
        "minsamples",
        "minsources",
        "noclientlog",
        "nocerttimecheck",
        "ntpsigndsocket",
        "ntsaeads",
        "ntscachedir",
        "ntsdumpdir",
        "ntsntpserver",
        "ntsport",
        "ntsprocesses",
        "ntsratelimit",
        "ntsrefresh",
        "ntsrotate",
        "ntsservercert",
        "ntsserverkey",
        "ntstrustedcerts",
        "opencommands",
        "peer",
        "pidfile",
        "pool",
        "port",
        "ptpdomain",
        "ptpport",
        "ratelimit",
        "refclock",
        "reselectdist",
        "rtcautotrim",
        "rtcdevice",
        "rtcfile",
        "rtconutc",
        "rtcsync",
        "sched_priority",
        "server",
        "smoothtime",
        "sourcedir",
        "stratumweight",
        "tempcomp",
        "user",
    ]
)

# The log drivers dockerd has built in; a plugin's name holds a '/' or a ':' (e.g. grafana/loki-docker-driver:latest).
LOG_DRIVERS = (
    "none", "local", "json-file", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs",
    "logentries",
)  # fmt: skip
SAN_TYPES = ("DNS", "IP", "email", "URI", "RID", "dirName", "otherName")


def _is_host(text):
    return bool(_HOST_NAME.match(text)) or _is_address(text)


def _is_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_network(text):
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _integer(value):
    """An int from an int or a digit string (inventory values may be strings), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.match(r"^-?\d+$", value.strip()):
        return int(value)
    return None


def timesync_problems(variables):
    problems = []
    for name in ("timesync_servers", "timesync_pools"):
        for index, source in enumerate(variables.get(name) or []):
            host = str((source or {}).get("host", "")) if isinstance(source, dict) else str(source)
            if not _is_host(host):
                problems.append(
                    "%s[%d].host \"%s\" is not a host name (letters, digits and '-' in dot-separated labels) nor an "
                    "IP address; give a name such as ntp1.example.net or an address such as 192.0.2.10."
                    % (name, index, host)
                )
    for index, entry in enumerate(variables.get("timesync_serve_to") or []):
        text = str(entry).strip()
        if text != "all" and not _is_network(text) and not _HOST_NAME.match(text):
            problems.append(
                'timesync_serve_to[%d] "%s" is not a network (CIDR, e.g. 10.0.0.0/8), an address, a host name or '
                "'all'; chronyd would not start with it." % (index, text)
            )
    for index, line in enumerate(variables.get("timesync_extra_config") or []):
        words = str(line).split()
        if not words or words[0].startswith(("#", "!", ";", "%")):
            continue
        if words[0].lower() not in CHRONY_DIRECTIVES:
            problems.append(
                'timesync_extra_config[%d] "%s": "%s" is not a chrony.conf directive, so chronyd would refuse the '
                "file; check the spelling (see chrony.conf(5))." % (index, line, words[0])
            )
    return problems


def daemon_problems(variables):
    problems = []
    options = variables.get("daemon_options") or {}
    if not isinstance(options, dict):
        problems.append("daemon_options must be a mapping of daemon.json keys to values, got %r." % (options,))
        options = {}
    for key in sorted(options):
        if key not in daemon_schema.KEYS:
            hint = daemon_schema.suggest(key)
            problems.append(
                "daemon_options: unknown daemon.json key '%s'%s: dockerd refuses to start with it."
                % (key, " (did you mean '%s'?)" % hint if hint else "")
            )
    driver = variables.get("daemon_log_driver")
    if driver and str(driver) not in LOG_DRIVERS and not re.search(r"[/:]", str(driver)):
        problems.append(
            "daemon_log_driver '%s' is not a log driver dockerd has (%s); a logging plugin is named with its "
            "repository, e.g. grafana/loki-docker-driver:latest." % (driver, ", ".join(LOG_DRIVERS))
        )
    for index, label in enumerate(variables.get("daemon_labels") or []):
        text = str(label)
        if "=" not in text or not text.split("=", 1)[0].strip():
            problems.append("daemon_labels[%d] '%s' is not a KEY=VALUE label (e.g. zone=eu-1a)." % (index, text))
    port = variables.get("daemon_tls_port")
    if port is not None and not (_integer(port) is not None and 1 <= _integer(port) <= 65535):
        problems.append("daemon_tls_port %s is not a TCP port (1 to 65535; Docker's TLS port is 2376)." % (port,))
    for index, san in enumerate(variables.get("daemon_tls_extra_sans") or []):
        kind, _sep, value = str(san).partition(":")
        if kind not in SAN_TYPES or not value.strip():
            problems.append(
                'daemon_tls_extra_sans[%d] "%s" is not a subject alternative name: write TYPE:VALUE, e.g. '
                "DNS:docker.example.net or IP:192.0.2.10." % (index, san)
            )
        elif kind == "IP" and not _is_address(value.strip()):
            problems.append('daemon_tls_extra_sans[%d] "%s": %s is not an IP address.' % (index, san, value))
    return problems


def _label_problems(where, labels):
    """The node labels Docker does not take (the swarm_node module's rules), in one sentence naming the variable."""
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return ["%s must be a mapping of label keys to values (e.g. {zone: eu-1a}), got %r." % (where, labels)]
    keys, values = bad_label_keys(labels), bad_label_values(labels)
    if not keys and not values:
        return []
    parts = []
    if keys:
        parts.append('label keys %s that are empty or hold white space or "="' % ", ".join('"%s"' % k for k in keys))
    if values:
        parts.append("labels %s whose value is a mapping or a list" % ", ".join(values))
    return [
        '%s has %s. A node label is KEY=VALUE: use keys without white space or "=" and string values (e.g. '
        "swarm_labels: {zone: eu-1a})." % (where, " and ".join(parts))
    ]


def swarm_problems(variables, hosts=None):
    """``variables``: this host's; ``hosts``: {host: its variables} of the play's swarm hosts (the declaration of
    every node is the swarm's, so a bad one stops every host)."""
    problems = []
    for name, option in (("swarm_cert_expiry", "swarm_cert_expiry"), ("swarm_dispatcher_heartbeat", None)):
        try:
            parse_duration(variables.get(name), option or name)
        except DurationError as exc:
            problems.append(str(exc))
    for name in ("swarm_task_history_limit", "swarm_snapshot_interval"):
        value = variables.get(name)
        if value is not None and (_integer(value) is None or _integer(value) < 0):
            problems.append("%s %s: give a whole number, 0 or more." % (name, value))
    declarations = [("swarm_labels", variables.get("swarm_labels"), variables.get("swarm_availability"))]
    for host, facts in sorted((hosts or {}).items()):
        facts = facts or {}
        declarations.append(("swarm_labels of %s" % host, facts.get("swarm_labels"), facts.get("swarm_availability")))
    for where, labels, availability in declarations:
        problems += _label_problems(where, labels)
        if availability not in (None, "", "active", "pause", "drain"):
            problems.append(
                "swarm_availability '%s'%s is not one of active, pause, drain."
                % (availability, where.replace("swarm_labels", "") or "")
            )
    return sorted(set(problems), key=problems.index)


def _with_option_names(network):
    """A declared network with the network module's aliases (community.docker's names) read as its option names."""
    entries = []
    for entry in network.get("ipam_config") or []:
        entry = dict(entry) if isinstance(entry, dict) else {}
        if "iprange" in entry and "ip_range" not in entry:
            entry["ip_range"] = entry.pop("iprange")
        entries.append(entry)
    return dict(network, ipam_config=entries) if entries else network


def resources_problems(variables):
    problems = []
    networks = list(variables.get("resources_networks") or [])
    labels = ["resources_networks[%d]" % index for index in range(len(networks))]
    ingress = variables.get("resources_ingress") or {}
    if isinstance(ingress, dict) and ingress.get("state", "present") != "absent" and ingress.get("subnet"):
        entry = {"subnet": ingress.get("subnet")}
        if ingress.get("gateway"):
            entry["gateway"] = ingress["gateway"]
        networks.append({"name": "ingress", "driver": "overlay", "ipam_config": [entry]})
        labels.append("resources_ingress")
    networks = [_with_option_names(n) for n in networks if isinstance(n, dict)]
    for message in declaration_errors(networks, option="networks"):
        problems.append(re.sub(r"networks\[(\d+)\]", lambda m: labels[int(m.group(1))], message))
    for index, volume in enumerate(variables.get("resources_volumes") or []):
        name = str((volume or {}).get("name", "")) if isinstance(volume, dict) else str(volume)
        if not NAME_PATTERN.match(name):
            problems.append(
                "resources_volumes[%d]: the volume name '%s' holds characters Docker does not take in a name; use "
                "letters, digits, '_', '.' and '-', starting with a letter or digit." % (index, name)
            )
    return problems


def problems(role, variables, hosts=None):
    """Every problem of ``role``'s variables, as sentences (empty: nothing to refuse)."""
    checks = {
        "timesync": timesync_problems,
        "daemon": daemon_problems,
        "resources": resources_problems,
    }
    if role == "swarm":
        return swarm_problems(variables, hosts)
    return checks[role](variables)
