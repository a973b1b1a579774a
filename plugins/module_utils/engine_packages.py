# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Docker packages to install at which versions, and how to pin them.

Pure planning for the engine_package module: it gets what apt offers and what
dpkg has installed, and returns the set of package versions to install (or a
PlanError that says what is wrong and how to fix it). Nothing here runs apt.
"""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils import versions

# The two families of Docker packages a Debian or Ubuntu host can run.
# `followers` move with the engine version when they are installed;
# `conflicts` is the other flavor's engine package.
FLAVORS = {
    "docker-ce": {
        "engine": "docker-ce",
        "cli": "docker-ce-cli",
        "cli_required": True,
        "containerd": "containerd.io",
        "followers": ["docker-ce-rootless-extras"],
        "plugins": {"buildx": "docker-buildx-plugin", "compose": "docker-compose-plugin"},
        "conflicts": ["docker.io"],
    },
    "docker.io": {
        "engine": "docker.io",
        # Debian 12 ships the CLI inside docker.io; Debian 13 and Ubuntu split it out.
        "cli": "docker-cli",
        "cli_required": False,
        "containerd": "containerd",
        "followers": [],
        "plugins": {"buildx": "docker-buildx", "compose": "docker-compose"},
        "conflicts": ["docker-ce"],
    },
}

# The options engine_package (which changes the packages) and engine_state (which plans the same change) share, as
# AnsibleModule takes them.
PACKAGE_ARGUMENT_SPEC = dict(
    version=dict(type="str", required=True),
    allow_downgrade=dict(type="bool", default=False),
    pin=dict(type="bool", default=True),
    plugins=dict(type="list", elements="str", default=[]),
    containerd_version=dict(type="str"),
    lock_timeout=dict(type="int", default=300),
    docker_socket=dict(type="path", default="/var/run/docker.sock"),
    preferences_file=dict(type="path", default="/etc/apt/preferences.d/dockfleet-docker-engine.pref"),
)


def flavored_argument_spec(**module_args):
    """PACKAGE_ARGUMENT_SPEC with ``flavor`` (the package names, FLAVORS) and the module's own options."""
    return dict(
        PACKAGE_ARGUMENT_SPEC,
        flavor=dict(type="str", default="docker-ce", choices=list(FLAVORS)),
        **module_args,
    )


PREFERENCES_HEADER = """\
# Managed by dockfleet.docker.engine_package. Do not edit by hand.
# Keeps the Docker packages at the versions below: apt-get upgrade, dist-upgrade
# and unattended-upgrades cannot move them (the packages are also on dpkg hold).
# Change the version with the engine_package module or the dockfleet.docker.engine role.
"""


class PlanError(Exception):
    """The requested state cannot be planned; the message tells the user why and what to do."""


class Plan:
    """The package versions to end up with, and what changes to get there."""

    def __init__(self, engine, targets, installed):
        self.engine = engine
        self.targets = targets  # {package: version}, in install order
        self.changes = []  # [(package, before or None, after)]
        self.downgrades = []
        for name, after in targets.items():
            before = installed.get(name)
            if before is not None and versions.compare(before, after) == 0:
                continue
            self.changes.append((name, before, after))
            if before is not None and versions.compare(after, before) < 0:
                self.downgrades.append((name, before, after))

    @property
    def engine_version(self):
        return self.targets[self.engine]

    def specs(self, only_changes=True):
        """``name=version`` arguments for apt-get install."""
        if only_changes:
            return ["%s=%s" % (name, after) for name, _before, after in self.changes]
        return ["%s=%s" % item for item in self.targets.items()]


def parse_plugin(item, flavor):
    """``compose`` / ``docker-compose-plugin`` / ``compose=2.26`` -> (package, request or None)."""
    names = FLAVORS[flavor]["plugins"]
    name, _sep, request = item.partition("=")
    name = name.strip()
    request = request.strip() or None
    if name in names:
        return names[name], request
    if name in names.values():
        return name, request
    raise PlanError(
        "Unknown plugin %r. Known plugins: %s (optionally with a version, e.g. 'compose=2.26')."
        % (name, ", ".join(sorted(names)))
    )


def _offered(available, name):
    return sorted(set(available.get(name) or []), key=versions.sort_key, reverse=True)


