# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resource_options: the one argument spec of a network or volume entry. The modules document the entries of their
list by hand; these tests hold that documentation to the spec (names, types, choices, aliases, required), so a
new option cannot be documented in one place and missing in the other."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import OPTIONS
from ansible_collections.dockfleet.docker.plugins.modules import network, volume

KEYS = ("type", "elements", "choices", "aliases", "required")


def same_shape(documented, spec, where):
    """Every key of KEYS agrees between an option's documentation and its spec, suboptions included."""
    for key in KEYS:
        assert documented.get(key) == spec.get(key), "%s: %s documented %r, spec %r" % (
            where,
            key,
            documented.get(key),
            spec.get(key),
        )
    assert set(documented.get("suboptions") or {}) == set(spec.get("options") or {}), where
    for name, sub in (spec.get("options") or {}).items():
        same_shape(documented["suboptions"][name], sub, "%s.%s" % (where, name))


@pytest.mark.parametrize("kind, module", [("network", network), ("volume", volume)])
def test_the_list_entries_are_documented_as_the_spec_declares_them(kind, module):
    documented = yaml.safe_load(module.DOCUMENTATION)["options"][kind + "s"]["suboptions"]
    # name and state belong to the list entry itself; everything else comes from resource_options.
    assert set(documented) == {"name", "state"} | set(OPTIONS[kind])
    for name, spec in OPTIONS[kind].items():
        same_shape(documented[name], spec, "%ss[].%s" % (kind, name))


def test_a_volume_takes_no_network_option():
    assert set(OPTIONS["volume"]) < set(OPTIONS["network"])
    assert not {"ipam_config", "scope", "ingress"} & set(OPTIONS["volume"])
