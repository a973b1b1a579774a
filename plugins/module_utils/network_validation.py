# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole declared set of networks checked before the first change.

Pure: the network module calls ``declaration_errors`` on the task's networks before it talks to the
engine, and ``existing_overlap_errors`` with what the engine reports before it applies anything, so a
set with one bad network changes nothing (no partial apply). Every message names the option
(``networks[1].ipam_config[0].gateway``) and says how to fix it.
"""

from __future__ import annotations

import ipaddress
import re

# Names Docker gives containers and volumes ([a-zA-Z0-9][a-zA-Z0-9_.-]*). The engine is looser for local
# networks (it allows spaces), but such names break the CLI, Compose files and swarm: we refuse them.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
# Swarm (overlay) network names must be a DNS name component (swarmkit: "name must be valid as a DNS name
# component", 63 characters at most): no dots.
SWARM_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$")
SWARM_NAME_MAX = 63


def _where(option, index, name):
    if option == "networks":
        return "networks[%d] (network %r)" % (index, name)
    return "network %r" % name


def _prefix(option, index):
    return "networks[%d]." % index if option == "networks" else ""


def _network(value):
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return None


def _address(value):
    text = str(value).strip().split("/", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def name_errors(name, driver, at):
    """Why a network name is refused, or []."""
    text = "" if name is None else str(name)
    if not text.strip():
        return ["%s: every network needs a name." % at]
    errors = []
    if not NAME_PATTERN.match(text):
        errors.append(
            "%s: the name %r holds characters Docker does not take in a name (white space, or not "
            "[a-zA-Z0-9][a-zA-Z0-9_.-]*); use letters, digits, '_', '.' and '-', starting with a letter or digit."
            % (at, text)
        )
    elif driver == "overlay" and (len(text) > SWARM_NAME_MAX or not SWARM_NAME_PATTERN.match(text)):
        errors.append(
            "%s: an overlay network's name must be a DNS name component (letters, digits, '-' and '_', at most %d "
            "characters, no '.'); swarm refuses %r." % (at, SWARM_NAME_MAX, text)
        )
    return errors


def _entry_errors(entry, at):
    """(errors, parsed subnet or None) for one ipam_config entry."""
    errors = []
    subnet = _network(entry.get("subnet")) if entry.get("subnet") else None
    if not entry.get("subnet"):
        return ["%s.subnet is missing: gateway, ip_range and aux_addresses belong to a subnet." % at], None
    if subnet is None:
        return ["%s.subnet: %r is not an IP network in CIDR form (e.g. 10.10.0.0/24)." % (at, entry["subnet"])], None
    if entry.get("gateway"):
        gateway = _address(entry["gateway"])
        if gateway is None:
            errors.append("%s: gateway %r is not an IP address." % (at, entry["gateway"]))
        elif gateway.version != subnet.version or gateway not in subnet:
            errors.append("%s: gateway %s is outside subnet %s; pick an address inside it." % (at, gateway, subnet))
    if entry.get("ip_range"):
        ip_range = _network(entry["ip_range"])
        if ip_range is None:
            errors.append("%s: ip_range %r is not an IP network in CIDR form." % (at, entry["ip_range"]))
        elif ip_range.version != subnet.version or not ip_range.subnet_of(subnet):
            errors.append("%s: ip_range %s is outside subnet %s; give a range inside it." % (at, ip_range, subnet))
    for host, value in (entry.get("aux_addresses") or {}).items():
        address = _address(value)
        if address is None:
            errors.append("%s: aux address %s=%r is not an IP address." % (at, host, value))
        elif address.version != subnet.version or address not in subnet:
            errors.append("%s: aux address %s=%s is outside subnet %s." % (at, host, address, subnet))
    return errors, subnet


def declaration_errors(items, default_state="present", option="networks", also_declared=()):
    """Every error of the declared set, before the engine is asked anything.

    ``items``: the module's network suboptions, in order. ``option``: ``networks`` for the list form (messages
    then say ``networks[1]...``), anything else for the single network of the top-level options.
    Checks names, each subnet with its gateway, ip_range and aux addresses, and that no two declared subnets
    overlap (in one network or across networks).
    ``also_declared``: networks of the same declaration that another call manages (the overlays, when this call
    declares the local networks); their subnets count for the overlap check, nothing else of them is checked here.
    """
    errors = []
    subnets = []  # (subnet, where) of every present network
    for index, item in enumerate(also_declared or []):
        if (item.get("state") or "present") == "absent":
            continue
        for number, entry in enumerate(item.get("ipam_config") or []):
            subnet = _network(entry.get("subnet")) if entry.get("subnet") else None
            if subnet is not None:
                subnets.append(
                    (
                        subnet,
                        "also_declared[%d].ipam_config[%d].subnet of network %r" % (index, number, item.get("name")),
                    )
                )
    for index, item in enumerate(items):
        name = item.get("name")
        at = _where(option, index, name)
        errors += name_errors(name, item.get("driver") or "bridge", at)
        if (item.get("state") or default_state) == "absent":
            continue
        for number, entry in enumerate(item.get("ipam_config") or []):
            entry_at = "%sipam_config[%d]" % (_prefix(option, index), number)
            entry_errors, subnet = _entry_errors(entry, entry_at)
            errors += ["network %r: %s" % (name, message) for message in entry_errors]
            if subnet is None:
                continue
            for other, other_at in subnets:
                if other.version == subnet.version and subnet.overlaps(other):
                    errors.append(
                        "network %r: %s.subnet %s overlaps %s (%s); declared networks need subnets that do not "
                        "overlap." % (name, entry_at, subnet, other_at, other)
                    )
            subnets.append((subnet, "%s.subnet of network %r" % (entry_at, name)))
    return errors


def existing_overlap_errors(declared, current, leaving=()):
    """Declared subnets that overlap a network the engine has and the declaration does not hold.

    ``declared``: normalised networks (``resource_diff.normalise_network``). ``current``: engine networks by
    name. ``leaving``: names of engine networks this run removes or recreates (their subnets are freed first).
    Docker's own networks (bridge, docker_gwbridge, ingress) count: a route to two networks with the same
    addresses is ambiguous on every host of a swarm, whatever the scope.
    """
    skip = set(leaving) | set(d["name"] for d in declared)
    taken = []
    for name, network in sorted(current.items()):
        if name in skip:
            continue
        for entry in (network.get("IPAM") or {}).get("Config") or []:
            subnet = _network(entry.get("Subnet")) if entry.get("Subnet") else None
            if subnet is not None:
                taken.append((subnet, name, network.get("Scope") or "local"))
    errors = []
    for desired in declared:
        if desired.get("state") == "absent":
            continue
        for number, entry in enumerate(desired.get("ipam_config") or []):
            subnet = _network(entry["subnet"])
            for other, name, scope in taken:
                if other.version == subnet.version and subnet.overlaps(other):
                    errors.append(
                        "network %r: ipam_config[%d].subnet %s overlaps the existing %s network %r (%s); pick a "
                        "subnet outside it, or remove that network first."
                        % (desired["name"], number, subnet, scope, name, other)
                    )
    return errors
