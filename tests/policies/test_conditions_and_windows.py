"""Action conditions (``severities`` / ``channels``), the review and instruct actions, and
acceptance windows (受理时效), as loaded from a good pack."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from hotline.policies.loader import parse_pack
from hotline.policies.schema import AcceptanceWindow, ActionRule, Pack
from hotline.policies.vocab import ACTION_LABELS, ACTIONS, CHANNEL_LABELS, CHANNELS, OPTIONAL_TO_ACTIONS

from .conftest import mini_pack

Doc = dict[str, Any]


def _load(doc: Doc) -> Pack:
    return parse_pack(doc, file="mini.yaml", expected_code="mini")


def _with_review_and_instruct() -> Doc:
    """mini, with: registered → accept (normal/urgent) | instruct (major, leader) → instructed;
    handling → reply → review → approve_reply / send_back; a letter-only interim reply."""
    doc = mini_pack()
    stages = doc["workflows"]["basic"]["stages"]
    stages["registered"]["actions"] = {
        "accept": {"roles": ["agent"], "to": "handling", "severities": ["normal", "urgent"]},
        "instruct": {"roles": ["leader"], "to": "instructed", "severities": ["major"]},
        "reject": {"roles": ["coordinator"], "to": "rejected", "channels": ["letter", "email"]},
    }
    stages["instructed"] = {
        "label": "已批示",
        "actions": {
            "instruct": {"roles": ["leader"]},  # a second instruction stays
            "accept": {"roles": ["agent"], "to": "handling"},
        },
    }
    stages["handling"]["actions"]["reply"]["to"] = "review"
    stages["handling"]["actions"]["interim_reply"] = {
        "roles": ["handler"],
        "to": "handling",
        "channels": ["letter"],
    }
    stages["review"] = {
        "label": "待审核",
        "actions": {
            "approve_reply": {"roles": ["dept_head"], "to": "replied"},
            "send_back": {"roles": ["dept_head"], "to": "handling"},
        },
    }
    return doc


def test_new_actions_are_in_the_vocabulary_with_labels() -> None:
    for name in ("instruct", "interim_reply", "approve_reply", "send_back"):
        assert name in ACTIONS
        assert str(ACTION_LABELS[name])
    assert str(ACTION_LABELS["instruct"]) == "批示"
    assert str(ACTION_LABELS["approve_reply"]) == "审核通过"
    assert "instruct" in OPTIONAL_TO_ACTIONS


def test_channels_mirror_the_ticket_model() -> None:
    from hotline.tickets.models import Channel

    assert CHANNELS == tuple(Channel.values)
    with translation.override("zh-hans"):
        assert CHANNEL_LABELS == {code: str(label) for code, label in Channel.choices}


def test_conditions_load_as_sets_and_empty_means_any() -> None:
    registered = _load(_with_review_and_instruct()).type("complaint").stage("registered")

    assert registered.actions["accept"].severities == {"normal", "urgent"}
    assert registered.actions["accept"].channels == frozenset()
    assert registered.actions["reject"].channels == {"letter", "email"}
    assert registered.actions["reject"].severities == frozenset()


@pytest.mark.parametrize(
    ("severities", "channels", "severity", "channel", "applies"),
    [
        ((), (), "major", "phone", True),
        (("major",), (), "major", "phone", True),
        (("major",), (), "normal", "phone", False),
        ((), ("letter",), "normal", "letter", True),
        ((), ("letter",), "normal", "phone", False),
        (("major", "urgent"), ("letter", "fax"), "urgent", "fax", True),
        (("major", "urgent"), ("letter", "fax"), "urgent", "phone", False),
        (("major", "urgent"), ("letter", "fax"), "normal", "fax", False),
    ],
)
def test_applies_to(
    severities: tuple[str, ...], channels: tuple[str, ...], severity: str, channel: str, applies: bool
) -> None:
    rule = ActionRule(
        "dispatch",
        frozenset({"agent"}),
        "dispatched",
        severities=frozenset(severities),
        channels=frozenset(channels),
    )

    assert rule.applies_to(severity=severity, channel=channel) is applies


def test_instruct_may_stay_or_move_on() -> None:
    policy = _load(_with_review_and_instruct()).type("complaint")

    assert policy.stage("registered").actions["instruct"].to == "instructed"
    assert policy.stage("instructed").actions["instruct"].to is None


def test_review_stage_approves_or_sends_back() -> None:
    policy = _load(_with_review_and_instruct()).type("complaint")

    assert policy.stage("handling").actions["reply"].to == "review"
    assert policy.next_stages("review") == ("replied", "handling")


def test_the_graph_checks_ignore_conditions() -> None:
    """``instructed`` is reachable only for major tickets, ``rejected`` only for letters
    and emails: both still count as reachable (every rule is possible)."""
    pack = _load(_with_review_and_instruct())

    assert {"instructed", "rejected"} <= set(pack.type("complaint").stages)


# -- acceptance windows ----------------------------------------------------------------------


def _with_windows(windows: list[Doc]) -> Doc:
    doc = mini_pack()
    doc["reject_reasons"] = {
        "outside_mandate": "不属于本单位职责范围",
        "fee_time_barred": "话费争议超过五个月",
        "time_barred": "超过二年",
    }
    doc["acceptance_windows"] = windows
    return doc


WINDOWS: list[Doc] = [
    {
        "within": {"amount": 5, "unit": "months"},
        "reason": "fee_time_barred",
        "types": ["complaint"],
        "categories": ["fee_dispute"],
    },
    {"within": {"amount": 2, "unit": "years"}, "reason": "time_barred", "types": ["complaint", "report"]},
]


def test_acceptance_windows_load_in_order_in_months() -> None:
    pack = _load(_with_windows(WINDOWS))

    assert pack.acceptance_windows == (
        AcceptanceWindow(5, "fee_time_barred", frozenset({"complaint"}), frozenset({"fee_dispute"})),
        AcceptanceWindow(24, "time_barred", frozenset({"complaint", "report"}), frozenset()),
    )
    assert [w.label for w in pack.acceptance_windows] == ["5个月", "2年"]


@pytest.mark.parametrize(
    ("ticket_type", "category", "months"),
    [
        ("complaint", "fee_dispute", 5),  # the first that applies decides
        ("complaint", "network", 24),
        ("complaint", None, 24),
        ("report", "fee_dispute", 24),  # the fee window is for complaints only
        ("consultation", "fee_dispute", None),
    ],
)
def test_acceptance_window_first_match_wins(
    ticket_type: str, category: str | None, months: int | None
) -> None:
    window = _load(_with_windows(WINDOWS)).acceptance_window(
        ticket_type=ticket_type, category_codes=[category] if category else []
    )

    assert (window.months if window else None) == months


def test_a_pack_without_windows_has_none() -> None:
    pack = _load(mini_pack())

    assert pack.acceptance_windows == ()
    assert pack.acceptance_window(ticket_type="complaint") is None
