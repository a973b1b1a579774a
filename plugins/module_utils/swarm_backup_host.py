# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host side of a swarm backup or restore, checked before the engine is stopped.

- ``host_state``: all of the below for the engine's ``docker info`` and this host's daemon.json;
- ``swarm_location``: where the swarm state is, from the engine's data root (``docker_root.py``);
- ``live_restore_problem``: dockerd refuses to start with swarm state while live-restore is on, so
  an engine stopped on such a host would not come back;
- ``docker_root.root_mismatch``: a data-root or userns-remap change not applied yet would bring the
  engine back on another root;
- ``destination_problem``: a directory that must be written (the backup's, the data root a restore
  extracts into) exists or can be made, is writable and has room;
- ``read_host``: ``host_state`` for the engine a module talks to, its errors turned into ``fail_json``;
- ``swarm_state_module`` and ``run_on_local_engine``: the ``AnsibleModule`` of swarm_backup and
  swarm_restore, and running one of them on this host's engine.

Each message says what is wrong, with which option or variable, and how to fix it.
``destination_problem`` and ``host_state`` look at the file system; the rest works on what the
caller read.
"""

from __future__ import annotations

import datetime
import errno
import os
import shutil
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import docker_root
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    engine_argument_spec,
    engine_errors,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import MetadataError
from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_engine import local_engine

# The options of swarm_backup and swarm_restore documented by the dockfleet.docker.swarm_state fragment.
SWARM_STATE_ARGS = dict(swarm_dir=dict(type="path"), wait_timeout=dict(type="int", default=120))

LIVE_RESTORE_ERROR = "--live-restore daemon configuration is incompatible with swarm mode"


def swarm_location(info, configured=None, explicit_swarm_dir=None):
    """``(data_root, swarm_dir)``: the running engine's root (``DockerRootDir`` of ``info``), else the one
    daemon.json gives (``configured``), else dockerd's default; the swarm directory under it unless
    ``explicit_swarm_dir`` names another."""
    root = docker_root.engine_root(info) or configured or docker_root.DEFAULT_ROOT
    return root, explicit_swarm_dir or docker_root.swarm_dir(root)


def live_restore_problem(config, info, action, config_path=docker_root.DAEMON_JSON):
    """Why this host's engine would not start again after ``action`` ("the backup", "the restore") because
    live-restore is on in daemon.json (``config``) or in the running engine (``info``); None when it is off."""
    where = []
    if (config or {}).get("live-restore") is True:
        where.append("in %s" % config_path)
    if (info or {}).get("LiveRestoreEnabled"):
        where.append("in the running engine")
    if not where:
        return None
    return (
        "live-restore is on for this host's engine (%s). dockerd refuses to start with swarm state while live-restore "
        "is on ('%s'), so the engine would not come back after %s. Nothing was changed. Turn live-restore off on this "
        "host first: with the daemon role set daemon_live_restore: false for it (hosts in the swarm groups "
        "swarm_managers and swarm_workers get it off by default, so putting the host in one of them does it) and run "
        "the role; or set \"live-restore\": false in %s and run 'systemctl reload docker'."
        % (" and ".join(where), LIVE_RESTORE_ERROR, action, config_path)
    )


def _size(count):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return ("%d %s" % (count, unit)) if unit == "bytes" else ("%.1f %s" % (count, unit))
        count /= 1024.0
    return "%d" % count  # pragma: no cover


def _reason(exc):
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


def destination_problem(path, what, fix, needed=0, create=False):
    """Why ``path`` cannot take ``what`` (None when it can).

    ``fix`` ends the message (the option and variable that choose ``path``). With ``create`` the directory is
    made (mode 0700) when missing and a file is written and removed in it, the one real test; without, the
    nearest existing directory must be writable (for check mode). ``needed``: bytes that must be free.
    """
    try:
        existing = path
        while not os.path.isdir(existing):
            if os.path.lexists(existing):
                raise OSError(errno.ENOTDIR, "%s is not a directory" % existing)
            parent = os.path.dirname(existing)
            if parent == existing:
                break
            existing = parent
        if create:
            os.makedirs(path, mode=0o700, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path, prefix=".dockfleet-write-test-"):
                pass
            existing = path
        elif not os.access(existing, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, "%s cannot be written" % existing)
        free = shutil.disk_usage(existing).free
        if needed and free < needed:
            raise OSError(errno.ENOSPC, "%s free there, %s needed" % (_size(free), _size(needed)))
    except OSError as exc:
        return "Cannot write %s to %s: %s. Nothing was changed. %s" % (what, path, _reason(exc), fix)
    return None


def host_state(
    info,
    explicit_swarm_dir,
    action,
    config_path=docker_root.DAEMON_JSON,
    etc="/etc",
    lookup_user=None,
    check_live_restore=True,
):
    """``(data_root, swarm_dir, problems)`` for the engine whose ``docker info`` is ``info``, reading daemon.json,
    /etc/subuid and /etc/subgid: where its swarm state is, and every reason the engine would not come back on it
    after ``action`` ("the backup", "the restore"). ``check_live_restore=False`` leaves live-restore to a caller
    that turns it off before the engine is stopped."""
    problems = []
    config, configured = {}, None
    try:
        config = docker_root.read_daemon_config(config_path)
        configured = docker_root.read_configured_root(config, explicit_only=True, etc=etc, lookup_user=lookup_user)
    except docker_root.NotKnownBeforeStart:
        pass  # dockerd creates its dockremap user and ranges when it starts: nothing to compare before
    except docker_root.DataRootError as exc:
        problems.append("%s dockerd would not start again after %s. Nothing was changed." % (exc, action))
    data_root, swarm_dir = swarm_location(info, configured, explicit_swarm_dir)
    if check_live_restore:
        problems.append(live_restore_problem(config, info, action, config_path))
    problems.append(docker_root.root_mismatch(docker_root.engine_root(info), configured, config_path))
    return data_root, swarm_dir, [p for p in problems if p]


def read_host(module, engine, action, check_live_restore=True):
    """``docker info`` of the engine, then ``host_state``: ``(info, data_root, swarm_dir, problems)``."""
    with engine_errors(module, "report its settings (docker info)"):
        info = engine.client.info()
    return (info, *host_state(info, module.params["swarm_dir"], action, check_live_restore=check_live_restore))


def where(swarm_dir, data_root, explicit):
    """How a message names the swarm directory: the option that set it, or the data root it is under."""
    if explicit:
        return "The swarm directory %s (swarm_dir)" % swarm_dir
    return "The swarm directory %s (under the engine's data root %s)" % (swarm_dir, data_root)


def utc_stamp():
    """The UTC time as backup names and moved-aside directories carry it (20260101T020000Z)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def swarm_state_module(**options):
    """The ``AnsibleModule`` of swarm_backup and swarm_restore: ``options``, the swarm state options (fragment
    dockfleet.docker.swarm_state) and the engine connection options (cert and key together); check mode."""
    return AnsibleModule(
        argument_spec=engine_argument_spec(**dict(options, **SWARM_STATE_ARGS)),
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )


def run_on_local_engine(module, action, what):
    """``action(module, engine)`` on this host's engine; ``what`` says what the module does to it, for the refusal
    of a docker_host that is not this host's. A backup metadata error ends in ``fail_json``."""
    engine = local_engine(module, what)
    try:
        action(module, engine)
    except MetadataError as exc:
        module.fail_json(msg=str(exc))
