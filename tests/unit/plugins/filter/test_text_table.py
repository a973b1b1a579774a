# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""text_table: aligned columns, mappings read by key, JSON for structured cells."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.filter.text_table import FilterModule, text_table


def test_lists_are_aligned_and_the_last_column_is_not_padded():
    assert text_table([["a", "bbb", "x"], ["cccc", "d", "long last cell"]], headers=["H", "ROLE", "NOTE"]) == [
        "H     ROLE  NOTE",
        "a     bbb   x",
        "cccc  d     long last cell",
    ]


def test_mappings_are_read_by_column_with_capital_headers_by_default():
    rows = [{"hostname": "m1", "labels": {"zone": "a"}, "leader": None}]
    assert text_table(rows, ["hostname", "labels", "leader"]) == [
        "HOSTNAME  LABELS         LEADER",
        'm1        {"zone": "a"}  -',
    ]


def test_no_rows_and_no_headers_is_no_lines():
    assert text_table([]) == []


def test_the_filter_is_registered():
    assert FilterModule().filters()["text_table"] is text_table
