"""A text from a number with no open ticket becomes a ticket that waits at intake."""

from __future__ import annotations

from hotline.callers.services import blocklist_decide, blocklist_request
from hotline.notify.models import Message
from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket
from tests.smsin.conftest import PHONE, STORED, ok, post, sms

TEXT = "东湖路老王川菜馆后厨污水直排下水道,气味很大。请尽快派人查处,谢谢!"


def test_a_text_from_a_new_number_registers_a_ticket_at_intake(provider, org):
    item = sms(TEXT, sequence_id=1234567890)
    ok(post(provider, [item]))

    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.type, ticket.stage, ticket.status) == (
        "sms",
        "complaint",
        "registered",
        "open",
    )
    assert ticket.subject == "东湖路老王川菜馆后厨污水直排下水道,气味很大"
    assert ticket.description == TEXT
    assert ticket.complainant_phone == STORED
    assert ticket.registered_by is None and ticket.owner_unit.code == "JZ-C"
    assert ticket.source.startswith("aliyun:1234567890:")
    register = ticket.events.get(action="register")
    assert register.actor_label == "短信"
    row = InboundSms.objects.get()
    assert (row.outcome, row.ticket, row.phone, row.phone_raw) == (Outcome.TICKET, ticket, STORED, PHONE)
    assert (row.sequence_id, row.sign_name, row.dest_code) == ("1234567890", "江州12345", "1234")
    # the complainant is told the number and query code by SMS, as from every door
    receipt = Message.objects.get(ticket=ticket, kind="receipt", channel="sms")
    assert receipt.address == STORED and ticket.number in receipt.body


def test_the_same_push_retried_makes_nothing_twice(provider, org):
    items = [sms(TEXT), sms("小区门口路灯坏了一个月了", phone="13800138000")]
    ok(post(provider, items))
    ok(post(provider, items))  # Aliyun pushes again when it did not hear 200 in time
    ok(post(provider, list(reversed(items))))

    assert Ticket.objects.count() == 2
    assert InboundSms.objects.count() == 2
    assert Message.objects.filter(kind="receipt", channel="sms").count() == 2


def test_a_sequence_id_reused_for_another_text_is_another_message(provider, org):
    ok(post(provider, [sms(TEXT, sequence_id="77")]))
    ok(post(provider, [sms("另一件事:公交站牌被撞倒", sequence_id="77", phone="13800138000")]))
    assert Ticket.objects.count() == 2
    assert len(set(Ticket.objects.values_list("source", flat=True))) == 2


def test_a_long_first_sentence_is_cut_for_the_subject(provider, org):
    text = "我要投诉" + "某某" * 30 + "。后面还有"
    ok(post(provider, [sms(text)]))
    ticket = Ticket.objects.get()
    assert ticket.subject == ("我要投诉" + "某某" * 13) + "…"
    assert len(ticket.subject) == 31 and ticket.description == text


def test_the_type_and_unit_come_from_the_settings(provider, org, settings):
    settings.HOTLINE_SMS_INBOUND_TYPE = "consultation"
    settings.HOTLINE_SMS_INBOUND_UNIT = "JZ-DH"
    ok(post(provider, [sms("请问办理营业执照需要哪些材料?")]))
    ticket = Ticket.objects.get()
    assert (ticket.type, ticket.owner_unit.code) == ("consultation", "JZ-DH")


def test_a_blocked_number_is_refused_with_the_reason_and_makes_no_ticket(provider, org, users):
    entry = blocklist_request(phone=PHONE, reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    ok(post(provider, [sms(TEXT)]))

    assert not Ticket.objects.exists()
    row = InboundSms.objects.get()
    assert row.outcome == Outcome.REJECTED and row.reason.startswith("无法登记:")
    assert row.ticket is None


def test_a_number_that_is_no_mainland_phone_is_refused(provider, org):
    ok(post(provider, [sms(TEXT, phone="12345"), sms(TEXT, phone="+85291234567")]))
    assert not Ticket.objects.exists()
    rows = InboundSms.objects.order_by("pk")
    assert [r.outcome for r in rows] == [Outcome.REJECTED, Outcome.REJECTED]
    assert all(r.reason.startswith("号码无效:") and r.phone == "" for r in rows)
    assert [r.phone_raw for r in rows] == ["12345", "+85291234567"]


def test_a_blank_text_is_recorded_not_registered(provider, org):
    ok(post(provider, [sms("  \n ")]))
    assert not Ticket.objects.exists()
    assert InboundSms.objects.get().outcome == Outcome.IGNORED


def test_a_unit_that_does_not_exist_is_refused_with_the_reason_not_a_500(provider, org, settings):
    settings.HOTLINE_SMS_INBOUND_UNIT = "NO-SUCH-UNIT"
    ok(post(provider, [sms(TEXT)]))
    assert not Ticket.objects.exists()
    row = InboundSms.objects.get()
    assert row.outcome == Outcome.REJECTED and "NO-SUCH-UNIT" in row.reason
