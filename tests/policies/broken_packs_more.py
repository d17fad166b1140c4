"""Broken policy packs, the second half of the cases (see ``broken_packs``)."""

from __future__ import annotations

from collections.abc import Callable

from .broken_packs import STAGES, Doc, _actions, _stages

CASES: list[tuple[str, Callable[[Doc], None], str, str]] = [
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
