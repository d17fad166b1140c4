"""A complainant's letter (mail in, SMS in: a ``correspondence`` event) tells whoever has
the ticket in hand: its handler; else the department it waits at; else the centre's
coordinators. Written in the event's transaction; our own outgoing letters tell nobody."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record
from tests.factories import register
from tests.helpers import act


def write_in(ticket: Ticket, *, direction: str = "in", channel: str = "email") -> None:
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
        ticket_record(
            locked=locked,
            kind=EventKind.CORRESPONDENCE,
            actor=None,
            actor_label="电子邮件",
            comment="我还有一张发票",
            payload={
                "direction": direction,
                "channel": channel,
                "subject": "补充材料",
                "files": ["发票.jpg"],
            },
            now=timezone.now(),
        )


def told(ticket: Ticket) -> list[str]:
    rows = Message.objects.filter(ticket=ticket, kind="correspondence", channel="inapp")
    return sorted(rows.values_list("user__username", flat=True))


def test_at_the_centre_the_coordinators_are_told(users):
    ticket = register(users["agent"], policy="enterprise")
    write_in(ticket)
    assert told(ticket) == ["coordinator"]
    message = Message.objects.get(ticket=ticket, kind="correspondence", user=users["coordinator"])
    assert ticket.number in message.subject
    assert "电子邮件“补充材料”,附件 1 个" in message.body
    assert "我还有一张发票" not in message.body  # the letter is read on the ticket, not copied out


def test_at_a_department_its_head_then_the_handler_once_assigned(users):
    ticket = register(users["agent"], policy="enterprise")
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    write_in(ticket, channel="sms")
    assert told(ticket) == ["head"]
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    write_in(ticket)
    assert told(ticket) == ["handler", "head"]


def test_our_own_outgoing_letter_tells_nobody(users):
    ticket = register(users["agent"], policy="enterprise")
    write_in(ticket, direction="out")
    assert told(ticket) == []
