"""The pack keys that say when reminders may go out anyway (on_rest_days, anytime_severities)."""

from __future__ import annotations

import pytest

from hotline.policies.errors import PackError
from hotline.policies.loader import parse_pack
from tests.policies.conftest import mini_pack


def test_rest_day_and_severity_rules_are_read():
    data = mini_pack()
    data["reminders"] = {"on_rest_days": True, "anytime_severities": ["urgent", "major"]}
    pack = parse_pack(data, file="mini.yaml")
    assert pack.reminders.on_rest_days is True
    assert pack.reminders.anytime_severities == frozenset({"urgent", "major"})


def test_defaults_wait_for_working_time():
    pack = parse_pack(mini_pack(), file="mini.yaml")
    assert (pack.reminders.on_rest_days, pack.reminders.anytime_severities) == (False, frozenset())


@pytest.mark.parametrize(
    ("reminders", "path"),
    [
        ({"on_rest_days": "yes"}, "reminders.on_rest_days"),
        ({"anytime_severities": ["critical"]}, "reminders.anytime_severities[0]"),
    ],
)
def test_bad_values_are_refused(reminders, path):
    data = mini_pack()
    data["reminders"] = reminders
    with pytest.raises(PackError) as exc:
        parse_pack(data, file="mini.yaml")
    assert path in str(exc.value)


@pytest.mark.parametrize(
    ("return_visit", "path"),
    [
        ({"max_attempts": 0}, "return_visit.max_attempts"),
        ({"when": "tomorrow"}, "return_visit.when"),
    ],
)
def test_bad_return_visit_keys_are_refused(return_visit, path):
    data = mini_pack()
    data["return_visit"] = return_visit
    with pytest.raises(PackError) as exc:
        parse_pack(data, file="mini.yaml")
    assert path in str(exc.value)


def test_shipped_12345_visits_when_the_limit_expires():
    from hotline.policies.registry import get_pack

    assert get_pack("hotline-12345").return_visit.when == "limit_expired"
