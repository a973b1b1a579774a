#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: engine_state
short_description: Read everything the engine role compares - repository, key, packages, pin, service, users
version_added: 0.1.0
description:
  - The first step of the P(dockfleet.docker.engine#role) role, in one call. Reads the host's distribution and
    architecture, Docker's apt source file and signing key, one-line source files that would clash, the Docker
    packages against the versions O(version) resolves to (as M(dockfleet.docker.engine_package) plans them), the apt
    pin and dpkg holds, python3-docker, docker.service and the members of the docker group, and returns RV(differs)
    and what differs. The role's writing tasks run only for that.
  - Downloads nothing on a converged host. A key fetched from O(repository_key_url) counts as current while it still
    has the checksum the role recorded when it installed it from that URL; so a converged host converges with the
    repository down.
  - With O(download), downloads the signing key when the role must install it (missing, changed by hand, from
    another URL, or never recorded), and asks a repository the host is being switched to for its release file, so
    the role never points a host at a mirror that does not answer (RV(repository)). Both go through apt itself
    (C(apt-helper download-file)), so the proxy, TLS and credentials settings apt uses for the repository
    (C(Acquire::http::Proxy), C(/etc/apt/auth.conf.d)) apply to them too.
  - Refreshes apt's package lists when they are older than O(cache_valid_time) (not in check mode); when that fails
    the lists apt has are used and RV(repository_unreachable) says so, with a warning.
  - When packages would change it also reads whether the engine runs and is in a swarm (RV(answers), RV(swarm),
    RV(nodes)), for the role's swarm change guard.
  - Returns the host's distribution facts (C(distribution), C(distribution_release), C(architecture), C(os_family))
    as Ansible facts, so the role needs no fact gathering.
  - Fails on hosts without apt, and when O(users) names a user that does not exist.
extends_documentation_fragment:
  - dockfleet.docker.attributes
  - dockfleet.docker.attributes.read_only_apt_lists
attributes:
  diff_mode:
    details:
      - Nothing to compare; RV(differs) and the parts of the result say what the engine role would change.
options:
  version:
    description: The engine version, as in M(dockfleet.docker.engine_package).
    type: str
    required: true
  allow_downgrade:
    description: As in M(dockfleet.docker.engine_package).
    type: bool
    default: false
  pin:
    description: As in M(dockfleet.docker.engine_package).
    type: bool
    default: true
  plugins:
    description: As in M(dockfleet.docker.engine_package).
    type: list
    elements: str
    default: []
  containerd_version:
    description: As in M(dockfleet.docker.engine_package).
    type: str
  repository:
    description:
      - V(upstream) or V(mirror) - Docker's packages from O(repository_url); V(distro) - the distribution's
        C(docker.io), and no Docker source file or key may remain.
    type: str
    choices: [upstream, mirror, distro]
    default: upstream
  repository_url:
    description:
      - Base URL of Docker's repository. C({distribution}) in it is replaced by the host's distribution ID
        (C(debian), C(ubuntu)); the role's default falls back to it when no facts were gathered.
    type: str
    default: "https://download.docker.com/linux/{distribution}"
  repository_key_url:
    description: URL of the armored signing key (C({distribution}) replaced as above). Never fetched by this module.
    type: str
    default: "https://download.docker.com/linux/{distribution}/gpg"
  repository_key:
    description: The armored signing key itself; when set the keyring is compared with it.
    type: str
    default: ""
  repository_channel:
    description: Repository component.
    type: str
    default: stable
  repository_suite:
    description: Repository suite; C({codename}) is replaced by the host's release codename.
    type: str
    default: "{codename}"
  legacy_sources_patterns:
    description: File name patterns in C(/etc/apt/sources.list.d) of one-line sources for the same repository.
    type: list
    elements: str
    default: [docker.list, download_docker_com_linux_*.list]
  keyring:
    description: Where the signing key is installed.
    type: path
    default: /etc/apt/keyrings/docker.asc
  sources_file:
    description: The deb822 source file for the repository.
    type: path
    default: /etc/apt/sources.list.d/docker.sources
  key_record:
    description: Where the role records the URL and checksum of the key it installed.
    type: path
    default: /var/lib/dockfleet/engine-repository-key.json
  cache_valid_time:
    description: Seconds apt's package lists may be old before they are refreshed (not in check mode).
    type: int
    default: 3600
  lock_timeout:
    description: Seconds to wait for the apt/dpkg lock when refreshing the lists.
    type: int
    default: 300
  download:
    description:
      - Download the signing key when it must be installed, and ask a repository being switched to for its release
        file (also in check mode; neither changes the host). V(false) only reads.
    type: bool
    default: true
  users:
    description: Users that must be members of the docker group.
    type: list
    elements: str
    default: []
  docker_socket:
    description: The engine's local API socket.
    type: path
    default: /var/run/docker.sock
  preferences_file:
    description: The apt preferences file that pins the packages.
    type: path
    default: /etc/apt/preferences.d/dockfleet-docker-engine.pref
notes:
  - Reads only (apart from refreshing apt's package lists, and the downloads of O(download), which are kept in memory);
    check mode runs the same without the refresh.
seealso:
  - module: dockfleet.docker.engine_package
"""

EXAMPLES = r"""
- name: Read the repository, packages, pin, service and users the engine role compares
  dockfleet.docker.engine_state:
    version: "26.1"
    plugins: [buildx, compose]
    users: [deploy]
  register: engine_host_state

- name: Show what differs
  ansible.builtin.debug:
    var: engine_host_state.summary
"""

RETURN = r"""
differs:
  description: Whether anything the role manages differs from what is declared.
  returned: always
  type: bool
summary:
  description: What differs, in words (empty when nothing does).
  returned: always
  type: list
  elements: str
repository:
  description:
    - The repository as declared (C(url), C(key_url), C(suite), C(sources_content), C(architecture)) and how the host
      differs - C(differs), C(sources) (how the source file differs), C(legacy_sources) (files to remove),
      C(key) (C(installed), C(differs), C(fetch) - whether the key must be downloaded; with O(download) also
      C(content), the key downloaded, and C(fetch_error), why it could not be), C(remove) (files to remove for
      V(distro)).
    - With O(download), when the source file is missing or differs, C(answers) (whether the repository served its
      release file for the suite) and C(answer_error) (why not).
  returned: always
  type: dict
repository_unreachable:
  description: Whether refreshing apt's package lists failed (RV(apt_refresh_error) says why).
  returned: always
  type: bool
apt_refresh_error:
  description: Why the package lists could not be refreshed; empty when they were, or did not need to be.
  returned: always
  type: str
packages:
  description:
    - C(differs), C(changes) (package, before, after), C(packages) (versions to have), C(packages_before),
      C(pin_changed), C(installed_before) (whether the engine package is installed) and C(error) (why the versions
      could not be planned, e.g. no repository yet; the package step then reports it).
  returned: always
  type: dict
changes:
  description: The package changes planned (as RV(dockfleet.docker.engine_package#module:changes)).
  returned: always
  type: list
  elements: dict
version_after:
  description: The engine release the packages would run (C(server)); null where nothing changes.
  returned: always
  type: dict
sdk_installed:
  description: Whether python3-docker is installed.
  returned: always
  type: bool
service:
  description: What is wrong with docker.service (not enabled, not running); empty when nothing or not installed.
  returned: always
  type: list
  elements: str
users:
  description: C(to_add) - the users of O(users) not yet in the docker group.
  returned: always
  type: dict
answers:
  description: Whether the engine answered (only read when packages would change; else false).
  returned: always
  type: bool
engine:
  description: The running engine's version and facts, as M(dockfleet.docker.engine_info) returns them (when read).
  returned: always
  type: dict
swarm:
  description: This node's swarm membership, as M(dockfleet.docker.engine_info) returns it (when read).
  returned: always
  type: dict
nodes:
  description: On a manager, the swarm's nodes (when read).
  returned: always
  type: list
  elements: dict
ansible_facts:
  description: C(distribution), C(distribution_release), C(architecture) (machine), C(os_family).
  returned: always
  type: dict
"""

import contextlib
import grp
import os
import platform
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dockfleet.docker.plugins.module_utils import engine_packages
from ansible_collections.dockfleet.docker.plugins.module_utils import engine_repository as repo
from ansible_collections.dockfleet.docker.plugins.module_utils.apt import (
    Apt,
    AptError,
    lists_older_than,
    platform_problem,
    read_os_release,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.daemon_host import read_text
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import EngineError, read_socket
from ansible_collections.dockfleet.docker.plugins.module_utils.engine_facts import (
    cluster_view,
    down_result,
    engine_view,
    swarm_view,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.host_files import file_state
from ansible_collections.dockfleet.docker.plugins.module_utils.systemd import DOCKER_SERVICE, Systemd

SOURCES_DIRECTORY = "/etc/apt/sources.list.d"


def read_repository(params, fields, architecture):
    """The declared repository and how the host differs from it."""
    distribution, codename = fields.get("ID", ""), fields.get("VERSION_CODENAME", "")
    if params["repository"] == "distro":
        remove = [path for path in (params["sources_file"], params["keyring"]) if os.path.exists(path)]
        return dict(differs=bool(remove), remove=remove, legacy_sources=[], sources=None, key={})
    url = repo.resolve(params["repository_url"], distribution, codename).rstrip("/")
    key_url = repo.resolve(params["repository_key_url"], distribution, codename)
    suite = repo.resolve(params["repository_suite"], distribution, codename)
    content = repo.sources_content(
        params["repository"], url, suite, params["repository_channel"], architecture, params["keyring"]
    )
    sources = file_state(params["sources_file"], content)
    legacy = repo.legacy_sources(SOURCES_DIRECTORY, params["legacy_sources_patterns"])
    key = repo.key_state(params["keyring"], params["repository_key"], key_url, params["key_record"])
    keyring_directory = os.path.isdir(os.path.dirname(params["keyring"]))
    return dict(
        differs=bool(sources or legacy or key["differs"] or not keyring_directory),
        url=url,
        key_url=key_url,
        suite=suite,
        architecture=architecture,
        sources_content=content,
        sources=sources,
        legacy_sources=legacy,
        key=key,
        remove=[],
    )


def download_for_role(apt, repository):
    """What the role would otherwise ask the network for: the key it must install, the answer of a new repository."""
    key = repository["key"]
    if key.get("fetch"):
        try:
            key.update(content=apt.fetch(repository["key_url"]).strip(), fetch_error="")
        except AptError as exc:
            key.update(content="", fetch_error=str(exc))
    if repository["sources"] in ("missing", "content"):
        try:
            apt.fetch("%s/dists/%s/Release" % (repository["url"], repository["suite"]))
            repository.update(answers=True, answer_error="")
        except AptError as exc:
            repository.update(answers=False, answer_error=str(exc))


def read_packages(module, apt):
    params = module.params
    try:
        plan, pin = engine_packages.declared_plan(
            apt, engine_packages.flavor_of(params["repository"]), params, read_text(params["preferences_file"])
        )
    except (AptError, engine_packages.PlanError) as exc:
        return dict(differs=True, error=str(exc), changes=[], packages={}, packages_before={}, pin_changed=False)
    changes = [dict(package=n, before=b, after=a) for n, b, a in plan.changes]
    return dict(
        differs=bool(changes) or pin.changed,
        error="",
        changes=changes,
        packages=dict(plan.targets),
        packages_before=pin.before_packages,
        pin_changed=pin.changed,
        version_after=engine_packages.release_of(plan.engine_version) if changes else None,
    )


def read_users(module, users):
    missing = []
    for name in users:
        try:
            pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
    if missing:
        module.fail_json(
            msg="engine_users lists %s, which do not exist on this host. This role only grants docker access; create "
            "the accounts first (membership of the docker group is root-equivalent). Nothing was changed."
            % ", ".join(missing)
        )
    try:
        group = grp.getgrnam("docker")
    except KeyError:
        return dict(to_add=list(users))
    members = set(group.gr_mem)
    return dict(to_add=[n for n in users if n not in members and pwd.getpwnam(n).pw_gid != group.gr_gid])


def read_engine(socket_path):
    """Whether the engine answers and its swarm membership, for the swarm change guard."""
    try:
        info = read_socket(socket_path, "/info")
        result = dict(answers=True, engine=engine_view(read_socket(socket_path, "/version"), info))
        result["swarm"] = swarm_view(info)
        result["nodes"] = []
        if result["swarm"]["role"] == "manager":
            # A manager without a leader cannot list the swarm; the guard still knows its role.
            with contextlib.suppress(EngineError):
                result["nodes"] = cluster_view(read_socket(socket_path, "/nodes"), info)["nodes"]
        return result
    except EngineError as exc:
        down = down_result(str(exc))
        return dict(answers=False, engine=down["engine"], swarm=down["swarm"], nodes=[])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            **engine_packages.PACKAGE_ARGUMENT_SPEC,
            repository=dict(type="str", default="upstream", choices=["upstream", "mirror", "distro"]),
            repository_url=dict(type="str", default="https://download.docker.com/linux/{distribution}"),
            repository_key_url=dict(
                type="str", default="https://download.docker.com/linux/{distribution}/gpg", no_log=False
            ),
            repository_key=dict(type="str", default="", no_log=False),
            repository_channel=dict(type="str", default="stable"),
            repository_suite=dict(type="str", default="{codename}"),
            legacy_sources_patterns=dict(
                type="list", elements="str", default=["docker.list", "download_docker_com_linux_*.list"]
            ),
            keyring=dict(type="path", default="/etc/apt/keyrings/docker.asc"),
            sources_file=dict(type="path", default="/etc/apt/sources.list.d/docker.sources"),
            key_record=dict(type="path", default=repo.KEY_RECORD),
            cache_valid_time=dict(type="int", default=3600),
            users=dict(type="list", elements="str", default=[]),
            download=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["version"].strip():
        module.fail_json(
            msg='engine_version is not set. dockfleet never installs "whatever is newest" by accident: set '
            'engine_version to the release this fleet runs, e.g. engine_version: "26.1" (newest 26.1.x), "26.1.5", a '
            'full package version, or "latest" if you really mean it.'
        )
    fields = read_os_release()
    problem = platform_problem(module, "dockfleet.docker.engine", fields)
    if problem:
        module.fail_json(msg=problem)
    facts = dict(
        distribution=fields.get("NAME", "").split()[0] if fields.get("NAME") else fields.get("ID", "").capitalize(),
        distribution_release=fields.get("VERSION_CODENAME", ""),
        architecture=platform.machine(),
        os_family="Debian",
    )
    apt = Apt(module, params["lock_timeout"])
    users = read_users(module, params["users"])
    try:
        architecture = apt.architecture()
    except AptError as exc:
        module.fail_json(msg=str(exc))
    repository = read_repository(params, fields, architecture)
    if params["download"] and params["repository"] != "distro":
        download_for_role(apt, repository)

    refresh_error = ""
    if not module.check_mode and not repository["differs"] and lists_older_than(params["cache_valid_time"]):
        try:
            apt.update()
        except AptError as exc:
            refresh_error = str(exc)
            module.warn(
                "apt could not refresh its package lists (%s); the lists it has are used. The run goes on as long as "
                "no package has to change." % refresh_error
            )
    packages = read_packages(module, apt)
    installed, _held = apt.installed(
        ["python3-docker", engine_packages.FLAVORS[engine_packages.flavor_of(params["repository"])]["engine"]]
    )
    sdk_installed = "python3-docker" in installed
    packages["installed_before"] = len(installed) - int(sdk_installed) > 0
    service = []
    if packages["installed_before"]:
        props = Systemd(module, required=False).show(DOCKER_SERVICE, "UnitFileState", "ActiveState")
        state = (props.get("UnitFileState") or [""])[0]
        active = (props.get("ActiveState") or [""])[0]
        if state not in ("enabled", "enabled-runtime"):
            service.append("not enabled (%s)" % (state or "unknown"))
        if active != "active":
            service.append("not running (%s)" % (active or "unknown"))

    summary = []
    if repository["differs"]:
        summary.append("repository: %s" % ", ".join(_repository_words(repository)))
    if refresh_error:
        summary.append("apt lists not refreshed")
    if packages["error"]:
        summary.append("packages: %s" % packages["error"].splitlines()[0])
    summary += ["%s %s -> %s" % (c["package"], c["before"] or "(none)", c["after"]) for c in packages["changes"]]
    if packages["pin_changed"]:
        summary.append("apt pin / dpkg holds")
    if not sdk_installed:
        summary.append("python3-docker not installed")
    summary += ["docker.service %s" % problem for problem in service]
    if users["to_add"]:
        summary.append("not in the docker group: %s" % ", ".join(users["to_add"]))

    result = dict(
        changed=False,
        differs=bool(summary) and summary != ["apt lists not refreshed"],
        summary=summary,
        repository=repository,
        repository_unreachable=bool(refresh_error),
        apt_refresh_error=refresh_error,
        packages=packages,
        changes=packages["changes"],
        version_after=dict(server=packages.get("version_after")),
        sdk_installed=sdk_installed,
        service=service,
        users=users,
        answers=False,
        engine={},
        swarm={},
        nodes=[],
        ansible_facts=facts,
    )
    if packages["changes"]:
        result.update(read_engine(params["docker_socket"]))
    module.exit_json(**result)


def _repository_words(repository):
    words = []
    if repository.get("sources"):
        words.append("source file %s" % repository["sources"])
    words += ["remove %s" % path for path in repository.get("legacy_sources", []) + repository.get("remove", [])]
    key = repository.get("key") or {}
    if key.get("differs"):
        words.append("signing key %s" % key["differs"])
    if not words:
        words.append("keyring directory missing")
    return words


if __name__ == "__main__":
    main()
