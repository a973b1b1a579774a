# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a manager's swarm state holds, checked on a swarm directory before a backup and on an
archive before it is called good, restored or verified.

A manager's engine (20.10 and 26.x alike) writes, under ``<data root>/swarm``:

- ``raft/wal-v3-encrypted/*.wal`` (the raft log) and ``raft/snap-v3-encrypted/`` (its snapshots,
  empty until the first one is taken);
- ``certificates/swarm-node.crt``, ``swarm-node.key`` and ``swarm-root-ca.crt`` (the node's identity
  and the swarm's CA certificate);
- ``docker-state.json`` (the engine's swarm settings: listen and advertise addresses) and
  ``state.json`` (the managers this node knew);
- ``worker/tasks.db`` (not needed to restore).

An archive without the raft log or the certificates restores nothing (an empty ``swarm/`` from a
userns-remapped host, where the state is under ``/var/lib/docker/<uid>.<gid>``). ``content_problem``
says what is missing; ``tar_entries`` and ``directory_entries`` give it the entries to look at, and
``archive_problem`` is every check an archive passes before a restore or a verify uses it.
"""

from __future__ import annotations

import os
import posixpath
import tarfile

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import (
    checksum_problem,
    sha256_file,
    unsafe_members,
)

ROOT = "swarm"
RAFT_LOG = "raft/wal-v3-encrypted"
RAFT_SNAPSHOTS = "raft/snap-v3-encrypted"
CERTIFICATES = ("certificates/swarm-node.crt", "certificates/swarm-node.key", "certificates/swarm-root-ca.crt")
STATE_FILES = ("docker-state.json", "state.json")


def member_entries(members):
    """``[(name, kind, size)]`` of ``tarfile.TarInfo`` members; kind is file, dir, link or other."""
    entries = []
    for member in members:
        kind = "file" if member.isfile() else "dir" if member.isdir() else "link" if member.issym() else "other"
        entries.append((member.name, kind, member.size))
    return entries


def tar_entries(path):
    """``member_entries`` of an archive. Raises OSError or tarfile.TarError."""
    with tarfile.open(path, "r:*") as tar:
        return member_entries(tar.getmembers())


def directory_entries(path, root=ROOT):
    """The entries ``tar.add(path, arcname=root)`` would write, without reading any file's content."""
    if not os.path.isdir(path):
        return []
    entries = [(root, "dir", 0)]
    for directory, dirnames, filenames in os.walk(path):
        relative = os.path.relpath(directory, path)
        prefix = root if relative == "." else "%s/%s" % (root, relative.replace(os.sep, "/"))
        for name in sorted(dirnames):
            full = os.path.join(directory, name)
            entries.append(("%s/%s" % (prefix, name), "link" if os.path.islink(full) else "dir", 0))
        for name in sorted(filenames):
            full = os.path.join(directory, name)
            if os.path.islink(full):
                entries.append(("%s/%s" % (prefix, name), "link", 0))
            elif os.path.isfile(full):
                entries.append(("%s/%s" % (prefix, name), "file", os.path.getsize(full)))
            else:
                entries.append(("%s/%s" % (prefix, name), "other", 0))
    return entries


def _normalize(entries, root):
    files, dirs = {}, set()
    for name, kind, size in entries:
        name = name.strip("/")
        if name.startswith("./"):
            name = name[2:]
        if name != root and not name.startswith(root + "/"):
            continue
        relative = name[len(root) + 1 :]
        if kind == "file":
            files[relative] = size
        elif kind == "dir" and relative:
            dirs.add(relative)
        # A directory is there when an entry lies under it, whether or not the archive lists it.
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            dirs.add("/".join(parts[:depth]))
    return files, dirs


def missing_content(entries, root=ROOT):
    """What of a manager's swarm state ``entries`` lack, as short phrases (empty when nothing is missing)."""
    files, dirs = _normalize(entries, root)
    missing = []
    logs = [name for name, size in files.items() if name.startswith(RAFT_LOG + "/") and name.endswith(".wal") and size]
    if not logs:
        missing.append("the raft log (%s/%s/*.wal)" % (root, RAFT_LOG))
    if RAFT_SNAPSHOTS not in dirs:
        missing.append("the raft snapshot directory (%s/%s/)" % (root, RAFT_SNAPSHOTS))
    certificates = [posixpath.basename(name) for name in CERTIFICATES if not files.get(name)]
    if certificates:
        missing.append("the node certificates (%s/certificates/: %s)" % (root, ", ".join(certificates)))
    for name in STATE_FILES:
        if not files.get(name):
            missing.append("%s/%s" % (root, name))
    return missing


def describe_entries(entries, limit=8):
    """A short list of what the entries are, for a message."""
    names = sorted(name.strip("/") + ("/" if kind == "dir" else "") for name, kind, _size in entries)
    if not names:
        return "nothing"
    if names == [ROOT + "/"]:
        return "only an empty %s/ directory" % ROOT
    shown = ", ".join(names[:limit])
    return shown + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


def content_problem(entries, what, root=ROOT):
    """None when ``entries`` hold a manager's swarm state, else a sentence naming ``what`` and what it lacks."""
    missing = missing_content(entries, root)
    if not missing:
        return None
    return "%s does not hold a manager's swarm state: it lacks %s. It holds %s." % (
        what,
        "; ".join(missing),
        describe_entries(entries),
    )


def total_size(entries):
    """Bytes the regular files of the entries take once extracted."""
    return sum(size for _name, kind, size in entries if kind == "file")


def archive_problem(path, expected_sha256):
    """``(problem, entries)`` for an archive to restore or verify: its SHA-256 is the metadata's, its entries stay
    under swarm/, and it holds a manager's swarm state. ``problem`` is None when it passes."""
    try:
        problem = checksum_problem(expected_sha256, sha256_file(path), path)
        with tarfile.open(path, "r:*") as tar:
            members = tar.getmembers()
    except (OSError, tarfile.TarError) as exc:
        return "Cannot read the archive %s: %s. Nothing was changed." % (path, exc), []
    if problem:
        return problem, []
    bad = unsafe_members([(m.name, m.linkname) for m in members])
    if bad or not members:
        return "The archive %s holds entries outside swarm/ (%s). Nothing was changed." % (
            path,
            ", ".join(bad[:5]) or "it is empty",
        ), []
    entries = member_entries(members)
    problem = content_problem(entries, "The archive %s" % path)
    if problem:
        return problem + " Nothing was changed. It cannot restore a swarm: use another backup.", entries
    return None, entries
