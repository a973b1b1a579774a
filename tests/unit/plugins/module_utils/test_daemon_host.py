# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""daemon_host: what the host says about dockerd, read through a fake AnsibleModule (systemctl and dockerd answers
scripted) and files in a temporary directory."""

from __future__ import annotations

import os
import pwd

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils import daemon_host


class Module:
    def __init__(self, answers, binaries=("systemctl", "dockerd")):
        self.answers = answers  # {first words of the command: (rc, out, err)}
        self.binaries = binaries
        self.commands = []

    def get_bin_path(self, name, required=False):
        return "/usr/bin/%s" % name if name in self.binaries else None

    def run_command(self, args, environ_update=None):
        assert environ_update == {"LC_ALL": "C"}  # messages parsed in English
        self.commands.append(args)
        for prefix, answer in self.answers.items():
            if " ".join(args).startswith(prefix):
                return answer
        return 1, "", "not scripted: %s" % args


def test_read_text_and_file_stat_say_none_for_a_missing_file(tmp_path):
    present = tmp_path / "daemon.json"
    present.write_text("{}")
    assert daemon_host.read_text(str(present)) == "{}"
    assert daemon_host.read_text(str(tmp_path / "missing")) is None
    assert daemon_host.file_stat(str(present)).st_size == 2
    assert daemon_host.file_stat(str(tmp_path / "missing")) is None


def test_accounts_by_name_and_by_number():
    root = pwd.getpwuid(0).pw_name
    assert daemon_host.Host.user_exists(root) and daemon_host.Host.user_exists("0")
    assert not daemon_host.Host.user_exists("no-such-user-dockfleet")
    assert daemon_host.Host.group_exists("0")
    assert not daemon_host.Host.group_exists("no-such-group-dockfleet")


def test_unit_properties_gathers_repeated_properties_and_none_without_systemctl():
    out = "LoadState=loaded\nDropInPaths=/a.conf /b.conf\nEnvironmentFiles=/etc/default/docker (ignore_errors=yes)\n"
    host = daemon_host.Host(Module({"/usr/bin/systemctl show docker.service": (0, out, "")}))
    props = host.unit_properties("docker.service", "LoadState", "DropInPaths", "EnvironmentFiles")
    assert props == {
        "LoadState": ["loaded"],
        "DropInPaths": ["/a.conf /b.conf"],
        "EnvironmentFiles": ["/etc/default/docker (ignore_errors=yes)"],
    }
    assert daemon_host.Host(Module({}, binaries=())).unit_properties("docker.service", "LoadState") == {}


def test_unit_command_reads_the_unit_and_other_drop_ins_but_not_ours(tmp_path):
    fragment = tmp_path / "docker.service"
    fragment.write_text("[Service]\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n")
    theirs = tmp_path / "theirs.conf"
    theirs.write_text("[Service]\nExecStart=\nExecStart=/usr/bin/dockerd -H fd:// $DOCKER_OPTS\n")
    ours = tmp_path / "dockfleet.conf"
    ours.write_text("[Service]\nExecStart=\nExecStart=/usr/bin/dockerd\n")
    out = "LoadState=loaded\nFragmentPath=%s\nDropInPaths=%s %s\nEnvironmentFiles=/etc/default/docker (ignore_errors=yes)\n"
    host = daemon_host.Host(Module({"/usr/bin/systemctl show docker.service": (0, out % (fragment, theirs, ours), "")}))
    tokens, env_files = host.unit_command("docker.service", str(ours))
    assert tokens == ["/usr/bin/dockerd", "-H", "fd://", "$DOCKER_OPTS"]
    assert env_files == ["/etc/default/docker"]
    missing = daemon_host.Host(Module({"/usr/bin/systemctl show": (0, "LoadState=not-found\nFragmentPath=\n", "")}))
    assert missing.unit_command("docker.service", str(ours)) == (None, [])


@pytest.mark.parametrize(
    "help_text, validates",
    [("  --validate    Validate daemon configuration and exit\n", True), ("  --version  Print version\n", False)],
)
def test_engine_reads_the_version_and_whether_dockerd_validates(help_text, validates):
    module = Module(
        {
            "/usr/sbin/dockerd --version": (0, "Docker version 26.1.5+dfsg1, build a72d7cd\n", ""),
            "/usr/sbin/dockerd --help": (0, help_text, ""),
        }
    )
    assert daemon_host.Host(module).engine("/usr/sbin/dockerd") == (
        "Docker version 26.1.5+dfsg1, build a72d7cd",
        validates,
    )
    assert daemon_host.Host(module).engine(None) == (None, False)


def test_dockerd_is_the_units_binary_when_it_is_there_else_the_one_on_path(tmp_path):
    binary = tmp_path / "dockerd"
    binary.write_text("#!/bin/sh\n")
    os.chmod(binary, 0o755)
    host = daemon_host.Host(Module({}))
    assert host.dockerd(["-" + str(binary), "-H", "fd://"]) == str(binary)  # systemd's "-" prefix
    assert host.dockerd([str(tmp_path / "gone")]) == "/usr/bin/dockerd"
    assert host.dockerd(None) == "/usr/bin/dockerd"


def test_subordinate_ids_are_found_by_name_or_id(tmp_path, monkeypatch):
    files = {"/etc/subuid": "dockremap:165536:65536\n0:100000:65536\n", "/etc/subgid": "other:1:2\n"}
    monkeypatch.setattr(daemon_host, "read_text", files.get)
    assert daemon_host.Host.has_subordinate_ids("subuid", "dockremap")
    assert daemon_host.Host.has_subordinate_ids("subuid", pwd.getpwuid(0).pw_name)  # root's range is under uid 0
    assert not daemon_host.Host.has_subordinate_ids("subgid", "dockremap")
