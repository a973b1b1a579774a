# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The swarm's ingress network declared like any other network (CIS Docker Benchmark 7.3).

Docker creates ``ingress`` unencrypted when a swarm is initialised, and the engine can neither change
it nor have two: declaring it (``ingress: true`` on a network of the network module) means removing
the engine's ingress and creating the declared one, and declaring it absent means a swarm without a
routing mesh. Both are possible only while no service publishes a port through it (``PublishMode``
``ingress``, the default); ``ingress_users`` names those services so the module refuses before any
change.

Pure functions only (no engine calls); the network module calls them, ``resource_diff`` compares.
"""

from __future__ import annotations


def is_ingress(network):
    """True for the engine's ingress network (any name)."""
    return bool((network or {}).get("Ingress"))


def ingress_users(services):
    """``[{"kind": "service", "name": ..., "via": "ingress"}]`` for each service that publishes a port through the ingress
    routing mesh (a port without ``PublishMode`` is published in ingress mode). Services that publish in
    ``host`` mode only, or publish nothing, do not use the ingress network."""
    users = []
    for service in services or []:
        spec = service.get("Spec") or {}
        ports = (spec.get("EndpointSpec") or {}).get("Ports") or []
        if any((port.get("PublishMode") or "ingress") == "ingress" for port in ports):
            users.append({"kind": "service", "name": spec.get("Name") or service.get("ID"), "via": "ingress"})
    return sorted(users, key=lambda user: user["name"])


def declaration_errors(items, default_state="present", option="networks"):
    """Why the ingress entries of a declared set are refused, or [].

    At most one network may be the ingress (the engine has one); it is an overlay, never attachable, and
    its scope is the swarm.
    """
    errors = []
    declared = []
    for index, item in enumerate(items):
        if not item.get("ingress"):
            continue
        at = (
            "networks[%d] (network %r)" % (index, item.get("name"))
            if option == "networks"
            else "network %r" % (item.get("name"),)
        )
        declared.append(at)
        if (item.get("state") or default_state) == "absent":
            continue
        if (item.get("driver") or "overlay") != "overlay":
            errors.append("%s: an ingress network is an overlay; remove driver %r." % (at, item.get("driver")))
        if item.get("attachable"):
            errors.append("%s: an ingress network cannot be attachable; remove attachable." % at)
        if item.get("scope") not in (None, "swarm"):
            errors.append("%s: an ingress network has scope 'swarm', not %r." % (at, item.get("scope")))
    if len(declared) > 1:
        errors.append(
            "%s are all declared ingress: true, but a swarm has one ingress network; declare one." % ", ".join(declared)
        )
    return errors


def resolve_ingress(declared, current):
    """The declared (normalised) set with its ingress entry matched to the engine's ingress network.

    The engine's ingress may have another name than the declared one: an ingress declared absent takes
    the name of the engine's (the name is not what is declared absent, the routing mesh is); an ingress
    declared present under a new name adds the removal of the engine's one, since a swarm has one.
    """
    engine_names = sorted(name for name, network in current.items() if is_ingress(network))
    result = []
    for desired in declared:
        if not desired.get("ingress"):
            result.append(desired)
            continue
        if desired["state"] == "absent":
            result.extend(dict(desired, name=name) for name in engine_names or [desired["name"]])
            continue
        for name in engine_names:
            if name != desired["name"]:
                result.append(dict(desired, name=name, state="absent"))
        result.append(desired)
    return result


def changes_ingress(steps, declared, current):
    """Names of the ingress networks this plan creates, recreates or removes (work for a swarm manager)."""
    ingress_names = set(d["name"] for d in declared if d.get("ingress"))
    ingress_names |= set(name for name, network in current.items() if is_ingress(network))
    return sorted(step["name"] for step in steps if step["action"] != "unchanged" and step["name"] in ingress_names)
