# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Debian package versions: parsing, ordering and matching what a user asked for.

Everything here is pure (no apt, no dpkg) so it is unit-tested on its own.

Vocabulary used across dockfleet:

* *package version*: what apt and dpkg know, e.g. ``5:26.1.5-1~debian.12~bookworm``
  (epoch ``5``, upstream ``26.1.5``, revision ``1~debian.12~bookworm``), or
  Debian's own ``26.1.5+dfsg1-9+b1``.
* *release*: the leading numeric part of the upstream version as a tuple of ints,
  ``(26, 1, 5)``. It is what an engineer means by "docker 26.1.5" and what
  ``docker version`` reports (Debian's builds add ``+dfsg1``).
* *request*: what the user wrote: ``latest``, a partial release (``26``,
  ``26.1``), an exact release (``26.1.5``), an upstream version with a
  pre-release marker (``27.0.0~rc.1``) or a full package version.
"""

from __future__ import annotations

import functools
import re

_RELEASE = re.compile(r"^(\d+(?:\.\d+)*)")
# A release inside other text: `Docker version 26.1.5, build a72d7cd`, `v27.0`.
_RELEASE_IN_TEXT = re.compile(r"(\d+\.\d+(?:\.\d+)*)")
_NUMERIC_REQUEST = re.compile(r"^\d+(?:\.\d+)*$")
# Docker tags pre-releases `27.0.0~rc.1`, `25.0.0~beta.3`; the `~3` of the 2018
# scheme (`18.09.1~3-0~debian-stretch`) is a packaging iteration, not a pre-release.
_PRERELEASE = re.compile(r"[~-](?:rc|beta|alpha|tp)", re.IGNORECASE)


class VersionError(ValueError):
    """A version string that is not a Debian version."""


def split(version):
    """Return ``(epoch, upstream, revision)`` of a Debian package version.

    ``epoch`` is an int (0 when absent) and ``revision`` is ``""`` when absent.
    """
    if not isinstance(version, str) or not version.strip():
        raise VersionError("empty version")
    version = version.strip()
    epoch = 0
    if ":" in version:
        head, version = version.split(":", 1)
        if not head.isdigit():
            raise VersionError("epoch %r is not a number" % head)
        epoch = int(head)
    if "-" in version:
        upstream, revision = version.rsplit("-", 1)
    else:
        upstream, revision = version, ""
    if not upstream or not upstream[0].isdigit():
        raise VersionError("upstream version %r must start with a digit" % upstream)
    return epoch, upstream, revision


def _order(char):
    # dpkg's ordering of non-digit characters: `~` sorts before everything (even
    # the end of the string), letters before other characters.
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(left, right):
    """Compare an upstream version or a revision the way dpkg does."""
    i = j = 0
    while i < len(left) or j < len(right):
        # Non-digit prefix, compared character by character.
        while (i < len(left) and not left[i].isdigit()) or (j < len(right) and not right[j].isdigit()):
            lc = _order(left[i]) if i < len(left) and not left[i].isdigit() else 0
            rc = _order(right[j]) if j < len(right) and not right[j].isdigit() else 0
            if lc != rc:
                return -1 if lc < rc else 1
            i += 1
            j += 1
        # Digit run, compared as a number.
        start = i
        while i < len(left) and left[i].isdigit():
            i += 1
        lnum = int(left[start:i] or 0)
        start = j
        while j < len(right) and right[j].isdigit():
            j += 1
        rnum = int(right[start:j] or 0)
        if lnum != rnum:
            return -1 if lnum < rnum else 1
    return 0


def compare(left, right):
    """Compare two Debian package versions like ``dpkg --compare-versions``: -1, 0 or 1."""
    lepoch, lup, lrev = split(left)
    repoch, rup, rrev = split(right)
    if lepoch != repoch:
        return -1 if lepoch < repoch else 1
    return _compare_part(lup, rup) or _compare_part(lrev, rrev)


sort_key = functools.cmp_to_key(compare)


def newest(versions):
    """The highest of ``versions`` (None when empty)."""
    versions = list(versions)
    return max(versions, key=sort_key) if versions else None


def upstream(version):
    """The upstream part of a package version: ``5:26.1.5-1~debian.12~bookworm`` -> ``26.1.5``."""
    return split(version)[1]


def release(version):
    """The numeric release of a package version, an engine version or ``docker --version`` output, as a tuple of
    ints: the one version parser of the collection.

    ``5:26.1.5-1~debian.12~bookworm`` -> ``(26, 1, 5)``; ``20.10.24+dfsg1`` (what a
    Debian-built engine reports) -> ``(20, 10, 24)``; ``18.09.1~3-0~debian-stretch`` -> ``(18, 9, 1)``;
    ``Docker version 26.1.5, build a72d7cd`` -> ``(26, 1, 5)``; ``v27.0`` -> ``(27, 0)``.
    Returns ``()`` when there is no version in it.
    """
    try:
        text = upstream(version)
    except VersionError:
        text = str(version or "").strip()
    match = _RELEASE.match(text) or _RELEASE_IN_TEXT.search(text)
    if not match:
        return ()
    return tuple(int(part) for part in match.group(1).split("."))


def release_text(version):
    """``(26, 1, 5)`` or a package version -> ``"26.1.5"``."""
    parts = version if isinstance(version, tuple) else release(version)
    return ".".join(str(part) for part in parts)


def is_prerelease(version):
    """True for Docker's test-channel versions (``27.0.0~rc.1``, ``25.0.0~beta.3``)."""
    try:
        text = upstream(version)
    except VersionError:
        text = str(version)
    return bool(_PRERELEASE.search(text))


def describe_request(request):
    """How a request is read, for messages: ``latest``, ``partial`` or ``exact``."""
    text = (request or "").strip()
    if text.lower() == "latest":
        return "latest"
    if _NUMERIC_REQUEST.match(text) and text.count(".") < 2:
        return "partial"
    return "exact"


def validate_request(request):
    """Raise VersionError when ``request`` cannot name any version."""
    text = (request or "").strip()
    if not text:
        raise VersionError(
            "the version is empty; give 'latest', a release such as '26.1' or '26.1.5', or a full package version"
        )
    if text.lower() == "latest" or _NUMERIC_REQUEST.match(text):
        return
    try:
        split(text)
    except VersionError as exc:
        raise VersionError(
            "%r is not a version: %s. Give 'latest', a release such as '26.1' or '26.1.5', "
            "or a full package version such as '5:26.1.5-1~debian.12~bookworm'" % (text, exc)
        ) from None


def matches(request, version):
    """Does the package version ``version`` satisfy the user's ``request``?

    * ``latest`` matches every stable version.
    * ``26`` / ``26.1`` / ``26.1.5`` match releases starting with those numbers
      (``26.1`` matches 26.1.0 and 26.1.5, never 26.10.0), stable versions only.
    * Anything else must name the version exactly: the full package version with or
      without its epoch, or the upstream version (``27.0.0~rc.1``, ``26.1.5+dfsg1``).
    """
    text = request.strip()
    if text.lower() == "latest":
        return not is_prerelease(version)
    if _NUMERIC_REQUEST.match(text):
        wanted = tuple(int(part) for part in text.split("."))
        return not is_prerelease(version) and release(version)[: len(wanted)] == wanted
    try:
        if compare(text, version) == 0:
            return True
    except VersionError:
        return False
    _epoch, up, revision = split(version)
    without_epoch = "%s-%s" % (up, revision) if revision else up
    return text in (without_epoch, up)


def resolve(request, available):
    """The newest of ``available`` package versions that ``request`` names, or None."""
    validate_request(request)
    return newest(version for version in available if matches(request, version))


def releases(available):
    """Distinct releases on offer, newest first, as text: for "what exists" messages.

    Pre-releases are listed with their full upstream (``27.0.0~rc.1``).
    """
    seen = []
    for version in sorted(set(available), key=sort_key, reverse=True):
        label = upstream(version) if is_prerelease(version) else release_text(version)
        if label and label not in seen:
            seen.append(label)
    return seen


_RELATIONS = {
    "<<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    "=": lambda c: c == 0,
    ">=": lambda c: c >= 0,
    ">>": lambda c: c > 0,
    # Obsolete forms dpkg still accepts.
    "<": lambda c: c <= 0,
    ">": lambda c: c >= 0,
}


def satisfies(version, relation, reference):
    """Does ``version`` satisfy a dependency relation such as ``>= 1.6.24``?"""
    if relation not in _RELATIONS:
        raise VersionError("unknown version relation %r" % relation)
    return _RELATIONS[relation](compare(version, reference))


_DEPENDENCY = re.compile(r"^\s*([A-Za-z0-9.+-]+)(?::[a-z0-9]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?")


def parse_depends(text):
    """Parse a ``Depends:`` field into ``{package: [(relation, version), ...]}``.

    Only plain (non-alternative) dependencies are returned: an alternative
    (``a | b``) never forces one package, so it cannot constrain a plan.
    """
    result = {}
    for item in (text or "").split(","):
        if "|" in item or not item.strip():
            continue
        match = _DEPENDENCY.match(item)
        if not match:
            continue
        name, relation, reference = match.groups()
        constraints = result.setdefault(name, [])
        if relation:
            constraints.append((relation, reference))
    return result
