from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.drafts import Person
from hotline.workflow.registration import ticket_register
from tests.factories import DraftFactory, register


def test_register_gives_a_readable_daily_number_and_a_query_code(users):
    first = register(users["agent"])
    second = register(users["agent"])
    today = timezone.localdate().strftime("%Y%m%d")
    assert re.fullmatch(today + r"\d{6}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert re.fullmatch(r"\d{6}", first.query_code)


def test_register_records_first_contact_owner_and_history(users, org):
    ticket = register(users["agent"])
    assert ticket.registered_by == users["agent"]
    assert ticket.owner_unit == org.units["JZ-C"]
    assert ticket.unit == org.units["JZ-C"]
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.seq, event.action, event.actor, event.to_stage) == (
        1,
        "register",
        users["agent"],
        ticket.stage,
    )


def test_register_puts_ticket_in_the_packs_initial_stage_with_a_deadline(users):
    ticket = register(users["agent"], policy="enterprise")
    assert ticket.policy == "enterprise"
    assert ticket.status == "open"
    assert ticket.stage  # the pack's initial stage
    assert ticket.version == 1


def test_reports_are_confidential_by_default(users):
    assert register(users["agent"], type="report").confidential is True
    assert register(users["agent"], type="complaint").confidential is False
    assert register(users["agent"], type="complaint", confidential=True).confidential is True


def test_a_letter_can_be_registered_later_with_the_day_it_arrived(users):
    arrived = timezone.now() - timedelta(days=3)
    ticket = register(users["agent"], channel="letter", received_at=arrived)
    assert ticket.received_at == arrived
    assert ticket.registered_at > arrived


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"type": "gossip"}, "invalid_type"),
        ({"channel": "pigeon"}, "invalid_channel"),
        ({"subject": "  "}, "subject_required"),
        ({"description": ""}, "description_required"),
        ({"category": "no-such"}, "invalid_category"),
        ({"received_at": timezone.now() + timedelta(days=1)}, "received_in_future"),
        ({"policy": "no-such-pack"}, None),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(users, overrides, code):
    with pytest.raises(InvalidInput) as err:
        register(users["agent"], **overrides)
    if code:
        assert err.value.code == code
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_public_submission_goes_to_the_hotline_centre_without_an_actor(org):
    ticket = ticket_register(
        draft=DraftFactory(channel="web", complainant=Person(anonymous=True)), actor=None, actor_label="公众"
    )
    assert ticket.registered_by is None
    assert ticket.owner_unit == org.units["JZ-C"]
    assert ticket.events.get().actor_label == "公众"


def test_a_user_without_an_intake_role_cannot_register(users):
    with pytest.raises(Forbidden):
        register(users["handler"])


def test_a_repeat_complaint_links_to_the_earlier_ticket(users):
    earlier = register(users["agent"])
    repeat = register(users["agent"], links=[("repeat_of", earlier.number)])
    link = repeat.links.get()
    assert (link.kind, link.target) == ("repeat_of", earlier)
