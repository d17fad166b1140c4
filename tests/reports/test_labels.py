"""Labels of the report centre and the assessment follow the user's language (Chinese first,
English through the catalogue); codes never change. The crawl (tests/browser) finds Chinese
left on English pages; these pin the labels built in Python."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

from hotline.assessment.scoring import DEDUCTIONS, RATES
from hotline.reports.measures import MEASURES, dimension
from hotline.reports.periods import day_label, period_label
from hotline.reports.selectors import NONE_KEY, labels

CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
OCT = date(2026, 10, 1)


@pytest.mark.parametrize(
    ("kind", "start", "zh", "en"),
    [
        ("day", date(2026, 10, 5), "2026年10月5日", "Oct 5, 2026"),
        ("week", date(2026, 10, 12), "2026年第42周", "Week 42 2026"),
        ("month", OCT, "2026年10月", "Oct 2026"),
        ("quarter", OCT, "2026年第4季度", "Q4 2026"),
        ("year", date(2026, 1, 1), "2026年", "2026"),
    ],
)
def test_period_labels_in_both_languages(kind: str, start: date, zh: str, en: str) -> None:
    with translation.override("zh-hans"):
        assert period_label(start, kind) == zh  # type: ignore[arg-type]
    with translation.override("en"):
        assert period_label(start, kind) == en  # type: ignore[arg-type]


def test_a_chart_day_in_both_languages() -> None:
    with translation.override("zh-hans"):
        assert day_label(date(2026, 3, 9)) == "3月9日"
    with translation.override("en"):
        assert day_label(date(2026, 3, 9)) == "Mar 9"


def test_every_measure_is_english_in_english_and_keeps_its_code() -> None:
    with translation.override("en"):
        shown = {code: (m.label, m.definition, m.unit) for code, m in MEASURES.items()}
    for code, texts in shown.items():
        assert not any(CJK.search(t) for t in texts), (code, texts)
    assert shown["received"][0] == "Received"
    assert shown["satisfaction_rate"][:1] == ("Satisfaction rate",)
    assert shown["neutral"][0] == "Neutral"  # the satisfaction level, not the severity
    with translation.override("zh-hans"):
        assert (MEASURES["received"].label, MEASURES["received"].unit) == ("收件量", "件")
        assert MEASURES["handling_hours_avg"].unit == "工作小时"
    assert "received" in MEASURES and MEASURES["received"].code == "received"


def test_dimension_labels_with_a_level() -> None:
    with translation.override("en"):
        assert dimension("unit:2").label == "Responsible unit (level 2)"
        assert dimension("day").label == "Day"
    with translation.override("zh-hans"):
        assert dimension("unit:2").label == "责任单位(第2级)"
        assert dimension("day").label == "日"


@pytest.mark.django_db
def test_empty_groups_are_named_in_the_users_language() -> None:
    with translation.override("en"):
        got = {
            name: labels(dimension(name), [NONE_KEY])[NONE_KEY] for name in ("handler", "category", "region")
        }
        assert got == {"handler": "Unassigned", "category": "Uncategorised", "region": "Not given"}
        assert labels(dimension("channel"), ["phone"])["phone"] == "Phone"  # lazy, not frozen at import
    with translation.override("zh-hans"):
        got = {
            name: labels(dimension(name), [NONE_KEY])[NONE_KEY] for name in ("handler", "category", "region")
        }
        assert got == {"handler": "未指派", "category": "未分类", "region": "未填写"}


def test_assessment_labels_translate_codes_do_not() -> None:
    with translation.override("en"):
        rates = {code: str(label) for code, label, *_rest in RATES}
        deductions = {code: str(label) for code, label, *_rest in DEDUCTIONS}
    assert rates["on_time_rate"] == "On-time closure rate"
    assert rates["satisfaction_rate"] == "Satisfaction rate"
    assert not any(CJK.search(t) for t in (*rates.values(), *deductions.values())), (rates, deductions)
    assert list(rates) == ["on_time_rate", "response_rate", "resolution_rate", "satisfaction_rate"]
