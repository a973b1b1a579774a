# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options that declare one network or one volume, as argument specs: an entry of the module's list (ENTRY and
the kind's options), and the kind's options at the top level for a single object
(resource_module.batch_argument_spec). The documentation of both (doc fragment dockfleet.docker.declared_set) is
made from these, so the documentation and the spec cannot disagree."""

from __future__ import annotations

# What every entry of the list has, whatever the kind: its name, and its state (O(state) when not given).
ENTRY = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"]),
)

IPAM_CONFIG = dict(
    type="list",
    elements="dict",
    options=dict(
        subnet=dict(type="str", required=True),
        gateway=dict(type="str"),
        ip_range=dict(type="str", aliases=["iprange"]),
        aux_addresses=dict(type="dict"),
    ),
)

NETWORK_OPTIONS = dict(
    driver=dict(type="str"),
    scope=dict(type="str", choices=["local", "swarm", "global"]),
    attachable=dict(type="bool"),
    internal=dict(type="bool"),
    encrypted=dict(type="bool"),
    enable_ipv6=dict(type="bool"),
    ipam_driver=dict(type="str"),
    ipam_options=dict(type="dict", aliases=["ipam_driver_options"]),
    ipam_config=IPAM_CONFIG,
    driver_options=dict(type="dict"),
    labels=dict(type="dict"),
    ingress=dict(type="bool"),
)

VOLUME_OPTIONS = dict(
    driver=dict(type="str"),
    driver_options=dict(type="dict"),
    labels=dict(type="dict"),
)

OPTIONS = dict(network=NETWORK_OPTIONS, volume=VOLUME_OPTIONS)
