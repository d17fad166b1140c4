"""Messages are written with the event that causes them, once, to the right people."""

from __future__ import annotations

import pytest
from django.db import transaction

from hotline.core.errors import InvalidInput
from hotline.notify.events import EVENT_NOTIFICATIONS
from hotline.notify.models import Message
from hotline.notify.selectors import inbox, messages_for_ticket, unread_count
from hotline.notify.services import mark_read, notify_complainant, notify_staff
from hotline.tickets.models import TicketEvent
from hotline.workflow.services import ticket_transition
from tests.factories import PersonFactory, register
from tests.helpers import act


def _dispatched(users):
    ticket = register(users["agent"], policy="enterprise", complainant=PersonFactory(phone="13800001111"))
    ticket = act(ticket, "accept", users["coordinator"])
    return act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")


def test_registration_writes_the_receipt_by_sms_and_email(users):
    ticket = register(users["agent"], complainant=PersonFactory(phone="13800001111", email="a@example.com"))
    rows = list(Message.objects.filter(ticket=ticket, kind="receipt").order_by("channel"))
    assert [(r.channel, r.address, r.status) for r in rows] == [
        ("email", "a@example.com", "pending"),
        ("sms", "+8613800001111", "pending"),  # stored normalised; the gateway gets 11 digits
    ]
    sms = rows[1]
    assert ticket.number in sms.body and ticket.query_code in sms.body
    assert sms.params["query_code"] == ticket.query_code
    assert sms.idempotency_key.startswith("event/")


def test_anonymous_complainant_without_contact_gets_a_visible_skipped_row(users):
    ticket = register(users["agent"], complainant=PersonFactory(phone="", email="", name="", anonymous=True))
    (row,) = Message.objects.filter(ticket=ticket)
    assert (row.kind, row.channel, row.status) == ("receipt", "none", "skipped")
    assert row.last_error == "诉求人未留联系方式"
    assert list(messages_for_ticket(ticket)) == [row]


def test_rejected_transition_writes_no_message(users):
    ticket = _dispatched(users)
    before = Message.objects.count()
    with pytest.raises(InvalidInput):
        ticket_transition(ticket=ticket, action="return", actor=users["head"], params={})  # no reason
    assert Message.objects.count() == before


def test_rolled_back_transaction_takes_its_messages_with_it(users):
    ticket = register(users["agent"], policy="enterprise")
    act(ticket, "accept", users["coordinator"])
    before = Message.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
        assert Message.objects.filter(ticket=ticket, kind="dispatched").exists()
        raise Boom
    assert Message.objects.count() == before
    assert not TicketEvent.objects.filter(ticket=ticket, action="dispatch").exists()


def test_dispatch_tells_the_units_head_in_app(users):
    ticket = _dispatched(users)
    rows = Message.objects.filter(ticket=ticket, kind="dispatched")
    assert {(r.user.username, r.channel, r.status) for r in rows} == {("head", "inapp", "sent")}
    assert unread_count(users["head"]) == 1
    assert unread_count(users["head2"]) == 0


def test_staff_with_email_also_get_an_email(users):
    users["head"].email = "head@example.com"
    users["head"].save()
    ticket = _dispatched(users)
    channels = set(Message.objects.filter(ticket=ticket, kind="dispatched").values_list("channel", "address"))
    assert channels == {("inapp", ""), ("email", "head@example.com")}


def test_staff_messages_never_carry_a_confidential_reporters_identity(users):
    person = PersonFactory(name="钱多多", phone="13912345678", email="qian@example.com")
    ticket = register(users["agent"], policy="enterprise", type="report", complainant=person)
    assert ticket.confidential
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "instruct", users["leader"], instruction="请严查")
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    staff = Message.objects.filter(ticket=ticket, user__isnull=False)
    assert set(staff.values_list("kind", flat=True)) == {"instructed", "dispatched"}
    for m in staff:
        for secret in ("钱多多", "13912345678", "qian@example.com", "5678"):
            assert secret not in m.subject + m.body


def test_return_tells_coordinators(users):
    ticket = _dispatched(users)
    act(ticket, "return", users["head"], reason="不属于本单位")
    rows = Message.objects.filter(ticket=ticket, kind="returned", channel="inapp")
    assert {r.user.username for r in rows} == {"coordinator"}
    assert "不属于本单位" in rows[0].body


def test_extension_request_asks_whoever_the_pack_lets_approve(users):
    ticket = _dispatched(users)
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    assert Message.objects.filter(ticket=ticket, kind="dispatched", user=users["handler"]).exists()
    act(ticket, "request_extension", users["head"], amount=2, reason="需送检")
    approvers = {m.user.username for m in Message.objects.filter(ticket=ticket, kind="approval_needed")}
    assert approvers == {"leader"}


def test_reply_sends_the_result_to_the_complainant(users):
    ticket = _dispatched(users)
    ticket = act(ticket, "sign", users["head"])
    ticket = act(ticket, "assign", users["head"], handler="handler")
    ticket = act(ticket, "reply", users["handler"], result="已责令商家退款")
    (sms,) = Message.objects.filter(ticket=ticket, kind="result", channel="sms")
    assert "已责令商家退款" in sms.body


def test_reject_tells_the_reason(users):
    ticket = register(users["agent"], policy="enterprise")
    act(ticket, "reject", users["coordinator"], reason="outside_mandate")
    (email,) = Message.objects.filter(ticket=ticket, kind="rejected", channel="email")
    from hotline.policies.registry import get_pack

    assert get_pack("enterprise").reject_reasons["outside_mandate"] in email.body


def test_same_key_twice_writes_nothing_the_second_time(users):
    ticket = register(users["agent"])
    first = notify_complainant(ticket=ticket, kind="survey_link", key="visit/1/link")
    second = notify_complainant(ticket=ticket, kind="survey_link", key="visit/1/link")
    assert (first, second) == (2, 0)
    n1 = notify_staff(ticket=ticket, kind="due_soon", roles=["coordinator"], key="remind/1")
    n2 = notify_staff(
        ticket=ticket, kind="due_soon", roles=["coordinator"], users=[users["head"]], key="remind/1"
    )
    assert (n1, n2) == (1, 0)


def test_unknown_kind_is_an_error(users):
    ticket = register(users["agent"])
    with pytest.raises(InvalidInput):
        notify_staff(ticket=ticket, kind="receipt", users=[users["head"]], key="x")


def test_inbox_and_mark_read_touch_only_ones_own_messages(users):
    ticket = register(users["agent"])
    notify_staff(ticket=ticket, kind="overdue", users=[users["head"], users["handler"]], key="k")
    mine = list(inbox(users["head"]))
    other = list(inbox(users["handler"]))
    assert len(mine) == 1 and len(other) == 1
    assert mark_read(users["head"], [mine[0].pk, other[0].pk]) == 1
    assert unread_count(users["head"]) == 0 and unread_count(users["handler"]) == 1


def test_the_mapping_table_names_only_known_kinds():
    from hotline.notify.templating import KIND_LABELS
    from hotline.workflow.kinds import EventKind

    for action, notices in EVENT_NOTIFICATIONS.items():
        assert action in set(EventKind)  # pack actions, register, and the core's own kinds (batch_reply …)
        assert all(n.kind in KIND_LABELS for n in notices)
