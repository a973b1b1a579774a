# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import itertools
import shutil
import subprocess

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import versions

BOOKWORM_20 = "5:20.10.24-1~debian.12~bookworm"
BOOKWORM_26 = "5:26.1.5-1~debian.12~bookworm"
BOOKWORM_26_0 = "5:26.1.0-1~debian.12~bookworm"
BOOKWORM_26_10 = "5:26.10.1-1~debian.12~bookworm"
BOOKWORM_27_RC = "5:27.0.0~rc.1-1~debian.12~bookworm"
BOOKWORM_27 = "5:27.0.0-1~debian.12~bookworm"
JAMMY_24 = "5:24.0.7-1~ubuntu.22.04~jammy"
JAMMY_24_6 = "5:24.0.6-1~ubuntu.22.04~jammy"
STRETCH_18 = "5:18.09.1~3-0~debian-stretch"
DEBIAN_DOCKER_IO = "26.1.5+dfsg1-9+b1"
OFFER = [BOOKWORM_20, BOOKWORM_26_0, BOOKWORM_26, BOOKWORM_26_10, BOOKWORM_27_RC]

# (lower, higher): each pair is strictly ordered the way dpkg orders it.
ORDERED = [
    ("1.0~rc1", "1.0"),  # ~ sorts before the end of the string
    ("1.0~~", "1.0~"),
    ("1.0", "1.0a"),  # letters sort after the end of the string
    ("1.0a", "1.0+dfsg1"),  # non-letters sort after letters
    ("1.0-1~bpo1", "1.0-1"),  # backports below the release they come from
    ("9", "10"),  # numbers compare as numbers
    ("1.9", "1.10"),
    ("2.0", "1:0.1"),  # the epoch wins over everything
    ("5:20.10.24-1~debian.12~bookworm", "5:26.1.5-1~debian.12~bookworm"),
    ("5:26.1.5-1~debian.12~bookworm", "5:26.10.1-1~debian.12~bookworm"),
    ("5:27.0.0~rc.1-1~debian.12~bookworm", "5:27.0.0-1~debian.12~bookworm"),
    ("5:26.1.5-1~debian.12~bookworm", "5:26.1.5-1~debian.13~trixie"),
    ("5:24.0.7-1~ubuntu.20.04~focal", "5:24.0.7-1~ubuntu.22.04~jammy"),
    ("5:24.0.6-1~ubuntu.22.04~jammy", "5:24.0.7-1~ubuntu.22.04~jammy"),
    ("5:18.09.0~3-0~debian-stretch", "5:18.09.1~3-0~debian-stretch"),
    ("20.10.24+dfsg1-1+deb12u1", "26.1.5+dfsg1-9+b1"),
    ("26.1.5+dfsg1-9", "26.1.5+dfsg1-9+b1"),
    ("26.1.5+dfsg1-9+b1", "5:20.10.24-1~debian.12~bookworm"),  # Docker's epoch 5 beats Debian's builds
    ("1.6.20-1", "1.7.24-1"),
]
EQUAL = [("1.0", "1.00"), ("0:1.0", "1.0"), ("1.0-0", "1.0-0"), ("1.0", "1.0-0")]


@pytest.mark.parametrize("lower,higher", ORDERED)
def test_compare_orders_like_dpkg(lower, higher):
    assert versions.compare(lower, higher) == -1
    assert versions.compare(higher, lower) == 1


@pytest.mark.parametrize("left,right", EQUAL)
def test_compare_equal(left, right):
    assert versions.compare(left, right) == 0


@pytest.mark.skipif(shutil.which("dpkg") is None, reason="cross-check needs dpkg (the Debian CI machine has it)")
def test_compare_agrees_with_dpkg_on_every_pair():
    sample = sorted({v for pair in ORDERED + EQUAL for v in pair} | set(OFFER) | {JAMMY_24, STRETCH_18})
    for left, right in itertools.product(sample, repeat=2):
        expected = 0
        if subprocess.run(["dpkg", "--compare-versions", left, "lt", right], check=False).returncode == 0:
            expected = -1
        elif subprocess.run(["dpkg", "--compare-versions", left, "gt", right], check=False).returncode == 0:
            expected = 1
        assert versions.compare(left, right) == expected, (left, right)


@pytest.mark.parametrize(
    "version,expected",
    [
        (BOOKWORM_26, (5, "26.1.5", "1~debian.12~bookworm")),
        (JAMMY_24, (5, "24.0.7", "1~ubuntu.22.04~jammy")),
        (DEBIAN_DOCKER_IO, (0, "26.1.5+dfsg1", "9+b1")),
        ("1.7.24", (0, "1.7.24", "")),
        # dpkg splits the revision at the LAST hyphen.
        (STRETCH_18, (5, "18.09.1~3-0~debian", "stretch")),
    ],
)
def test_split(version, expected):
    assert versions.split(version) == expected


@pytest.mark.parametrize("bad", ["", "  ", "x:1.0", "abc", "-1", None])
def test_split_rejects_non_versions(bad):
    with pytest.raises(versions.VersionError):
        versions.split(bad)


