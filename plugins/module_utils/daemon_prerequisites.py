# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a daemon.json needs to find on the host before dockerd can start with it.

Pure: the host is asked through the ``HostFacts``-like object the caller passes (daemon_host.py reads the
real host), so dockerd's own start-up errors are turned into messages that name the setting and the role
variable before the file is written:

* ``userns-remap`` with a user (or group) that does not exist, or without subordinate id ranges. ``default``
  is not checked: dockerd (and the daemon role, before it writes the file) create its ``dockremap`` user.
* ``authorization-plugins`` naming a plugin dockerd cannot find. Docker finds a plugin by its name as a
  socket in /run/docker/plugins (``NAME.sock`` or ``NAME/NAME.sock``) or a spec file (``NAME.spec`` or
  ``NAME.json``) in /etc/docker/plugins or /usr/lib/docker/plugins. A managed plugin reference
  (``vendor/name:tag``, installed with ``docker plugin install``) is the engine's to check.
"""

from __future__ import annotations

PLUGIN_SOCKET_DIR = "/run/docker/plugins"
PLUGIN_SPEC_DIRS = ("/etc/docker/plugins", "/usr/lib/docker/plugins")


def plugin_paths(name):
    """Every path where Docker looks for the plugin ``name``."""
    paths = ["%s/%s.sock" % (PLUGIN_SOCKET_DIR, name), "%s/%s/%s.sock" % (PLUGIN_SOCKET_DIR, name, name)]
    for directory in PLUGIN_SPEC_DIRS:
        paths += ["%s/%s.spec" % (directory, name), "%s/%s.json" % (directory, name)]
    return paths


def is_managed_plugin(name):
    return "/" in name or ":" in name


def userns_errors(value, host):
    """Messages for a ``userns-remap`` value the host cannot satisfy."""
    if not isinstance(value, str) or not value or value == "default":
        return []
    user, _sep, group = value.partition(":")
    hint = "(daemon role: daemon_userns_remap)"
    if not host.user_exists(user):
        return [
            "daemon.json key 'userns-remap': user %r does not exist on this host %s; dockerd would not start. "
            "Create the user with /etc/subuid and /etc/subgid ranges first, or use 'default' (dockerd's dockremap "
            "user, created by the role)." % (user, hint)
        ]
    errors = []
    if group and not host.group_exists(group):
        errors.append(
            "daemon.json key 'userns-remap': group %r does not exist on this host %s; create it or name an "
            "existing group." % (group, hint)
        )
    for kind, owner in (("subuid", user), ("subgid", group or user)):
        if not host.has_subordinate_ids(kind, owner):
            errors.append(
                "daemon.json key 'userns-remap': /etc/%s has no range for %r %s; dockerd cannot map container ids "
                "without one. Add a line such as %s:100000:65536." % (kind, owner, hint, owner)
            )
    return errors


def authorization_plugin_errors(plugins, host):
    """Messages for every ``authorization-plugins`` entry Docker cannot find on the host."""
    errors = []
    for name in plugins or []:
        if not isinstance(name, str) or is_managed_plugin(name):
            continue
        if not any(host.path_exists(path) for path in plugin_paths(name)):
            errors.append(
                "daemon.json key 'authorization-plugins': plugin %r is not installed on this host (no socket in %s, "
                "no spec in %s); dockerd would not start. Install and start the plugin first, or "
                "remove it (daemon role: daemon_options)." % (name, PLUGIN_SOCKET_DIR, " or ".join(PLUGIN_SPEC_DIRS))
            )
    return errors


def prerequisite_errors(config, host):
    """Everything a candidate daemon.json needs from the host and does not find."""
    return userns_errors(config.get("userns-remap"), host) + authorization_plugin_errors(
        config.get("authorization-plugins"), host
    )


def userns_ready(host, config):
    """Whether the host has what userns-remap ``default`` needs: the dockremap user and its id ranges."""
    if config.get("userns-remap") != "default":
        return True
    return (
        host.user_exists("dockremap")
        and host.has_subordinate_ids("subuid", "dockremap")
        and host.has_subordinate_ids("subgid", "dockremap")
    )
