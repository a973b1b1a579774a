# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import os

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import apt

MADISON = """\
 docker-ce | 5:26.1.5-1~debian.12~bookworm | http://dockfleet-mirror/linux/debian bookworm/stable amd64 Packages
 docker-ce | 5:20.10.24-1~debian.12~bookworm | http://dockfleet-mirror/linux/debian bookworm/stable amd64 Packages
 docker-ce | 5:26.1.5-1~debian.12~bookworm | http://other-mirror/linux/debian bookworm/stable amd64 Packages
docker-ce-cli | 5:26.1.5-1~debian.12~bookworm | http://dockfleet-mirror/linux/debian bookworm/stable amd64 Packages
"""

DPKG_QUERY = (
    "docker-ce\t5:20.10.24-1~debian.12~bookworm\thold ok installed\n"
    "docker-ce-cli\t5:20.10.24-1~debian.12~bookworm\tinstall ok installed\n"
    "containerd.io:amd64\t1.7.24-1\thold ok installed\n"
    "docker-compose-plugin\t\tunknown ok not-installed\n"
    "docker.io\t20.10.24+dfsg1-1\tdeinstall ok config-files\n"
    "docker-buildx-plugin\t0.13.1-1\tinstall ok half-configured\n"
)

SHOW = """\
Package: docker-ce
Version: 5:26.1.5-1~debian.12~bookworm
Depends: containerd.io (>= 1.6), iptables,
 docker-ce-cli
Recommends: ca-certificates

Package: docker-ce
Version: 5:20.10.24-1~debian.12~bookworm
Depends: containerd.io (>= 1.4)
"""


def test_parse_madison_dedupes_and_filters_by_name():
    assert apt.parse_madison(MADISON, "docker-ce") == [
        "5:26.1.5-1~debian.12~bookworm",
        "5:20.10.24-1~debian.12~bookworm",
    ]
    assert apt.parse_madison(MADISON, "docker-ce-cli") == ["5:26.1.5-1~debian.12~bookworm"]
    assert apt.parse_madison("", "docker-ce") == []
    assert apt.parse_madison("N: Unable to locate package docker-ce", "docker-ce") == []


def test_parse_dpkg_query():
    installed, held = apt.parse_dpkg_query(DPKG_QUERY)
    assert installed == {
        "docker-ce": "5:20.10.24-1~debian.12~bookworm",
        "docker-ce-cli": "5:20.10.24-1~debian.12~bookworm",
        "containerd.io": "1.7.24-1",
        # half-configured is installed (and broken): the plan must still move it.
        "docker-buildx-plugin": "0.13.1-1",
    }
    assert held == {"docker-ce", "containerd.io"}


def test_parse_field_reads_first_paragraph_with_continuations():
    assert apt.parse_field(SHOW, "Depends") == "containerd.io (>= 1.6), iptables, docker-ce-cli"
    assert apt.parse_field(SHOW, "Recommends") == "ca-certificates"
    assert apt.parse_field(SHOW, "Conflicts") == ""


@pytest.mark.parametrize(
    "text",
    [
        "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)\n"
        "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?",
        "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 77 (apt-get)",
        "dpkg: error: dpkg frontend lock was locked by another process with pid 12",
    ],
)
def test_lock_errors_are_recognised(text):
    assert apt.is_lock_error(text)


def test_lock_holder():
    assert apt.lock_holder("It is held by process 4242 (unattended-upgr)") == "process 4242 (unattended-upgr)"
    assert apt.lock_holder("no holder here") == ""


def test_other_errors_are_not_lock_errors():
    assert not apt.is_lock_error("E: Version '5:99' for 'docker-ce' was not found")


