"""The demo's data looks like a centre that keeps up with its work at the moment it is made:
most tickets closed; of the open ones most in time, some due soon, a few overdue; an inbox
that holds the last day's messages, not forty days of them."""

from __future__ import annotations

from collections import Counter

from django.core.management import call_command

from hotline.demo.seed import seed_org
from hotline.demo.tickets import clock_state, seed_tickets
from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from hotline.notify.selectors import unread_count
from hotline.tickets.models import Status, Ticket
from tests.helpers import local

NOW = local("2026-10-14 10:00")  # a Wednesday, a week after National Day


def test_the_demo_looks_like_a_centre_that_keeps_up(db):
    """One demo of 80 tickets (seeding takes ~25 s), read three ways: the clocks of the open
    tickets, the inbox, and what the first sweep does with it (last: it writes)."""
    demo = seed_org(password="pw-demo-123")
    seed_tickets(demo, count=80, now=NOW)

    # most tickets are done; the open ones are mostly in time, few overdue
    tickets = list(Ticket.objects.all())
    assert len(tickets) == 80
    open_ = [t for t in tickets if t.status == Status.OPEN]
    states = Counter(clock_state(t, NOW) for t in open_)
    assert 8 <= len(open_) <= 40, states
    assert states["in_time"] > len(open_) / 2, states
    assert states["overdue"] <= max(3, len(open_) // 6), states
    # nothing happened after "now"
    assert all(t.registered_at <= NOW for t in tickets)
    assert not Ticket.objects.filter(events__created_at__gt=NOW).exists()

    # the inbox holds the last day's messages, dated when what they tell happened
    unread = Message.objects.filter(channel="inapp", read_at__isnull=True)
    assert unread.exists()
    assert not unread.filter(created_at__lt=local("2026-10-13 10:00")).exists()
    assert Message.objects.filter(channel="inapp", created_at__lt=local("2026-09-20 00:00")).exists()
    for user in demo.users.values():
        assert unread_count(user) < 40, user.username

    # the first sweep escalates only the few overdue
    overdue = [t for t in open_ if clock_state(t, NOW) == "overdue"]
    report = run_sweep(NOW)
    assert report.errors == []
    assert report.escalations <= len(overdue)
    for user in demo.users.values():
        assert unread_count(user) < 60, user.username


def test_the_demo_command_prepares_data_and_says_where_to_log_in(db, capsys):
    call_command("demo", "--no-serve", "--tickets", "6")
    out = capsys.readouterr().out
    assert "工单数:6" in out and "agent" in out
    assert Ticket.objects.count() == 6
