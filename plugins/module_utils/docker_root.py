# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where dockerd keeps its state (its root, ``DockerRootDir``), found and never assumed.

The swarm state lives in ``<root>/swarm``. The root is ``/var/lib/docker`` unless daemon.json sets
``data-root``; with ``userns-remap`` dockerd moves it once more, to ``<data-root>/<uid>.<gid>``, where
uid and gid are the start of the remap user's lowest subordinate uid and gid ranges (the host ids
container root maps to). A running engine says which root it uses (``docker info``'s
``DockerRootDir``); ``configured_root`` works it out from daemon.json and ``/etc/subuid`` and
``/etc/subgid`` the way dockerd does, for when the engine does not answer or to tell whether the
engine would come back on the same root after a restart.

Pure apart from ``read_configured_root``, which reads those files on the host.
"""

from __future__ import annotations

import json
import os
import posixpath

from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import read_text

DEFAULT_ROOT = "/var/lib/docker"
DAEMON_JSON = "/etc/docker/daemon.json"
SWARM_DIR_NAME = "swarm"
DEFAULT_REMAP_USER = "dockremap"


class DataRootError(Exception):
    """The data root cannot be worked out; the message says why and what to do."""


class NotKnownBeforeStart(DataRootError):
    """dockerd decides the root only when it starts (it creates the dockremap user then)."""


def swarm_dir(root):
    """The swarm state directory under dockerd's root."""
    return posixpath.join(root, SWARM_DIR_NAME)


def parse_id_ranges(text):
    """``/etc/subuid`` or ``/etc/subgid`` as ``[(user name or uid, start, count)]``; comments and bad lines skipped."""
    ranges = []
    for line in (text or "").splitlines():
        fields = line.strip().split(":")
        if len(fields) != 3 or line.lstrip().startswith("#"):
            continue
        owner, start, count = fields
        if owner and start.isdigit() and count.isdigit() and int(count) > 0:
            ranges.append((owner, int(start), int(count)))
    return ranges


def remap_user(value):
    """The user (name or uid, as given) of a ``userns-remap`` setting, or None when remapping is off.

    ``default`` is dockerd's own ``dockremap`` user; ``user``, ``user:group``, ``uid`` and ``uid:gid`` name
    one. dockerd takes both the uid and the gid ranges of the user (the group part does not choose them).
    """
    value = (value or "").strip()
    if not value:
        return None
    if value == "default":
        return DEFAULT_REMAP_USER
    return value.split(":", 1)[0]


def _lowest_start(ranges, name, uid, kind, path):
    # dockerd looks ranges up by the user's uid first, then by its name, and maps container root to the lowest start.
    for owner in ([str(uid)] if uid is not None else []) + [name]:
        found = [start for who, start, _count in ranges if who == owner]
        if found:
            return min(found)
    raise DataRootError(
        "userns-remap user '%s' has no subordinate %s range in %s, so dockerd cannot start with it. Give it one "
        "(the daemon role does for its dockremap user: daemon_userns_remap) or turn userns-remap off."
        % (name, kind, path)
    )


def remapped_root(root, name, uid, subuid_text, subgid_text):
    """``<root>/<uid>.<gid>`` for the remap user ``name`` (``uid``: its uid, None when unknown)."""
    uid_start = _lowest_start(parse_id_ranges(subuid_text), name, uid, "uid", "/etc/subuid")
    gid_start = _lowest_start(parse_id_ranges(subgid_text), name, uid, "gid", "/etc/subgid")
    return posixpath.join(root, "%d.%d" % (uid_start, gid_start))


def configured_root(config, subuid_text="", subgid_text="", lookup_user=None):
    """dockerd's root as daemon.json (``config``, a dict) sets it.

    ``lookup_user(name_or_uid)`` returns ``(name, uid)`` of a user, or None when there is no such user.
    Raises DataRootError when userns-remap names a user that cannot be resolved.
    """
    config = config or {}
    root = config.get("data-root") or config.get("graph") or DEFAULT_ROOT
    root = posixpath.normpath(root)
    user = remap_user(config.get("userns-remap"))
    if user is None:
        return root
    found = lookup_user(user) if lookup_user else None
    if found is None:
        if user == DEFAULT_REMAP_USER:
            raise NotKnownBeforeStart(
                "daemon.json sets userns-remap 'default' but the dockremap user does not exist yet (dockerd creates it "
                "when it starts), so its data root cannot be told. Start docker once, or create the user and its "
                "/etc/subuid and /etc/subgid ranges (the daemon role does)."
            )
        raise DataRootError("daemon.json sets userns-remap '%s', but there is no such user." % config["userns-remap"])
    return remapped_root(root, found[0], found[1], subuid_text, subgid_text)


def engine_root(info):
    """The root a running engine reports (``docker info``'s ``DockerRootDir``), or None."""
    root = (info or {}).get("DockerRootDir")
    return posixpath.normpath(root) if root else None


def root_mismatch(running, configured, config_path=DAEMON_JSON):
    """Why the engine would come back on another root after a restart (None when it would not).

    ``running``: the engine's ``DockerRootDir``; ``configured``: ``configured_root`` of daemon.json, or None
    when daemon.json sets neither data-root nor userns-remap (then command-line flags may set them, which
    only the running engine knows).
    """
    if not running or not configured or running == configured:
        return None
    return (
        "The engine runs with data root %s, but %s gives %s: a change not applied yet. Stopping and starting the "
        "engine would bring it back on %s, without this swarm state. Nothing was changed. Restart docker to apply "
        "the change (or undo it) first, then run again." % (running, config_path, configured, configured)
    )


def _lookup_user(name_or_uid):
    import pwd

    try:
        entry = pwd.getpwuid(int(name_or_uid)) if name_or_uid.isdigit() else pwd.getpwnam(name_or_uid)
    except KeyError:
        return None
    return entry.pw_name, entry.pw_uid


def read_daemon_config(path=DAEMON_JSON):
    """daemon.json as a dict ({} when there is none); raises DataRootError when it cannot be read."""
    try:
        text = read_text(path)
        return json.loads(text) if text and text.strip() else {}
    except (OSError, ValueError) as exc:
        raise DataRootError("Cannot read %s: %s." % (path, exc)) from exc


def read_configured_root(config, explicit_only=False, etc="/etc", lookup_user=None):
    """``configured_root`` of daemon.json ``config`` with this host's users (``lookup_user``, by default the
    system's) and subordinate id ranges (``<etc>/subuid``, ``<etc>/subgid``).

    With ``explicit_only``, None when daemon.json sets neither data-root (or graph) nor userns-remap.
    """
    if explicit_only and not any(config.get(key) for key in ("data-root", "graph", "userns-remap")):
        return None
    return configured_root(
        config,
        read_text(os.path.join(etc, "subuid")) or "",
        read_text(os.path.join(etc, "subgid")) or "",
        lookup_user or _lookup_user,
    )