class FakeModule:
    """Records commands; answers from a list of (rc, out, err)."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.commands = []

    def run_command(self, cmd, environ_update=None, data=None):
        self.commands.append(cmd)
        assert environ_update["LC_ALL"] == "C"
        return self.answers.pop(0)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


LOCKED = (100, "", "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)")


def test_lock_is_waited_for_then_the_command_runs():
    clock = FakeClock()
    module = FakeModule([LOCKED, LOCKED, (0, "done", "")])
    runner = apt.Apt(module, lock_timeout=10, sleep=clock.sleep, clock=clock)
    assert runner.install(["docker-ce=1"]) == "done"
    assert len(module.commands) == 3
    assert module.commands[0][1:3] == ["-o", "DPkg::Lock::Timeout=10"]
    assert module.commands[2][1:3] == ["-o", "DPkg::Lock::Timeout=6"]


def test_lock_wait_is_bounded_and_fails_clearly():
    clock = FakeClock()
    module = FakeModule([LOCKED] * 20)
    runner = apt.Apt(module, lock_timeout=5, sleep=clock.sleep, clock=clock)
    with pytest.raises(apt.AptLockTimeout) as error:
        runner.hold(["docker-ce"])
    message = str(error.value)
    assert "process 4242 (unattended-upgr)" in message
    assert "lock_timeout=5" in message
    assert "nothing was changed" in message
    assert len(module.commands) == 4  # t=0, 2, 4, 6: gives up once past the deadline


def test_install_failure_is_reported_with_apt_errors():
    module = FakeModule([(100, "Reading package lists...", "E: Version '5:99' for 'docker-ce' was not found")])
    runner = apt.Apt(module, lock_timeout=5)
    with pytest.raises(apt.AptError, match="Version '5:99'") as error:
        runner.install(["docker-ce=5:99"], allow_downgrades=True)
    assert not isinstance(error.value, apt.AptLockTimeout)
    command = module.commands[0]
    assert "--allow-downgrades" in command and "--no-install-recommends" in command
    assert command[-2:] == ["install", "docker-ce=5:99"]


def test_download_only_goes_first():
    module = FakeModule([(0, "", "")])
    apt.Apt(module).download(["docker-ce=1"])
    command = module.commands[0]
    assert "--download-only" in command
    assert command[-2:] == ["install", "docker-ce=1"]


class DownloadingModule(FakeModule):
    """apt-helper download-file: writes ``body`` to the destination it is given, or fails like apt."""

    def __init__(self, body=None, err=""):
        super().__init__([])
        self.body, self.err = body, err

    def run_command(self, cmd, environ_update=None, data=None):
        self.commands.append(cmd)
        if self.body is None:
            return 100, "Err:1 http://mirror.invalid/gpg", self.err
        with open(cmd[-1], "w") as handle:
            handle.write(self.body)
        return 0, "Get:1 http://mirror/gpg [1355 B]", ""


def test_fetch_goes_through_apt_once_and_leaves_nothing_behind():
    module = DownloadingModule(body="-----BEGIN PGP PUBLIC KEY BLOCK-----\n")
    assert apt.Apt(module).fetch("http://mirror/gpg", timeout=7) == "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
    command = module.commands[0]
    assert command[0] == apt.APT_HELPER and command[-3:-1] == ["download-file", "http://mirror/gpg"]
    # one try, bounded: apt's own retries would triple the wait for a mirror that is down
    assert "Acquire::Retries=0" in command and "Acquire::https::Timeout=7" in command
    assert not os.path.exists(os.path.dirname(command[-1]))


def test_fetch_failure_says_what_apt_said():
    err = (
        "W: Download is performed unsandboxed as root\n"
        "E: Failed to fetch http://mirror.invalid/gpg  Could not resolve 'mirror.invalid'\nE: Download Failed"
    )
    module = DownloadingModule(err=err)
    with pytest.raises(apt.AptError) as error:
        apt.Apt(module).fetch("http://mirror.invalid/gpg")
    message = str(error.value)
    assert message.startswith("apt could not download http://mirror.invalid/gpg: ")
    assert "Could not resolve 'mirror.invalid'" in message and "unsandboxed" not in message
    assert not os.path.exists(os.path.dirname(module.commands[0][-1]))


def test_available_asks_apt_once_for_every_package():
    module = FakeModule([(0, MADISON, "N: Unable to locate package docker.io")])
    offered = apt.Apt(module).available({"docker-ce", "docker-ce-cli", "docker.io"})
    assert module.commands == [["apt-cache", "madison", "docker-ce", "docker-ce-cli", "docker.io"]]
    assert offered == {
        "docker-ce": ["5:26.1.5-1~debian.12~bookworm", "5:20.10.24-1~debian.12~bookworm"],
        "docker-ce-cli": ["5:26.1.5-1~debian.12~bookworm"],
        "docker.io": [],
    }


def test_os_release_fields_unquoted(tmp_path):
    path = tmp_path / "os-release"
    path.write_text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n# x=y\n')
    fields = apt.read_os_release(str(path))
    assert fields == {"PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)", "ID": "debian", "VERSION_CODENAME": "bookworm"}
    assert apt.is_apt_family(fields)
    assert apt.is_apt_family({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"})
    assert not apt.is_apt_family({"ID": "rocky", "ID_LIKE": "rhel centos fedora"})
    assert apt.read_os_release(str(tmp_path / "none")) == {}


def test_lists_age_from_the_first_stamp_that_exists(tmp_path):
    stamp = tmp_path / "lists"
    stamp.mkdir()
    os.utime(stamp, (1000, 1000))
    assert apt.lists_age(4600, (str(tmp_path / "none"), str(stamp))) == 3600
    assert apt.lists_age(4600, (str(tmp_path / "none"),)) is None


def test_lists_older_than_counts_lists_never_refreshed_as_old(tmp_path):
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    os.utime(str(stamp), (1000, 1000))
    assert apt.lists_older_than(3599, 4600, (str(stamp),))
    assert not apt.lists_older_than(3600, 4600, (str(stamp),))
    assert apt.lists_older_than(3600, 4600, (str(tmp_path / "none"),))


class Module:
    def __init__(self, binaries):
        self.binaries = binaries

    def get_bin_path(self, name, required=False):
        return "/usr/bin/" + name if name in self.binaries else None


def test_platform_problem_names_who_cannot_run_and_what_the_host_runs():
    debian = {"ID": "debian", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}
    assert apt.platform_problem(Module(["apt-get"]), "engine_package", debian) == ""
    assert apt.platform_problem(Module([]), "engine_package", debian) == (
        "engine_package supports Debian and Ubuntu hosts (apt) only; this host runs Debian GNU/Linux 12 (bookworm)."
    )
    assert apt.platform_problem(Module(["apt-get"]), "x", {"ID": "rocky"}).endswith("this host runs an unknown system.")
