"""Stored text (messages to complainants and staff) is in the site's language, whatever
language the staff member who caused it has chosen for their screens."""

from __future__ import annotations

from django.utils import translation

from hotline.notify.models import Message
from tests.factories import register


def test_a_registration_under_english_writes_chinese_messages(users):
    with translation.override("en"):
        ticket = register(users["agent"], type="complaint")
    receipt = Message.objects.filter(ticket=ticket, kind="receipt").first()
    assert receipt is not None
    text = receipt.subject + receipt.body
    assert "投诉" in text
    assert "Complaint" not in text and "complaint" not in text
