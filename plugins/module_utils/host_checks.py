# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the host_report module makes of what it read on one host: the engine packages against the declared version
and their pin, daemon.json against the declared settings, the hardened-preset controls, the time source.

Pure: the module reads files, dpkg, systemd, chronyc and the engine, and hands the text and data to these functions.
The fleet-wide judgement (labels against the inventory, certificate expiry, swarm quorum) is ``fleet_report``'s.
"""

from __future__ import annotations

import re
import stat

from ansible_collections.dockfleet.docker.plugins.module_utils import chrony, versions
from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_schema as schema

ENGINE_PACKAGE = "docker-ce"
ENGINE_PACKAGES = ("docker-ce", "docker-ce-cli", "containerd.io")

# The hardened-preset controls the report checks, by CIS Docker Benchmark v1.6.0 number (the numbering of the daemon
# role's README). Each reads daemon.json (or a file it names) as the host has it; "n/a" where the control does not
# apply to the host.
CONTROLS = (
    ("2.2", "icc off: no traffic between containers on the default bridge"),
    ("2.7", "TLS client verification on every TCP socket"),
    ("2.9", "user namespace remapping (userns-remap)"),
    ("2.13", "centralized and remote logging (a log driver that does not keep the logs in files on the host)"),
    ("2.14", "no-new-privileges on"),
    ("2.15", "live-restore on (not applicable on swarm members: dockerd refuses it there)"),
    ("2.16", "userland proxy off"),
    ("3.9/3.10", "TLS CA certificate root-owned, 0444 or stricter"),
    ("3.11/3.12", "TLS server certificate root-owned, 0444 or stricter"),
    ("3.13/3.14", "TLS server key root-owned, 0400 or stricter"),
    ("3.17/3.18", "daemon.json root-owned, 0644 or stricter"),
)
_TLS_FILES = (("3.9/3.10", "tlscacert", 0o444), ("3.11/3.12", "tlscert", 0o444), ("3.13/3.14", "tlskey", 0o400))
_FILE_LOG_DRIVERS = ("json-file", "local", "none")
_PIN = re.compile(r"^Package:\s*(\S+)\s*\nPin:\s*version\s+(\S+)", re.M)


def pinned_versions(preferences_text):
    """``{package: version}`` an apt preferences file pins (``Package:`` followed by ``Pin: version``)."""
    return dict(_PIN.findall(preferences_text or ""))


def engine_packages(installed, held, preferences_text, declared):
    """The engine packages of a host against the declared ``engine_version`` (``installed``: ``{package: version}``,
    ``held``: packages on dpkg hold, ``preferences_text``: the engine's apt preferences file or None)."""
    version = installed.get(ENGINE_PACKAGE)
    pins = pinned_versions(preferences_text)
    at_declared = None
    if declared and version:
        try:
            at_declared = versions.matches(str(declared), version)
        except versions.VersionError:
            at_declared = False
    return {
        "package_version": version,
        "packages": dict((name, installed[name]) for name in ENGINE_PACKAGES if name in installed),
        "declared": str(declared) if declared else None,
        "at_declared": at_declared,
        "held": bool(version) and ENGINE_PACKAGE in held,
        "pinned": bool(version) and pins.get(ENGINE_PACKAGE) == version,
        "pinned_version": pins.get(ENGINE_PACKAGE),
    }


def daemon_drift(current, settings, mode="merge"):
    """The daemon.json keys whose value differs from the declared ``settings``, as the daemon role writes them
    (``daemon_schema.candidate``: with ``merge`` undeclared keys are left alone, a null setting means absent).
    One ``{key, current, declared}`` per key, ``None`` standing for "absent"."""
    wanted = schema.candidate(current, settings, mode)
    changed = schema.classify(current, wanted)
    return [
        {
            "key": key,
            "current": (current or {}).get(key),
            "declared": wanted.get(key),
            "restart": key in changed["restart_keys"],
        }
        for key in changed["changed_keys"]
    ]


def _control(number, status, detail):
    title = dict(CONTROLS)[number]
    return {"id": number, "title": title, "status": status, "detail": detail}


def _file_control(number, path, limit, file_stat):
    if not path:
        return _control(number, "n/a", "not configured")
    if file_stat is None:
        return _control(number, "fail", "%s is missing" % path)
    mode = stat.S_IMODE(file_stat["mode"])
    problems = []
    if mode & ~limit:
        problems.append("mode %04o (at most %04o)" % (mode, limit))
    if file_stat["uid"] != 0 or file_stat["gid"] != 0:
        problems.append("owner %s:%s (root:root)" % (file_stat["uid"], file_stat["gid"]))
    if problems:
        return _control(number, "fail", "%s: %s" % (path, ", ".join(problems)))
    return _control(number, "pass", "%s %04o root:root" % (path, mode))


def controls(config, file_stats, swarm_member, config_path=None):
    """The hardened-preset controls (``CONTROLS``) for a host's daemon.json ``config``; ``file_stats`` maps each TLS
    file daemon.json names, and ``config_path`` (daemon.json itself), to ``{mode, uid, gid}`` or None when missing;
    ``swarm_member``: the engine is in a swarm."""
    config = config or {}
    file_stats = file_stats or {}
    result = []
    icc = config.get("icc", True)
    icc_text = "false" if icc is False else ("on (default)" if "icc" not in config else str(icc))
    result.append(_control("2.2", "pass" if icc is False else "fail", "icc is %s" % icc_text))
    tcp = schema.tcp_hosts(config)
    if not tcp:
        result.append(_control("2.7", "n/a", "no TCP socket"))
    else:
        verified = config.get("tlsverify") is True
        detail = "%s with tlsverify %s" % (", ".join(tcp), "on" if verified else "off")
        result.append(_control("2.7", "pass" if verified else "fail", detail))
    remap = config.get("userns-remap") or ""
    result.append(_control("2.9", "pass" if remap else "fail", "userns-remap %s" % (remap or "not set")))
    driver = config.get("log-driver") or "json-file"
    local = driver in _FILE_LOG_DRIVERS
    result.append(
        _control(
            "2.13",
            "fail" if local else "pass",
            "log-driver %s%s" % (driver, " keeps the logs on the host" if local else ""),
        )
    )
    nnp = config.get("no-new-privileges") is True
    result.append(_control("2.14", "pass" if nnp else "fail", "no-new-privileges %s" % ("on" if nnp else "off")))
    live = config.get("live-restore") is True
    if swarm_member:
        result.append(_control("2.15", "n/a", "swarm member: live-restore %s" % ("on" if live else "off")))
    else:
        result.append(_control("2.15", "pass" if live else "fail", "live-restore %s" % ("on" if live else "off")))
    proxy = config.get("userland-proxy", True) is not False
    result.append(_control("2.16", "fail" if proxy else "pass", "userland-proxy %s" % ("on" if proxy else "off")))
    for number, key, limit in _TLS_FILES:
        path = config.get(key)
        result.append(_file_control(number, path, limit, file_stats.get(path)))
    if config_path:
        result.append(_file_control("3.17/3.18", config_path, 0o644, file_stats.get(config_path)))
    else:
        result.append(_control("3.17/3.18", "n/a", "no daemon.json"))
    return result


def time_state(service_active, tracking_text, sources_text, error, max_offset):
    """The time source of a host from chronyd's service state and ``chronyc -c tracking`` / ``sources`` output
    (``error``: why chronyc gave none)."""
    state = {
        "service": service_active or "unknown",
        "answers": False,
        "selected_source": None,
        "stratum": None,
        "offset": None,
        "healthy": False,
        "problems": [],
        "summary": "",
    }
    if error is None:
        try:
            tracking = chrony.parse_tracking(tracking_text)
            sources = chrony.parse_sources(sources_text)
        except chrony.ChronyOutputError as exc:
            error = str(exc)
    if error is not None:
        problem = "chronyd does not answer (chrony service %s): %s" % (state["service"], error)
        state.update(problems=[problem], summary=problem)
        return state
    assessment = chrony.assess(tracking, sources, max_offset)
    state.update(
        answers=True,
        selected_source=assessment["selected_source"],
        stratum=assessment["stratum"],
        offset=assessment["offset"],
        healthy=assessment["healthy"],
        problems=list(assessment["problems"]),
        summary=chrony.summary(assessment, len(sources)),
    )
    if service_active and service_active != "active":
        state["healthy"] = False
        state["problems"].insert(0, "the chrony service is %s" % service_active)
    return state
