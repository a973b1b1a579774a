# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The systemd helper: the systemctl commands it runs and how their failures read."""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import DockerService, Systemd, SystemdError


class FakeModule:
    def __init__(self, answers=None):
        self.answers = answers or {}
        self.commands = []

    def get_bin_path(self, name, required=False):
        return "/bin/" + name

    def run_command(self, args, environ_update=None):
        assert environ_update == {"LC_ALL": "C"}
        self.commands.append(args[1:])
        return self.answers.get(" ".join(args[1:]), (0, "", ""))


def test_show_reads_properties_and_repeated_ones_become_lists():
    module = FakeModule(
        {"show docker.service -pLoadState -pDropInPaths": (0, "LoadState=loaded\nDropInPaths=/a\nDropInPaths=/b\n", "")}
    )
    props = Systemd(module).show("docker.service", "LoadState", "DropInPaths")
    assert props == {"LoadState": ["loaded"], "DropInPaths": ["/a", "/b"]}


def test_must_names_the_command_and_systemds_answer():
    module = FakeModule({"start docker.service": (1, "", "Job for docker.service failed.\n")})
    with pytest.raises(SystemdError, match=r"systemctl start docker\.service failed: Job for docker\.service failed\."):
        Systemd(module).must("start", "docker.service")


def test_docker_is_stopped_with_its_socket_unit_when_there_is_one():
    module = FakeModule({"show docker.socket -pLoadState": (0, "LoadState=loaded\n", "")})
    DockerService(module).stop()
    assert module.commands[-1] == ["stop", "docker.socket", "docker.service"]


def test_docker_without_a_socket_unit_stops_the_service_only():
    module = FakeModule({"show docker.socket -pLoadState": (0, "LoadState=not-found\n", "")})
    DockerService(module).stop()
    assert module.commands[-1] == ["stop", "docker.service"]


@pytest.mark.parametrize("restart,verb", [(False, "start"), (True, "restart")])
def test_a_start_clears_the_start_limit_first(restart, verb):
    module = FakeModule()
    DockerService(module).start(restart=restart)
    assert module.commands == [["reset-failed", "docker.service", "docker.socket"], [verb, "docker.service"]]


def test_failed_and_status():
    module = FakeModule(
        {
            "is-failed docker.service": (0, "failed\n", ""),
            "status --no-pager --lines=8 docker.service": (3, "docker.service - Docker\n  Active: failed\n", ""),
        }
    )
    service = DockerService(module)
    assert service.failed()
    assert service.status() == "docker.service - Docker\n  Active: failed"
