"""Reminders wait for working time: not in the pack's quiet hours, not on rest days."""

from __future__ import annotations

from datetime import time

from hotline.calendar.services import get_calendar
from hotline.followup.models import SweepMark, SweepSchedule
from hotline.followup.points import send_time
from hotline.followup.services import run_sweep
from hotline.policies.schema import QuietHours, Reminders
from tests.factories import register
from tests.followup.helpers import kinds, staff_messages
from tests.helpers import local


def test_night_reminder_waits_for_the_end_of_quiet_hours_on_a_makeup_working_day(users):
    # Given an urgent complaint registered Friday 9 Oct 19:30: one hour to accept (due 20:30);
    # enterprise quiet hours are 20:00–08:00
    ticket = register(users["agent"], policy="enterprise", severity="urgent", now=local("2026-10-09 19:30"))
    assert ticket.due_at == local("2026-10-09 20:30")
    # When half the hour is used (20:00), the reminder is held back
    report = run_sweep(local("2026-10-09 20:00"))
    assert (report.reminders, report.postponed) == (0, 1)
    # and when the ticket falls overdue at night, so is the escalation
    report = run_sweep(local("2026-10-09 20:30"))
    assert (report.escalations, report.postponed, report.superseded) == (0, 1, 1)
    assert SweepSchedule.objects.get(ticket=ticket).next_at == local("2026-10-10 08:00")
    assert run_sweep(local("2026-10-10 07:59")).escalations == 0
    # Then it goes out at 08:00 on Saturday 10 Oct, a 调休 working day
    assert run_sweep(local("2026-10-10 08:00")).escalations == 1
    assert staff_messages(ticket, "overdue") == [("coordinator", "overdue")]
    assert kinds(ticket) == ["overdue"]


def test_rest_day_reminder_waits_for_the_next_working_morning(users):
    # Given an urgent complaint registered on Sunday 11 Oct 10:00, due 11:00
    ticket = register(users["agent"], policy="enterprise", severity="urgent", now=local("2026-10-11 10:00"))
    assert run_sweep(local("2026-10-11 10:30")).postponed == 1
    assert run_sweep(local("2026-10-11 11:00")).escalations == 0
    assert SweepSchedule.objects.get(ticket=ticket).next_at == local("2026-10-12 08:30")
    assert run_sweep(local("2026-10-12 08:29")).escalations == 0
    # Then Monday at the start of working hours
    assert run_sweep(local("2026-10-12 08:30")).escalations == 1
    assert kinds(ticket) == ["overdue"]


def test_send_time_rules(db):
    cal = get_calendar()
    quiet = Reminders(quiet_hours=QuietHours(start=time(20), end=time(8)))
    # quiet hours wrap midnight
    assert send_time(cal, local("2026-10-12 23:00"), reminders=quiet, anytime=False) == local(
        "2026-10-13 08:00"
    )
    assert send_time(cal, local("2026-10-13 03:00"), reminders=quiet, anytime=False) == local(
        "2026-10-13 08:00"
    )
    # the end of quiet hours on a rest day moves on to the next working day (National Day)
    assert send_time(cal, local("2026-09-30 21:00"), reminders=quiet, anytime=False) == local(
        "2026-10-08 08:30"
    )
    # the pack may allow rest days, and a severity may be reminded at any time
    rest_ok = Reminders(quiet_hours=quiet.quiet_hours, on_rest_days=True)
    assert send_time(cal, local("2026-10-03 10:00"), reminders=rest_ok, anytime=False) == local(
        "2026-10-03 10:00"
    )
    assert send_time(cal, local("2026-10-03 23:00"), reminders=quiet, anytime=True) == local(
        "2026-10-03 23:00"
    )
    # no quiet hours: only rest days wait
    assert send_time(cal, local("2026-10-12 23:00"), reminders=Reminders(), anytime=False) == local(
        "2026-10-12 23:00"
    )


def test_12345_chases_urgent_matters_at_night_and_normal_ones_in_the_morning(users):
    # Given two 12345 matters registered on Sunday 11 Oct 22:30 (quiet hours 22:00–07:00),
    # to be dispatched within 2 hours (due 00:30)
    urgent = register(
        users["agent"], policy="hotline-12345", severity="urgent", now=local("2026-10-11 22:30")
    )
    normal = register(
        users["agent"], policy="hotline-12345", severity="normal", now=local("2026-10-11 22:30")
    )
    assert urgent.due_at == normal.due_at == local("2026-10-12 00:30")
    # When half the time is used, at 23:30 on a rest-day night
    report = run_sweep(local("2026-10-11 23:30"))
    # Then the urgent one is chased at once (anytime_severities: [urgent]); the normal one waits
    assert (report.reminders, report.postponed) == (1, 1)
    assert SweepMark.objects.get(ticket=urgent, point="used=0.5").sent is True
    assert not SweepMark.objects.filter(ticket=normal).exists()
    # and four hours after the due time (04:30) the coordinator is told about the urgent one only
    run_sweep(local("2026-10-12 04:30"))
    assert ("coordinator", "escalated") in staff_messages(urgent, "escalated")
    assert kinds(normal) == []
    # the normal one's escalation goes out when quiet hours end
    run_sweep(local("2026-10-12 06:59"))
    assert kinds(normal) == []
    run_sweep(local("2026-10-12 07:00"))
    assert ("coordinator", "escalated") in staff_messages(normal, "escalated")
