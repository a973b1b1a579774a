# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No module in plugins/modules is over 400 lines of code (issue 17): DOCUMENTATION, EXAMPLES and RETURN,
blank lines and comment lines do not count. Logic that is not Ansible plumbing belongs in module_utils."""

from __future__ import annotations

import ast
import io
import os
import tokenize

import pytest

MODULES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "modules")
LIMIT = 400
DOC_STRINGS = ("DOCUMENTATION", "EXAMPLES", "RETURN")


def lines_of_code(source):
    """Lines holding code: not blank, not only a comment, not inside DOCUMENTATION, EXAMPLES or RETURN."""
    documentation = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in DOC_STRINGS for t in node.targets):
            documentation.update(range(node.lineno, node.end_lineno + 1))
    code = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        if token.type == tokenize.ENDMARKER:
            continue
        code.update(range(token.start[0], token.end[0] + 1))
    return len(code - documentation)


def test_counting_leaves_out_documentation_blank_lines_and_comments():
    source = (
        'DOCUMENTATION = r"""\nlong\ntext\n"""\n\n# a comment\nimport os\n\n\ndef main():\n    return os.sep  # why\n'
    )
    assert lines_of_code(source) == 3


@pytest.mark.parametrize("name", sorted(n for n in os.listdir(MODULES) if n.endswith(".py") and n != "__init__.py"))
def test_no_module_is_over_400_lines_of_code(name):
    with open(os.path.join(MODULES, name)) as handle:
        count = lines_of_code(handle.read())
    assert count <= LIMIT, "%s has %d lines of code (documentation aside), over %d: move logic to module_utils" % (
        name,
        count,
        LIMIT,
    )
