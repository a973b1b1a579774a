# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() with task arguments, as Ansible would, and catch how it ends."""

from __future__ import annotations

import contextlib
import functools
import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.dockfleet.docker.plugins.module_utils import swarm_backup_host


class ModuleExit(SystemExit):
    """main() ended: ``failed`` tells fail_json from exit_json, ``result`` holds what it returned.

    A SystemExit, as the real exit_json and fail_json end the process: ``except Exception`` in the
    module must not catch it.
    """

    def __init__(self, failed, result):
        super().__init__(result.get("msg"))
        self.failed = failed
        self.result = result


@contextlib.contextmanager
def _module_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and later
    except ImportError:  # pragma: no cover - older ansible-core
        original = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = original
        return
    with patch_module_args(args):
        yield


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(main, args)`` -> ModuleExit; ``check_mode=True`` runs it as with --check."""

    def exit_json(self, **result):
        raise ModuleExit(False, result)

    def fail_json(self, msg, **result):
        raise ModuleExit(True, dict(result, msg=msg))

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    for variable in ("DOCKER_HOST", "DOCKER_TLS", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TIMEOUT"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("DOCKER_API_VERSION", raising=False)

    def run(main, args, check_mode=False):
        args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)
        with _module_args(args), pytest.raises(ModuleExit) as ended:
            main()
        return ended.value

    return run


@pytest.fixture
def backup_host(tmp_path, monkeypatch):
    """This host's /etc (daemon.json, subuid, subgid) in tmp_path; returns a writer for daemon.json."""
    etc = tmp_path / "etc"
    (etc / "docker").mkdir(parents=True)
    (etc / "subuid").write_text("dockremap:165536:65536\n")
    (etc / "subgid").write_text("dockremap:231072:65536\n")
    daemon_json = etc / "docker" / "daemon.json"
    monkeypatch.setattr(
        swarm_backup_host,
        "host_state",
        functools.partial(
            swarm_backup_host.host_state,
            config_path=str(daemon_json),
            etc=str(etc),
            lookup_user={"dockremap": ("dockremap", 999)}.get,
        ),
    )

    def write(config):
        daemon_json.write_text(json.dumps(config))

    return write
