"""How late a clock is, in its own unit (已超期2个工作日 / 已超期3小时)."""

from __future__ import annotations

import pytest

from hotline.calendar.services import get_calendar
from hotline.followup.points import lateness
from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from tests.helpers import local


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due", "now", "unit", "expected"),
    [
        # before the due time: nothing to say
        ("2026-10-09 17:30", "2026-10-09 17:29", "working_days", ""),
        # at the due time, or when no working time has passed since (the evening, a rest day)
        ("2026-10-09 17:30", "2026-10-09 17:30", "working_days", "已超过时限"),
        ("2026-10-09 17:30", "2026-10-09 23:00", "working_days", "已超过时限"),
        # under a working day: the working hours; Saturday 10 Oct is a 调休 working day
        ("2026-10-09 17:30", "2026-10-10 09:30", "working_days", "已超期1个工作小时"),
        # a working day is wholly past at its close
        ("2026-10-09 17:30", "2026-10-10 17:29", "working_days", "已超期7个工作小时"),
        ("2026-10-09 17:30", "2026-10-10 17:30", "working_days", "已超期1个工作日"),
        ("2026-10-09 17:30", "2026-10-12 10:00", "working_days", "已超期1个工作日"),
        ("2026-10-09 17:30", "2026-10-13 17:30", "working_days", "已超期3个工作日"),
        # across National Day (1–7 Oct rest): still one working day
        ("2026-09-30 17:30", "2026-10-08 17:30", "working_days", "已超期1个工作日"),
        # working hours: 16:00–17:30 and 08:30–10:30 the next working day
        ("2026-10-09 16:00", "2026-10-10 10:30", "working_hours", "已超期3个工作小时"),
        ("2026-10-09 16:00", "2026-10-09 16:40", "working_hours", "已超期40分钟"),
        # clock units count every hour
        ("2026-10-09 17:30", "2026-10-09 20:45", "hours", "已超期3小时"),
        ("2026-10-09 17:30", "2026-10-11 17:30", "hours", "已超期48小时"),
        ("2026-10-09 17:30", "2026-10-09 17:50", "hours", "已超期20分钟"),
        ("2026-10-10 00:00", "2026-10-12 01:00", "natural_days", "已超期2日"),
        ("2026-10-10 00:00", "2026-10-10 05:00", "natural_days", "已超期5小时"),
        ("2026-10-09 17:30", "2026-10-09 19:10", "minutes", "已超期100分钟"),
    ],
)
def test_lateness(due: str, now: str, unit: str, expected: str) -> None:
    assert lateness(get_calendar(), due=local(due), now=local(now), unit=unit) == expected


def test_a_working_day_clock_counts_working_days(handling):
    ticket = handling("2026-09-30 10:00")  # due Friday 9 Oct 17:30
    run_sweep(local("2026-10-09 17:30"))  # overdue at once: no time of the clock has passed
    message = Message.objects.get(ticket=ticket, kind="overdue", channel="inapp", user__username="head")
    assert message.subject.startswith("已超过时限:")
    # Tuesday 13 Oct 17:30: 10, 12 and 13 Oct wholly past (Saturday 10 Oct is a 调休 working day)
    run_sweep(local("2026-10-13 17:30"))
    message = Message.objects.get(ticket=ticket, kind="escalated", channel="inapp", user__username="leader")
    assert message.subject.startswith("超期上报(已超期3个工作日):")
    assert "当前环节:办理中" in message.body
