#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: engine_package
short_description: Install the Docker engine at a chosen version, pin it, upgrade or downgrade it on purpose
version_added: 0.1.0
description:
  - Resolves O(version) against the versions apt on the host really offers (C(apt-cache madison)) and installs a
    consistent set at that version - the engine, its CLI, containerd and the requested CLI plugins - with exact
    C(package=version) arguments, never "whatever is newest".
  - With O(pin=true) the installed set is held twice - an apt preferences file in C(/etc/apt/preferences.d) and a dpkg
    hold - so C(apt-get upgrade), C(apt-get dist-upgrade) and unattended-upgrades cannot move it. Changing O(version)
    moves the pin.
  - A lower version than the installed one is refused unless O(allow_downgrade=true); a downgrade stops C(docker.socket)
    and C(docker.service), installs the lower versions and starts docker again.
  - The packages are downloaded before anything is changed. When the install fails, or the new engine does not answer
    within O(start_timeout) seconds, the previous versions are installed back and started, and the task fails saying so.
  - containerd and the CLI plugins keep their installed version when it still satisfies the engine (an engine change
    never moves them behind your back); otherwise, and on first install, they get the newest stable version on offer.
    Ask for a version explicitly with O(containerd_version) or C(plugin=version) in O(plugins).
  - Debian and Ubuntu (apt) only; other systems fail with a clear message.
extends_documentation_fragment:
  - dockfleet.docker.attributes
options:
  version:
    description:
      - The engine version. V(latest) (newest stable), a partial release (V(26) means the newest 26.x.y, V(26.1) the
        newest 26.1.y - never 26.10), an exact release (V(26.1.5)), or a full package version
        (V(5:26.1.5-1~debian.12~bookworm)).
      - When nothing on offer matches, the task fails and lists the versions that exist.
    type: str
    required: true
  allow_downgrade:
    description:
      - Allow installing lower versions than the installed ones. Without it a downgrade fails before anything is touched.
    type: bool
    default: false
  pin:
    description:
      - Hold the managed packages at the installed versions (apt preferences file O(preferences_file) with
        C(Pin-Priority 1001) plus C(apt-mark hold)).
      - V(false) removes the preferences file and the holds.
    type: bool
    default: true
  plugins:
    description:
      - Docker CLI plugins to install - V(buildx), V(compose) - optionally with a version request, as in V(compose=2.26).
      - Plugins that are already installed stay managed (and pinned) at their version; they are never removed.
    type: list
    elements: str
    default: []
  containerd_version:
    description:
      - The containerd package version to install (same forms as O(version)). By default the installed one is kept
        when the engine accepts it, otherwise the newest stable one is installed.
    type: str
  flavor:
    description:
      - V(docker-ce) installs Docker's packages (C(docker-ce), C(docker-ce-cli), C(containerd.io), ...) from Docker's
        repository or a mirror of it.
      - V(docker.io) installs the distribution's packages (C(docker.io), C(docker-cli), C(containerd)).
      - Switching flavor on a host that has the other one installed fails; remove the other packages first.
    type: str
    choices: [docker-ce, docker.io]
    default: docker-ce
  update_cache:
    description:
      - Run C(apt-get update) before resolving the version (not in check mode).
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for the apt/dpkg lock held by another process (unattended-upgrades, another run) before failing.
    type: int
    default: 300
  host_lock_timeout:
    description:
      - Seconds to wait for another run that holds this host's engine lock (C(/run/dockfleet/dockerd.lock)) before
        failing. The module holds the lock from reading the installed packages to its last change (not in check mode),
        so two runs against one host at the same time never both install; the second one waits, then finds the
        packages installed and reports no change. The timeout message names the run that holds the lock.
    type: int
    default: 300
  start_timeout:
    description:
      - Seconds to wait for the engine API to answer after an install. An engine that does not answer in time counts as
        a failed install and is rolled back.
    type: int
    default: 120
  docker_socket:
    description:
      - The engine's local API socket, used to read the server version and to wait for the engine after an install.
    type: path
    default: /var/run/docker.sock
  preferences_file:
    description:
      - The apt preferences file that pins the packages.
    type: path
    default: /etc/apt/preferences.d/dockfleet-docker-engine.pref
