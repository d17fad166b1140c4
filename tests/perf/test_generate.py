"""``hotline generate``: volume data that looks like what the services would have written.

Runs on SQLite and on PostgreSQL (there through ``COPY``).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from hotline.org.models import Membership, Role
from hotline.policies.registry import get_pack
from hotline.tickets.models import DailySequence, Status, Ticket, TicketEvent
from hotline.tickets.numbering import next_ticket_number
from hotline.workflow.state import refresh_dues

N = 200
pytestmark = pytest.mark.usefixtures("fresh_numbers")


def _generate(count: int, seed: int) -> str:
    out = io.StringIO()
    call_command("generate", tickets=count, seed=seed, batch=70, stdout=out)
    return out.getvalue()


@pytest.fixture
def generated(org):
    _generate(N, seed=1)
    return list(Ticket.objects.select_related("unit", "category"))


def test_creates_n_tickets_with_unique_numbers(generated):
    numbers = [t.number for t in generated]
    assert len(numbers) == N
    assert len(set(numbers)) == N
    assert all(len(n) == 14 and n.isdigit() for n in numbers)
    for number, ticket in zip(numbers, generated, strict=True):
        assert number[:8] == f"{timezone.localtime(ticket.registered_at):%Y%m%d}"


def test_stages_come_from_the_pack_and_status_follows_them(generated):
    for t in generated:
        stage = get_pack(t.policy).type(t.type).stage(t.stage)
        assert (t.status == Status.CLOSED) == stage.final, t.number
        assert (t.closed_at is not None) == stage.final
        assert (t.due_at is None) == (stage.final or (not t.stage_clock and not t.final_clock))


def test_open_tickets_have_the_due_times_the_workflow_computes(generated):
    for t in generated:
        before = (t.due_at, t.final_due_at, t.deadline_provisional)
        refresh_dues(t)
        assert (t.due_at, t.final_due_at, t.deadline_provisional) == before, t.number


def test_every_ticket_has_its_history_from_register_to_close(generated):
    first = {e.ticket_id: e for e in TicketEvent.objects.filter(seq=1)}
    last = _last_events()
    for t in generated:
        assert first[t.pk].action == "register"
        assert t.version == TicketEvent.objects.filter(ticket=t).count()
        if t.status == Status.CLOSED:
            assert last[t.pk].to_status == Status.CLOSED
            assert last[t.pk].action in {"close", "reject"}


def test_handlers_belong_to_the_unit_holding_the_ticket(generated):
    handled = [t for t in generated if t.handler_id is not None]
    assert handled
    for t in handled:
        assert Membership.objects.filter(user_id=t.handler_id, unit=t.unit, role=Role.HANDLER).exists()


def test_some_callers_call_more_than_once(org):
    _generate(400, seed=2)
    phones = Ticket.objects.exclude(complainant_phone="").values_list("complainant_phone", flat=True)
    per_phone = Counter(phones)
    assert max(per_phone.values()) >= 3


def test_a_second_run_adds_tickets_and_later_registrations_do_not_collide(org):
    _generate(60, seed=3)
    _generate(60, seed=3)  # the same seed again: same content, new numbers
    assert Ticket.objects.count() == 120
    assert Ticket.objects.values("number").distinct().count() == 120
    for row in DailySequence.objects.all():
        used = Ticket.objects.filter(number__startswith=f"{row.day:%Y%m%d}").count()
        assert row.last >= used
    today = timezone.localdate()
    assert not Ticket.objects.filter(number=next_ticket_number(today)).exists()


def test_the_per_day_sequence_is_bumped_to_the_highest_number_used(org):
    _generate(80, seed=4)
    highest: dict[date, int] = {}
    for number in Ticket.objects.values_list("number", flat=True):
        day = date(int(number[:4]), int(number[4:6]), int(number[6:8]))
        highest[day] = max(highest.get(day, 0), int(number[8:]))
    stored = dict(DailySequence.objects.values_list("day", "last"))
    assert stored == highest


def _last_events() -> dict[int, TicketEvent]:
    top = dict(TicketEvent.objects.values("ticket_id").annotate(m=Max("seq")).values_list("ticket_id", "m"))
    return {e.ticket_id: e for e in TicketEvent.objects.all() if top[e.ticket_id] == e.seq}


def test_every_generated_open_ticket_is_on_the_sweeps_schedule(org):
    from hotline.followup.models import SweepSchedule
    from hotline.followup.services import run_sweep

    # a week of arrivals: some tickets are still open whatever the hour of the run
    call_command("generate", tickets=120, seed=5, batch=50, years=0.02, stdout=io.StringIO())
    open_ids = set(Ticket.objects.exclude(status=Status.CLOSED).values_list("pk", flat=True))
    assert open_ids
    assert set(SweepSchedule.objects.values_list("ticket_id", flat=True)) == open_ids
    assert run_sweep().tickets == len(open_ids)
