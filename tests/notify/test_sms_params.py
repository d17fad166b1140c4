"""SMS template variables: links reach the provider whole and work; text is cut to fit."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

from hotline.notify.delivery import deliver_due
from hotline.notify.models import Message
from hotline.notify.services import SMS_TEXT_LIMIT, notify_complainant
from hotline.tickets.tokens import rate_token_number
from tests.factories import PersonFactory, register

BASE = "https://hotline.example.gov.cn"


def test_the_survey_sms_carries_a_working_link(users, channels, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = f"{BASE}/"
    ticket = register(users["agent"], complainant=PersonFactory(phone="13800001111", email=""))
    notify_complainant(ticket=ticket, kind="survey_link", key="visit/1")
    deliver_due()
    (sms,) = [s for s in channels["sms"].sent if s.template_code == "SMS_HOTLINE_SURVEY_LINK"]
    # the template holds the site's address: "…${base}/${rate_path}"
    link = f"{BASE}/{sms.template_param['rate_path']}"
    row = Message.objects.get(ticket=ticket, kind="survey_link", channel="sms")
    assert link in row.body  # what the ticket page shows is what the complainant gets
    parts = urlsplit(link)
    (token,) = parse_qs(parts.query)["t"]
    assert parts.path == f"/public/rate/{ticket.number}/"
    assert rate_token_number(token) == ticket.number
    # the link lets the browser in without the query code; without it the code is asked
    assert 'id="code-form"' in Client().get(parts.path).content.decode()
    browser = Client()
    page = browser.get(f"{parts.path}?{parts.query}", follow=True).content.decode()
    assert 'id="code-form"' not in page


def test_links_go_as_their_part_after_the_site_and_text_is_cut(users, channels, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = BASE
    ticket = register(users["agent"], complainant=PersonFactory(phone="13800001111", email=""))
    notify_complainant(ticket=ticket, kind="result", context={"result": "已处理完毕" * 20}, key="result/1")
    deliver_due()
    by_code = {s.template_code: s.template_param for s in channels["sms"].sent}
    receipt = by_code["SMS_HOTLINE_RECEIPT"]
    assert f"{BASE}/{receipt['track_path']}" == f"{BASE}/public/track/"
    assert receipt["query_code"] == ticket.query_code
    result = by_code["SMS_HOTLINE_RESULT"]
    assert result["result"] == ("已处理完毕" * 20)[:SMS_TEXT_LIMIT]  # text is cut to the limit
    assert all(len(v) <= SMS_TEXT_LIMIT for k, v in result.items() if not k.endswith("_path"))
