"""The data migrations loaded the seed and the default working periods (and can be undone)."""

from __future__ import annotations

import importlib
from datetime import date, time

import pytest
from django.apps import apps

from hotline.calendar.models import CalendarYear, Day, WorkingPeriod

pytestmark = pytest.mark.django_db

load_days = importlib.import_module("hotline.calendar.migrations.0002_load_official_days_2004_2026")


def test_seed_days_are_loaded() -> None:
    assert Day.objects.count() == 8401
    assert Day.objects.filter(source=Day.Source.CHINESECALENDAR).count() == 8401
    assert Day.objects.get(date=date(2025, 1, 26)).is_working is True
    assert Day.objects.get(date=date(2025, 1, 26)).note == "春节调休上班"
    assert Day.objects.get(date=date(2025, 10, 6)).is_working is False
    assert Day.objects.get(date=date(2004, 1, 1)).note == "元旦"


def test_seed_years_are_official() -> None:
    assert list(CalendarYear.objects.filter(official=True).values_list("year", flat=True)) == list(
        range(2004, 2027)
    )


def test_default_working_periods_are_seeded() -> None:
    assert list(WorkingPeriod.objects.values_list("start", "end")) == [
        (time(8, 30), time(12, 0)),
        (time(13, 30), time(17, 30)),
    ]


def test_the_day_migration_is_reversible() -> None:
    # when the data migration is undone then redone
    load_days.unload(apps, None)
    assert Day.objects.count() == 0
    assert CalendarYear.objects.count() == 0
    load_days.load(apps, None)
    # then the seed is back
    assert Day.objects.count() == 8401
    assert CalendarYear.objects.filter(official=True).count() == 23
