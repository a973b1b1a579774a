# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the managed host says about dockerd: its systemd unit's command line, the
dockerd binary, its version and whether it can validate a configuration file.

The decisions made from these facts are pure functions in daemon_service.py and
daemon_schema.py; this file only reads the host.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_service as unit
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import Systemd


def read_text(path):
    """A file's text, or None when it does not exist: the one "read a file or None" of the collection."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def file_stat(path):
    """``os.stat`` of a path, or None when it cannot be read."""
    try:
        return os.stat(path)
    except OSError:
        return None


def _account_exists(name, by_id, by_name):
    """Whether the user or group database answers for ``name``: by number when it is one, by name otherwise."""
    try:
        by_id(int(name)) if name.isdigit() else by_name(name)
    except KeyError:
        return False
    return True


class Host:
    """Reads dockerd's unit and binary through an AnsibleModule."""

    def __init__(self, module):
        self.module = module
        self.systemd = Systemd(module, required=False)
        self.systemctl = self.systemd.systemctl

    def run(self, args):
        return self.module.run_command(args, environ_update={"LC_ALL": "C"})

    def unit_properties(self, service, *names):
        """systemctl show properties (``Systemd.show``); a property systemd prints several times becomes a list."""
        return self.systemd.show(service, *names)

    def unit_command(self, service, own_dropin):
        """(tokens of the unit's ExecStart ignoring our drop-in, environment files) or (None, [])."""
        props = self.unit_properties(service, "LoadState", "FragmentPath", "DropInPaths", "EnvironmentFiles")
        fragment = (props.get("FragmentPath") or [""])[0]
        if (props.get("LoadState") or [""])[0] != "loaded" or not fragment:
            return None, []
        dropins = " ".join(props.get("DropInPaths") or []).split()
        paths = [fragment] + [p for p in dropins if p != own_dropin]
        command = unit.exec_start([read_text(p) or "" for p in paths])
        # "EnvironmentFiles=/etc/default/docker (ignore_errors=yes)", one line per file.
        env_files = [value.split(" (", 1)[0].strip() for value in props.get("EnvironmentFiles") or [] if value.strip()]
        return (unit.split_command(command) if command else None), env_files

    @staticmethod
    def user_exists(name):
        """A user of this host, by name or numeric uid."""
        return _account_exists(name, pwd.getpwuid, pwd.getpwnam)

    @staticmethod
    def group_exists(name):
        """A group of this host, by name or numeric gid."""
        return _account_exists(name, grp.getgrgid, grp.getgrnam)

    @staticmethod
    def has_subordinate_ids(kind, owner):
        """Whether /etc/subuid (``kind`` subuid) or /etc/subgid holds a range for ``owner`` (name or id)."""
        names = {owner}
        with contextlib.suppress(KeyError):
            names.add(str(pwd.getpwnam(owner).pw_uid) if kind == "subuid" else str(grp.getgrnam(owner).gr_gid))
        return any(line.split(":", 1)[0].strip() in names for line in (read_text("/etc/%s" % kind) or "").splitlines())

    @staticmethod
    def path_exists(path):
        return os.path.exists(path)

    def dockerd(self, tokens):
        """The dockerd the unit runs (read from its ExecStart), else the one on PATH."""
        if tokens:
            binary = tokens[0].lstrip("-@+!:")
            if os.path.isabs(binary) and os.access(binary, os.X_OK):
                return binary
        return self.module.get_bin_path("dockerd")

    def engine(self, dockerd):
        """(``dockerd --version`` text, whether ``dockerd --help`` offers --validate)."""
        if not dockerd:
            return None, False
        rc, out, _err = self.run([dockerd, "--version"])
        version = out.strip() if rc == 0 else None
        rc, out, err = self.run([dockerd, "--help"])
        return version, "--validate" in (out + err)


def check_unit(host, service, manage_host_flags, config, dropin_path):
    """(errors, wanted drop-in text or None, dockerd path) for a candidate config."""
    tokens, env_files = host.unit_command(service, dropin_path)
    if tokens is None:
        return [], None, host.dockerd(None)
    env_options = {}
    if unit.uses_variable(tokens):
        env_options = {path: unit.env_file_options(read_text(path) or "") for path in env_files}
    errors, dropin = unit.plan(tokens, env_options, config, service, manage_host_flags)
    return errors, dropin, host.dockerd(tokens)
