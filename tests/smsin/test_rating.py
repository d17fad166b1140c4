"""A satisfaction digit in reply to a survey SMS records the return visit's rating."""

from __future__ import annotations

import pytest

from hotline.followup.models import ReturnVisit, VisitStatus
from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket
from hotline.workflow.services import ticket_transition
from tests.smsin.conftest import ok, post, sms

WORDS = {"very_satisfied": "非常满意", "satisfied": "满意", "neutral": "一般", "dissatisfied": "不满意"}


@pytest.mark.parametrize(
    ("reply", "satisfaction"),
    [
        ("1", "very_satisfied"),
        ("2", "satisfied"),
        (" 3。", "neutral"),
        ("４", "dissatisfied"),  # full-width, as many phones type it
        ("非常满意", "very_satisfied"),
        ("不满意!", "dissatisfied"),
    ],
)
def test_a_digit_reply_to_the_survey_sms_records_the_rating(provider, surveyed, reply, satisfaction):
    ticket = surveyed()
    assert ticket.stage == "replied" and not ticket.satisfaction

    ok(post(provider, [sms(reply)]))

    ticket.refresh_from_db()
    assert ticket.satisfaction == satisfaction
    event = ticket.events.get(action="return_visit")
    assert (event.actor, event.actor_label) == (None, "短信评价")
    assert event.payload["satisfaction"] == satisfaction
    assert event.comment == f"短信回复“{reply.strip()}”"
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert (visit.status, visit.satisfaction, visit.done_by_label) == (
        VisitStatus.DONE,
        satisfaction,
        "短信评价",
    )
    row = InboundSms.objects.get()
    assert (row.outcome, row.ticket, row.event, row.satisfaction) == (
        Outcome.RATING,
        ticket,
        event,
        satisfaction,
    )
    assert row.reason == f"回访评价:{WORDS[satisfaction]}(工单 {ticket.number})"
    assert Ticket.objects.count() == 1


def test_dissatisfied_goes_where_the_pack_sends_it(provider, surveyed):
    ticket = surveyed()
    ok(post(provider, [sms("4")]))
    ticket.refresh_from_db()
    assert ticket.satisfaction == "dissatisfied"
    assert ReturnVisit.objects.get(ticket=ticket).next_step == "pending"  # the sweep takes the next round


def test_a_second_reply_after_the_rating_is_correspondence_not_a_new_rating(provider, surveyed):
    ticket = surveyed()
    ok(post(provider, [sms("2")]))
    ok(post(provider, [sms("1")]))

    ticket.refresh_from_db()
    assert ticket.satisfaction == "satisfied"
    assert ticket.events.filter(action="return_visit").count() == 1
    assert ticket.events.get(action="correspondence").comment == "1"  # still open: staff see it
    assert list(InboundSms.objects.order_by("pk").values_list("outcome", flat=True)) == [
        Outcome.RATING,
        Outcome.CORRESPONDENCE,
    ]


def test_a_rating_recorded_by_staff_first_is_not_overwritten(provider, surveyed, users):
    ticket = surveyed()
    ticket_transition(
        ticket=ticket,
        action="return_visit",
        actor=users["coordinator"],
        params={"satisfaction": "satisfied", "comment": "电话回访"},
    )
    ok(post(provider, [sms("4")]))
    ticket.refresh_from_db()
    assert ticket.satisfaction == "satisfied"
    assert ticket.events.filter(action="return_visit").count() == 1
    assert InboundSms.objects.get().outcome == Outcome.CORRESPONDENCE


def test_a_digit_from_a_number_nobody_surveyed_is_not_a_rating(provider, replied):
    # Given an answered ticket whose visit is open, but no survey SMS went out (called by phone)
    ticket = replied()
    ok(post(provider, [sms("1")]))
    ticket.refresh_from_db()
    assert ticket.satisfaction == ""
    assert not ticket.events.filter(action="return_visit").exists()
    assert InboundSms.objects.get().outcome == Outcome.CORRESPONDENCE


def test_a_digit_with_no_ticket_to_take_it_is_ignored_not_registered(provider, org):
    ok(post(provider, [sms("1"), sms("5", phone="13800138000"), sms("１２３", phone="13800138001")]))
    assert not Ticket.objects.exists()
    rows = list(InboundSms.objects.order_by("pk"))
    assert [r.outcome for r in rows] == [Outcome.IGNORED] * 3
    assert "没有待评价的工单" in rows[0].reason and "只有数字" in rows[1].reason


def test_the_rating_goes_to_the_ticket_the_number_was_surveyed_for(provider, surveyed, replied):
    # Given two answered tickets of this number; only the first one's survey went out by SMS
    first = surveyed()
    second = replied(subject="另一件事:物业乱收费")
    assert second.received_at > first.received_at

    ok(post(provider, [sms("2")]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.satisfaction, second.satisfaction) == ("satisfied", "")


def test_the_survey_sms_says_how_to_answer_with_a_digit_once_sms_in_is_set_up(surveyed, replied, settings):
    """With SMS in configured the survey SMS offers the digits it understands; without it
    (nobody would read the reply) it offers only the link."""
    from hotline.notify.models import Message
    from hotline.notify.services import notify_complainant

    ticket = surveyed()
    body = Message.objects.get(ticket=ticket, kind="survey_link", channel="sms").body
    assert "回复数字:1 非常满意,2 满意,3 一般,4 不满意" in body and "/public/rate/" in body

    settings.HOTLINE_SMS_INBOUND_SECRET = ""
    other = replied()
    notify_complainant(ticket=other, kind="survey_link", key="visit/plain")
    plain = Message.objects.get(ticket=other, kind="survey_link", channel="sms").body
    assert "/public/rate/" in plain and "回复数字" not in plain
