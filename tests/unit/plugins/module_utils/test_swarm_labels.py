# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.dockfleet.docker.plugins.module_utils.swarm_labels import (
    LabelError,
    has_changes,
    label_errors,
    normalize_labels,
    plan_labels,
)


def test_values_become_the_strings_the_engine_stores():
    assert normalize_labels({"ssd": True, "hdd": False, "rack": 3, "zone": "a", "empty": None}) == {
        "ssd": "true",
        "hdd": "false",
        "rack": "3",
        "zone": "a",
        "empty": "",
    }
    assert normalize_labels(None) is None


def test_merge_keeps_unlisted_labels_and_updates_listed_ones():
    new, changes = plan_labels({"zone": "a", "keep": "1"}, {"zone": "b", "ssd": True}, "merge")
    assert new == {"zone": "b", "keep": "1", "ssd": "true"}
    assert changes == {"added": {"ssd": "true"}, "changed": {"zone": ["a", "b"]}, "removed": {}}


def test_exact_removes_labels_not_declared():
    new, changes = plan_labels({"zone": "a", "old": "x"}, {"zone": "a"}, "exact")
    assert new == {"zone": "a"}
    assert changes == {"added": {}, "changed": {}, "removed": {"old": "x"}}


def test_exact_with_empty_labels_clears_the_node():
    new, changes = plan_labels({"zone": "a"}, {}, "exact")
    assert new == {}
    assert changes["removed"] == {"zone": "a"}


def test_labels_not_given_are_left_alone_in_either_mode():
    for mode in ("merge", "exact"):
        new, changes = plan_labels({"zone": "a"}, None, mode)
        assert new == {"zone": "a"}
        assert not has_changes(changes)


def test_labels_to_remove_works_in_both_modes_and_ignores_missing_keys():
    new, changes = plan_labels({"zone": "a", "tmp": "1"}, None, "merge", ["tmp", "absent"])
    assert new == {"zone": "a"}
    assert changes["removed"] == {"tmp": "1"}
    new, _changes = plan_labels({"zone": "a", "tmp": "1"}, {"zone": "a", "tmp": "1"}, "exact", [])
    assert new == {"zone": "a", "tmp": "1"}


def test_no_change_when_already_as_declared_even_with_typed_values():
    new, changes = plan_labels({"ssd": "true", "rack": "3"}, {"ssd": True, "rack": 3}, "exact")
    assert new == {"ssd": "true", "rack": "3"}
    assert not has_changes(changes)


def test_a_label_both_set_and_removed_is_an_error():
    with pytest.raises(LabelError, match="label zone both set in labels and listed in labels_to_remove"):
        plan_labels({}, {"zone": "a"}, "merge", ["zone"])


def test_unknown_mode_is_an_error():
    with pytest.raises(LabelError, match="labels_mode"):
        plan_labels({}, {}, "replace")


@pytest.mark.parametrize(
    "labels, fragment",
    [
        ({"": "a"}, "a label key is empty"),
        ({"bad key=1": "a"}, "label key 'bad key=1' contains white space or '='"),
        ({"zone=a": "b"}, "label key 'zone=a'"),
        ({"tab\tkey": "b"}, "white space"),
        ({"zone": {"a": 1}}, "label 'zone' has a dict as value"),
        ({"zone": ["a"]}, "label 'zone' has a list as value"),
    ],
)
def test_labels_docker_does_not_accept_are_named_with_the_option(labels, fragment):
    (message,) = label_errors(labels, "nodes[1].labels")
    assert message.startswith("nodes[1].labels: ") and fragment in message


def test_keys_and_scalar_values_docker_accepts_pass():
    assert label_errors({"zone": "eu-1a", "ssd": True, "rack": 3, "flag": None, "com.example.tier": "web"}) == []
    assert label_errors(None) == []
    assert label_errors(["zone"], "labels") == ["labels must be a mapping of label keys to values, got ['zone']."]
