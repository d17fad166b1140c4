"""Unsubscribe words are recorded and never make tickets, correspondence or ratings."""

from __future__ import annotations

import pytest

from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import Ticket
from tests.factories import PersonFactory, register
from tests.smsin.conftest import PHONE, ok, post, sms


@pytest.mark.parametrize("word", ["TD", "td", "Ｔ Ｄ", "退订", "STOP", "N", "0000"])
def test_an_unsubscribe_word_is_recorded_not_registered(provider, org, word):
    ok(post(provider, [sms(word)]))
    assert not Ticket.objects.exists()
    row = InboundSms.objects.get()
    assert (row.outcome, row.ticket) == (Outcome.UNSUBSCRIBE, None)
    assert "退订" in row.reason


def test_an_unsubscribe_is_no_correspondence_on_an_open_ticket(provider, users):
    ticket = register(users["agent"], complainant=PersonFactory(phone=PHONE))
    ok(post(provider, [sms("退订")]))
    assert not ticket.events.filter(action="correspondence").exists()
    assert InboundSms.objects.get().outcome == Outcome.UNSUBSCRIBE


def test_a_sentence_that_mentions_unsubscribing_is_a_matter(provider, org):
    ok(post(provider, [sms("你们的营销短信回复TD也退订不了,投诉")]))
    assert InboundSms.objects.get().outcome == Outcome.TICKET
