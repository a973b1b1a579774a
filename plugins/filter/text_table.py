# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one table renderer of the collection's playbooks: rows in, aligned text lines out."""

from __future__ import annotations

import json

DOCUMENTATION = r"""
name: text_table
short_description: Render rows as aligned text lines, a header first
version_added: 0.1.0
description:
  - Renders a list of rows as lines of text in aligned columns, for a C(debug) message or a report file. Every column but
    the last is padded to its widest cell, two spaces apart.
  - A row is a list of cells, or a mapping read with O(columns). A cell that is a mapping or a list is shown as JSON, a
    null cell as C(-).
options:
  _input:
    description: The rows.
    type: list
    elements: raw
    required: true
  columns:
    description: The keys to read from rows that are mappings, in order.
    type: list
    elements: str
  headers:
    description: The header line's cells; by default O(columns) in capitals, none for rows that are lists.
    type: list
    elements: str
author:
  - dockfleet maintainers (@dockfleet)
"""

EXAMPLES = r"""
- name: Show the nodes
  ansible.builtin.debug:
    msg: "{{ engine.nodes | dockfleet.docker.text_table(['hostname', 'role', 'state'], headers=['NODE', 'ROLE', 'STATE']) }}"
"""

RETURN = r"""
_value:
  description: The lines of the table, the header first.
  type: list
  elements: str
"""


def cell(value):
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def text_table(rows, columns=None, headers=None):
    """``rows`` (lists, or mappings read with ``columns``) as aligned lines, ``headers`` first."""
    table = []
    if headers is None and columns:
        headers = [column.upper() for column in columns]
    if headers:
        table.append([str(header) for header in headers])
    for row in rows or []:
        values = [row.get(column) for column in columns] if columns and hasattr(row, "get") else list(row)
        table.append([cell(value) for value in values])
    if not table:
        return []
    count = max(len(row) for row in table)
    widths = [max(len(row[i]) for row in table if i < len(row)) for i in range(count)]
    lines = []
    for row in table:
        padded = [text.ljust(widths[i]) if i < len(row) - 1 else text for i, text in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return lines


class FilterModule:
    def filters(self):
        return {"text_table": text_table}
