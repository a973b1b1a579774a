# -*- coding: utf-8 -*-
# Copyright: dockfleet maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible plumbing the network and volume modules share: options that take one
resource or a list of them, and the report-then-apply ending. What to compare and
plan lives in resource_diff.py; this file only connects it to AnsibleModule."""

from __future__ import annotations

from ansible_collections.dockfleet.docker.plugins.module_utils.engine_client import (
    ENGINE_REQUIRED_TOGETHER,
    engine_argument_spec,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_diff import (
    DeclarationError,
    apply_order,
    changed,
    report,
    summary,
)
from ansible_collections.dockfleet.docker.plugins.module_utils.resource_options import ENTRY


def batch_argument_spec(kind, item_options, **module_options):
    """Argument spec and mutually exclusive pairs of a module that declares either one
    ``kind`` through top-level options or many through a ``<kind>s`` list."""
    plural = kind + "s"
    spec = engine_argument_spec(
        **{
            plural: dict(
                type="list",
                elements="dict",
                options=dict(ENTRY, **item_options),
            ),
        },
        name=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        recreate=dict(type="str", choices=["never", "when_unused", "always"], default="never"),
        exclusive=dict(type="bool", default=False),
        **module_options,
        **item_options,
    )
    mutually_exclusive = [(plural, option) for option in ["name", *item_options]]
    return spec, mutually_exclusive


def module_arguments(spec, mutually_exclusive):
    """What a declared-set module gives AnsibleModule for ``batch_argument_spec``'s spec and pairs: check mode, and
    the engine connection's options that go together."""
    return dict(
        argument_spec=spec,
        mutually_exclusive=mutually_exclusive,
        required_together=ENGINE_REQUIRED_TOGETHER,
        supports_check_mode=True,
    )


def declared_items(params, kind, item_options):
    """The resources the task declares: its list, or the one its top-level options describe."""
    plural = kind + "s"
    if params[plural] is None and not params["name"]:
        raise DeclarationError("Declare the %s: either %s (a list) or name (a single %s)." % (plural, plural, kind))
    if params[plural] is not None:
        return params[plural]
    return [dict((key, params[key]) for key in ["name", *item_options])]


def report_and_apply(module, kind, plan_result, declared, current, describe, apply_step):
    """Fail with every refusal before anything changes; otherwise apply the steps in
    their safe order (unless in check mode) and exit with per-resource results."""
    steps, errors = plan_result
    plural = kind + "s"
    results, diff = report(steps, declared, current, describe)
    if errors:
        module.fail_json(msg="Nothing was changed. " + " ".join(errors), summary=summary(steps), **{plural: results})
    if not module.check_mode:
        desired_by_name = dict((d["name"], d) for d in declared)
        for step in apply_order(steps):
            if step["action"] != "unchanged":
                apply_step(step, desired_by_name.get(step["name"]))
    module.exit_json(changed=changed(steps), summary=summary(steps), diff=diff, **{plural: results})