def _no_match(name, request, offered):
    if not offered:
        return PlanError(
            "apt offers no %s package. Is the Docker repository configured on this host and was "
            "`apt-get update` run since (update_cache=true does it)?" % name
        )
    return PlanError(
        "No %s version matches %r. Versions this host's repositories offer: %s (package versions: %s)."
        % (name, request, ", ".join(versions.releases(offered)), ", ".join(offered))
    )


def _resolve(name, request, available):
    offered = _offered(available, name)
    try:
        found = versions.resolve(request, offered)
    except versions.VersionError as exc:
        raise PlanError("Invalid version for %s: %s" % (name, exc)) from None
    if found is None:
        raise _no_match(name, request, offered)
    return found


def _matching(name, engine_version, available):
    """The version of a companion package (CLI, rootless extras) that goes with the engine."""
    offered = _offered(available, name)
    if engine_version in offered:
        return engine_version
    wanted = versions.upstream(engine_version)
    same = [v for v in offered if versions.upstream(v) == wanted]
    if not same:
        same = [v for v in offered if versions.release(v) == versions.release(engine_version)]
    if not same:
        raise PlanError(
            "The repository has no %s matching engine %s (it offers: %s). Pick an engine version "
            "that has a matching %s." % (name, engine_version, ", ".join(offered) or "nothing", name)
        )
    return versions.newest(same)


def _fits(version, constraints):
    return all(versions.satisfies(version, relation, ref) for relation, ref in constraints)


def _pick_companion(name, request, installed, available, constraints=(), why=""):
    """A package whose version does not follow the engine (containerd, plugins).

    Given a request, resolve it; otherwise keep the installed version when it still fits,
    so that an engine change never moves containerd or a plugin behind the user's back;
    otherwise the newest stable version that fits.
    """
    if request:
        found = _resolve(name, request, available)
        if not _fits(found, constraints):
            raise PlanError(
                "%s %s does not satisfy %s (%s). Ask for a version that does."
                % (name, found, why, ", ".join("%s %s" % c for c in constraints))
            )
        return found
    current = installed.get(name)
    if current is not None and _fits(current, constraints):
        return current
    offered = [v for v in _offered(available, name) if not versions.is_prerelease(v) and _fits(v, constraints)]
    if not offered:
        if not _offered(available, name):
            raise _no_match(name, "latest", [])
        raise PlanError(
            "No %s version on offer satisfies %s (%s); offered: %s."
            % (name, why, ", ".join("%s %s" % c for c in constraints), ", ".join(_offered(available, name)))
        )
    return offered[0]


def plan(
    flavor, request, available, installed, depends_of=None, plugins=(), containerd_request=None, allow_downgrade=False
):
    """Plan the package versions for ``request``.

    ``available``: {package: [versions apt offers]}; ``installed``: {package: version} of what
    dpkg has installed; ``depends_of(package, version)``: that version's ``Depends`` field.
    Raises PlanError for anything the user has to decide.
    """
    spec = FLAVORS[flavor]
    for other in spec["conflicts"]:
        if other in installed:
            raise PlanError(
                "%s %s is installed, but flavor %r installs %s, which conflicts with it. This module does "
                "not swap Docker distributions silently: remove %s first (apt-get remove %s; containers and "
                "images in /var/lib/docker stay) or keep flavor=%r."
                % (
                    other,
                    installed[other],
                    flavor,
                    spec["engine"],
                    other,
                    other,
                    "docker.io" if other == "docker.io" else "docker-ce",
                )
            )

    engine = spec["engine"]
    targets = {}
    engine_version = _resolve(engine, request, available)
    depends = versions.parse_depends(depends_of(engine, engine_version) if depends_of else "")

    containerd = spec["containerd"]
    targets[containerd] = _pick_companion(
        containerd,
        containerd_request,
        installed,
        available,
        depends.get(containerd, ()),
        "the dependency of %s %s" % (engine, engine_version),
    )
    cli = spec["cli"]
    if spec["cli_required"] or _offered(available, cli) or cli in installed:
        targets[cli] = _matching(cli, engine_version, available)
    targets[engine] = engine_version
    for follower in spec["followers"]:
        if follower in installed:
            targets[follower] = _matching(follower, engine_version, available)

    wanted_plugins = {}
    for item in plugins or ():
        name, plugin_request = parse_plugin(item, flavor)
        wanted_plugins[name] = plugin_request
    # Plugins already installed stay managed (and pinned) at their version.
    for name in spec["plugins"].values():
        if name in installed and name not in wanted_plugins:
            wanted_plugins[name] = None
    for name in sorted(wanted_plugins):
        targets[name] = _pick_companion(name, wanted_plugins[name], installed, available)

    result = Plan(engine, targets, installed)
    if result.downgrades and not allow_downgrade:
        lines = ", ".join("%s %s -> %s" % item for item in result.downgrades)
        raise PlanError(
            "Refusing to downgrade: %s %s is installed and version %r resolves to %s (%s). Nothing was changed. "
            "To downgrade on purpose set allow_downgrade=true on engine_package: with the engine role "
            "engine_allow_downgrade: true, with the engine_upgrade playbook -e engine_upgrade_allow_downgrade=true. "
            "docker is then stopped, the lower versions installed and docker started again."
            % (engine, installed.get(engine, "(none)"), request, engine_version, lines)
        )
    return result


