"""Where limits count from (``from``), and which limit wins: stage limits by category >
severity > channel > type > stage, whole-ticket totals by category > severity > channel >
type, with ``null`` meaning "no total" rather than "fall through"."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.core.errors import InvalidInput
from hotline.policies.loader import parse_pack
from hotline.policies.schema import Limit, Pack, TotalLimit, TypePolicy

from .conftest import mini_pack


def _load(doc: dict[str, Any]) -> Pack:
    return parse_pack(doc, file="mini.yaml", expected_code="mini")


def _limit(amount: int, unit: str = "working_days", **extra: str) -> dict[str, Any]:
    return {"amount": amount, "unit": unit, **extra}


def _total(amount: int, start: str, unit: str = "working_days") -> dict[str, Any]:
    return {"amount": amount, "unit": unit, "from": start}


# -- anchors (from) ---------------------------------------------------------------------


def test_the_initial_stage_counts_from_receipt_by_default() -> None:
    policy = _load(mini_pack()).type("report")

    assert policy.stage("registered").limit == Limit(1, "working_days", "received")
    assert policy.stage_limit("registered", severity="normal", category_code=None) == Limit(
        1, "working_days", "received"
    )


def test_other_stages_count_from_entering_them_by_default() -> None:
    policy = _load(mini_pack()).type("report")

    assert policy.stage_limit("handling", severity="normal", category_code=None) == Limit(
        5, "working_days", "entered"
    )


def test_an_explicit_from_is_kept() -> None:
    doc = mini_pack()
    doc["workflows"]["basic"]["stages"]["registered"]["limit"] = _limit(1, **{"from": "registered"})
    doc["workflows"]["basic"]["stages"]["handling"]["limit"] = _limit(5, **{"from": "received"})

    policy = _load(doc).type("report")

    assert policy.stage("registered").limit == Limit(1, "working_days", "registered")
    assert policy.stage("handling").limit == Limit(5, "working_days", "received")


def test_type_limits_get_the_default_of_their_stage() -> None:
    doc = mini_pack()
    doc["types"]["report"] = {
        "workflow": "basic",
        "limits": {"registered": _limit(2, "hours"), "handling": _limit(3, **{"from": "accepted"})},
    }

    policy = _load(doc).type("report")

    assert policy.stage_limit("registered", severity="normal", category_code=None) == Limit(
        2, "hours", "received"
    )
    assert policy.stage_limit("handling", severity="normal", category_code=None) == Limit(
        3, "working_days", "accepted"
    )


def test_minutes_are_a_limit_unit() -> None:
    doc = mini_pack()
    doc["types"]["report"] = {"workflow": "basic", "limits": {"registered": _limit(30, "minutes")}}

    limit = _load(doc).type("report").stage_limit("registered", severity="normal", category_code=None)

    assert limit == Limit(30, "minutes", "received")
    assert limit.label == "30分钟"
    assert limit.start_label == "自收到之日起"


def test_a_child_workflow_with_another_initial_stage_anchors_its_own_initial_stage() -> None:
    doc = mini_pack()
    doc["workflows"]["late"] = {
        "extends": "basic",
        "initial_stage": "handling",
        "stages": {"registered": None, "rejected": None},
    }
    doc["types"]["praise"] = {"workflow": "late"}

    pack = _load(doc)

    assert pack.type("praise").stage("handling").limit == Limit(5, "working_days", "received")
    assert pack.type("complaint").stage("handling").limit == Limit(5, "working_days", "entered")


def test_a_stage_inherited_unchanged_is_the_same_object() -> None:
    doc = mini_pack()
    redo = {"label": "不满意", "actions": {"close": {"roles": ["coordinator"], "to": "closed"}}}
    doc["workflows"]["child"] = {"extends": "basic", "stages": {"redo": redo}}
    doc["types"]["praise"] = {"workflow": "child"}

    pack = _load(doc)

    assert pack.type("praise").stage("handling") is pack.type("complaint").stage("handling")


# -- stage limits: category > severity > channel > type > stage ----------------------------


@pytest.fixture
def layered() -> TypePolicy:
    doc = mini_pack()
    doc["types"]["complaint"] = {
        "workflow": "basic",
        "limits": {"handling": _limit(4)},
        "channel_limits": {"letter": {"handling": _limit(3)}, "visit": {"registered": _limit(0)}},
        "severity_limits": {"major": {"handling": _limit(2)}},
        "category_limits": {"noise": {"handling": _limit(1)}},
    }
    return _load(doc).type("complaint")


@pytest.mark.parametrize(
    ("severity", "category", "channel", "expected"),
    [
        ("normal", None, None, 4),  # type
        ("normal", None, "phone", 4),  # a channel without its own rule falls through
        ("normal", None, "letter", 3),  # channel > type
        ("major", None, "letter", 2),  # severity > channel
        ("major", "noise", "letter", 1),  # category > severity
        ("normal", "other", "letter", 3),  # an unknown category falls through
    ],
)
def test_stage_limit_precedence(
    layered: TypePolicy, severity: str, category: str | None, channel: str | None, expected: int
) -> None:
    limit = layered.stage_limit("handling", severity=severity, category_code=category, channel=channel)

    assert limit == Limit(expected, "working_days", "entered")


def test_a_channel_limit_only_for_its_stage(layered: TypePolicy) -> None:
    assert layered.stage_limit("registered", severity="normal", category_code=None, channel="visit") == Limit(
        0, "working_days", "received"
    )
    assert layered.stage_limit(
        "registered", severity="normal", category_code=None, channel="letter"
    ) == Limit(1, "working_days", "received")


def test_channel_is_optional_for_stage_limit(layered: TypePolicy) -> None:
    assert layered.stage_limit("handling", severity="normal", category_code=None) == Limit(4, "working_days")


# -- whole-ticket totals: category > severity > channel > type, null = none -------------


@pytest.fixture
def totals() -> TypePolicy:
    doc = mini_pack()
    doc["types"]["complaint"] = {
        "workflow": "basic",
        "total": _total(10, "accepted"),
        "channel_totals": {"letter": _total(45, "received", "natural_days"), "internal": None},
        "severity_totals": {"urgent": _total(1, "received"), "major": None},
        "category_totals": {"fee": _total(3, "registered"), "open_ended": None},
    }
    return _load(doc).type("complaint")


@pytest.mark.parametrize(
    ("severity", "category", "channel", "expected"),
    [
        ("normal", None, "phone", TotalLimit(10, "working_days", "accepted")),  # type
        ("normal", None, "letter", TotalLimit(45, "natural_days", "received")),  # channel > type
        ("normal", None, "internal", None),  # channel: null = no total, not the type's
        ("urgent", None, "letter", TotalLimit(1, "working_days", "received")),  # severity > channel
        ("major", None, "letter", None),  # severity: null wins over the channel's total
        ("urgent", "fee", "letter", TotalLimit(3, "working_days", "registered")),  # category > severity
        ("major", "open_ended", "phone", None),  # category: null
        ("urgent", "other", "phone", TotalLimit(1, "working_days", "received")),  # unknown category
        ("normal", None, None, TotalLimit(10, "working_days", "accepted")),  # no channel known
    ],
)
def test_total_limit_precedence(
    totals: TypePolicy, severity: str, category: str | None, channel: str | None, expected: TotalLimit | None
) -> None:
    assert totals.total_limit(severity=severity, category_code=category, channel=channel) == expected


def test_total_limit_without_overrides_is_the_type_total() -> None:
    policy = _load(mini_pack()).type("complaint")

    assert policy.total_limit(severity="major", category_code="x", channel="letter") == policy.total
    assert (
        _load(mini_pack()).type("report").total_limit(severity="normal", category_code=None, channel=None)
        is None
    )


def test_total_limit_unknown_severity_is_invalid_input(totals: TypePolicy) -> None:
    with pytest.raises(InvalidInput) as exc:
        totals.total_limit(severity="huge", category_code=None, channel=None)

    assert exc.value.code == "invalid_severity"


def test_registered_is_a_total_anchor() -> None:
    doc = mini_pack()
    doc["types"]["report"] = {"workflow": "basic", "total": _total(5, "registered")}

    total = _load(doc).type("report").total

    assert total == TotalLimit(5, "working_days", "registered")
    assert total is not None and total.limit == Limit(5, "working_days", "registered")
