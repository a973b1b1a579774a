# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker systemd unit's command line, as far as daemon.json is concerned.

dockerd refuses to start when a directive is given both as a flag and in
daemon.json ("the following directives are specified both as a flag and in the
configuration file", moby/moby#25471). The packaged units pass ``-H fd://``
(Debian: ``/usr/sbin/dockerd -H fd:// $DOCKER_OPTS``; docker-ce:
``/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock``), so
setting ``hosts`` needs a drop-in that runs the *same* command without ``-H``.

Pure functions, unit-tested in tests/unit/plugins/module_utils/test_daemon_service.py.
"""

from __future__ import annotations

import re

DROPIN_NAME = "dockfleet-hosts.conf"

# dockerd flags whose daemon.json key has another name (pflag NamedOption), and short flags.
FLAG_KEYS = {
    "-H": "hosts",
    "--host": "hosts",
    "-D": "debug",
    "-l": "log-level",
    "-G": "group",
    "-p": "pidfile",
    "-s": "storage-driver",
    "-b": "bridge",
    "-g": "graph",
    "--label": "labels",
    "--storage-opt": "storage-opts",
    "--log-opt": "log-opts",
    "--exec-opt": "exec-opts",
    "--registry-mirror": "registry-mirrors",
    "--insecure-registry": "insecure-registries",
    "--authorization-plugin": "authorization-plugins",
    "--dns-opt": "dns-opts",
    "--default-ulimit": "default-ulimits",
    "--default-address-pool": "default-address-pools",
    "--node-generic-resource": "node-generic-resources",
    "--cdi-spec-dir": "cdi-spec-dirs",
    # dockerd merges --add-runtime with "runtimes" instead of refusing it.
    "--add-runtime": None,
    "--config-file": None,
    "--validate": None,
}

_TOKEN = re.compile(r'"[^"]*"|\'[^\']*\'|\S+')


def split_command(line):
    """Split a systemd command line into its raw tokens (quotes kept, so it can be written back)."""
    return _TOKEN.findall(line)


def exec_start(unit_texts):
    """The last effective ``ExecStart=`` command of a unit and its drop-ins, in load order.

    ``unit_texts`` are the file contents (unit file first, then drop-ins). An empty
    ``ExecStart=`` resets the list, as systemd does. Returns None when there is none.
    """
    command = None
    for text in unit_texts:
        section = None
        joined = re.sub(r"\\\n", " ", text)
        for raw in joined.splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            if section != "Service" or "=" not in line:
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if key == "ExecStart":
                command = value or None
    return command


def strip_host_flags(tokens):
    """The command without any ``-H``/``--host`` flag (in its ``-H x``, ``-H=x``, ``-Hx`` and ``--host=x`` forms)."""
    out = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
            continue
        if token in ("-H", "--host"):
            skip = True
            continue
        if token.startswith(("--host=", "-H=")) or (token.startswith("-H") and not token.startswith("--")):
            continue
        out.append(token)
    return out


def flag_keys(tokens):
    """The daemon.json keys the flags in a dockerd command line already set."""
    keys = set()
    for token in tokens:
        if not token.startswith("-") or token == "-":
            continue
        name = token.split("=", 1)[0]
        if not name.startswith("--") and len(name) > 2:
            name = name[:2]  # -Hfd:// -> -H
        if name in FLAG_KEYS:
            if FLAG_KEYS[name]:
                keys.add(FLAG_KEYS[name])
        elif name.startswith("--"):
            keys.add(name[2:])
    return keys


def conflicts(tokens, config):
    """daemon.json keys also given as a flag: dockerd refuses to start with these."""
    return sorted(flag_keys(tokens) & set(config))


def env_file_options(text, variable="DOCKER_OPTS"):
    """Tokens of ``VARIABLE="..."`` in an environment file such as /etc/default/docker."""
    value = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        if line.startswith(variable + "="):
            value = line.split("=", 1)[1].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
    return split_command(value) if value else []


def uses_variable(tokens, variable="DOCKER_OPTS"):
    return any(t in ("$" + variable, "${%s}" % variable) for t in tokens)


def dropin_text(tokens):
    """A drop-in that runs the unit's own command without ``-H`` flags."""
    return (
        '# Managed by dockfleet.docker.daemon_config. daemon.json sets "hosts", and dockerd refuses to start\n'
        "# when hosts are also given as -H flags, so this runs the unit's own command without them.\n"
        "[Service]\n"
        "ExecStart=\n"
        "ExecStart=%s\n" % " ".join(strip_host_flags(tokens))
    )


def plan(tokens, env_options, config, service="docker.service", manage_host_flags=True):
    """Check a candidate daemon.json against the unit's command line.

    ``tokens`` is the unit's ExecStart (ignoring our own drop-in), ``env_options`` maps
    each environment file to the tokens of its DOCKER_OPTS. Returns ``(errors, dropin)``:
    messages for directives given both as flags and in the file, and the drop-in text
    wanted (None: no drop-in).
    """
    dropin = None
    effective = tokens
    if config.get("hosts") and manage_host_flags and strip_host_flags(tokens) != tokens:
        effective = strip_host_flags(tokens)
        dropin = dropin_text(tokens)
    errors = []
    clashes = conflicts(effective, config)
    if clashes:
        errors.append(
            "daemon.json keys %s are also set as flags on %s (ExecStart=%s); dockerd refuses to start when a "
            "directive is given both ways. Remove the flag (a drop-in) or the key."
            % (", ".join(clashes), service, " ".join(tokens))
        )
    if uses_variable(tokens):
        for env_file in sorted(env_options):
            clashes = conflicts(env_options[env_file], config)
            if clashes:
                errors.append(
                    "daemon.json keys %s are also set as flags in DOCKER_OPTS in %s; dockerd refuses to start "
                    "when a directive is given both ways. Remove them from DOCKER_OPTS."
                    % (", ".join(clashes), env_file)
                )
    return errors, dropin
