"""A text from the complainant number of an open ticket is correspondence on it."""

from __future__ import annotations

from hotline.demo.journey import advance
from hotline.notify.delivery import deliver_due
from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket, TicketEvent
from tests.factories import PersonFactory, register
from tests.helpers import act
from tests.smsin.conftest import PHONE, ok, post, sms


def test_a_text_from_an_open_tickets_number_is_correspondence_on_the_latest(provider, users):
    older = register(users["agent"], complainant=PersonFactory(phone=PHONE))
    latest = register(users["agent"], complainant=PersonFactory(phone="139 1234 5678"))
    version = latest.version

    ok(post(provider, [sms("补充:商家今天下午又把污水排到了路边。")]))

    assert Ticket.objects.count() == 2  # no new ticket
    event = latest.events.get(action="correspondence")
    assert (event.actor, event.actor_label) == (None, "短信")
    assert event.comment == "补充:商家今天下午又把污水排到了路边。"
    row = InboundSms.objects.get()
    assert event.payload == {"direction": "in", "channel": "sms", "sms": row.pk}
    assert (row.outcome, row.ticket, row.event) == (Outcome.CORRESPONDENCE, latest, event)
    assert not older.events.filter(action="correspondence").exists()
    latest.refresh_from_db()
    assert latest.version == version  # a letter changes nothing a screen's form holds


def test_a_closed_ticket_takes_no_correspondence_a_new_ticket_is_made(provider, users):
    closed = register(
        users["agent"],
        type="consultation",
        complainant=PersonFactory(phone=PHONE),
        close_on_the_spot={"result": "已当场答复"},
    )
    assert closed.status == "closed"

    ok(post(provider, [sms("上次咨询的事情还有一个问题想问")]))

    assert not closed.events.filter(action="correspondence").exists()
    new = Ticket.objects.exclude(pk=closed.pk).get()
    assert (new.channel, InboundSms.objects.get().outcome) == ("sms", Outcome.TICKET)


def test_a_suspended_ticket_waiting_for_the_complainant_takes_it(provider, users):
    # market-12315 suspends while handling (waiting for a test, or for the complainant)
    ticket = register(users["agent"], policy="market-12315", complainant=PersonFactory(phone=PHONE))
    advance(
        ticket,
        [users[u] for u in ("agent", "coordinator", "leader", "head", "handler")],
        steps=4,
        handler="handler",
        unit="JZ-DH-SJ",
        prefer=["accept", "dispatch", "sign", "assign"],
    )
    ticket = act(Ticket.objects.get(pk=ticket.pk), "suspend", users["handler"], reason="等待诉求人补充材料")
    assert ticket.status == "suspended"

    ok(post(provider, [sms("材料已发到邮箱,请查收")]))

    assert ticket.events.filter(action="correspondence", comment="材料已发到邮箱,请查收").exists()


def test_a_confidential_report_is_not_found_by_the_number_alone(provider, users):
    # Given a confidential report filed by this number, never texted by us (no SMS sent)
    report = register(users["agent"], type="report", complainant=PersonFactory(phone=PHONE))
    assert report.confidential

    ok(post(provider, [sms("我还知道他们晚上偷偷生产")]))

    # Then no identity search reached it: the text became a ticket of its own
    assert not report.events.filter(action="correspondence").exists()
    assert InboundSms.objects.get().outcome == Outcome.TICKET
    assert Ticket.objects.exclude(pk=report.pk).get().channel == "sms"


def test_a_confidential_report_we_texted_takes_the_reply(provider, users, gateway):
    # Given a confidential report whose receipt we sent to this number by SMS
    report = register(users["agent"], type="report", complainant=PersonFactory(phone=PHONE))
    deliver_due()
    assert report.messages.filter(kind="receipt", channel="sms", status="sent").exists()

    ok(post(provider, [sms("我还知道他们晚上偷偷生产")]))

    assert report.events.filter(action="correspondence").count() == 1
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(action="register").count() == 1
