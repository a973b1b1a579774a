# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading what hosts registered or declared through ``hostvars``, for the collection's filter plugins: a host that
is not there, or a value that is missing or null, gives the default (a host left out of the play, a task that
did not run there)."""

from __future__ import annotations


def value_of(mapping, name, default=None):
    """``mapping[name]``, or ``default`` when it is missing, null, or ``mapping`` is no mapping."""
    try:
        value = mapping[name]
    except (KeyError, TypeError):
        return default
    return default if value is None else value


def host_fact(hostvars, host, name, default=None):
    """``hostvars[host][name]``, or ``default`` when the host or the value is missing or null.

    ``name`` may be a dotted path into a registered result (``_engine_upgrade_host.timesync``): a variable's own name
    has no dots.
    """
    value = value_of(hostvars, host, {})
    for part in name.split("."):
        value = value_of(value, part)
    return default if value is None else value
