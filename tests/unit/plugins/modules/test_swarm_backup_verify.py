# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""swarm_backup_verify against a scripted engine: the archive is checked first, and the swarm is compared
with the backup after waiting (on the fake clock) for the replicas."""

from __future__ import annotations

import json
import pathlib

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_backup_metadata import summarize_state
from ansible_collections.dockfleet.docker.plugins.modules import swarm_backup_verify
from ansible_collections.dockfleet.docker.tests.unit.plugins.modules.swarm_backup_fakes import (
    FakeEngine,
    FakeModule,
    backup_files,
    engine_info,
    manager,
    run,
)


def test_verify_checks_the_archive_first(tmp_path, backup_host):
    archive, metadata = backup_files(tmp_path)
    with open(archive, "ab") as handle:
        handle.write(b"corrupted")
    engine = FakeEngine(engine_info(tmp_path))
    module = FakeModule(archive=archive, metadata=metadata)
    ended = run(swarm_backup_verify.verify, module, engine)
    assert ended.failed and "is corrupted or is not the one the metadata describes" in ended.result["msg"]


class ServicesEngine(FakeEngine):
    """A manager whose service 'web' (2 replicas) runs ``running`` tasks; the backup holds 'web'."""

    def __init__(self, info, running):
        super().__init__(info, [manager()])
        self.running = running
        self.client.services = lambda: [WEB]
        self.client.tasks = self.tasks

    def state(self):
        return summarize_state([WEB], [], [], [], self.client.nodes())

    def tasks(self):
        return [
            {"ServiceID": "s1", "DesiredState": "running", "Status": {"State": "running"}}
            for _task in range(self.running.pop(0) if len(self.running) > 1 else self.running[0])
        ]


WEB = {"ID": "s1", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}}}}


def metadata_with_web(tmp_path):
    _archive, path = backup_files(tmp_path)
    metadata = json.loads(pathlib.Path(path).read_text())
    metadata["state"] = summarize_state([WEB], [], [], [], [manager()])
    with open(path, "w") as handle:
        json.dump(metadata, handle)
    return path


def test_verify_waits_for_the_replicas_then_passes(tmp_path, fake_clock):
    engine = ServicesEngine(engine_info(tmp_path), running=[0, 1, 2])
    ended = run(swarm_backup_verify.verify, FakeModule(metadata=metadata_with_web(tmp_path), wait_timeout=60), engine)
    assert not ended.failed, ended.result["msg"]
    assert ended.result["replicas"] == {"web": {"desired": 2, "running": 2}}
    assert fake_clock.sleeps == [3, 3]


def test_verify_names_the_service_that_lags_after_the_wait(tmp_path, fake_clock):
    engine = ServicesEngine(engine_info(tmp_path), running=[1])
    ended = run(swarm_backup_verify.verify, FakeModule(metadata=metadata_with_web(tmp_path), wait_timeout=10), engine)
    assert ended.failed
    assert "replicas: web (1 of 2 running)" in ended.result["msg"]
    assert fake_clock.now == 10
