# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Docker's apt repository as the engine role sets it up: the deb822 source file, the signing key and the record of
where the installed key came from, compared with what is on the host without downloading anything.

Whether a key fetched from a URL changed can only be known by fetching it. The role records the URL and the
checksum of the key it installed (``KEY_RECORD``); a host whose key still has that checksum, for the same URL, is
converged without asking the repository, so a converged host converges with the mirror down. A key changed by hand,
a new key URL or a host converged before the record existed fetch the key again.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os

from ansible_collections.dockfleet.docker.plugins.module_utils.host_files import file_state

KEY_RECORD = "/var/lib/dockfleet/engine-repository-key.json"
SOURCES_HEADER = "# Managed by dockfleet.docker.engine: local changes are overwritten.\n"
# In engine_repository_url, engine_repository_key_url and engine_repository_suite: the host's distribution ID and
# release codename, for runs that gathered no facts (the role's defaults fall back to them).
DISTRIBUTION = "{distribution}"
CODENAME = "{codename}"


def resolve(text, distribution, codename):
    """``text`` with the host's distribution ID (lower case) and codename filled in."""
    return (text or "").replace(DISTRIBUTION, (distribution or "").lower()).replace(CODENAME, codename or "")


def sources_content(kind, url, suite, channel, architecture, keyring):
    """The deb822 source file for Docker's repository (``kind``: upstream or mirror)."""
    return (
        SOURCES_HEADER
        + "# Docker engine packages for dockfleet.docker.engine (%s).\n" % kind
        + "Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\nArchitectures: %s\nSigned-By: %s\n"
        % (url, suite, channel, architecture, keyring)
    )


def legacy_sources(directory, patterns):
    """One-line source files in ``directory`` that name the same repository (they make apt refuse to run)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        os.path.join(directory, name) for name in names if any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
    ]


def key_checksum(text):
    """The checksum the role records for a key: sha256 of its armored text without surrounding white space (the role
    writes the key trimmed, plus one newline, and records ``key | trim | hash('sha256')``)."""
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


def key_record_text(url, sha256):
    """What the role writes to KEY_RECORD after installing a key fetched from ``url``."""
    return json.dumps({"url": url, "sha256": sha256}, sort_keys=True) + "\n"


def read_key_record(path):
    try:
        with open(path, encoding="utf-8") as handle:
            record = json.load(handle)
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def key_state(keyring, key, key_url, record_path=KEY_RECORD):
    """How the installed signing key compares; never downloads.

    ``key``: the armored key itself (compared directly), or empty: the key comes from ``key_url`` and is current when
    the keyring still has the checksum recorded when it was installed from that same URL.
    Returns ``{installed, differs (why or None), fetch (whether the role must download it)}``.
    """
    installed = os.path.exists(keyring)
    if key:
        how = file_state(keyring, key.strip() + "\n")
        return dict(installed=installed, differs=how, fetch=False)
    if not installed:
        return dict(installed=False, differs="missing", fetch=True)
    record = read_key_record(record_path)
    if record.get("url") != key_url:
        why = "not recorded" if not record else "installed from %s" % record.get("url")
        return dict(installed=True, differs=why, fetch=True)
    text = _read(keyring)
    if record.get("sha256") != key_checksum(text):
        return dict(installed=True, differs="content", fetch=True)
    how = file_state(keyring, text.strip() + "\n")
    return dict(installed=True, differs=how, fetch=bool(how))


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""
