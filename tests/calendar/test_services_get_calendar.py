"""services.get_calendar: loaded from the database, cached, and invalidated on writes."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from hotline.calendar import services
from hotline.calendar.models import DEFAULT_PERIODS, CalendarRevision, Day, WorkingPeriod
from tests.calendar.cc import cc_calendar

pytestmark = pytest.mark.django_db

NATIONAL_DAY_AFTER = date(2025, 10, 9)  # a working day


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def outside_transaction(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Behave as a request outside any transaction, with a clock the test moves."""
    fake = FakeClock()
    monkeypatch.setattr(services, "_in_transaction", lambda: False)
    monkeypatch.setattr(services, "_monotonic", fake)
    return fake


def _write_as_another_process(day: date, *, is_working: bool) -> None:
    """What another process's services.day_set leaves in the database (not our memory)."""
    Day.objects.filter(date=day).update(is_working=is_working, source=Day.Source.ADMIN)
    CalendarRevision.objects.update_or_create(
        pk=1, defaults={"token": "elsewhere", "changed_at": timezone.now()}
    )


def test_the_loaded_calendar_equals_chinesecalendar() -> None:
    cal = services.get_calendar()
    expected = cc_calendar()
    assert cal.days == expected.days
    assert cal.official_years == expected.official_years
    assert cal.periods == expected.periods
    assert str(cal.tz) == "Asia/Shanghai"


def test_a_write_in_this_process_is_seen_at_once(outside_transaction: FakeClock) -> None:
    assert services.get_calendar().is_working_day(NATIONAL_DAY_AFTER) is True
    services.day_set(day=NATIONAL_DAY_AFTER, is_working=False, note="临时停工")
    assert services.get_calendar().is_working_day(NATIONAL_DAY_AFTER) is False
    assert Day.objects.get(date=NATIONAL_DAY_AFTER).source == Day.Source.ADMIN


def test_another_process_write_is_seen_after_the_recheck_interval(
    outside_transaction: FakeClock, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    # given this process has the calendar cached
    services.get_calendar()
    # when another process changes a day
    _write_as_another_process(NATIONAL_DAY_AFTER, is_working=False)
    # then within the interval the cached copy answers without any query
    outside_transaction.now += services.RECHECK_SECONDS / 2
    with django_assert_num_queries(0):
        assert services.get_calendar().is_working_day(NATIONAL_DAY_AFTER) is True
    # and after it the change is seen
    outside_transaction.now += services.RECHECK_SECONDS
    assert services.get_calendar().is_working_day(NATIONAL_DAY_AFTER) is False


def test_an_unchanged_calendar_costs_one_query_per_interval(
    outside_transaction: FakeClock, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = services.get_calendar()
    outside_transaction.now += services.RECHECK_SECONDS * 2
    with django_assert_num_queries(1):
        assert services.get_calendar() is first


def test_inside_a_transaction_the_token_is_checked_on_every_call(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    first = services.get_calendar()
    with django_assert_num_queries(1):
        assert services.get_calendar() is first
    _write_as_another_process(NATIONAL_DAY_AFTER, is_working=False)
    assert services.get_calendar().is_working_day(NATIONAL_DAY_AFTER) is False


def test_without_working_periods_the_defaults_apply() -> None:
    WorkingPeriod.objects.all().delete()
    services.calendar_changed()
    assert services.get_calendar().periods == DEFAULT_PERIODS


def test_changed_working_periods_are_used() -> None:
    WorkingPeriod.objects.all().delete()
    WorkingPeriod.objects.create(start=time(9), end=time(17))
    services.calendar_changed()
    assert services.get_calendar().periods == ((time(9), time(17)),)
    assert services.get_calendar().close == time(17)
