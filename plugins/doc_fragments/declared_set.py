# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that declare a set of engine objects (network, volume) document alike: the list of objects
(O(networks), O(volumes)) and its entries, the options that declare a single object instead of the list (each the
same as the list entry's option of that name), O(state), O(exclusive), and what check and diff mode show. The types,
choices, aliases and required flags of every entry option come from the argument spec in
module_utils/resource_options.py, so the documentation and the spec cannot disagree; only the words are here.
Fragments dockfleet.docker.declared_set.network and dockfleet.docker.declared_set.volume."""

from __future__ import annotations

import yaml

from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import ENTRY, OPTIONS

# What each option of a list entry means, per kind (a suboption as "option[].suboption"). The entry's name and
# state mean the same for every kind and are described in fragment().
_WORDS = dict(
    network=yaml.safe_load(
        r"""
driver: Network driver, for example V(bridge), V(overlay), V(macvlan) or V(ipvlan). Defaults to V(bridge).
scope:
  - V(local), V(swarm) or V(global). Compared only when declared. Overlay networks are always V(swarm).
attachable: Let standalone containers join this overlay network. Overlay only. Defaults to V(false).
internal: No route to outside networks. Defaults to V(false).
encrypted: Encrypt the overlay's data plane (IPsec between nodes). Overlay only. Defaults to V(false).
enable_ipv6: Enable IPv6. Required when an IPv6 subnet is declared. Defaults to V(false).
ipam_driver: IPAM driver. Compared only when declared (the engine reports V(default)).
ipam_options:
  - IPAM driver options. Only the declared keys are compared.
  - O(networks[].ipam_driver_options) is community.docker.docker_network's name for it.
ipam_config:
  - Address pools. When none is declared the engine assigns one and that subnet is never drift.
  - Subnets of an IP family you do not declare (for example an IPv6 range the engine assigned) are ignored.
ipam_config[].subnet: Subnet in CIDR form.
ipam_config[].gateway: Gateway address; compared only when declared.
ipam_config[].ip_range:
  - Range containers get addresses from, inside O(networks[].ipam_config[].subnet).
  - O(networks[].ipam_config[].iprange) is community.docker.docker_network's name for it.
ipam_config[].aux_addresses: Addresses the IPAM driver must not hand out, as a host name to address mapping.
driver_options:
  - Driver options, for example C(com.docker.network.driver.mtu) or C(parent) for macvlan.
  - Only the declared keys are compared; options the engine adds by itself are ignored.
labels:
  - Labels. When declared they must match exactly (a label you remove from the declaration is drift); when not
    declared they are not compared. C(io.dockfleet.managed) is added by the module.
ingress:
  - This network is the swarm's ingress network (the routing mesh). Its driver is V(overlay) and it is never
    attachable; at most one network of the set may be the ingress. Declared on a swarm manager only.
  - V(present) replaces the engine's ingress network (whatever its name) when it differs from the declaration, even
    with O(recreate=never); V(absent) removes it. Either happens only when no service publishes a port in C(ingress)
    mode; otherwise the module fails naming those services and changes nothing.
  - O(exclusive) never removes an ingress network that is not declared. Defaults to V(false).
"""
    ),
    volume=yaml.safe_load(
        r"""
driver: Volume driver. Defaults to V(local).
driver_options:
  - Driver options, for example C(type), C(device) and C(o) of the local driver (tmpfs, NFS, bind mounts).
  - Only the declared keys are compared.
labels:
  - Labels. When declared they must match exactly; when not declared they are not compared. C(io.dockfleet.managed)
    is added by the module.
"""
    ),
)

# Which of its managed objects an empty list with O(exclusive) removes, and what O(exclusive) leaves alone besides
# the objects without the label, per kind.
_EMPTIED = dict(network="every network", volume="every unused volume")
_EXCLUSIVE_SPARES = dict(
    network="Networks without that label are never touched.",
    volume="Volumes without that label, and volumes in use, are never touched.",
)


def _documented(spec, words, path):
    """An option's documentation from its argument spec (type, elements, choices, aliases, required, suboptions)
    and its words (``words[path]``; a suboption's at ``path + "[]." + name``)."""
    doc = dict(description=words[path])
    doc.update((key, spec[key]) for key in ("type", "elements", "choices", "aliases", "required") if key in spec)
    if "options" in spec:
        doc["suboptions"] = dict(
            (name, _documented(sub, words, "%s[].%s" % (path, name))) for name, sub in spec["options"].items()
        )
    return doc


def fragment(kind):
    """The fragment text of one kind (``network`` or ``volume``)."""
    plural = kind + "s"
    words = dict(_WORDS[kind])
    words.update(
        name="%s name." % kind.capitalize(),
        state="V(present) or V(absent); defaults to O(state).",
    )
    entry = dict(ENTRY, **OPTIONS[kind])
    options = {
        plural: dict(
            description=[
                "The %s to declare, each with the options below. Mutually exclusive with O(name) and the other "
                "single-%s options." % (plural, kind),
                "An empty list together with O(exclusive=true) removes %s dockfleet manages on the host."
                % _EMPTIED[kind],
            ],
            type="list",
            elements="dict",
            suboptions=dict((name, _documented(spec, words, name)) for name, spec in entry.items()),
        )
    }
    # The single-object options: the list entry's words stand at the entry; their suboptions keep them.
    for name, spec in OPTIONS[kind].items():
        options[name] = _documented(spec, words, name)
        options[name]["description"] = "See O(%s[].%s)." % (plural, name)
    options["state"] = dict(
        description="Whether the %s(s) should exist. The default for every entry of O(%s)." % (kind, plural),
        type="str",
        choices=["present", "absent"],
        default="present",
    )
    options["exclusive"] = dict(
        description=[
            "Also remove %s that carry the label C(io.dockfleet.managed=true) and are not declared in this call. %s"
            % (plural, _EXCLUSIVE_SPARES[kind])
        ],
        type="bool",
        default=False,
    )
    attributes = dict(
        check_mode=dict(details=["Reports what would be created, recreated or removed and changes nothing."]),
        diff_mode=dict(details=["Shows, for every %s that changes, what the engine has and what is declared." % kind]),
    )
    return yaml.safe_dump(dict(options=options, attributes=attributes), sort_keys=False, width=120)


class ModuleDocFragment:
    """NETWORK and VOLUME, set below the class, composed when the fragment is loaded."""


# Below the class: ansible-test's linters read the class body for literal YAML only.
ModuleDocFragment.NETWORK = fragment("network")
ModuleDocFragment.VOLUME = fragment("volume")
