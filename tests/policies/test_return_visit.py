"""``Pack.return_visit``: a typed ``ReturnVisitRule`` — documented keys typed, with their
defaults when absent, every other key kept read-only in ``notes``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack, parse_pack
from hotline.policies.schema import DEFAULT_MAX_ATTEMPTS, Limit, ReturnVisitRule

from .conftest import mini_pack


def _rule(return_visit: Any) -> ReturnVisitRule:
    doc = mini_pack()
    doc["return_visit"] = return_visit
    return parse_pack(doc, file="mini.yaml").return_visit


def test_without_the_section_every_key_has_its_default() -> None:
    doc = mini_pack()
    doc.pop("return_visit", None)

    rule = parse_pack(doc, file="mini.yaml").return_visit

    assert rule == ReturnVisitRule()
    assert rule.roles == frozenset()
    assert rule.within is None
    assert rule.unreachable_close_after is None
    assert rule.when == "reply"
    assert rule.max_attempts == DEFAULT_MAX_ATTEMPTS == 3
    assert dict(rule.notes) == {}


@pytest.mark.parametrize("empty", [None, {}])
def test_a_null_or_empty_section_is_the_defaults(empty: Any) -> None:
    assert _rule(empty) == ReturnVisitRule()


def test_documented_keys_are_typed() -> None:
    rule = _rule(
        {
            "roles": ["coordinator", "agent"],
            "within": {"amount": 0, "unit": "working_days"},
            "unreachable_close_after": {"amount": 2, "unit": "working_days"},
            "when": "limit_expired",
            "max_attempts": 5,
        }
    )

    assert rule.roles == frozenset({"coordinator", "agent"})
    assert rule.within == Limit(0, "working_days")  # not a stage limit: counts from "entered"
    assert rule.unreachable_close_after == Limit(2, "working_days")
    assert rule.when == "limit_expired"
    assert rule.max_attempts == 5
    assert dict(rule.notes) == {}  # documented keys are not notes


def test_other_keys_are_kept_in_notes_read_only() -> None:
    rule = _rule(
        {
            "roles": ["coordinator"],
            "satisfied_review_by": "leader",
            "notice_after_decision": {
                "complaint_termination": {"amount": 7, "unit": "working_days"},
                "report_decision": {"amount": 5, "unit": "working_days"},
            },
            "channels": ["phone", "sms"],
        }
    )

    assert set(rule.notes) == {"satisfied_review_by", "notice_after_decision", "channels"}
    assert rule.notes["satisfied_review_by"] == "leader"
    assert rule.notes["notice_after_decision"]["report_decision"] == {"amount": 5, "unit": "working_days"}
    assert rule.notes["channels"] == ("phone", "sms")  # lists are frozen to tuples
    with pytest.raises(TypeError):
        rule.notes["satisfied_review_by"] = "admin"  # type: ignore[index]
    with pytest.raises(TypeError):
        rule.notes["notice_after_decision"]["report_decision"] = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.max_attempts = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("return_visit", "message"),
    [
        ({"roles": []}, "return_visit.roles: at least one role is required"),
        ({"max_attempts": 0}, "return_visit.max_attempts: too small 0: must be 1 or more"),
        ({"max_attempts": True}, "return_visit.max_attempts: expected a whole number, got a boolean (True)"),
        ({"when": "tomorrow"}, "return_visit.when: unknown moment 'tomorrow'; known: reply, limit_expired"),
        ({"within": None}, "return_visit.within: expected a mapping, got null"),
        ({"notes_with_int_keys": {1: "a"}}, "return_visit.notes_with_int_keys: keys must be strings"),
    ],
)
def test_bad_values_are_refused_with_their_path(
    pack_file: Callable[..., Path], return_visit: Any, message: str
) -> None:
    doc = mini_pack()
    doc["return_visit"] = return_visit

    with pytest.raises(PackError) as exc:
        load_pack(pack_file(doc))

    assert str(exc.value) == f"mini.yaml: {message}"


def test_the_shipped_packs_keep_their_informative_keys() -> None:
    from hotline.policies.registry import get_pack

    assert get_pack("enterprise").return_visit.notes == {"satisfied_review_by": "leader"}
    assert set(get_pack("market-12315").return_visit.notes) == {"notice_after_decision"}
    assert get_pack("petition").return_visit.notes["review_request_window"] == {
        "amount": 30,
        "unit": "natural_days",
    }
    assert get_pack("petition").return_visit.unreachable_close_after is None
    assert get_pack("hotline-12345").return_visit.when == "limit_expired"
    assert get_pack("property").return_visit.roles == {"agent", "coordinator"}
