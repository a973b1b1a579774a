# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What dockerd accepts in /etc/docker/daemon.json, and what a change to it costs.

Everything here is pure: it works on dicts and strings, never on a host, so the
rules are unit-tested without a daemon (tests/unit/plugins/module_utils/test_daemon_schema.py).

* ``KEYS``: the daemon.json keys of dockerd on Linux for engines 20.10 to 26, with
  their JSON type and, where a key came or went inside that range, the engine
  versions that know it. dockerd refuses to start on an unknown key, so a key
  this table does not know is an error with a suggestion.
* ``RELOADABLE``: the keys dockerd applies on SIGHUP (``systemctl reload docker``).
  A change to any other key needs a restart.
* ``validate``: unknown keys, types, versions and contradictions, as messages a
  user can act on.
* ``compute``: the candidate file from the current one and the desired settings
  (``merge`` or ``replace``), and what applying it needs (nothing, reload, restart).
"""

from __future__ import annotations

import difflib
import json
import stat

from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_logging import log_option_errors

# JSON types used in the schema.
STR, BOOL, INT, STR_LIST, STR_MAP, BOOL_MAP, OBJECT, OBJECT_LIST = (
    "string",
    "boolean",
    "integer",
    "list of strings",
    "map of strings",
    "map of booleans",
    "object",
    "list of objects",
)

# key -> (type, first engine that knows it or None, first engine that no longer accepts it or None, hint)
# Engines below 20.10 are out of scope; ``None`` means "every supported engine".
KEYS = {
    "allow-nondistributable-artifacts": (STR_LIST, None, None, ""),
    "authorization-plugins": (STR_LIST, None, None, ""),
    "bip": (STR, None, None, "IP address and prefix of the default bridge, e.g. 172.26.0.1/16"),
    "bridge": (STR, None, None, ""),
    "builder": (OBJECT, None, None, ""),
    "cdi-spec-dirs": (STR_LIST, (25, 0), None, ""),
    "cgroup-parent": (STR, None, None, ""),
    "cluster-advertise": (STR, None, (23, 0), "legacy overlay networking was removed in engine 23.0"),
    "cluster-store": (STR, None, (23, 0), "legacy overlay networking was removed in engine 23.0"),
    "cluster-store-opts": (STR_MAP, None, (23, 0), "legacy overlay networking was removed in engine 23.0"),
    "containerd": (STR, None, None, "path of containerd's socket"),
    "containerd-namespace": (STR, None, None, ""),
    "containerd-plugin-namespace": (STR, None, None, ""),
    "cpu-rt-period": (INT, None, None, ""),
    "cpu-rt-runtime": (INT, None, None, ""),
    "cri-containerd": (BOOL, None, None, ""),
    "data-root": (STR, None, None, ""),
    "debug": (BOOL, None, None, ""),
    "default-address-pools": (OBJECT_LIST, None, None, 'e.g. [{"base": "10.10.0.0/16", "size": 24}]'),
    "default-cgroupns-mode": (STR, None, None, "host or private"),
    "default-gateway": (STR, None, None, ""),
    "default-gateway-v6": (STR, None, None, ""),
    "default-ipc-mode": (STR, None, None, "shareable or private"),
    "default-network-opts": (OBJECT, (24, 0), None, ""),
    "default-runtime": (STR, None, None, ""),
    "default-shm-size": (STR, None, None, 'e.g. "64M"'),
    "default-ulimits": (OBJECT, None, None, 'e.g. {"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}'),
    "dns": (STR_LIST, None, None, ""),
    "dns-opts": (STR_LIST, None, None, ""),
    "dns-search": (STR_LIST, None, None, ""),
    "exec-opts": (STR_LIST, None, None, 'e.g. ["native.cgroupdriver=systemd"]'),
    "exec-root": (STR, None, None, ""),
    "experimental": (BOOL, None, None, ""),
    "features": (BOOL_MAP, None, None, ""),
    "fixed-cidr": (STR, None, None, ""),
    "fixed-cidr-v6": (STR, None, None, ""),
    "graph": (STR, None, (23, 0), "replaced by data-root"),
    "group": (STR, None, None, ""),
    "host-gateway-ip": (STR, None, None, ""),
    "hosts": (STR_LIST, None, None, 'e.g. ["fd://", "tcp://0.0.0.0:2376"]'),
    "icc": (BOOL, None, None, ""),
    "init": (BOOL, None, None, ""),
    "init-path": (STR, None, None, ""),
    "insecure-registries": (STR_LIST, None, None, ""),
    "ip": (STR, None, None, ""),
    "ip-forward": (BOOL, None, None, ""),
    "ip-masq": (BOOL, None, None, ""),
    "ip6tables": (BOOL, None, None, ""),
    "iptables": (BOOL, None, None, ""),
    "ipv6": (BOOL, None, None, ""),
    "labels": (STR_LIST, None, None, 'e.g. ["rack=r1"]'),
    "live-restore": (BOOL, None, None, ""),
    "log-driver": (STR, None, None, ""),
    "log-format": (STR, (25, 0), None, "text or json"),
    "log-level": (STR, None, None, "debug, info, warn, error or fatal"),
    "log-opts": (STR_MAP, None, None, 'values are strings, e.g. {"max-size": "10m", "max-file": "3"}'),
    "max-concurrent-downloads": (INT, None, None, ""),
    "max-concurrent-uploads": (INT, None, None, ""),
    "max-download-attempts": (INT, None, None, ""),
    "metrics-addr": (STR, None, None, ""),
    "mtu": (INT, None, None, ""),
    "network-control-plane-mtu": (INT, None, None, ""),
    "network-diagnostic-port": (INT, None, None, ""),
    "no-new-privileges": (BOOL, None, None, ""),
    "node-generic-resources": (STR_LIST, None, None, ""),
    "oom-score-adjust": (INT, None, (25, 0), "removed in engine 25.0"),
    "pidfile": (STR, None, None, ""),
    "proxies": (STR_MAP, (23, 0), None, "keys http-proxy, https-proxy, no-proxy"),
    "raw-logs": (BOOL, None, None, ""),
    "registry-mirrors": (STR_LIST, None, None, ""),
    "rootless": (BOOL, None, None, ""),
    "runtimes": (OBJECT, None, None, ""),
    "seccomp-profile": (STR, None, None, ""),
    "selinux-enabled": (BOOL, None, None, ""),
    "shutdown-timeout": (INT, None, None, ""),
    "storage-driver": (STR, None, None, "e.g. overlay2"),
    "storage-opts": (STR_LIST, None, None, ""),
    "swarm-default-advertise-addr": (STR, None, None, ""),
    "tls": (BOOL, None, None, ""),
    "tlscacert": (STR, None, None, ""),
    "tlscert": (STR, None, None, ""),
    "tlskey": (STR, None, None, ""),
    "tlsverify": (BOOL, None, None, ""),
    "userland-proxy": (BOOL, None, None, ""),
    "userland-proxy-path": (STR, None, None, ""),
    "userns-remap": (STR, None, None, '"default" or USER[:GROUP]'),
}

# Keys dockerd applies on SIGHUP without a restart (daemon/reload.go and the
# "configuration reload behavior" section of the dockerd reference). Anything
# else, and the *removal* of any key (on reload dockerd keeps the old value of a
# key that is no longer set), needs a restart.
RELOADABLE = frozenset(
    (
        "allow-nondistributable-artifacts",
        "authorization-plugins",
        "debug",
        "default-runtime",
        "insecure-registries",
        "labels",
        "live-restore",
        "max-concurrent-downloads",
        "max-concurrent-uploads",
        "max-download-attempts",
        "network-diagnostic-port",
        "registry-mirrors",
        "runtimes",
        "shutdown-timeout",
    )
)

PROXY_KEYS = ("http-proxy", "https-proxy", "no-proxy")
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal", "panic", "trace")
HOST_SCHEMES = ("unix", "tcp", "fd")
TLS_FILE_KEYS = ("tlscacert", "tlscert", "tlskey")


def suggest(key, candidates=None):
    """The closest known key to a misspelt one, or None."""
    matches = difflib.get_close_matches(key, sorted(candidates or KEYS), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _type_ok(kind, value):
    if kind == BOOL:
        return isinstance(value, bool)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == STR:
        return isinstance(value, str)
    if kind == STR_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == STR_MAP:
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == BOOL_MAP:
        return isinstance(value, dict) and all(isinstance(v, bool) for v in value.values())
    if kind == OBJECT:
        return isinstance(value, dict)
    if kind == OBJECT_LIST:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    raise ValueError("unknown schema type %s" % kind)


def _version_text(version):
    return "%d.%d" % version


def validate_keys(config, engine_version=None):
    """Unknown keys (with a suggestion), wrong types, keys the installed engine does not know."""
    errors = []
    for key in sorted(config):
        value = config[key]
        if key not in KEYS:
            hint = suggest(key)
            errors.append(
                "unknown daemon.json key '%s'%s: dockerd refuses to start with it."
                % (key, " (did you mean '%s'?)" % hint if hint else "")
            )
            continue
        kind, since, until, note = KEYS[key]
        if not _type_ok(kind, value):
            errors.append(
                "daemon.json key '%s' must be a %s, got %s %s%s."
                % (key, kind, type(value).__name__, json.dumps(value), " (%s)" % note if note else "")
            )
        if engine_version and since and tuple(engine_version) < since:
            errors.append(
                "daemon.json key '%s' needs engine %s or later; this host runs %s."
                % (key, _version_text(since), _version_text(engine_version))
            )
        if engine_version and until and tuple(engine_version) >= until:
            errors.append(
                "daemon.json key '%s' is not accepted by engine %s (%s)."
                % (key, _version_text(engine_version), note or "removed in %s" % _version_text(until))
            )
    return errors


def _key_value_list(config, key, errors, what):
    for item in config.get(key) or []:
        if isinstance(item, str) and ("=" not in item or not item.split("=", 1)[0].strip()):
            errors.append("daemon.json key '%s': %r is not %s." % (key, item, what))


def validate_values(config):
    """Value rules dockerd itself enforces (so the file is rejected here, not at start)."""
    errors = []
    level = config.get("log-level")
    if isinstance(level, str) and level.lower() not in LOG_LEVELS:
        errors.append("daemon.json key 'log-level': %r is not one of %s." % (level, ", ".join(LOG_LEVELS)))
    log_format = config.get("log-format")
    if isinstance(log_format, str) and log_format not in ("text", "json"):
        errors.append("daemon.json key 'log-format': %r is not text or json." % log_format)
    errors += log_option_errors(config)
    _key_value_list(config, "labels", errors, "a KEY=VALUE label")
    _key_value_list(config, "exec-opts", errors, "an OPTION=VALUE exec option")
    _key_value_list(config, "storage-opts", errors, "an OPTION=VALUE storage option")
    for key in (
        "max-concurrent-downloads",
        "max-concurrent-uploads",
        "max-download-attempts",
        "mtu",
        "shutdown-timeout",
    ):
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            errors.append("daemon.json key '%s' must not be negative (got %d)." % (key, value))
    port = config.get("network-diagnostic-port")
    if isinstance(port, int) and not 0 <= port <= 65535:
        errors.append("daemon.json key 'network-diagnostic-port' must be between 0 and 65535 (got %d)." % port)
    for host in config.get("hosts") or []:
        if not isinstance(host, str):
            continue
        scheme = host.split("://", 1)[0] if "://" in host else ""
        if scheme not in HOST_SCHEMES:
            errors.append(
                "daemon.json key 'hosts': %r has no supported scheme; use unix:///path, tcp://ADDRESS:PORT or fd://."
                % host
            )
    proxies = config.get("proxies")
    if isinstance(proxies, dict):
        for key in sorted(set(proxies) - set(PROXY_KEYS)):
            hint = suggest(key, PROXY_KEYS)
            errors.append(
                "daemon.json key 'proxies': unknown entry '%s'%s."
                % (key, " (did you mean '%s'?)" % hint if hint else "")
            )
    for index, pool in enumerate(config.get("default-address-pools") or []):
        if isinstance(pool, dict) and (set(pool) != {"base", "size"} or not isinstance(pool.get("size"), int)):
            errors.append(
                "daemon.json key 'default-address-pools': entry %d must have exactly 'base' (CIDR) and "
                "'size' (integer prefix length), got %s." % (index, json.dumps(pool, sort_keys=True))
            )
    return errors


def tcp_hosts(config):
    return [h for h in config.get("hosts") or [] if isinstance(h, str) and h.startswith("tcp://")]


def validate_contradictions(config, allow_insecure_tcp=False, file_stat=None):
    """Settings that each look fine but together are unsafe or stop dockerd from starting.

    ``file_stat(path)`` returns an ``os.stat_result`` or None when the path does not
    exist (the module passes a function that looks on the managed host).
    """
    errors = []
    verify = config.get("tlsverify") is True
    tls_on = verify or config.get("tls") is True
    if config.get("tlsverify") is True and config.get("tls") is False:
        errors.append(
            "daemon.json sets tlsverify but tls=false: dockerd enables TLS for tlsverify; drop 'tls' or set it to true."
        )
    exposed = tcp_hosts(config)
    if exposed and not verify and not allow_insecure_tcp:
        errors.append(
            "daemon.json listens on %s without tlsverify: anyone who reaches that port is root on this host. "
            "Enable TLS with client verification (tlsverify, tlscacert, tlscert, tlskey) or, if you really mean "
            "it, set the explicit insecure flag (allow_insecure_tcp / daemon_allow_insecure_tcp)." % ", ".join(exposed)
        )
    if verify and not config.get("tlscacert"):
        errors.append(
            "daemon.json sets tlsverify without tlscacert: dockerd would look for ~/.docker/ca.pem. "
            "Set tlscacert to the CA that signs your client certificates."
        )
    if tls_on:
        for key in ("tlscert", "tlskey"):
            if not config.get(key):
                errors.append("daemon.json enables TLS without %s: set both tlscert and tlskey." % key)
    if file_stat is not None:
        for key in TLS_FILE_KEYS:
            path = config.get(key)
            if not isinstance(path, str) or not path:
                continue
            info = file_stat(path)
            if info is None:
                errors.append(
                    "daemon.json key '%s': %s does not exist on this host; put the file there first." % (key, path)
                )
            elif key == "tlskey" and stat.S_IMODE(info.st_mode) & 0o007:
                errors.append(
                    "daemon.json key 'tlskey': %s is readable by every user (mode %04o); make it 0400 root (the daemon role does)."
                    % (path, stat.S_IMODE(info.st_mode))
                )
    return errors


def validate(config, engine_version=None, allow_insecure_tcp=False, file_stat=None):
    """All problems with a candidate daemon.json, as a list of messages (empty: fine)."""
    if not isinstance(config, dict):
        return ["daemon.json must be a JSON object, got %s." % type(config).__name__]
    errors = validate_keys(config, engine_version)
    if errors:
        # Value rules assume the types are right; report the key problems first.
        return errors
    return validate_values(config) + validate_contradictions(config, allow_insecure_tcp, file_stat)


def candidate(current, settings, mode):
    """The daemon.json content to write.

    ``merge`` keeps keys of ``current`` that ``settings`` does not mention; a
    setting whose value is None removes the key. ``replace`` writes ``settings``
    alone (None values dropped).
    """
    if mode not in ("merge", "replace"):
        raise ValueError("mode must be merge or replace, got %r" % mode)
    result = dict(current or {}) if mode == "merge" else {}
    for key, value in (settings or {}).items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def classify(before, after):
    """What applying ``after`` over ``before`` costs.

    Returns a dict with ``changed_keys`` (sorted), ``restart_keys`` (the changed keys
    a SIGHUP does not apply), ``restart_required`` and ``reload_required`` (exactly
    one of them is true when something changed).
    """
    before = before or {}
    after = after or {}
    changed = sorted(
        k for k in set(before) | set(after) if before.get(k) != after.get(k) or (k in before) != (k in after)
    )
    restart = sorted(k for k in changed if k not in RELOADABLE or k not in after)
    return dict(
        changed_keys=changed,
        restart_keys=restart,
        restart_required=bool(restart),
        reload_required=bool(changed) and not restart,
    )


def render(config):
    """The file text: sorted keys, two-space indent, trailing newline (stable, diff-friendly)."""
    return json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def parse(text, path="/etc/docker/daemon.json"):
    """The current file's content as a dict ({} for an empty file). Raises ValueError with a clear message."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError("%s is not valid JSON (%s); fix or remove it, or use mode=replace." % (path, exc)) from None
    if not isinstance(data, dict):
        raise ValueError("%s holds a JSON %s, not an object; use mode=replace." % (path, type(data).__name__))
    return data
