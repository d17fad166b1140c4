"""Broken policy packs for ``test_validation``: each case mutates the minimal pack, and
names the path and the words the loader's message must have. The helpers the mutations use;
the first half of the cases (the second: ``broken_packs_more``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Doc = dict[str, Any]
STAGES = "workflows.basic.stages"


def _stages(d: Doc) -> Doc:
    stages: Doc = d["workflows"]["basic"]["stages"]
    return stages


def _actions(d: Doc, stage: str) -> Doc:
    actions: Doc = _stages(d)[stage]["actions"]
    return actions


def _replace_targets(d: Doc, old: str, new: str) -> None:
    for stage in _stages(d).values():
        for rule in (stage.get("actions") or {}).values():
            for key in ("to", "dissatisfied_to"):
                if rule.get(key) == old:
                    rule[key] = new


CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
    # -- unknown keys (typos) ----------------------------------------------------------
    (
        "unknown_top_key",
        lambda d: d.update(reject_reason={}),
        "reject_reason",
        "did you mean 'reject_reasons'",
    ),
    (
        "unknown_stage_key",
        lambda d: _stages(d)["registered"].update(limt={"amount": 1, "unit": "hours"}),
        f"{STAGES}.registered.limt",
        "did you mean 'limit'",
    ),
    (
        "unknown_action_key",
        lambda d: _actions(d, "registered")["accept"].update(too="handling"),
        f"{STAGES}.registered.actions.accept.too",
        "unknown key",
    ),
    (
        "unknown_type_key",
        lambda d: d["types"]["praise"].update(flow="basic"),
        "types.praise.flow",
        "unknown key",
    ),
    ("missing_required_key", lambda d: d.pop("rounds"), "", "missing required key 'rounds'"),
    # -- unknown vocabulary --------------------------------------------------------------
    (
        "unknown_role",
        lambda d: _actions(d, "registered")["accept"].update(roles=["agnet"]),
        f"{STAGES}.registered.actions.accept.roles[0]",
        "unknown role 'agnet' (did you mean 'agent'?)",
    ),
    (
        "unknown_action",
        lambda d: _actions(d, "registered").update(acept={"roles": ["agent"], "to": "handling"}),
        f"{STAGES}.registered.actions.acept",
        "unknown action 'acept'",
    ),
    (
        "unmask_is_not_a_pack_action",
        lambda d: _actions(d, "handling").update(unmask={"roles": ["coordinator"]}),
        f"{STAGES}.handling.actions.unmask",
        "identity_roles",
    ),
    (
        "unknown_unit",
        lambda d: _stages(d)["registered"].update(limit={"amount": 1, "unit": "weeks"}),
        f"{STAGES}.registered.limit.unit",
        "unknown limit unit 'weeks'",
    ),
    (
        "unknown_ticket_type",
        lambda d: d["types"].update(complain={"workflow": "basic"}),
        "types.complain",
        "unknown ticket type 'complain' (did you mean 'complaint'?)",
    ),
    (
        "unknown_anchor",
        lambda d: d["types"]["complaint"]["total"].update({"from": "signed"}),
        "types.complaint.total.from",
        "unknown anchor 'signed'",
    ),
    (
        "unknown_identity_role",
        lambda d: d.update(identity_roles=["boss"]),
        "identity_roles[0]",
        "unknown role 'boss'",
    ),
    (
        "unknown_confidential_type",
        lambda d: d.update(confidential_types=["secret"]),
        "confidential_types[0]",
        "unknown ticket type 'secret'",
    ),
    (
        "unknown_severity",
        lambda d: d["types"]["complaint"]["severity_limits"].update(huge={}),
        "types.complaint.severity_limits.huge",
        "unknown severity 'huge'",
    ),
    # -- stage references ----------------------------------------------------------------
    (
        "to_names_a_missing_stage",
        lambda d: _actions(d, "handling")["reply"].update(to="replyed"),
        f"{STAGES}.handling.actions.reply.to",
        "unknown stage 'replyed' (did you mean 'replied'?)",
    ),
    (
        "dissatisfied_to_names_a_missing_stage",
        lambda d: _actions(d, "replied")["return_visit"].update(dissatisfied_to="again"),
        f"{STAGES}.replied.actions.return_visit.dissatisfied_to",
        "unknown stage 'again'",
    ),
    (
        "initial_stage_names_a_missing_stage",
        lambda d: d["workflows"]["basic"].update(initial_stage="start"),
        "workflows.basic.initial_stage",
        "unknown stage 'start'",
    ),
    (
        "type_names_a_missing_workflow",
        lambda d: d["types"]["help"].update(workflow="basics"),
        "types.help.workflow",
        "unknown workflow 'basics'",
    ),
    (
        "type_limit_names_a_missing_stage",
        lambda d: d["types"]["complaint"]["limits"].update(handlin={"amount": 1, "unit": "hours"}),
        "types.complaint.limits.handlin",
        "unknown stage 'handlin' (did you mean 'handling'?)",
    ),
    (
        "category_limit_names_a_missing_stage",
        lambda d: d["types"]["complaint"]["category_limits"].update(
            noise={"nowhere": {"amount": 1, "unit": "hours"}}
        ),
        "types.complaint.category_limits.noise.nowhere",
        "unknown stage 'nowhere'",
    ),
    (
        "limit_on_a_final_stage_in_a_type",
        lambda d: d["types"]["complaint"]["limits"].update(closed={"amount": 1, "unit": "hours"}),
        "types.complaint.limits.closed",
        "is final",
    ),
    # -- action rules --------------------------------------------------------------------
    (
        "return_visit_without_dissatisfied_to",
        lambda d: _actions(d, "replied")["return_visit"].pop("dissatisfied_to"),
        f"{STAGES}.replied.actions.return_visit",
        "needs 'dissatisfied_to'",
    ),
    (
        "dissatisfied_to_on_another_action",
        lambda d: _actions(d, "handling")["reply"].update(dissatisfied_to="redo"),
        f"{STAGES}.handling.actions.reply.dissatisfied_to",
        "only return_visit",
    ),
    (
        "suspend_without_resume",
        lambda d: _actions(d, "handling").pop("resume"),
        f"{STAGES}.handling.actions.suspend",
        "'suspend' without 'resume' in the same stage",
    ),
    (
        "resume_without_suspend",
        lambda d: _actions(d, "handling").pop("suspend"),
        f"{STAGES}.handling.actions.resume",
        "'resume' without 'suspend'",
    ),
    (
        "stay_action_with_to",
        lambda d: _actions(d, "handling")["suspend"].update(to="replied"),
        f"{STAGES}.handling.actions.suspend.to",
        "keeps the ticket in its stage",
    ),
    (
        "moving_action_without_to",
        lambda d: _actions(d, "registered")["accept"].pop("to"),
        f"{STAGES}.registered.actions.accept",
        "missing required key 'to'",
    ),
    (
        "action_without_roles",
        lambda d: _actions(d, "registered")["accept"].update(roles=[]),
        f"{STAGES}.registered.actions.accept.roles",
        "at least one role",
    ),
    (
        "role_listed_twice",
        lambda d: _actions(d, "registered")["accept"].update(roles=["agent", "agent"]),
        f"{STAGES}.registered.actions.accept.roles[1]",
        "listed twice",
    ),
    (
        "request_extension_without_extension_rule",
        lambda d: d.update(extension=None),
        f"{STAGES}.handling.actions.request_extension",
        "needs the pack's 'extension' rule",
    ),
    (
        "request_extension_without_approve",
        lambda d: _actions(d, "handling").pop("approve_extension"),
        f"{STAGES}.handling.actions.request_extension",
        "needs 'approve_extension'",
    ),
    (
        "approve_extension_without_request",
        lambda d: _actions(d, "handling").pop("request_extension"),
        f"{STAGES}.handling.actions.approve_extension",
        "without 'request_extension'",
    ),
    (
        "reject_without_reject_reasons",
        lambda d: d.update(reject_reasons={}),
        f"{STAGES}.registered.actions.reject",
        "reject_reasons",
    ),
    (
        "redispatch_with_one_round",
        lambda d: d.update(rounds={"max": 1, "supervise_from": 1}),
        f"{STAGES}.redo.actions.redispatch",
        "rounds.max 1",
    ),
    # -- stages and graphs ---------------------------------------------------------------
    (
        "non_final_stage_without_actions",
        lambda d: _stages(d)["replied"].update(actions={}),
        f"{STAGES}.replied",
        "needs at least one action",
    ),
    (
        "final_stage_with_other_actions",
        lambda d: _actions(d, "closed").update(close={"roles": ["agent"], "to": "closed"}),
        f"{STAGES}.closed.actions.close",
        "allows only 'reopen'",
    ),
    (
        "reopen_outside_a_final_stage",
        lambda d: _actions(d, "redo").update(reopen={"roles": ["agent"], "to": "handling"}),
        f"{STAGES}.redo.actions.reopen",
        "belongs in a final stage",
    ),
    (
        "limit_on_a_final_stage",
        lambda d: _stages(d)["closed"].update(limit={"amount": 1, "unit": "hours"}),
        f"{STAGES}.closed.limit",
        "no time limit",
    ),
    (
        "no_final_stage_reachable",
        lambda d: (
            _actions(d, "registered").pop("reject"),
            _actions(d, "replied")["return_visit"].update(to="redo"),
            _actions(d, "redo").pop("close"),
        ),
        "workflows.basic",
        "no final stage is reachable from initial stage 'registered'",
    ),
    (
        "closed_is_missing",
        lambda d: (_stages(d).update(done=_stages(d).pop("closed")), _replace_targets(d, "closed", "done")),
        "workflows.basic.stages",
        "a final stage 'closed' is required",
    ),
    (
        "closed_is_unreachable",
        lambda d: (
            _actions(d, "replied")["return_visit"].update(to="rejected"),
            _actions(d, "redo").pop("close"),
        ),
        "workflows.basic",
        "final stage 'closed' is not reachable",
    ),
    (
        "unreachable_stage",
        lambda d: _stages(d).update(
            orphan={"label": "孤立", "actions": {"close": {"roles": ["agent"], "to": "closed"}}}
        ),
        f"{STAGES}.orphan",
        "unreachable from initial stage 'registered'",
    ),
    (
        "dead_end_stage",
        lambda d: (
            _stages(d).update(limbo={"label": "搁置", "actions": {"supervise": {"roles": ["leader"]}}}),
            _actions(d, "redo").update(supervise={"roles": ["leader"], "to": "limbo"}),
        ),
        f"{STAGES}.limbo",
        "dead end",
    ),
    (
        "stage_code_not_an_identifier",
        lambda d: _stages(d).update({"Bad Stage": {"label": "x", "final": True}}),
        f"{STAGES}.Bad Stage",
        "lower_snake_case",
    ),
    (
        "extends_an_unknown_workflow",
        lambda d: d["workflows"].update(child={"extends": "basik", "stages": {}}),
        "workflows.child.extends",
        "unknown workflow 'basik' (did you mean 'basic'?)",
    ),
    (
        "extends_in_a_cycle",
        lambda d: d["workflows"].update(a={"extends": "b", "stages": {}}, b={"extends": "a", "stages": {}}),
        "workflows.b.extends",
        "cycle",
    ),
    (
        "child_removes_a_stage_still_targeted",
        lambda d: d["workflows"].update(child={"extends": "basic", "stages": {"redo": None}}),
        "workflows.child.stages.replied.actions.return_visit.dissatisfied_to",
        "unknown stage 'redo' (stage inherited from workflow 'basic')",
    ),
    (
        "workflow_without_initial_stage",
        lambda d: d["workflows"]["basic"].pop("initial_stage"),
        "workflows.basic",
        "missing required key 'initial_stage'",
    ),
]