notes:
  - Holds the host lock C(/run/dockfleet/dockerd.lock) while it reads, compares and changes (see O(host_lock_timeout));
    the daemon_config module takes the same lock.
  - Supports check mode (the from-to plan is reported, nothing is touched) and diff mode.
  - Needs systemd (docker.service) on the host.
  - The P(dockfleet.docker.engine#role) role sets up the repository, runs this module, installs python3-docker and manages
    the service and the docker group.
attributes:
  check_mode:
    support: full
    details:
      - Reports the planned from-to package versions without touching the host.
  diff_mode:
    support: full
    details:
      - Shows the package versions, holds and pin before and after.
"""

EXAMPLES = r"""
- name: Run engine 26.1 (newest patch release the repository has), pinned
  dockfleet.docker.engine_package:
    version: "26.1"
    plugins: [buildx, compose]

- name: Go back to 20.10 on purpose
  dockfleet.docker.engine_package:
    version: "20.10"
    allow_downgrade: true

- name: Exact package version, compose plugin at 2.26.x, no pin
  dockfleet.docker.engine_package:
    version: "5:26.1.5-1~debian.12~bookworm"
    plugins: ["compose=2.26"]
    pin: false
"""

RETURN = r"""
version_before:
  description: Docker client and server (engine) versions before the task; null where docker was not installed or not running.
  returned: always
  type: dict
  sample: {client: "20.10.24", server: "20.10.24"}
version_after:
  description: Docker client and server versions after the task (in check mode, the predicted package releases).
  returned: always
  type: dict
  sample: {client: "26.1.5", server: "26.1.5"}
packages:
  description: The resolved package versions the host has (or, in check mode, would have) for every managed package.
  returned: always
  type: dict
  sample: {docker-ce: "5:26.1.5-1~debian.12~bookworm", docker-ce-cli: "5:26.1.5-1~debian.12~bookworm", containerd.io: "1.7.24-1"}
packages_before:
  description: The installed versions of the managed packages before the task.
  returned: always
  type: dict
changes:
  description: The package changes made (or planned in check mode).
  returned: always
  type: list
  elements: dict
  sample: [{package: docker-ce, before: "5:20.10.24-1~debian.12~bookworm", after: "5:26.1.5-1~debian.12~bookworm"}]
restarted:
  description: Whether docker was stopped or restarted (packages changed, so the daemon was replaced).
  returned: always
  type: bool
pinned:
  description: Whether the managed packages are held after the task.
  returned: always
  type: bool
"""

import contextlib
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages, versions
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import (
    Apt,
    AptError,
    AptLockTimeout,
    platform_problem,
    read_os_release,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import read_text
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import client_version, server_version
from ansible_collections.dockfleet.docker.plugins.module_utils.host_lock import ENGINE, host_lock
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import DockerService, SystemdError
from ansible_collections.dockfleet.docker.plugins.module_utils.waiting import WaitTimeout, wait_until


def engine_versions(module):
    """The docker CLI's and the engine's versions (None where not installed or not answering)."""
    return {"client": client_version(module), "server": server_version(module.params["docker_socket"])}


def wait_for_engine(module, service, engine_version, timeout):
    """Start docker if needed and wait until the API answers with ``engine_version``'s release.

    Returns None when it does, else why not.
    """
    socket_path = module.params["docker_socket"]
    wanted = versions.release(engine_version)
    try:
        service.start()
    except SystemdError as exc:
        return str(exc)
    restarted = []

    def answers_as_wanted():
        running = server_version(socket_path)
        if running and versions.release(running) == wanted:
            return "answers"
        if running and not restarted:
            # The package scripts left the old daemon running: replace it.
            restarted.append(running)
            with contextlib.suppress(SystemdError):  # the wait says what systemd made of it
                service.start(restart=True)
        elif not running and service.failed():
            return "systemd gave up"
        return None

    what = "the engine to answer as %s" % versions.release_text(engine_version)
    try:
        if wait_until(answers_as_wanted, timeout, what) == "answers":
            return None
    except WaitTimeout:
        pass
    return "the engine did not answer as %s within %ds (now: %s). systemctl status docker:\n%s" % (
        versions.release_text(engine_version),
        timeout,
        server_version(socket_path) or "not answering",
        service.status(),
    )


def check_platform(module):
    problem = platform_problem(module, "engine_package", read_os_release())
    if problem:
        module.fail_json(msg=problem + " Install docker with your distribution's tools there.")


def install(module, apt, service, plan, before_packages, holds_before):
    """Install the plan; on failure put the previous versions back and fail. Returns nothing."""
    specs = plan.specs()
    downgrade = bool(plan.downgrades)
    try:
        apt.download(specs, allow_downgrades=downgrade)
    except AptError as exc:
        module.fail_json(msg="Could not download the packages, nothing was changed: %s" % exc)
    problem = None
    try:
        if downgrade:
            service.stop()
        apt.install(specs, allow_downgrades=downgrade)
    except SystemdError as exc:
        module.fail_json(msg="Could not stop docker before the downgrade, no package was changed: %s" % exc)
    except AptLockTimeout as exc:
        # apt never ran: the old packages are untouched; only a stopped engine needs starting again.
        if downgrade:
            wait_for_engine(module, service, before_packages[plan.engine], module.params["start_timeout"])
        module.fail_json(msg=str(exc))
    except AptError as exc:
        problem = str(exc)
    if problem is None:
        problem = wait_for_engine(module, service, plan.engine_version, module.params["start_timeout"])
    if problem is None:
        return
    rollback = ["%s=%s" % (name, before_packages[name]) for name, before, after in plan.changes if before]
    if not rollback:
        module.fail_json(
            msg="Installing %s failed and there was no Docker installed before: %s" % (" ".join(specs), problem)
        )
    try:
        apt.install(rollback, allow_downgrades=True)
        # Installing clears holds; the old pin file never changed, put the old holds back with it.
        apt.hold(holds_before)
        again = wait_for_engine(module, service, before_packages[plan.engine], module.params["start_timeout"])
    except AptError as exc:
        again = str(exc)
    if again:
        module.fail_json(
            msg="Installing %s failed: %s\nROLLBACK FAILED too, docker needs attention on this host: %s"
            % (" ".join(specs), problem, again),
            rolled_back=False,
        )
    module.fail_json(
        msg="Installing %s failed, so the previous versions (%s) were installed back and docker is "
        "running them again: %s" % (" ".join(specs), " ".join(rollback), problem),
        rolled_back=True,
    )


def apply_pin(module, apt, pref_now, pref_wanted, holds_now, holds_wanted):
    """Bring the preferences file and the dpkg holds to what is wanted."""
    path = module.params["preferences_file"]
    # Holds first off, then the file, then holds on: a failure never leaves a stale pin alone.
    apt.unhold(holds_now - holds_wanted)
    if pref_wanted is None:
        if pref_now is not None:
            os.remove(path)
    elif pref_now != pref_wanted:
        tmp = path + ".dockfleet-tmp"
        with open(tmp, "w") as handle:
            handle.write(pref_wanted)
        os.chmod(tmp, 0o644)
        module.atomic_move(tmp, path)
    apt.hold(holds_wanted - holds_now)


def converge(module, apt, service):
    """Read the installed packages, plan, and (unless in check mode) change; ends the module."""
    params = module.params
    try:
        if params["update_cache"] and not module.check_mode:
            apt.update()
        plan, pin = engine_packages.declared_plan(apt, params["flavor"], params, read_text(params["preferences_file"]))
    except (AptError, engine_packages.PlanError) as exc:
        module.fail_json(msg=str(exc))

    managed = set(plan.targets)
    before_packages, pref_now, pref_wanted = pin.before_packages, pin.preferences_now, pin.preferences_wanted
    holds_now, holds_wanted = pin.holds_now, pin.holds_wanted
    changed = bool(plan.changes) or pin.changed

    version_before = engine_versions(module)
    result = dict(
        changed=changed,
        version_before=version_before,
        packages_before=before_packages,
        packages=dict(plan.targets),
        changes=[dict(package=n, before=b, after=a) for n, b, a in plan.changes],
        restarted=False,
        pinned=params["pin"],
        diff=dict(
            before=engine_packages.describe(before_packages, holds_now, pref_now is not None),
            after=engine_packages.describe(plan.targets, holds_wanted, pref_wanted is not None),
        ),
    )
    if module.check_mode or not changed:
        if plan.changes:
            predicted = versions.release_text(plan.engine_version)
            result["version_after"] = dict(client=predicted, server=predicted)
        else:
            result["version_after"] = version_before
        module.exit_json(**result)

    try:
        if plan.changes:
            result["restarted"] = True
            install(module, apt, service, plan, before_packages, holds_now)
            # Installing a held package clears its hold: read the holds again.
            holds_now = apt.installed(managed)[1] & managed
        apply_pin(module, apt, pref_now, pref_wanted, holds_now, holds_wanted)
    except AptError as exc:
        module.fail_json(msg=str(exc), **result)
    result["version_after"] = engine_versions(module)
    module.exit_json(**result)


def main():
    module = AnsibleModule(
        argument_spec=engine_packages.flavored_argument_spec(
            update_cache=dict(type="bool", default=False),
            host_lock_timeout=dict(type="int", default=300),
            start_timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    check_platform(module)
    apt = Apt(module, module.params["lock_timeout"])
    service = DockerService(module)
    if module.check_mode:
        converge(module, apt, service)
    # Another run installing at the same time would read the same old state: one at a time per host.
    with host_lock(
        module, ENGINE, module.params["host_lock_timeout"], "host_lock_timeout (engine role: engine_host_lock_timeout)"
    ):
        converge(module, apt, service)


if __name__ == "__main__":
    main()
