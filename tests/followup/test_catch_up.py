"""A sweep that finds a ticket past several escalation points at once (after a worker
outage, a restore, old data) sends the latest step only and says which it skipped."""

from __future__ import annotations

import pytest

from hotline.followup.models import SweepMark
from hotline.followup.services import run_sweep
from hotline.notify.models import Message
from hotline.policies import registry
from hotline.tickets.models import TicketEvent
from tests.factories import register
from tests.followup.helpers import kinds, staff_messages
from tests.helpers import local
from tests.policies.conftest import mini_pack, write_pack


def test_both_steps_due_at_once_send_the_latest_to_everyone_once(handling):
    # Given a complaint due Friday 9 Oct 17:30 and no sweep until Monday 12 Oct 10:00:
    # step 1 (dept_head, coordinator) fell due at 17:30, step 2 (leader) on Sat 10 Oct 17:30
    ticket = handling("2026-09-30 10:00")
    report = run_sweep(local("2026-10-12 10:00"))
    # Then one escalation goes out, the latest, to the people of both steps
    assert (report.escalations, report.superseded) == (1, 3)  # step 1 and both reminders
    assert kinds(ticket) == ["escalated"]
    assert staff_messages(ticket, "escalated") == [
        ("coordinator", "escalated"),
        ("head", "escalated"),
        ("leader", "escalated"),
    ]
    assert staff_messages(ticket, "overdue") == []
    # and step 1 is recorded as passed over, not sent
    first = SweepMark.objects.get(ticket=ticket, point="after=0hours")
    assert (first.sent, first.messages) == (False, 0)
    assert first.note == "与超期升级第2级同时到达,未单独发送"
    # and the history says which step was skipped
    event = TicketEvent.objects.filter(ticket=ticket, action="escalate").get()
    assert event.comment == "超期升级第2级(同时到达的超期升级第1级未单独发送)"
    assert event.payload["skipped"] == [
        {"point": "after=0hours", "point_at": local("2026-10-09 17:30").isoformat()}
    ]
    assert event.payload["roles"] == ["coordinator", "dept_head", "leader"]
    # and a later sweep has nothing left to send
    again = run_sweep(local("2026-10-12 10:05"))
    assert (again.escalations, again.superseded, again.messages) == (0, 0, 0)
    assert SweepMark.objects.filter(ticket=ticket).count() == 4


def test_the_message_says_how_late_and_what_was_skipped(handling):
    ticket = handling("2026-09-30 10:00")
    run_sweep(local("2026-10-12 10:00"))
    message = Message.objects.get(ticket=ticket, kind="escalated", user__username="leader", channel="inapp")
    # one working day wholly past (Saturday 10 Oct is a 调休 working day), in the title too
    assert message.subject == f"超期上报(已超期1个工作日):{ticket.number} 购买的电饭煲无法加热"
    assert "已超期1个工作日" in message.body
    assert "同时到达的超期升级第1级未单独发送" in message.body
    assert message.created_at == local("2026-10-12 10:00")


def test_steps_reached_one_by_one_are_each_sent(handling):
    # Given a sweep every time a step falls due, nothing is skipped
    ticket = handling("2026-09-30 10:00")
    run_sweep(local("2026-10-09 17:30"))
    run_sweep(local("2026-10-10 17:30"))
    assert kinds(ticket) == ["overdue", "escalated"]
    assert not SweepMark.objects.filter(ticket=ticket, kind="escalation", sent=False).exists()
    assert "skipped" not in TicketEvent.objects.filter(ticket=ticket, action="escalate").latest("seq").payload


@pytest.fixture
def repeating(org, tmp_path, monkeypatch):
    """The ``mini`` pack escalating at the due time, an hour later, then every hour."""
    data = mini_pack()
    data["reminders"] = {
        "escalation": [
            {"after": {"amount": 0, "unit": "hours"}, "notify": ["coordinator"]},
            {"after": {"amount": 1, "unit": "hours"}, "notify": ["leader"]},
        ],
        "repeat_every": {"amount": 1, "unit": "hours"},
        "on_rest_days": True,
    }
    packs = tmp_path / "packs"
    packs.mkdir()
    write_pack(packs, data)
    monkeypatch.setenv(registry.ENV_VAR, str(packs))
    registry.reset()
    yield org
    monkeypatch.delenv(registry.ENV_VAR)
    registry.reset()


def test_levels_and_repeats_found_together_send_only_the_last_repeat(repeating):
    # Given a ticket due Tuesday 13 Oct 17:30 and no sweep until 21:45: the two levels
    # (17:30, 18:30) and three repeats (19:30, 20:30, 21:30) are all past
    ticket = register(repeating.users["agent"], policy="mini", now=local("2026-10-12 09:00"))
    assert ticket.due_at == local("2026-10-13 17:30")
    report = run_sweep(local("2026-10-13 21:45"))
    # Then only the third repeat is sent, and the four before it are skipped
    assert (report.escalations, report.superseded) == (1, 4)
    sent = SweepMark.objects.get(ticket=ticket, sent=True)
    assert (sent.point, sent.roles) == ("repeat=3", ["coordinator", "leader"])
    event = TicketEvent.objects.get(ticket=ticket, action="escalate")
    assert [s["point"] for s in event.payload["skipped"]] == [
        "after=0hours",
        "after=1hours",
        "repeat=1",
        "repeat=2",
    ]
    assert staff_messages(ticket, "escalated") == [("coordinator", "escalated"), ("leader", "escalated")]
    # and the next repeat comes alone, at its time
    assert run_sweep(local("2026-10-13 22:29")).escalations == 0
    report = run_sweep(local("2026-10-13 22:30"))
    assert (report.escalations, report.superseded) == (1, 0)
    assert "skipped" not in TicketEvent.objects.filter(ticket=ticket, action="escalate").latest("seq").payload


def test_a_step_held_back_by_quiet_hours_is_skipped_when_a_later_one_goes_out(users):
    # Given an enterprise complaint whose first step falls due in quiet hours (20:00–08:00)
    ticket = register(users["agent"], policy="enterprise", severity="urgent", now=local("2026-10-09 19:30"))
    assert run_sweep(local("2026-10-09 20:30")).postponed == 1
    # and the worker is down until after the second step (one working day later, Sat 10 Oct 17:30)
    report = run_sweep(local("2026-10-10 18:00"))
    # Then the second step is sent, and the held-back first one is recorded as skipped
    assert (report.escalations, report.postponed) == (1, 0)
    assert kinds(ticket) == ["escalated"]
    assert SweepMark.objects.get(ticket=ticket, point="after=0hours").sent is False
