# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resource_options: the one argument spec of a network or volume entry. The doc fragment
dockfleet.docker.declared_set documents the list entries and the single-object options from it; these tests hold
that documentation to the argument spec the modules run with (names, types, choices, aliases, required), so a new
option cannot be documented in one place and missing in the other."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.dockfleet.docker.plugins.doc_fragments import declared_set
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_module import batch_argument_spec
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import ENTRY, OPTIONS
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


def documented_options(kind):
    return yaml.safe_load(declared_set.fragment(kind))["options"]


@pytest.mark.parametrize("kind", ["network", "volume"])
def test_the_list_and_its_entries_are_documented_as_the_module_runs_them(kind):
    spec = batch_argument_spec(kind, OPTIONS[kind])[0]
    plural = kind + "s"
    documented = documented_options(kind)
    same_shape(documented[plural], spec[plural], plural)
    assert set(documented[plural]["suboptions"]) == {"name", "state"} | set(OPTIONS[kind])


@pytest.mark.parametrize("kind", ["network", "volume"])
def test_every_single_object_option_is_documented_and_points_at_its_entry(kind):
    documented = documented_options(kind)
    for name, spec in OPTIONS[kind].items():
        same_shape(documented[name], spec, name)
        assert documented[name]["description"] == "See O(%ss[].%s)." % (kind, name)


@pytest.mark.parametrize("kind", ["network", "volume"])
def test_an_entry_option_without_words_stops_the_documentation(kind, monkeypatch):
    monkeypatch.setitem(OPTIONS, kind, dict(OPTIONS[kind], undocumented=dict(type="str")))
    with pytest.raises(KeyError, match="undocumented"):
        declared_set.fragment(kind)


@pytest.mark.parametrize("kind, module", [("network", network), ("volume", volume)])
def test_the_modules_leave_the_list_to_the_fragment(kind, module):
    own = yaml.safe_load(module.DOCUMENTATION)
    assert kind + "s" not in own["options"]
    assert "dockfleet.docker.declared_set.%s" % kind in own["extends_documentation_fragment"]


def test_every_entry_has_a_required_name_and_a_state_without_default():
    assert ENTRY["name"]["required"] is True
    assert "default" not in ENTRY["state"], "an entry's state defaults to the module's state, not its own"


def test_a_volume_takes_no_network_option():
    assert set(OPTIONS["volume"]) < set(OPTIONS["network"])
    assert not {"ipam_config", "scope", "ingress"} & set(OPTIONS["volume"])
