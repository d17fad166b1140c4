"""services.import_schedule: next year's State Council schedule becomes official."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from hotline.calendar import services
from hotline.calendar.models import CalendarRevision, CalendarYear, Day
from hotline.core.errors import InvalidInput
from tests.calendar.cc import local
from tests.calendar.schedules import EXAMPLE_2027

pytestmark = pytest.mark.django_db


@pytest.fixture
def recompute_calls(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """Stand in for workflow.services.recompute_provisional_deadlines; record its calls."""
    calls: list[set[int]] = []

    def recompute(*, years: set[int]) -> int:
        calls.append(years)
        return 3

    monkeypatch.setattr(services, "_recompute_hook", lambda: recompute)
    return calls


def _snapshot() -> tuple[int, int, str | None]:
    token = CalendarRevision.objects.values_list("token", flat=True).first()
    return Day.objects.count(), CalendarYear.objects.count(), token


def test_an_imported_year_becomes_official(recompute_calls: list[set[int]]) -> None:
    # given 2027 has no official data
    before = services.compute_deadline(start=local(2027, 2, 4, 10), amount=1, unit="working_days")
    assert before.provisional is True
    assert before.due_at == local(2027, 2, 9, 17, 30)  # computed: 除夕 to 初三 rest, no 调休
    # when the 2027 schedule is imported
    result = services.import_schedule(text=EXAMPLE_2027, source_note="示例通知")
    # then
    assert result == services.ImportResult(years=[2027], days=365, recomputed=3)
    assert recompute_calls == [{2027}]
    year = CalendarYear.objects.get(year=2027)
    assert (year.official, year.source) == (True, "示例通知")
    assert Day.objects.filter(date__year=2027).count() == 365
    # and deadlines crossing into 2027 follow the schedule and stop being provisional
    after = services.compute_deadline(start=local(2027, 2, 4, 10), amount=1, unit="working_days")
    assert after.provisional is False
    assert after.due_at == local(2027, 2, 15, 17, 30)
    crossing = services.compute_deadline(start=local(2026, 12, 30, 10), amount=2, unit="working_days")
    assert crossing.provisional is False
    assert crossing.due_at == local(2027, 1, 4, 17, 30)


def test_imported_days_are_weekdays_weekends_and_the_listed_overrides(
    recompute_calls: list[set[int]],
) -> None:
    services.import_schedule(text=EXAMPLE_2027, source_note="示例通知")

    def day(d: date) -> tuple[bool, str, str]:
        row = Day.objects.get(date=d)
        return row.is_working, row.note, row.source

    assert day(date(2027, 3, 1)) == (True, "", "official_import")  # Monday
    assert day(date(2027, 3, 6)) == (False, "", "official_import")  # Saturday
    assert day(date(2027, 2, 20)) == (True, "春节调休上班", "official_import")  # makeup Saturday
    assert day(date(2027, 10, 4)) == (False, "国庆节", "official_import")


def test_import_from_a_file_and_again_replaces_the_year(
    tmp_path: Path, recompute_calls: list[set[int]]
) -> None:
    path = tmp_path / "2027.txt"
    path.write_text(EXAMPLE_2027, encoding="utf-8")
    services.import_schedule(path=path, source_note="第一次")
    services.import_schedule(path=str(path), source_note="第二次")
    assert Day.objects.filter(date__year=2027).count() == 365
    assert CalendarYear.objects.get(year=2027).source == "第二次"


def test_years_are_inferred_from_the_dates_without_a_year_line(recompute_calls: list[set[int]]) -> None:
    result = services.import_schedule(text="2027-01-01,rest,元旦\n2028-01-01,rest,元旦\n", source_note="x")
    assert result.years == [2027, 2028]
    assert result.days == 365 + 366


BAD_FILES = [
    ("year,2027\n2027-02-30,rest,春节\n", "第 2 行", "日期“2027-02-30”无效"),
    ("year,2027\n2027-02-06,holiday,春节\n", "第 2 行", "类型“holiday”无效"),
    ("year,2027\n2027-02-06,rest,春节\n2027-02-06,work,春节\n", "第 3 行", "重复"),
    ("year,2027\n2028-01-01,rest,元旦\n", "第 2 行", "不在声明的年份"),
    ("year,2027\n", "第 1 行", "没有列出任何日期"),
    ("year,twenty\n", "第 1 行", "年份行"),
    ("# only a comment\n", "没有任何日期行", ""),
    ("2027-02-06\n", "第 1 行", "三列"),
    ("20270206,rest,春节\n", "第 1 行", "YYYY-MM-DD"),
    ("2127-01-01,rest,元旦\n", "第 1 行", "超出支持范围"),
]


@pytest.mark.parametrize(("text", "where", "what"), BAD_FILES)
def test_a_bad_file_names_the_line_and_writes_nothing(
    text: str, where: str, what: str, recompute_calls: list[set[int]]
) -> None:
    # given the seed only
    before = _snapshot()
    # when a bad file is imported
    with pytest.raises(InvalidInput) as error:
        services.import_schedule(text=text, source_note="坏文件")
    # then the message says where and what, and nothing changed
    assert where in error.value.detail
    assert what in error.value.detail
    assert _snapshot() == before
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert recompute_calls == []


def test_a_bad_line_after_good_ones_writes_nothing(recompute_calls: list[set[int]]) -> None:
    before = _snapshot()
    bad_line = EXAMPLE_2027.count("\n") + 1
    with pytest.raises(InvalidInput, match=f"第 {bad_line} 行"):
        services.import_schedule(text=EXAMPLE_2027 + "2027-13-01,rest,错\n", source_note="坏文件")
    assert _snapshot() == before
    assert services.get_calendar().is_official(date(2027, 1, 1)) is False


def test_an_unreadable_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="无法读取文件"):
        services.import_schedule(path=tmp_path / "missing.txt", source_note="x")


def test_without_a_workflow_recompute_the_import_still_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_hook() -> Callable[..., int] | None:
        return None

    monkeypatch.setattr(services, "_recompute_hook", no_hook)
    assert services.import_schedule(text=EXAMPLE_2027, source_note="x").recomputed is None


def test_the_recompute_hook_is_the_workflow_function_when_it_exists() -> None:
    workflow = pytest.importorskip("hotline.workflow.services")
    expected = getattr(workflow, "recompute_provisional_deadlines", None)
    assert services._recompute_hook() is expected
