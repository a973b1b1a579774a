# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_packages import PlanError, plan

V20 = "5:20.10.24-1~debian.12~bookworm"
V26 = "5:26.1.5-1~debian.12~bookworm"
V27 = "5:27.0.0-1~debian.12~bookworm"
C16 = "1.6.20-1"
C17 = "1.7.24-1"
BUILDX = "0.13.1-1~debian.12~bookworm"
COMPOSE = "2.26.1-1~debian.12~bookworm"

AVAILABLE = {
    "docker-ce": [V26, V20],
    "docker-ce-cli": [V26, V20],
    "containerd.io": [C17, C16],
    "docker-buildx-plugin": [BUILDX],
    "docker-compose-plugin": [COMPOSE],
    "docker-ce-rootless-extras": [],
    "docker.io": ["20.10.24+dfsg1-1+deb12u1"],
}
DEPENDS = {
    ("docker-ce", V20): "containerd.io (>= 1.4), iptables, docker-ce-cli",
    ("docker-ce", V26): "containerd.io (>= 1.6), iptables, docker-ce-cli",
    ("docker-ce", V27): "containerd.io (>= 1.7.20), iptables, docker-ce-cli",
}


def depends_of(name, version):
    return DEPENDS.get((name, version), "")


def make(request, installed=None, available=None, **kwargs):
    return plan(
        "docker-ce",
        request,
        AVAILABLE if available is None else available,
        installed or {},
        depends_of=depends_of,
        **kwargs,
    )


def test_first_install_resolves_a_consistent_set():
    result = make("20.10")
    assert result.targets == {"containerd.io": C17, "docker-ce-cli": V20, "docker-ce": V20}
    assert result.changes == [("containerd.io", None, C17), ("docker-ce-cli", None, V20), ("docker-ce", None, V20)]
    assert result.downgrades == []
    # containerd first, then the CLI, then the engine that needs both.
    assert result.specs() == ["containerd.io=%s" % C17, "docker-ce-cli=%s" % V20, "docker-ce=%s" % V20]


def test_nothing_to_do_when_installed_matches():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C16}
    result = make("26.1", installed)
    assert result.changes == []
    assert result.targets["containerd.io"] == C16  # kept: it satisfies >= 1.6


def test_upgrade_keeps_containerd_that_still_fits():
    installed = {"docker-ce": V20, "docker-ce-cli": V20, "containerd.io": C16}
    result = make("latest", installed)
    assert result.changes == [("docker-ce-cli", V20, V26), ("docker-ce", V20, V26)]


def test_upgrade_moves_containerd_when_the_engine_needs_it():
    available = dict(AVAILABLE, **{"docker-ce": [V27, V26], "docker-ce-cli": [V27, V26]})
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C16}
    result = make("27", installed, available)
    assert ("containerd.io", C16, C17) in result.changes


def test_containerd_request_that_breaks_the_engine_fails():
    available = dict(AVAILABLE, **{"docker-ce": [V27], "docker-ce-cli": [V27]})
    with pytest.raises(PlanError, match=r"containerd.io 1.6.20-1 does not satisfy .*>= 1.7.20"):
        make("27", {}, available, containerd_request="1.6")


def test_containerd_request_is_honoured():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17}
    result = make("26.1", installed, containerd_request="1.6", allow_downgrade=True)
    assert result.changes == [("containerd.io", C17, C16)]
    assert result.downgrades == [("containerd.io", C17, C16)]


def test_downgrade_is_refused_with_a_clear_message():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17}
    with pytest.raises(PlanError) as error:
        make("20.10", installed)
    message = str(error.value)
    assert "Refusing to downgrade" in message
    assert V26 in message and V20 in message  # what is installed, what was asked
    assert "'20.10'" in message
    assert "allow_downgrade=true" in message and "Nothing was changed" in message
    # Each entry point's own variable (issue 15 point 6): the role's and the engine_upgrade playbook's.
    assert "with the engine role engine_allow_downgrade: true" in message
    assert "with the engine_upgrade playbook -e engine_upgrade_allow_downgrade=true" in message


def test_downgrade_allowed():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17}
    result = make("20.10", installed, allow_downgrade=True)
    assert result.downgrades == [("docker-ce-cli", V26, V20), ("docker-ce", V26, V20)]
    assert result.targets["containerd.io"] == C17


def test_unknown_version_lists_what_exists():
    with pytest.raises(PlanError) as error:
        make("19.03")
    message = str(error.value)
    assert "No docker-ce version matches '19.03'" in message
    assert "26.1.5, 20.10.24" in message


def test_no_repository_says_so():
    with pytest.raises(PlanError, match=r"apt offers no docker-ce package.*apt-get update"):
        make("26.1", available={})


def test_invalid_version():
    with pytest.raises(PlanError, match="not a version"):
        make("twenty-six")


def test_cli_without_matching_version_fails():
    available = dict(AVAILABLE, **{"docker-ce-cli": [V20]})
    with pytest.raises(PlanError, match="no docker-ce-cli matching engine " + V26):
        make("26.1", available=available)


def test_plugins_resolved_by_short_name_package_name_and_version():
    result = make("26.1", plugins=["buildx", "docker-compose-plugin"])
    assert result.targets["docker-buildx-plugin"] == BUILDX
    assert result.targets["docker-compose-plugin"] == COMPOSE
    result = make("26.1", plugins=["compose=2.26"])
    assert result.targets["docker-compose-plugin"] == COMPOSE
    with pytest.raises(PlanError, match=r"No docker-compose-plugin version matches '2.20'.*2.26.1"):
        make("26.1", plugins=["compose=2.20"])


