# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Networks and volumes: what the user declared, what the engine reports, and what to do.

Pure functions only (no engine calls), so every rule here is unit-tested without a daemon.

* ``normalise_network`` / ``normalise_volume`` turn one declared resource into a canonical
  dict and reject inputs the engine would refuse or silently reinterpret.
* ``network_differences`` / ``volume_differences`` compare a declaration with the engine's
  JSON, looking only at what the user declared and ignoring what the engine fills in by
  itself (IPAM driver ``default``, auto-assigned subnets and gateways, label order, the
  overlay VXLAN id, our own management label).
* ``plan`` decides, for the whole declared set at once, which resources are created,
  recreated, removed or left unchanged, applying the ``recreate`` / ``force`` / ``exclusive``
  policy. It returns every refusal together, before anything is applied, so a module never
  leaves a set half-converged because of an input error.

The Docker API has no update call for networks or volumes: every difference means the
resource must be removed and created again.
"""

from __future__ import annotations

import ipaddress

MANAGED_LABEL = "io.dockfleet.managed"
MANAGED_VALUE = "true"

# Networks the engine creates itself; they can be neither declared nor removed.
PREDEFINED_NETWORKS = ("bridge", "host", "none", "ingress", "docker_gwbridge")

NETWORK_DRIVERS_WITH_SUBNETS = ("bridge", "overlay", "macvlan", "ipvlan")
# Driver options the engine adds on its own; never drift.
ENGINE_FILLED_NETWORK_OPTIONS = ("com.docker.network.driver.overlay.vxlanid_list",)
ENCRYPTED_OPTION = "encrypted"

RECREATE_POLICIES = ("never", "when_unused", "always")


class DeclarationError(ValueError):
    """A declared resource is invalid; the message says which one and how to fix it."""


# --------------------------------------------------------------------------- helpers


def _str_dict(value, what):
    """Engine labels and options are string maps; YAML gives ints and bools too."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise DeclarationError("%s must be a mapping of strings, got %r" % (what, value))
    result = {}
    for key, item in value.items():
        if item is None:
            item = ""
        elif isinstance(item, bool):
            item = "true" if item else "false"
        result[str(key)] = str(item)
    return result


def _bool(value, default=False):
    return default if value is None else bool(value)


def _network_address(value, where):
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise DeclarationError(
            "%s: %r is not an IP network in CIDR form (e.g. 10.10.0.0/24)" % (where, value)
        ) from None


