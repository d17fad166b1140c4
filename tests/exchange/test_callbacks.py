"""Our acceptance, progress and result go back to the partner: outbox rows written with each
event, delivered to a real HTTP server that checks our signature, retried after a 500 or a
timeout, given up after the last try and shown as such, re-queued from the admin."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.exchange.models import PARTNER_CHANNEL, Callback, PartnerTicket
from hotline.exchange.services import Push, push_receive
from hotline.notify.delivery import deliver_due
from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from tests.exchange.conftest import push_body
from tests.factories import register
from tests.helpers import act


def later(hours: float = 2) -> timezone.datetime:
    """A moment past any retry's backoff (the worker's clock, moved on)."""
    return timezone.now() + timedelta(hours=hours)


@pytest.fixture
def ticket(partner) -> Ticket:
    matter = {k: v for k, v in push_body().items() if k not in ("ticket_id", "number")}
    received = push_receive(
        partner=partner, push=Push(ticket_id="SD-9", number="鲁烟投〔2026〕9号", matter=matter)
    )
    return received.link.ticket


def callbacks(ticket: Ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, channel=PARTNER_CHANNEL).order_by("pk"))


def test_acceptance_is_written_with_its_event_and_arrives_signed(ticket, users, partner_server):
    act(ticket, "accept", users["coordinator"])
    (row,) = callbacks(ticket)
    assert (row.kind, row.status, row.address) == ("exchange.accepted", "pending", "prov")
    report = deliver_due()
    assert row.pk in report.sent
    (got,) = partner_server.accepted
    assert partner_server.rejected == 0  # the partner's own check of our signature passed
    assert got.headers["x-hotline-event"] == "accepted"
    assert got.headers["x-hotline-partner"] == "prov"
    assert got.headers["x-hotline-delivery"] == got.body["delivery"] == row.batch_key
    body = got.body
    assert (body["event"], body["group"], body["ticket_id"], body["partner_number"]) == (
        "accepted",
        "acceptance",
        "SD-9",
        "鲁烟投〔2026〕9号",
    )
    assert (body["number"], body["stage"], body["seq"]) == (ticket.number, "accepted", 2)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 1, "HTTP 200")


def test_a_change_that_rolls_back_leaves_no_callback(ticket, users):
    with pytest.raises(RuntimeError), transaction.atomic():
        act(ticket, "accept", users["coordinator"])
        assert len(callbacks(ticket)) == 1  # written inside the event's transaction
        raise RuntimeError("the request failed after the transition")
    assert callbacks(ticket) == []


def test_the_whole_way_back_in_order_and_answered_once(ticket, users, partner_server):
    ticket = act(ticket, "accept", users["coordinator"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"])  # internal: nothing goes back
    ticket = act(ticket, "assign", users["head"], handler="handler")  # internal
    assert PartnerTicket.objects.get(ticket=ticket).answered_at is None
    ticket = act(ticket, "reply", users["handler"], result="已核实并调整该户货源,向其说明分配依据")
    answered = PartnerTicket.objects.get(ticket=ticket).answered_at
    assert answered is not None
    ticket = act(ticket, "return_visit", users["coordinator"], satisfaction="satisfied")
    if ticket.status != "closed":
        ticket = act(ticket, "close", users["leader"])
    deliver_due()
    events = partner_server.events()
    assert events[:4] == ["accepted", "dispatched", "replied", "visited"]
    assert events[-1] == "closed"
    bodies = [r.body for r in partner_server.accepted]
    assert [b["seq"] for b in bodies] == sorted(b["seq"] for b in bodies)
    dispatched, replied = bodies[1], bodies[2]
    assert dispatched["unit"] == {"code": "JZ-DH-SJ", "name": "东湖区市场监督管理局"}
    assert replied["result"] == "已核实并调整该户货源,向其说明分配依据"
    assert bodies[-1]["status"] == "closed" and bodies[-1]["satisfaction"] == "satisfied"
    assert PartnerTicket.objects.get(ticket=ticket).answered_at == answered  # the first answer stays


def test_an_internal_note_stays_ours(ticket, users, partner_server):
    ticket = act(ticket, "accept", users["coordinator"])
    act(ticket, "dispatch", users["coordinator"], unit="JZ-DH-SJ", comment="内部:该户曾多次投诉,注意核实")
    deliver_due()
    dispatched = partner_server.accepted[1].body
    assert dispatched["event"] == "dispatched" and dispatched["comment"] == ""
    assert "内部" not in partner_server.accepted[1].raw.decode()


def test_rejection_goes_back_with_its_reason(ticket, users, partner_server):
    act(ticket, "reject", users["coordinator"], reason="outside_area")
    deliver_due()
    (got,) = partner_server.accepted
    assert (got.body["event"], got.body["reason"]) == ("rejected", "不属于本辖区,已告知有权处理的单位")
    assert PartnerTicket.objects.get(ticket=ticket).answered_at is not None


def test_a_500_is_retried_and_then_delivered_once(ticket, users, partner_server):
    partner_server.fail_next = 1
    act(ticket, "accept", users["coordinator"])
    (row,) = callbacks(ticket)
    first = deliver_due()
    row.refresh_from_db()
    assert row.pk in first.retrying
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "HTTP 500" in row.last_error
    assert row.next_attempt_at > timezone.now()  # backoff: not again at once
    assert deliver_due().sent == []  # not yet due
    second = deliver_due(now=later())
    row.refresh_from_db()
    assert row.pk in second.sent
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert partner_server.requests == 2 and partner_server.events() == ["accepted"]


def test_a_timeout_is_retried(ticket, users, partner_server, settings):
    settings.HOTLINE_EXCHANGE_TIMEOUT_SECONDS = 0.3
    partner_server.delay = 1.5
    act(ticket, "accept", users["coordinator"])
    (row,) = callbacks(ticket)
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "timed out" in row.last_error
    partner_server.delay = 0
    deliver_due(now=later())
    row.refresh_from_db()
    assert row.status == "sent"
    # the partner may have taken the slow try too: the same delivery key, recorded once
    assert partner_server.events() == ["accepted"]


def test_given_up_after_the_last_try_and_shown_in_the_admin_then_requeued(
    ticket, users, partner_server, settings
):
    settings.HOTLINE_NOTIFY_MAX_ATTEMPTS = 3
    partner_server.status = 503
    act(ticket, "accept", users["coordinator"])
    (row,) = callbacks(ticket)
    for hours in (2, 4, 6):
        deliver_due(now=later(hours))
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("dead", 3)
    assert "HTTP 503" in row.last_error
    assert deliver_due(now=later(8)).sent == []  # dead: no fourth try
    assert partner_server.requests == 3

    admin = Client()
    admin.force_login(users["admin"])
    listing = admin.get(reverse("admin:exchange_callback_changelist")).content.decode()
    assert "发送失败,已放弃" in listing and "HTTP 503" in listing
    partners = admin.get(reverse("admin:exchange_partner_changelist")).content.decode()
    assert '<td class="field-dead_callbacks">1</td>' in partners
    staff = Client()
    staff.force_login(users["coordinator"])
    page = staff.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="upper-level-callback" data-status="dead"' in page

    partner_server.status = None
    answer = admin.post(
        reverse("admin:exchange_callback_changelist"), {"action": "requeue", "_selected_action": [row.pk]}
    )
    assert answer.status_code == 302
    deliver_due()
    row.refresh_from_db()
    assert row.status == "sent" and partner_server.events() == ["accepted"]


def test_a_4xx_refusal_is_not_retried(ticket, users, partner_server):
    partner_server.status = 400
    act(ticket, "accept", users["coordinator"])
    deliver_due()
    (row,) = callbacks(ticket)
    assert (row.status, row.attempts) == ("dead", 1)
    assert "HTTP 400" in row.last_error


def test_our_wrong_key_is_refused_by_the_partner_and_not_retried(ticket, users, partner, partner_server):
    partner.outbound_key = "a-key-the-partner-does-not-have-00000"
    partner.save()
    act(ticket, "accept", users["coordinator"])
    deliver_due()
    (row,) = callbacks(ticket)
    assert row.status == "dead" and "HTTP 401" in row.last_error
    assert partner_server.rejected == 1 and partner_server.accepted == []


def test_a_disabled_partner_gets_nothing_and_the_row_says_why(ticket, users, partner, partner_server):
    partner.enabled = False
    partner.save()
    act(ticket, "accept", users["coordinator"])
    deliver_due()
    (row,) = callbacks(ticket)
    assert row.status == "dead" and "停用" in row.last_error
    assert partner_server.requests == 0


def test_tickets_not_from_a_partner_send_nothing(users, partner):
    other = register(users["agent"], channel="transfer", source="typed-in-by-hand")
    act(other, "accept", users["coordinator"])
    assert callbacks(other) == []


def test_a_callback_body_is_json_with_the_documented_keys(ticket, users):
    act(ticket, "accept", users["coordinator"])
    (row,) = callbacks(ticket)
    body = json.loads(row.body)
    assert set(body) == {
        "delivery", "event", "group", "partner", "ticket_id", "partner_number", "number", "seq", "at",
        "status", "stage", "stage_label", "due_at", "comment",
    }  # fmt: skip
    assert body["delivery"] == row.batch_key == f"exchange/{row.ticket.events.last().pk}/accepted"
    assert Callback.objects.filter(pk=row.pk).exists()
