"""Reminders fall at exact moments on the real calendar (National Day, 调休, weekends)."""

from __future__ import annotations

from hotline.followup.models import SweepMark
from hotline.followup.services import run_sweep
from tests.followup.helpers import kinds, staff_messages
from tests.helpers import act, local


def test_half_time_reminder_counts_working_time_across_national_day(handling):
    # Given a complaint dispatched on 30 Sep 10:00, due in 2 working days: 9 Oct 17:30
    ticket = handling("2026-09-30 10:00")
    assert ticket.due_at == local("2026-10-09 17:30")
    # 21 working hours: 6 on 30 Sep, none 1–7 Oct, 7.5 on 8 Oct, 7.5 on 9 Oct.
    # When the sweep runs a minute before half of them are used, nothing is sent
    report = run_sweep(local("2026-10-08 14:29"))
    assert (report.reminders, kinds(ticket)) == (0, [])
    # Then at half time (10.5 h: 6 + 3.5 in the morning + 1 from 13:30) the handler and head are told
    report = run_sweep(local("2026-10-08 14:30"))
    assert report.reminders == 1
    assert staff_messages(ticket, "due_soon") == [("handler", "due_soon"), ("head", "due_soon")]


def test_time_left_reminder_two_working_hours_before_due(handling):
    ticket = handling("2026-09-30 10:00")
    run_sweep(local("2026-10-08 14:30"))
    # two working hours before 9 Oct 17:30 is 15:30
    assert run_sweep(local("2026-10-09 15:29")).reminders == 0
    assert run_sweep(local("2026-10-09 15:30")).reminders == 1
    points = list(SweepMark.objects.filter(ticket=ticket).values_list("point", "due_at", "sent"))
    assert points == [
        ("used=0.5", local("2026-10-08 14:30"), True),
        ("left=2working_hours", local("2026-10-09 15:30"), True),
    ]


def test_half_time_across_a_weekend(handling):
    # dispatched Friday 20 Nov 16:00: due Tuesday 24 Nov 17:30; 16.5 working hours in all
    ticket = handling("2026-11-20 16:00")
    assert ticket.due_at == local("2026-11-24 17:30")
    assert run_sweep(local("2026-11-23 16:44")).reminders == 0
    # 8.25 h: 1.5 on Friday, 3.5 on Monday morning, 3.25 from 13:30 → Monday 16:45
    assert run_sweep(local("2026-11-23 16:45")).reminders == 1
    assert run_sweep(local("2026-11-24 15:29")).reminders == 0
    assert run_sweep(local("2026-11-24 15:30")).reminders == 1
    assert kinds(ticket) == ["due_soon", "due_soon"]


def test_only_the_latest_reached_point_is_sent_after_a_gap(handling):
    # Given the worker did not run between 8 Oct and 9 Oct 16:00
    ticket = handling("2026-09-30 10:00")
    report = run_sweep(local("2026-10-09 16:00"))
    # Then one reminder (two working hours left) goes out, and the half-time one is passed over
    assert (report.reminders, report.superseded) == (1, 1)
    assert kinds(ticket) == ["due_soon"]
    assert SweepMark.objects.get(ticket=ticket, point="used=0.5").sent is False


def test_an_extension_gives_new_points(handling, users):
    ticket = handling("2026-09-30 10:00")
    run_sweep(local("2026-10-08 14:30"))
    ticket = act(ticket, "request_extension", users["head"], "2026-10-08 15:00", amount=2, reason="需送检")
    ticket = act(ticket, "approve_extension", users["leader"], "2026-10-08 15:10")
    # 2 more working days: 10 Oct (调休 Saturday) and 12 Oct
    assert ticket.due_at == local("2026-10-12 17:30")
    # half of the new 36 working hours (6 on 30 Sep, 7.5 on each of 8, 9, 10, 12 Oct) is 9 Oct 14:30
    assert run_sweep(local("2026-10-09 14:29")).reminders == 0
    assert run_sweep(local("2026-10-09 14:30")).reminders == 1
    assert SweepMark.objects.filter(ticket=ticket, point="used=0.5").count() == 2
