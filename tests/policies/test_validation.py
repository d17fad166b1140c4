"""One small broken pack per validation rule: the error names the file and the path in it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack

from .conftest import mini_pack

Doc = dict[str, Any]
STAGES = "workflows.basic.stages"


def _stages(d: Doc) -> Doc:
    stages: Doc = d["workflows"]["basic"]["stages"]
    return stages


def _actions(d: Doc, stage: str) -> Doc:
    actions: Doc = _stages(d)[stage]["actions"]
    return actions


def _load_broken(pack_file: Callable[..., Path], mutate: Callable[[Doc], None]) -> PackError:
    doc = mini_pack()
    mutate(doc)
    with pytest.raises(PackError) as exc:
        load_pack(pack_file(doc))
    return exc.value


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
    # -- types ---------------------------------------------------------------------------
    (
        "a_ticket_type_is_missing",
        lambda d: d["types"].pop("praise"),
        "types",
        "ticket type 'praise' (表扬) is not defined",
    ),
    # -- numbers -------------------------------------------------------------------------
    (
        "negative_stage_limit",
        lambda d: _stages(d)["registered"].update(limit={"amount": -1, "unit": "hours"}),
        f"{STAGES}.registered.limit.amount",
        "negative amount -1",
    ),
    (
        "negative_total",
        lambda d: d["types"]["complaint"]["total"].update(amount=-3),
        "types.complaint.total.amount",
        "negative amount -3",
    ),
    (
        "negative_extension_total",
        lambda d: d["extension"].update(max_total=-5),
        "extension.max_total",
        "negative amount -5",
    ),
    (
        "amount_not_a_number",
        lambda d: d["extension"].update(max_count="two"),
        "extension.max_count",
        "whole number",
    ),
    (
        "amount_is_a_boolean",
        lambda d: d["extension"].update(max_count=True),
        "extension.max_count",
        "whole number",
    ),
    (
        "supervise_from_beyond_max",
        lambda d: d.update(rounds={"max": 2, "supervise_from": 3}),
        "rounds.supervise_from",
        "must not exceed rounds.max (2)",
    ),
    (
        "zero_rounds",
        lambda d: d.update(rounds={"max": 0, "supervise_from": 0}),
        "rounds.max",
        "must be 1 or more",
    ),
    (
        "extension_unit_invalid",
        lambda d: d["extension"].update(unit="days"),
        "extension.unit",
        "unknown limit unit 'days'",
    ),
    ("version_zero", lambda d: d.update(version=0), "version", "must be 1 or more"),
    # -- header --------------------------------------------------------------------------
    ("code_differs_from_file_name", lambda d: d.update(code="other"), "code", "does not match the file name"),
    (
        "source_without_reference",
        lambda d: d["source"].pop("reference"),
        "source",
        "missing required key 'reference'",
    ),
    (
        "reason_code_not_an_identifier",
        lambda d: d["reject_reasons"].update({"Bad-Code": "x"}),
        "reject_reasons.Bad-Code",
        "lower_snake_case",
    ),
    ("name_empty", lambda d: d.update(name="  "), "name", "non-empty string"),
    # -- anchors (from) ------------------------------------------------------------------
    (
        "unknown_limit_anchor",
        lambda d: _stages(d)["handling"].update(limit={"amount": 5, "unit": "hours", "from": "signed"}),
        f"{STAGES}.handling.limit.from",
        "unknown anchor 'signed'; known: received, registered, accepted, dispatched, entered",
    ),
    (
        "stage_limit_anchor_before_it_happens",
        lambda d: _stages(d)["registered"].update(limit={"amount": 1, "unit": "hours", "from": "accepted"}),
        f"{STAGES}.registered.limit.from",
        "stage 'registered' can be reached without 'accept'",
    ),
    (
        "stage_limit_anchor_never_happens",
        lambda d: _stages(d)["handling"].update(limit={"amount": 1, "unit": "hours", "from": "dispatched"}),
        f"{STAGES}.handling.limit.from",
        "can be reached without 'dispatch' or 'redispatch'",
    ),
    (
        "type_limit_anchor_before_it_happens",
        lambda d: d["types"]["complaint"]["limits"].update(
            registered={"amount": 1, "unit": "hours", "from": "accepted"}
        ),
        "types.complaint.limits.registered.from",
        "limit counts from 'accepted'",
    ),
    (
        "from_on_an_extension_is_unknown",
        lambda d: d["extension"].update({"from": "received"}),
        "extension.from",
        "unknown key",
    ),
    (
        "from_on_a_return_visit_limit_is_unknown",
        lambda d: d.update(return_visit={"within": {"amount": 1, "unit": "hours", "from": "received"}}),
        "return_visit.within.from",
        "unknown key",
    ),
    (
        "from_on_a_reminder_is_unknown",
        lambda d: d.update(
            reminders={"before_due": [{"left": {"amount": 1, "unit": "hours", "from": "received"}}]}
        ),
        "reminders.before_due[0].left.from",
        "unknown key",
    ),
    (
        "total_from_entered_is_not_a_total_anchor",
        lambda d: d["types"]["complaint"]["total"].update({"from": "entered"}),
        "types.complaint.total.from",
        "unknown anchor 'entered'",
    ),
    # -- channel limits and totals -------------------------------------------------------
    (
        "unknown_channel_in_channel_limits",
        lambda d: d["types"]["complaint"].update(channel_limits={"pigeon": {}}),
        "types.complaint.channel_limits.pigeon",
        "unknown channel 'pigeon'",
    ),
    (
        "channel_limit_names_a_missing_stage",
        lambda d: d["types"]["complaint"].update(
            channel_limits={"letter": {"handlin": {"amount": 1, "unit": "hours"}}}
        ),
        "types.complaint.channel_limits.letter.handlin",
        "unknown stage 'handlin' (did you mean 'handling'?)",
    ),
    (
        "channel_limit_anchor_before_it_happens",
        lambda d: d["types"]["complaint"].update(
            channel_limits={
                "letter": {"registered": {"amount": 5, "unit": "working_days", "from": "dispatched"}}
            }
        ),
        "types.complaint.channel_limits.letter.registered.from",
        "without 'dispatch' or 'redispatch'",
    ),
    (
        "unknown_channel_in_channel_totals",
        lambda d: d["types"]["complaint"].update(
            channel_totals={"lettre": {"amount": 1, "unit": "hours", "from": "received"}}
        ),
        "types.complaint.channel_totals.lettre",
        "unknown channel 'lettre' (did you mean 'letter'?)",
    ),
    (
        "channel_total_without_from",
        lambda d: d["types"]["complaint"].update(
            channel_totals={"letter": {"amount": 45, "unit": "natural_days"}}
        ),
        "types.complaint.channel_totals.letter",
        "missing required key 'from'",
    ),
    (
        "unknown_severity_in_severity_totals",
        lambda d: d["types"]["complaint"].update(
            severity_totals={"huge": {"amount": 1, "unit": "hours", "from": "received"}}
        ),
        "types.complaint.severity_totals.huge",
        "unknown severity 'huge'",
    ),
    (
        "bad_category_code_in_category_totals",
        lambda d: d["types"]["complaint"].update(
            category_totals={"bad code!": {"amount": 1, "unit": "hours", "from": "received"}}
        ),
        "types.complaint.category_totals.bad code!",
        "category code must be",
    ),
    (
        "category_total_not_a_mapping",
        lambda d: d["types"]["complaint"].update(category_totals={"fee": 3}),
        "types.complaint.category_totals.fee",
        "expected a mapping, got int (3)",
    ),
    (
        "unknown_minutes_spelling",
        lambda d: _stages(d)["registered"].update(limit={"amount": 30, "unit": "minute"}),
        f"{STAGES}.registered.limit.unit",
        "unknown limit unit 'minute' (did you mean 'minutes'?)",
    ),
    # -- action conditions ---------------------------------------------------------------
    (
        "unknown_severity_on_an_action",
        lambda d: _actions(d, "registered")["accept"].update(severities=["huge"]),
        f"{STAGES}.registered.actions.accept.severities[0]",
        "unknown severity 'huge'",
    ),
    (
        "unknown_channel_on_an_action",
        lambda d: _actions(d, "registered")["accept"].update(channels=["phon"]),
        f"{STAGES}.registered.actions.accept.channels[0]",
        "unknown channel 'phon' (did you mean 'phone'?)",
    ),
    (
        "empty_severities_on_an_action",
        lambda d: _actions(d, "registered")["accept"].update(severities=[]),
        f"{STAGES}.registered.actions.accept.severities",
        "at least one severity is required",
    ),
    (
        "severities_not_a_list",
        lambda d: _actions(d, "registered")["accept"].update(severities="major"),
        f"{STAGES}.registered.actions.accept.severities",
        "expected a list",
    ),
    (
        "no_action_leads_on_for_a_severity",
        lambda d: (
            _actions(d, "registered")["accept"].update(severities=["normal"]),
            _actions(d, "registered")["reject"].update(severities=["normal", "urgent"]),
        ),
        f"{STAGES}.registered.actions",
        "no action leads on from this stage for severity 'major' (重大)",
    ),
    (
        "a_staying_rule_does_not_lead_on",
        lambda d: (
            _actions(d, "redo")["redispatch"].update(severities=["normal"]),
            _actions(d, "redo")["close"].update(severities=["normal"]),
            _actions(d, "redo").update(supervise={"roles": ["leader"], "severities": ["urgent"]}),
        ),
        f"{STAGES}.redo.actions",
        "for severity 'urgent' (紧急)",
    ),
    # -- new actions -----------------------------------------------------------------------
    (
        "approve_reply_without_send_back",
        lambda d: _actions(d, "replied").update(approve_reply={"roles": ["dept_head"], "to": "closed"}),
        f"{STAGES}.replied.actions.approve_reply",
        "'approve_reply' without 'send_back' in the same stage",
    ),
    (
        "send_back_without_approve_reply",
        lambda d: _actions(d, "replied").update(send_back={"roles": ["dept_head"], "to": "handling"}),
        f"{STAGES}.replied.actions.send_back",
        "'send_back' without 'approve_reply' in the same stage",
    ),
    (
        "interim_reply_without_to",
        lambda d: _actions(d, "handling").update(interim_reply={"roles": ["handler"]}),
        f"{STAGES}.handling.actions.interim_reply",
        "missing required key 'to'",
    ),
    (
        "send_back_without_to",
        lambda d: _actions(d, "replied").update(
            approve_reply={"roles": ["dept_head"], "to": "closed"}, send_back={"roles": ["dept_head"]}
        ),
        f"{STAGES}.replied.actions.send_back",
        "missing required key 'to'",
    ),
    (
        "instruct_to_a_missing_stage",
        lambda d: _actions(d, "registered").update(instruct={"roles": ["leader"], "to": "instructd"}),
        f"{STAGES}.registered.actions.instruct.to",
        "unknown stage 'instructd'",
    ),
    # -- unique labels -------------------------------------------------------------------
    (
        "two_stages_with_one_label",
        lambda d: _stages(d)["redo"].update(label="待回访"),
        f"{STAGES}.redo.label",
        "label '待回访' is also the label of stage 'replied': stage labels must be unique within a workflow",
    ),
    (
        "a_child_stage_repeats_an_inherited_label",
        lambda d: d["workflows"].update(
            child={
                "extends": "basic",
                "stages": {
                    "replied": {
                        "label": "办理中",
                        "actions": {
                            "return_visit": {
                                "roles": ["coordinator"],
                                "to": "closed",
                                "dissatisfied_to": "redo",
                            }
                        },
                    }
                },
            }
        ),
        "workflows.child.stages.replied.label",
        "label '办理中' is also the label of stage 'handling'",
    ),
    # -- acceptance windows --------------------------------------------------------------
    (
        "acceptance_windows_not_a_list",
        lambda d: d.update(acceptance_windows={"within": {"amount": 5, "unit": "months"}}),
        "acceptance_windows",
        "expected a list",
    ),
    (
        "acceptance_window_unknown_reason",
        lambda d: d.update(
            acceptance_windows=[{"within": {"amount": 5, "unit": "months"}, "reason": "outside_mandat"}]
        ),
        "acceptance_windows[0].reason",
        "unknown reject reason 'outside_mandat' (did you mean 'outside_mandate'?)",
    ),
    (
        "acceptance_window_unit_days",
        lambda d: d.update(
            acceptance_windows=[{"within": {"amount": 150, "unit": "days"}, "reason": "outside_mandate"}]
        ),
        "acceptance_windows[0].within.unit",
        "unknown window unit 'days'; known: months, years",
    ),
    (
        "acceptance_window_zero",
        lambda d: d.update(
            acceptance_windows=[{"within": {"amount": 0, "unit": "years"}, "reason": "outside_mandate"}]
        ),
        "acceptance_windows[0].within.amount",
        "must be 1 or more",
    ),
    (
        "acceptance_window_without_reason",
        lambda d: d.update(acceptance_windows=[{"within": {"amount": 2, "unit": "years"}}]),
        "acceptance_windows[0]",
        "missing required key 'reason'",
    ),
    (
        "acceptance_window_unknown_type",
        lambda d: d.update(
            acceptance_windows=[
                {"within": {"amount": 2, "unit": "years"}, "reason": "outside_mandate", "types": ["complain"]}
            ]
        ),
        "acceptance_windows[0].types[0]",
        "unknown ticket type 'complain'",
    ),
    (
        "acceptance_window_empty_categories",
        lambda d: d.update(
            acceptance_windows=[
                {"within": {"amount": 2, "unit": "years"}, "reason": "outside_mandate", "categories": []}
            ]
        ),
        "acceptance_windows[0].categories",
        "at least one category code is required",
    ),
    (
        "acceptance_window_bad_category",
        lambda d: d.update(
            acceptance_windows=[
                {"within": {"amount": 2, "unit": "years"}, "reason": "outside_mandate", "categories": ["a b"]}
            ]
        ),
        "acceptance_windows[0].categories[0]",
        "category code must be",
    ),
    (
        "acceptance_window_unknown_key",
        lambda d: d.update(
            acceptance_windows=[
                {"within": {"amount": 2, "unit": "years"}, "reason": "outside_mandate", "type": []}
            ]
        ),
        "acceptance_windows[0].type",
        "unknown key (did you mean 'types'?)",
    ),
    (
        "acceptance_window_shadowed_by_an_earlier_one",
        lambda d: d.update(
            acceptance_windows=[
                {
                    "within": {"amount": 2, "unit": "years"},
                    "reason": "outside_mandate",
                    "types": ["complaint"],
                },
                {
                    "within": {"amount": 5, "unit": "months"},
                    "reason": "outside_mandate",
                    "types": ["complaint"],
                    "categories": ["fee"],
                },
            ]
        ),
        "acceptance_windows[1]",
        "never applies: acceptance_windows[0] comes first",
    ),
    # -- return visit and reminders ------------------------------------------------------
    (
        "return_visit_within_invalid",
        lambda d: d.update(return_visit={"within": {"amount": 1, "unit": "fortnights"}}),
        "return_visit.within.unit",
        "unknown limit unit",
    ),
    (
        "reminder_fraction_out_of_range",
        lambda d: d.update(reminders={"before_due": [{"used": 1.5}]}),
        "reminders.before_due[0].used",
        "fraction between 0 and 1",
    ),
    (
        "reminder_point_with_both",
        lambda d: d.update(reminders={"before_due": [{"used": 0.5, "left": {"amount": 1, "unit": "hours"}}]}),
        "reminders.before_due[0]",
        "exactly one of",
    ),
    (
        "reminder_escalation_unknown_role",
        lambda d: d.update(
            reminders={"escalation": [{"after": {"amount": 0, "unit": "hours"}, "notify": ["boss"]}]}
        ),
        "reminders.escalation[0].notify[0]",
        "unknown role 'boss'",
    ),
    (
        "reminder_escalation_out_of_order",
        lambda d: d.update(
            reminders={
                "escalation": [
                    {"after": {"amount": 4, "unit": "hours"}, "notify": ["dept_head"]},
                    {"after": {"amount": 2, "unit": "hours"}, "notify": ["leader"]},
                ]
            }
        ),
        "reminders.escalation[1].after",
        "increasing order",
    ),
    (
        "quiet_hours_unquoted",
        lambda d: d.update(reminders={"quiet_hours": {"start": 1320, "end": "08:00"}}),
        "reminders.quiet_hours.start",
        "quote it",
    ),
    (
        "reminders_unknown_key",
        lambda d: d.update(reminders={"quiet": {}}),
        "reminders.quiet",
        "unknown key",
    ),
]


def _replace_targets(d: Doc, old: str, new: str) -> None:
    for stage in _stages(d).values():
        for rule in (stage.get("actions") or {}).values():
            for key in ("to", "dissatisfied_to"):
                if rule.get(key) == old:
                    rule[key] = new


@pytest.mark.parametrize(("mutate", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_pack_names_file_and_path(
    pack_file: Callable[..., Path], mutate: Callable[[Doc], None], path: str, fragment: str
) -> None:
    error = _load_broken(pack_file, mutate)

    expected_prefix = f"mini.yaml: {path}: " if path else "mini.yaml: "
    matching = [line for line in str(error).splitlines() if line.startswith(expected_prefix)]
    assert any(fragment in line for line in matching), str(error)
    assert error.file == "mini.yaml"


def test_the_example_of_the_brief(pack_file: Callable[..., Path]) -> None:
    error = _load_broken(pack_file, lambda d: _actions(d, "handling")["reply"].update(to="replyed"))

    assert str(error) == (
        "mini.yaml: workflows.basic.stages.handling.actions.reply.to: "
        "unknown stage 'replyed' (did you mean 'replied'?)"
    )


def test_every_problem_is_listed_at_once(pack_file: Callable[..., Path]) -> None:
    def two_problems(d: Doc) -> None:
        d.update(version=0)
        d["extension"].update(unit="days")

    error = _load_broken(pack_file, two_problems)

    assert str(error).splitlines()[0] == "mini.yaml: 2 problems"
    assert [issue.path for issue in error.issues] == ["version", "extension.unit"]


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: mini\ncode: mini\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"mini.yaml: invalid YAML: line 2, .*duplicate key 'code'"):
        load_pack(path)


def test_yaml_anchors_and_merge_keys_still_work(tmp_path: Path) -> None:
    import yaml

    doc = mini_pack()
    del doc["types"]
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False) + (
        "types:\n"
        "  complaint: &simple {workflow: basic}\n"
        "  report: *simple\n"
        "  consultation: {<<: *simple, total: {amount: 1, unit: hours, from: received}}\n"
        "  suggestion: *simple\n"
        "  help: *simple\n"
        "  praise: *simple\n"
    )
    (tmp_path / "mini.yaml").write_text(text, encoding="utf-8")

    pack = load_pack(tmp_path / "mini.yaml")

    assert pack.type("consultation").total is not None
    assert pack.type("consultation").workflow == "basic"


def test_invalid_yaml_syntax(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: [mini\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"^mini.yaml: invalid YAML: line \d+"):
        load_pack(path)


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"^mini.yaml: expected a mapping, got a list$"):
        load_pack(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"^absent.yaml: cannot read the file"):
        load_pack(tmp_path / "absent.yaml")


def test_non_string_key(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text("code: mini\n1: x\n", encoding="utf-8")

    with pytest.raises(PackError, match=r"mini.yaml: key 1 must be a string"):
        load_pack(path)


def test_a_child_workflow_may_remove_and_replace_stages(pack_file: Callable[..., Path]) -> None:
    doc = mini_pack()
    doc["workflows"]["quick"] = {
        "extends": "basic",
        "stages": {
            "registered": {
                "label": "待受理",
                "actions": {
                    "close": {"roles": ["agent"], "to": "closed"},
                    "accept": {"roles": ["agent"], "to": "handling"},
                },
            },
            "rejected": None,
        },
    }
    doc["types"]["praise"] = {"workflow": "quick"}

    pack = load_pack(pack_file(doc))

    praise = pack.type("praise")
    assert praise.workflow == "quick"
    assert "rejected" not in praise.stages
    assert set(praise.stage("registered").actions) == {"close", "accept"}
    assert praise.stage("handling") is pack.type("complaint").stage("handling")