def test_unknown_plugin():
    with pytest.raises(PlanError, match=r"Unknown plugin 'scan'.*buildx, compose"):
        make("26.1", plugins=["scan"])


def test_installed_plugins_stay_managed_at_their_version():
    installed = {"docker-ce": V20, "docker-ce-cli": V20, "containerd.io": C17, "docker-compose-plugin": "2.20.0-1"}
    result = make("26.1", installed)
    assert result.targets["docker-compose-plugin"] == "2.20.0-1"
    assert ("docker-compose-plugin", "2.20.0-1", COMPOSE) not in result.changes


def test_rootless_extras_follow_the_engine_when_installed():
    available = dict(AVAILABLE, **{"docker-ce-rootless-extras": [V26, V20]})
    installed = {"docker-ce": V20, "docker-ce-cli": V20, "containerd.io": C17, "docker-ce-rootless-extras": V20}
    result = make("26.1", installed, available)
    assert ("docker-ce-rootless-extras", V20, V26) in result.changes
    assert "docker-ce-rootless-extras" not in make("26.1").targets


def test_other_flavor_installed_is_not_swapped_silently():
    with pytest.raises(PlanError, match=r"docker.io .* is installed.*remove docker.io first"):
        make("26.1", {"docker.io": "20.10.24+dfsg1-1+deb12u1"})


def test_docker_io_flavor_on_debian_12_has_no_separate_cli():
    available = {"docker.io": ["20.10.24+dfsg1-1+deb12u1"], "containerd": ["1.6.20~ds1-1+b1"]}
    result = plan("docker.io", "20.10", available, {}, depends_of=lambda n, v: "containerd (>= 1.4~)")
    assert result.targets == {"containerd": "1.6.20~ds1-1+b1", "docker.io": "20.10.24+dfsg1-1+deb12u1"}


def test_docker_io_flavor_on_debian_13_installs_the_cli():
    available = {
        "docker.io": ["26.1.5+dfsg1-9+b1"],
        "docker-cli": ["26.1.5+dfsg1-9+b1"],
        "containerd": ["1.7.24~ds1-6+b1"],
    }
    result = plan("docker.io", "26.1", available, {})
    assert result.targets["docker-cli"] == "26.1.5+dfsg1-9+b1"


def test_preferences_pin_every_package_at_its_version():
    text = engine_packages.preferences({"docker-ce": V26, "containerd.io": C17})
    assert text.startswith("# Managed by dockfleet")
    assert "Package: docker-ce\nPin: version %s\nPin-Priority: 1001\n" % V26 in text
    assert "Package: containerd.io\nPin: version %s\nPin-Priority: 1001\n" % C17 in text
    # Stable output: the module compares it with the file on disk to decide `changed`.
    assert text == engine_packages.preferences({"containerd.io": C17, "docker-ce": V26})


def test_describe_for_diff():
    assert engine_packages.describe({}) == "no Docker packages installed\n"
    text = engine_packages.describe({"docker-ce": V26, "containerd.io": C17}, held={"docker-ce"}, pinned=True)
    assert text == "containerd.io=%s\ndocker-ce=%s (hold)\napt pin: yes\n" % (C17, V26)


class FakeApt:
    """What engine_state and engine_package read through module_utils.apt.Apt."""

    def __init__(self, installed, held=()):
        self._installed = installed
        self._held = set(held)
        self.asked = []

    def installed(self, names):
        self.asked.append(sorted(names))
        return dict(self._installed), set(self._held)

    def available(self, names):
        return dict((name, AVAILABLE.get(name, [])) for name in names)

    def depends(self, name, version):
        return depends_of(name, version)


def test_read_plan_reads_every_package_of_the_flavor_and_the_other_engine():
    apt = FakeApt({"docker-ce": V20, "docker-ce-cli": V20, "containerd.io": C17})
    installed, _held, planned = engine_packages.read_plan(apt, "docker-ce", "26.1")
    assert "docker.io" in apt.asked[0] and "docker-compose-plugin" in apt.asked[0]
    assert installed["docker-ce"] == V20
    assert planned.changes == [("docker-ce-cli", V20, V26), ("docker-ce", V20, V26)]


def test_pin_state_of_a_converged_host_has_nothing_to_change():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17}
    planned = make("26.1", installed)
    pin = engine_packages.PinState(
        planned, installed, set(installed), engine_packages.preferences(planned.targets), True
    )
    assert not pin.changed
    assert pin.before_packages == installed


def test_pin_state_finds_a_hold_released_by_hand_and_a_pin_file_removed():
    installed = {"docker-ce": V26, "docker-ce-cli": V26, "containerd.io": C17}
    planned = make("26.1", installed)
    pin = engine_packages.PinState(planned, installed, {"docker-ce"}, None, True)
    assert pin.changed and pin.holds_wanted - pin.holds_now == {"docker-ce-cli", "containerd.io"}
    unpinned = engine_packages.PinState(planned, installed, set(), None, False)
    assert not unpinned.changed


def test_flavor_and_release_of():
    assert engine_packages.flavor_of("distro") == "docker.io"
    assert engine_packages.flavor_of("mirror") == "docker-ce"
    assert engine_packages.release_of(V26) == "26.1.5"
