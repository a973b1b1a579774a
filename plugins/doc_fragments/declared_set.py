# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the modules that declare a set of engine objects (network, volume) document alike: the options that
declare a single object instead of the list (each the same as the list entry's option of that name; their
documentation is made from the argument spec in module_utils/resource_options.py), O(state), O(exclusive), and what
check and diff mode show. Fragments dockfleet.docker.declared_set.network and dockfleet.docker.declared_set.volume."""

from __future__ import annotations

import yaml

from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import OPTIONS

# What the suboptions of O(ipam_config) are; their types come from the argument spec.
_SUBOPTION_DESCRIPTIONS = dict(
    subnet="Subnet in CIDR form.",
    gateway="Gateway address.",
    ip_range="Range containers get addresses from.",
    aux_addresses="Reserved addresses, host name to address.",
)


def _documented(spec, description):
    """An option's documentation from its argument spec (type, elements, choices, aliases, required, suboptions)."""
    doc = dict(description=description)
    doc.update((key, spec[key]) for key in ("type", "elements", "choices", "aliases", "required") if key in spec)
    if "options" in spec:
        doc["suboptions"] = dict(
            (name, _documented(sub, _SUBOPTION_DESCRIPTIONS[name])) for name, sub in spec["options"].items()
        )
    return doc


# What O(exclusive) leaves alone besides the objects without the label, per kind.
_EXCLUSIVE_SPARES = dict(
    network="Networks without that label are never touched.",
    volume="Volumes without that label, and volumes in use, are never touched.",
)


def fragment(kind):
    """The fragment text of one kind (``network`` or ``volume``)."""
    plural = kind + "s"
    options = dict(
        (name, _documented(spec, "See O(%s[].%s)." % (plural, name))) for name, spec in OPTIONS[kind].items()
    )
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