@pytest.mark.parametrize(
    "version,expected",
    [
        (BOOKWORM_26, (26, 1, 5)),
        (JAMMY_24, (24, 0, 7)),
        (STRETCH_18, (18, 9, 1)),
        (DEBIAN_DOCKER_IO, (26, 1, 5)),
        ("20.10.24+dfsg1", (20, 10, 24)),  # what Debian's engine reports as its server version
        ("26.1.5", (26, 1, 5)),
        (BOOKWORM_27_RC, (27, 0, 0)),
        ("garbage", ()),
        (None, ()),
        # The engine and the docker CLI as they write it (one parser for every caller).
        ("Docker version 20.10.24+dfsg1, build 5d6db84", (20, 10, 24)),
        ("Docker version 26.1.5, build a72d7cd", (26, 1, 5)),
        ("v27.0", (27, 0)),
        ("", ()),
    ],
)
def test_release(version, expected):
    assert versions.release(version) == expected


def test_release_text():
    assert versions.release_text(BOOKWORM_26) == "26.1.5"
    assert versions.release_text((20, 10, 24)) == "20.10.24"


@pytest.mark.parametrize(
    "version,expected",
    [(BOOKWORM_27_RC, True), ("5:25.0.0~beta.3-1~debian.12~bookworm", True), (BOOKWORM_27, False), (STRETCH_18, False)],
)
def test_is_prerelease(version, expected):
    assert versions.is_prerelease(version) is expected


@pytest.mark.parametrize(
    "request_,expected",
    [
        ("latest", BOOKWORM_26_10),  # newest stable: the release candidate is not picked by accident
        ("LATEST", BOOKWORM_26_10),
        ("26", BOOKWORM_26_10),
        ("26.1", BOOKWORM_26),  # newest 26.1.x, never 26.10
        ("26.10", BOOKWORM_26_10),
        ("26.1.0", BOOKWORM_26_0),
        ("26.1.5", BOOKWORM_26),
        ("20", BOOKWORM_20),
        ("20.10", BOOKWORM_20),
        (" 20.10 ", BOOKWORM_20),
        (BOOKWORM_20, BOOKWORM_20),  # full package version
        ("20.10.24-1~debian.12~bookworm", BOOKWORM_20),  # the same without its epoch
        ("27.0.0~rc.1", BOOKWORM_27_RC),  # pre-releases only when named exactly
        ("27", None),
        ("19.03", None),
        ("26.1.4", None),
        ("2", None),  # a partial release matches whole components only
        ("5:26.1.5-1~debian.13~trixie", None),  # another suite's package is not this one
    ],
)
def test_resolve(request_, expected):
    assert versions.resolve(request_, OFFER) == expected


def test_resolve_ubuntu_strings():
    offer = [JAMMY_24_6, JAMMY_24, "5:25.0.3-1~ubuntu.22.04~jammy"]
    assert versions.resolve("24.0", offer) == JAMMY_24
    assert versions.resolve("24.0.6", offer) == JAMMY_24_6
    assert versions.resolve("latest", offer) == "5:25.0.3-1~ubuntu.22.04~jammy"
    assert versions.resolve("24.0.7-1~ubuntu.22.04~jammy", offer) == JAMMY_24


def test_resolve_debian_builds():
    offer = ["20.10.24+dfsg1-1+deb12u1", "26.1.5+dfsg1-9+b1"]
    assert versions.resolve("26.1", offer) == "26.1.5+dfsg1-9+b1"
    assert versions.resolve("20.10.24", offer) == "20.10.24+dfsg1-1+deb12u1"
    assert versions.resolve("26.1.5+dfsg1", offer) == "26.1.5+dfsg1-9+b1"


def test_resolve_empty_offer():
    assert versions.resolve("latest", []) is None


@pytest.mark.parametrize("bad", ["", "   ", "bananas", "v26.1"])
def test_resolve_rejects_what_is_not_a_version(bad):
    with pytest.raises(versions.VersionError, match="latest"):
        versions.resolve(bad, OFFER)


def test_releases_lists_what_exists_newest_first():
    assert versions.releases([*OFFER, BOOKWORM_26]) == ["27.0.0~rc.1", "26.10.1", "26.1.5", "26.1.0", "20.10.24"]


def test_newest():
    assert versions.newest([BOOKWORM_20, BOOKWORM_26, BOOKWORM_26_0]) == BOOKWORM_26
    assert versions.newest([]) is None


@pytest.mark.parametrize(
    "version,relation,reference,expected",
    [
        ("1.7.24-1", ">=", "1.6", True),
        ("1.6.20-1", ">=", "1.7", False),
        ("1.6.20-1", ">>", "1.6.20-1", False),
        ("1.6.20-1", "=", "1.6.20-1", True),
        ("1.6.20-1", "<<", "1.7", True),
        ("1.6.20-1", "<=", "1.6.20-1", True),
    ],
)
def test_satisfies(version, relation, reference, expected):
    assert versions.satisfies(version, relation, reference) is expected


def test_satisfies_rejects_unknown_relation():
    with pytest.raises(versions.VersionError):
        versions.satisfies("1.0", "~=", "1.0")


def test_parse_depends():
    depends = (
        "containerd.io (>= 1.6.24), docker-ce-cli, iptables, libseccomp2 (>= 2.3.0), libc6 (>= 2.34), "
        "libdevmapper1.02.1 (>= 2:1.02.97) | dmsetup, runc:amd64 (>= 1.1)"
    )
    parsed = versions.parse_depends(depends)
    assert parsed["containerd.io"] == [(">=", "1.6.24")]
    assert parsed["docker-ce-cli"] == []
    assert parsed["runc"] == [(">=", "1.1")]
    assert "libdevmapper1.02.1" not in parsed  # alternatives never force one package
    assert versions.parse_depends("") == {}