def _address(value, where):
    text = str(value).strip()
    # Users and the engine sometimes write a gateway with its prefix length.
    if "/" in text:
        text = text.split("/", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise DeclarationError("%s: %r is not an IP address" % (where, value)) from None


def _canonical_subnet(value):
    """The engine's subnet in canonical text, or the raw text if it does not parse."""
    try:
        return str(ipaddress.ip_network(str(value).strip(), strict=False))
    except ValueError:
        return str(value)


def _canonical_address(value):
    text = str(value).strip()
    if "/" in text:
        text = text.split("/", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def strip_managed_label(labels):
    labels = dict(labels or {})
    labels.pop(MANAGED_LABEL, None)
    return labels


def is_managed(engine_object):
    """True when dockfleet created the network or volume (it carries our label)."""
    return (engine_object.get("Labels") or {}).get(MANAGED_LABEL) == MANAGED_VALUE


def _difference(field, declared, engine):
    return {"field": field, "declared": declared, "engine": engine}


def format_differences(differences):
    return "; ".join(
        "%s: declared %s, engine has %s" % (d["field"], _show(d["declared"]), _show(d["engine"])) for d in differences
    )


def _show(value):
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    return str(value)


# --------------------------------------------------------------------------- networks


def normalise_network(spec, default_state="present"):
    """Canonical form of one declared network (the module's suboptions as a dict).

    Fields the user did not declare stay ``None`` where the engine picks a value we must not
    compare (scope, IPAM), and take the engine's own default where the engine always reports
    the field (driver ``bridge``, the booleans ``false``).
    """
    name = spec.get("name")
    if not name or not str(name).strip():
        raise DeclarationError("every network needs a name")
    name = str(name).strip()
    where = "network %r" % name
    state = spec.get("state") or default_state
    ingress = True if spec.get("ingress") else None
    if name in PREDEFINED_NETWORKS and not (ingress and name == "ingress"):
        raise DeclarationError(
            "%s: the engine creates and owns this network; it cannot be declared or removed. Use another name%s."
            % (where, " (or declare the swarm's ingress network with ingress: true)" if name == "ingress" else "")
        )
    driver = spec.get("driver") or ("overlay" if ingress else "bridge")
    desired = {
        "name": name,
        "state": state,
        "driver": driver,
        "scope": spec.get("scope"),
        "attachable": _bool(spec.get("attachable")),
        "internal": _bool(spec.get("internal")),
        "encrypted": _bool(spec.get("encrypted")),
        "enable_ipv6": _bool(spec.get("enable_ipv6")),
        "ipam_driver": spec.get("ipam_driver"),
        "ipam_options": _str_dict(spec.get("ipam_options"), "%s: ipam_options" % where),
        "ipam_config": None,
        "driver_options": _str_dict(spec.get("driver_options"), "%s: driver_options" % where),
        "labels": _str_dict(spec.get("labels"), "%s: labels" % where),
        "ingress": ingress,
    }
    if state == "absent":
        return desired
    if desired["labels"] and MANAGED_LABEL in desired["labels"]:
        raise DeclarationError(
            "%s: label %s is set by dockfleet itself; remove it from labels" % (where, MANAGED_LABEL)
        )
    if desired["driver_options"] and ENCRYPTED_OPTION in desired["driver_options"]:
        raise DeclarationError("%s: use encrypted: true instead of the driver option %r" % (where, ENCRYPTED_OPTION))
    if desired["encrypted"] and driver != "overlay":
        raise DeclarationError("%s: encrypted applies to overlay networks only (driver is %r)" % (where, driver))
    if desired["attachable"] and driver != "overlay":
        raise DeclarationError("%s: attachable applies to overlay networks only (driver is %r)" % (where, driver))
    if driver == "overlay" and desired["scope"] not in (None, "swarm"):
        raise DeclarationError("%s: overlay networks have scope 'swarm', not %r" % (where, desired["scope"]))
    if ingress and (driver != "overlay" or desired["attachable"]):
        raise DeclarationError("%s: an ingress network is an overlay and is never attachable" % where)

    config = spec.get("ipam_config")
    if config:
        entries = []
        seen = set()
        for index, entry in enumerate(config):
            at = "%s: ipam_config[%d]" % (where, index)
            if not entry.get("subnet"):
                raise DeclarationError("%s needs a subnet (gateway, ip_range and aux_addresses belong to one)" % at)
            subnet = _network_address(entry["subnet"], at + ".subnet")
            if str(subnet) in seen:
                raise DeclarationError("%s: subnet %s is declared twice" % (at, subnet))
            seen.add(str(subnet))
            item = {"subnet": str(subnet), "gateway": None, "ip_range": None, "aux_addresses": None}
            if entry.get("gateway"):
                gateway = _address(entry["gateway"], at + ".gateway")
                if gateway not in subnet:
                    raise DeclarationError("%s: gateway %s is outside subnet %s" % (at, gateway, subnet))
                item["gateway"] = str(gateway)
            if entry.get("ip_range"):
                ip_range = _network_address(entry["ip_range"], at + ".ip_range")
                if ip_range.version != subnet.version or not ip_range.subnet_of(subnet):
                    raise DeclarationError("%s: ip_range %s is outside subnet %s" % (at, ip_range, subnet))
                item["ip_range"] = str(ip_range)
            if entry.get("aux_addresses") is not None:
                aux = {}
                for host, address in (entry.get("aux_addresses") or {}).items():
                    parsed = _address(address, "%s.aux_addresses.%s" % (at, host))
                    if parsed not in subnet:
                        raise DeclarationError(
                            "%s: aux address %s=%s is outside subnet %s" % (at, host, parsed, subnet)
                        )
                    aux[str(host)] = str(parsed)
                item["aux_addresses"] = aux
            entries.append(item)
        if any(ipaddress.ip_network(e["subnet"]).version == 6 for e in entries) and not desired["enable_ipv6"]:
            raise DeclarationError("%s: an IPv6 subnet is declared; set enable_ipv6: true as well" % where)
        desired["ipam_config"] = entries
    return desired


def _engine_ipam_entries(network):
    entries = []
    for entry in (network.get("IPAM") or {}).get("Config") or []:
        if not entry.get("Subnet"):
            continue
        entries.append(
            {
                "subnet": _canonical_subnet(entry["Subnet"]),
                "gateway": _canonical_address(entry["Gateway"]) if entry.get("Gateway") else None,
                "ip_range": _canonical_subnet(entry["IPRange"]) if entry.get("IPRange") else None,
                "aux_addresses": dict(
                    (str(k), _canonical_address(v)) for k, v in (entry.get("AuxiliaryAddresses") or {}).items()
                ),
            }
        )
    return entries


def _ip_version(subnet_text):
    try:
        return ipaddress.ip_network(subnet_text, strict=False).version
    except ValueError:
        return None


def _options_and_labels(desired, options, engine_labels, skip=()):
    """The differences of the declared driver options (those in ``skip`` are the engine's to fill) and, when
    declared, of the labels (dockfleet's own label aside)."""
    found = []
    for key, value in sorted((desired["driver_options"] or {}).items()):
        if key not in skip and options.get(key) != value:
            found.append(_difference("driver_options.%s" % key, value, options.get(key)))
    if desired["labels"] is not None:
        labels = strip_managed_label(engine_labels)
        if desired["labels"] != labels:
            found.append(_difference("labels", desired["labels"], labels))
    return found


def network_differences(desired, network):
    """Differences between a declared network and the engine's JSON, as a list of dicts.

    Only declared fields are compared. Ignored on purpose: the IPAM driver ``default`` when
    none is declared, subnets and gateways the engine assigned (when no subnet is declared for
    that IP family), gateways when none is declared, driver options the user did not declare
    (the overlay VXLAN id among them), label order and dockfleet's management label.
    """
    found = []
    options = network.get("Options") or {}
    if desired["driver"] != network.get("Driver"):
        found.append(_difference("driver", desired["driver"], network.get("Driver")))
    if desired["scope"] is not None and desired["scope"] != network.get("Scope"):
        found.append(_difference("scope", desired["scope"], network.get("Scope")))
    if bool(desired.get("ingress")) != bool(network.get("Ingress")):
        found.append(_difference("ingress", bool(desired.get("ingress")), bool(network.get("Ingress"))))
    for field, key in (("attachable", "Attachable"), ("internal", "Internal"), ("enable_ipv6", "EnableIPv6")):
        if desired[field] != bool(network.get(key)):
            found.append(_difference(field, desired[field], bool(network.get(key))))
    if desired["driver"] == "overlay" or desired["encrypted"]:
        encrypted = ENCRYPTED_OPTION in options
        if desired["encrypted"] != encrypted:
            found.append(_difference("encrypted", desired["encrypted"], encrypted))
    found += _options_and_labels(desired, options, network.get("Labels"), skip=ENGINE_FILLED_NETWORK_OPTIONS)

    ipam = network.get("IPAM") or {}
    if desired["ipam_driver"] is not None and desired["ipam_driver"] != (ipam.get("Driver") or "default"):
        found.append(_difference("ipam_driver", desired["ipam_driver"], ipam.get("Driver") or "default"))
    if desired["ipam_options"] is not None:
        engine_options = ipam.get("Options") or {}
        for key, value in sorted(desired["ipam_options"].items()):
            if engine_options.get(key) != value:
                found.append(_difference("ipam_options.%s" % key, value, engine_options.get(key)))
    if desired["ipam_config"] is not None:
        found.extend(_ipam_differences(desired["ipam_config"], _engine_ipam_entries(network)))
    return found


def _ipam_differences(declared, engine_entries):
    found = []
    families = set(_ip_version(e["subnet"]) for e in declared)
    # Subnets of a family the user left to the engine (e.g. an auto-assigned IPv6 range) are not drift.
    engine_by_subnet = dict((e["subnet"], e) for e in engine_entries if _ip_version(e["subnet"]) in families)
    declared_subnets = [e["subnet"] for e in declared]
    if sorted(declared_subnets) != sorted(engine_by_subnet):
        found.append(_difference("ipam_config.subnets", sorted(declared_subnets), sorted(engine_by_subnet)))
    for entry in declared:
        current = engine_by_subnet.get(entry["subnet"])
        if current is None:
            continue
        for field in ("gateway", "ip_range", "aux_addresses"):
            if entry[field] is not None and entry[field] != (
                current[field] or ({} if field == "aux_addresses" else None)
            ):
                found.append(_difference("ipam_config[%s].%s" % (entry["subnet"], field), entry[field], current[field]))
    return found


def describe_network(network):
    """The engine's network in the same vocabulary as the declaration (for diff output)."""
    if network is None:
        return None
    options = dict(network.get("Options") or {})
    encrypted = options.pop(ENCRYPTED_OPTION, None) is not None
    for key in ENGINE_FILLED_NETWORK_OPTIONS:
        options.pop(key, None)
    ipam = network.get("IPAM") or {}
    described = {
        "driver": network.get("Driver"),
        "scope": network.get("Scope"),
        "attachable": bool(network.get("Attachable")),
        "internal": bool(network.get("Internal")),
        "encrypted": encrypted,
        "enable_ipv6": bool(network.get("EnableIPv6")),
        "ipam_driver": ipam.get("Driver") or "default",
        "ipam_config": _engine_ipam_entries(network),
        "driver_options": options,
        "labels": strip_managed_label(network.get("Labels")),
    }
    if network.get("Ingress"):
        described["ingress"] = True
    return described


def describe_declared(desired):
    """A declaration for diff output: only what the user set, without bookkeeping keys."""
    return dict((k, v) for k, v in desired.items() if k not in ("name", "state") and v is not None)


def network_create_arguments(desired):
    """Keyword arguments for ``docker.APIClient.create_network`` (SDK 4.0+)."""
    options = dict(desired["driver_options"] or {})
    if desired["encrypted"]:
        options[ENCRYPTED_OPTION] = ""
    labels = dict(desired["labels"] or {})
    labels[MANAGED_LABEL] = MANAGED_VALUE
    arguments = {
        "name": desired["name"],
        "driver": desired["driver"],
        "options": options or None,
        "internal": desired["internal"],
        "labels": labels,
        "enable_ipv6": desired["enable_ipv6"],
        "attachable": desired["attachable"] or None,
        "scope": desired["scope"],
        "ipam": None,
    }
    if desired.get("ingress"):
        arguments["ingress"] = True
    if desired["ipam_config"] is not None or desired["ipam_driver"] is not None or desired["ipam_options"]:
        pools = []
        for entry in desired["ipam_config"] or []:
            pool = {"Subnet": entry["subnet"]}
            if entry["gateway"]:
                pool["Gateway"] = entry["gateway"]
            if entry["ip_range"]:
                pool["IPRange"] = entry["ip_range"]
            if entry["aux_addresses"]:
                pool["AuxiliaryAddresses"] = dict(entry["aux_addresses"])
            pools.append(pool)
        arguments["ipam"] = {
            "Driver": desired["ipam_driver"] or "default",
            "Config": pools,
            "Options": dict(desired["ipam_options"] or {}),
        }
    return arguments


# --------------------------------------------------------------------------- volumes


def normalise_volume(spec, default_state="present"):
    name = spec.get("name")
    if not name or not str(name).strip():
        raise DeclarationError("every volume needs a name")
    name = str(name).strip()
    where = "volume %r" % name
    desired = {
        "name": name,
        "state": spec.get("state") or default_state,
        "driver": spec.get("driver") or "local",
        "driver_options": _str_dict(spec.get("driver_options"), "%s: driver_options" % where),
        "labels": _str_dict(spec.get("labels"), "%s: labels" % where),
    }
    if desired["state"] == "present" and desired["labels"] and MANAGED_LABEL in desired["labels"]:
        raise DeclarationError(
            "%s: label %s is set by dockfleet itself; remove it from labels" % (where, MANAGED_LABEL)
        )
    return desired


def volume_differences(desired, volume):
    """Differences between a declared volume and the engine's JSON (declared fields only)."""
    found = []
    if desired["driver"] != volume.get("Driver"):
        found.append(_difference("driver", desired["driver"], volume.get("Driver")))
    return found + _options_and_labels(desired, volume.get("Options") or {}, volume.get("Labels"))


def describe_volume(volume):
    if volume is None:
        return None
    return {
        "driver": volume.get("Driver"),
        "driver_options": dict(volume.get("Options") or {}),
        "labels": strip_managed_label(volume.get("Labels")),
    }


def volume_create_arguments(desired):
    labels = dict(desired["labels"] or {})
    labels[MANAGED_LABEL] = MANAGED_VALUE
    return {
        "name": desired["name"],
        "driver": desired["driver"],
        "driver_opts": dict(desired["driver_options"] or {}) or None,
        "labels": labels,
    }


# --------------------------------------------------------------------------- planning


def describe_users(users):
    return ", ".join("%s %s" % (user["kind"], user["name"]) for user in users)


def plan(
    kind,
    declared,
    current,
    differences,
    users_of,
    recreate="never",
    force=False,
    exclusive=False,
    exclusive_filter=None,
    force_detaches=False,
):
    """Decide what happens to every resource, for the whole declared set at once.

    kind             "network" or "volume" (for messages).
    declared         normalised declarations (``normalise_network`` / ``normalise_volume``).
    current          engine objects by name (what the engine reports now).
    differences      function(desired, engine_object) -> list of differences.
    users_of         function(name) -> list of {"kind": "container"|"service", "name": ...}; called only
                     for resources that would be removed or recreated.
    recreate         never | when_unused | always: what to do when a resource differs from its declaration.
    force            with ``always`` (or ``state: absent`` / exclusive removal), detach containers first;
                     allowed only when ``force_detaches`` (networks: containers can be disconnected and
                     reconnected; volumes cannot be detached from containers).
    exclusive        also remove resources that carry the management label and are not declared.
    exclusive_filter function(engine_object) -> bool: which undeclared resources ``exclusive`` may consider
                     (e.g. only swarm-scoped networks when run once on a manager).

    Returns ``(steps, errors)``. Each step is a dict with ``name``, ``action`` (created, recreated,
    removed, unchanged), ``differences``, ``users`` and ``detach`` (containers to detach first;
    for a recreated network they are reconnected afterwards). ``errors`` lists every refusal; the
    caller applies nothing when it is not empty.
    """
    if recreate not in RECREATE_POLICIES:
        raise DeclarationError("recreate must be one of %s, got %r" % (", ".join(RECREATE_POLICIES), recreate))
    steps = []
    errors = []
    names = set()
    for desired in declared:
        if desired["name"] in names:
            errors.append("%s %r is declared more than once; declare each %s once" % (kind, desired["name"], kind))
            continue
        names.add(desired["name"])

    def removal(name, reason, differences_found, action, policy=recreate):
        users = users_of(name)
        step = {"name": name, "action": action, "differences": differences_found, "users": users, "detach": []}
        if users:
            services = [u for u in users if u["kind"] != "container"]
            may_force = force and force_detaches and not services and (action == "removed" or policy == "always")
            if may_force:
                step["detach"] = [u["name"] for u in users]
            else:
                errors.append(_in_use_message(kind, name, reason, users, action, policy, force_detaches, services))
        return step

    seen = set()
    for desired in declared:
        name = desired["name"]
        if name in seen:
            continue
        seen.add(name)
        engine_object = current.get(name)
        if desired["state"] == "absent":
            if engine_object is None:
                steps.append(_step(name, "unchanged"))
            else:
                steps.append(removal(name, "it is declared absent", [], "removed"))
            continue
        if engine_object is None:
            steps.append(_step(name, "created"))
            continue
        found = differences(desired, engine_object)
        if not found:
            steps.append(_step(name, "unchanged"))
            continue
        # Declaring the swarm's ingress network is asking for it to be recreated (the engine's own differs):
        # at least when nothing publishes through it.
        policy = "when_unused" if desired.get("ingress") and recreate == "never" else recreate
        if policy == "never":
            errors.append(
                "%s %r differs from its declaration (%s). The engine cannot change a %s in place; set recreate: "
                "when_unused (or always) to let dockfleet recreate it, or change the declaration to match."
                % (kind, name, format_differences(found), kind)
            )
            steps.append(_step(name, "recreated", found))
            continue
        steps.append(removal(name, "it must be recreated (%s)" % format_differences(found), found, "recreated", policy))

    if exclusive:
        for name in sorted(current):
            engine_object = current[name]
            if name in names or not is_managed(engine_object) or engine_object.get("Ingress"):
                continue  # the swarm's ingress is left alone unless declared (absent or present)
            if exclusive_filter is not None and not exclusive_filter(engine_object):
                continue
            steps.append(removal(name, "exclusive is set and it is no longer declared", [], "removed"))
    return steps, errors


def _step(name, action, differences_found=None):
    return {"name": name, "action": action, "differences": differences_found or [], "users": [], "detach": []}


def _in_use_message(kind, name, reason, users, action, recreate, force_detaches, services):
    through_mesh = services and kind == "network" and all(u.get("via") == "ingress" for u in services)
    # Through the routing mesh, the services are what the user must change; their task containers are noise.
    named = services if through_mesh else users
    message = "%s %r is in use by %s and %s, so dockfleet left it alone." % (kind, name, describe_users(named), reason)
    if through_mesh:
        message += (
            " Those services publish ports through the ingress routing mesh: publish them in host mode (mode: host)"
            " or remove them first, then run again."
        )
    elif services:
        message += " Remove the %s from those services first (services cannot be detached by force)." % kind
    elif not force_detaches:
        message += " Remove or change those containers first; a %s cannot be detached from a container." % kind
    elif action == "recreated" and recreate == "when_unused":
        message += (
            " recreate: when_unused never touches a %s in use; stop those containers, or set recreate: always "
            "with force: true to disconnect and reconnect them." % kind
        )
    else:
        message += " Set force: true to disconnect those containers first%s." % (
            " and reconnect them to the new network" if action == "recreated" else ""
        )
    return message


def changed(steps):
    return any(step["action"] != "unchanged" for step in steps)


def summary(steps):
    counts = {}
    for step in steps:
        counts[step["action"]] = counts.get(step["action"], 0) + 1
    return counts


# Removals first (a leftover may hold the subnet a new network declares), then recreations, then creations.
_APPLY_ORDER = {"removed": 0, "recreated": 1, "created": 2, "unchanged": 3}


def apply_order(steps):
    return sorted(steps, key=lambda step: _APPLY_ORDER[step["action"]])


def report(steps, declared, current, describe):
    """Per-resource results and the ``diff`` (before/after of every resource that changes)."""
    desired_by_name = dict((desired["name"], desired) for desired in declared)
    results = []
    before = {}
    after = {}
    for step in steps:
        name = step["name"]
        results.append(
            {
                "name": name,
                "action": step["action"],
                "differences": step["differences"],
                "users": ["%s %s" % (user["kind"], user["name"]) for user in step["users"]],
            }
        )
        if step["action"] == "unchanged":
            continue
        before[name] = describe(current.get(name))
        desired = desired_by_name.get(name)
        after[name] = None if step["action"] == "removed" or desired is None else describe_declared(desired)
    return results, {"before": before, "after": after}
