# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""engine_package's wait for the engine after an install, on a fake clock and a fake docker.service.

(Reading the engine's version over its socket is engine_client's; see test_engine_client.py.)
"""

from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import SystemdError
from ansible_collections.dockfleet.docker.plugins.modules import engine_package


class FakeService:
    def __init__(self, start_error=None, failed=False):
        self.start_error = start_error
        self.is_failed = failed
        self.calls = []

    def start(self, restart=False):
        self.calls.append("restart" if restart else "start")
        if self.start_error:
            raise SystemdError(self.start_error)

    def failed(self):
        return self.is_failed

    def status(self):
        return "docker.service - Docker Application Container Engine"


class FakeModule:
    params = {"docker_socket": "/run/docker.sock"}


@pytest.fixture
def clock(fake_clock):
    return fake_clock


def answering(monkeypatch, answers):
    answers = list(answers)
    monkeypatch.setattr(
        engine_package, "server_version", lambda path: answers.pop(0) if len(answers) > 1 else answers[0]
    )


def test_the_engine_answering_as_wanted_is_no_problem(clock, monkeypatch):
    answering(monkeypatch, [None, None, "26.1.5"])
    service = FakeService()
    assert engine_package.wait_for_engine(FakeModule(), service, "5:26.1.5-1~debian.12~bookworm", 120) is None
    assert service.calls == ["start"]
    assert clock.now == 2


def test_an_old_daemon_left_running_is_restarted_once(clock, monkeypatch):
    answering(monkeypatch, ["20.10.24", "20.10.24", "26.1.5"])
    service = FakeService()
    assert engine_package.wait_for_engine(FakeModule(), service, "26.1.5", 120) is None
    assert service.calls == ["start", "restart"]


def test_a_failed_start_is_the_problem(clock, monkeypatch):
    answering(monkeypatch, [None])
    problem = engine_package.wait_for_engine(
        FakeModule(), FakeService(start_error="systemctl start docker.service failed: boom"), "26.1.5", 120
    )
    assert problem == "systemctl start docker.service failed: boom"


def test_systemd_giving_up_ends_the_wait_early(clock, monkeypatch):
    answering(monkeypatch, [None])
    problem = engine_package.wait_for_engine(FakeModule(), FakeService(failed=True), "26.1.5", 120)
    assert problem.startswith("the engine did not answer as 26.1.5 within 120s (now: not answering)")
    assert "docker.service - Docker" in problem
    assert clock.now == 0


def test_no_answer_in_time(clock, monkeypatch):
    answering(monkeypatch, [None])
    problem = engine_package.wait_for_engine(FakeModule(), FakeService(), "26.1.5", 30)
    assert problem.startswith("the engine did not answer as 26.1.5 within 30s")
    assert clock.now == 30