def preferences(targets):
    """The /etc/apt/preferences.d file that holds ``targets`` ({package: version})."""
    stanzas = [
        "Package: %s\nPin: version %s\nPin-Priority: 1001\n" % (name, version)
        for name, version in sorted(targets.items())
    ]
    return PREFERENCES_HEADER + "\n" + "\n".join(stanzas)


def describe(packages, held=(), pinned=False):
    """A package set as text for Ansible's diff (one package per line)."""
    if not packages:
        return "no Docker packages installed\n"
    lines = []
    for name in sorted(packages):
        lines.append("%s=%s%s\n" % (name, packages[name], " (hold)" if name in held else ""))
    lines.append("apt pin: %s\n" % ("yes" if pinned else "no"))
    return "".join(lines)


def package_names(flavor):
    """Every package name a plan for ``flavor`` may read: its own, and the other flavor's engine (a conflict)."""
    spec = FLAVORS[flavor]
    names = {spec["engine"], spec["cli"], spec["containerd"]} | set(spec["followers"]) | set(spec["plugins"].values())
    for other in FLAVORS.values():
        names.add(other["engine"])
    return names


def read_plan(apt, flavor, request, plugins=(), containerd_request=None, allow_downgrade=False):
    """Read what dpkg has and apt offers through ``apt`` (module_utils.apt.Apt) and plan.

    Returns ``(installed, held, plan)``; raises PlanError or AptError.
    """
    names = package_names(flavor)
    installed, held = apt.installed(names)
    available = apt.available(names)
    result = plan(
        flavor,
        request,
        available,
        installed,
        depends_of=apt.depends,
        plugins=plugins,
        containerd_request=containerd_request,
        allow_downgrade=allow_downgrade,
    )
    return installed, held, result


class PinState:
    """The pin (preferences file + dpkg holds) now and as wanted, for ``plan`` and ``pin``."""

    def __init__(self, plan_, installed, held, preferences_now, pin):
        managed = set(plan_.targets)
        self.before_packages = dict((name, installed[name]) for name in managed if name in installed)
        self.preferences_now = preferences_now
        self.preferences_wanted = preferences(plan_.targets) if pin else None
        self.holds_now = held & managed
        self.holds_wanted = managed if pin else set()
        self.changed = self.preferences_now != self.preferences_wanted or self.holds_now != self.holds_wanted


def declared_plan(apt, flavor, params, preferences_now):
    """read_plan and the pin for the options of PACKAGE_ARGUMENT_SPEC (``params``: the module's): ``(plan, pin)``,
    ``preferences_now`` being the text of ``params["preferences_file"]`` or None. Raises PlanError or AptError."""
    installed, held, result = read_plan(
        apt,
        flavor,
        params["version"],
        plugins=params["plugins"],
        containerd_request=params["containerd_version"],
        allow_downgrade=params["allow_downgrade"],
    )
    return result, PinState(result, installed, held, preferences_now, params["pin"])


def flavor_of(repository):
    """The package flavor of the engine role's engine_repository (upstream, mirror, distro)."""
    return "docker.io" if repository == "distro" else "docker-ce"


def release_of(version):
    """The engine release a package version runs (5:26.1.5-1~debian.12~bookworm -> 26.1.5)."""
    return versions.release_text(version)
