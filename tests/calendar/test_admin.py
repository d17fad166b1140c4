"""Admin edits of the calendar: source=admin, and get_calendar() sees them."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import Client
from django.urls import reverse

from hotline.calendar import services
from hotline.calendar.models import CalendarRevision, CalendarYear, Day, WorkingPeriod

pytestmark = pytest.mark.django_db


def _token() -> str | None:
    return CalendarRevision.objects.values_list("token", flat=True).first()


def test_saving_a_day_marks_it_admin_and_invalidates_the_calendar(admin_client: Client) -> None:
    # given the calendar is cached and 2025-10-09 is a working day
    assert services.get_calendar().is_working_day(date(2025, 10, 9)) is True
    # when an administrator makes it a rest day
    response = admin_client.post(
        reverse("admin:workcal_day_change", args=["2025-10-09"]), {"note": "临时停工", "_save": "1"}
    )
    # then
    assert response.status_code == 302
    day = Day.objects.get(date=date(2025, 10, 9))
    assert (day.is_working, day.note, day.source) == (False, "临时停工", Day.Source.ADMIN)
    assert services.get_calendar().is_working_day(date(2025, 10, 9)) is False
    assert _token() is not None


def test_adding_a_working_period_changes_the_calendar(admin_client: Client) -> None:
    services.get_calendar()
    response = admin_client.post(
        reverse("admin:workcal_workingperiod_add"), {"start": "18:00", "end": "20:00", "_save": "1"}
    )
    assert response.status_code == 302
    assert services.get_calendar().close == time(20)


def test_an_overlapping_working_period_is_refused(admin_client: Client) -> None:
    before = list(WorkingPeriod.objects.values_list("start", "end"))
    response = admin_client.post(
        reverse("admin:workcal_workingperiod_add"), {"start": "11:00", "end": "14:00", "_save": "1"}
    )
    assert response.status_code == 200
    assert "重叠" in response.content.decode()
    assert list(WorkingPeriod.objects.values_list("start", "end")) == before


def test_deleting_a_year_flag_changes_the_calendar(admin_client: Client) -> None:
    assert services.get_calendar().is_official(date(2026, 1, 1)) is True
    response = admin_client.post(reverse("admin:workcal_calendaryear_delete", args=[2026]), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarYear.objects.filter(year=2026).exists()
    assert services.get_calendar().is_official(date(2026, 1, 1)) is False


def test_the_day_list_filters_and_searches(admin_client: Client) -> None:
    url = reverse("admin:workcal_day_changelist")
    response = admin_client.get(
        url, {"is_working__exact": "0", "source__exact": "chinesecalendar", "q": "春节"}
    )
    assert response.status_code == 200
    shown = list(response.context["cl"].queryset)
    assert date(2025, 1, 28) in [d.date for d in shown]
    assert all(not d.is_working and "春节" in d.note for d in shown)
