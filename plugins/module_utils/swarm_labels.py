# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Declarative swarm node labels: what a node's labels become, and what that changes.

Pure: the engine stores labels as a string-to-string map, so every value is turned into
the string the engine would hold before comparing (``true`` for YAML ``yes``, ``3`` for 3).
"""

from __future__ import annotations

import re

LABEL_MODES = ("merge", "exact")


class LabelError(ValueError):
    """The requested labels contradict each other; the message names the labels."""


# docker node update --label-add takes "key=value" (or a bare "key"): a key is split off at the first "=", and
# the CLI and the constraint syntax (node.labels.KEY==VALUE) cannot name a key that holds "=" or white space.
_KEY_BREAKERS = re.compile(r"[\s=]")


def bad_label_keys(labels):
    """The keys of ``labels`` Docker cannot take: empty, or holding white space or ``=``."""
    return [str(key) for key in labels if not str(key) or _KEY_BREAKERS.search(str(key))]


def bad_label_values(labels):
    """The keys of ``labels`` whose value is a mapping or a list (a node label value is a string)."""
    return [str(key) for key, value in labels.items() if isinstance(value, (dict, list, tuple, set))]


def label_errors(labels, option="labels"):
    """Messages for every label Docker does not accept, each naming ``option`` (e.g. ``nodes[2].labels``).

    Keys must be non-empty strings without white space or ``=``; values are strings (numbers, booleans and
    null become the strings the engine stores), never mappings or lists.
    """
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return ["%s must be a mapping of label keys to values, got %r." % (option, labels)]
    errors = []
    for key, value in labels.items():
        text = key if isinstance(key, str) else str(key)
        if not text:
            errors.append("%s: a label key is empty; give every label a key (e.g. zone: eu-1a)." % option)
        elif _KEY_BREAKERS.search(text):
            errors.append(
                "%s: label key %r contains white space or '='; Docker takes KEY=VALUE, so use a key without "
                "them (e.g. %r)." % (option, text, _KEY_BREAKERS.sub("_", text.split("=", 1)[0].strip()) or "zone")
            )
        if isinstance(value, (dict, list, tuple, set)):
            errors.append(
                "%s: label %r has a %s as value; a node label value is a string." % (option, text, type(value).__name__)
            )
    return errors


def label_value(value):
    """The string the engine stores for a label value given in YAML."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_labels(labels):
    """A ``{str: str}`` copy of ``labels`` (``None`` stays ``None``: labels not managed)."""
    if labels is None:
        return None
    return dict((str(key), label_value(value)) for key, value in labels.items())


def plan_labels(current, desired=None, mode="merge", to_remove=None):
    """Return ``(new_labels, changes)`` for one node.

    ``current``: the labels the node has. ``desired``: labels to set (``None``: not managed).
    ``mode``: ``merge`` keeps labels not named in ``desired``; ``exact`` makes the node carry
    exactly ``desired``. ``to_remove``: label keys to delete in either mode.
    ``changes`` is ``{"added": {...}, "changed": {key: [old, new]}, "removed": {...}}``; all empty
    when nothing changes.
    """
    if mode not in LABEL_MODES:
        raise LabelError("labels_mode must be one of %s, got %r" % (", ".join(LABEL_MODES), mode))
    current = normalize_labels(current) or {}
    desired = normalize_labels(desired)
    to_remove = [str(key) for key in (to_remove or [])]
    if desired is not None:
        both = sorted(set(desired) & set(to_remove))
        if both:
            raise LabelError(
                "label%s %s both set in labels and listed in labels_to_remove; keep each label in one of them"
                % ("s" if len(both) > 1 else "", ", ".join(both))
            )
    if desired is None:
        new = dict(current)
    elif mode == "exact":
        new = dict(desired)
    else:
        new = dict(current)
        new.update(desired)
    for key in to_remove:
        new.pop(key, None)
    changes = {
        "added": dict((k, v) for k, v in new.items() if k not in current),
        "changed": dict((k, [current[k], v]) for k, v in new.items() if k in current and current[k] != v),
        "removed": dict((k, v) for k, v in current.items() if k not in new),
    }
    return new, changes


def has_changes(changes):
    return any(changes.values())
