"""``hotline sms url`` prints the signed address the provider's console takes."""

from __future__ import annotations

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command

from hotline.tickets.models import Ticket
from tests.smsin.conftest import body_of, ok, sms


def test_the_printed_url_is_accepted_by_the_endpoint(provider, org, settings):
    settings.HOTLINE_PUBLIC_BASE_URL = "https://hotline.example.cn/"
    out = StringIO()
    call_command("sms", "url", stdout=out)
    url = out.getvalue().strip()
    assert url.startswith("https://hotline.example.cn/api/v1/sms/inbound/aliyun/?sig=")

    parts = urlsplit(url)
    ok(provider.get(f"{parts.path}?{parts.query}"))  # the console's connectivity check
    ok(
        provider.post(
            f"{parts.path}?{parts.query}", data=body_of([sms("路灯坏了")]), content_type="application/json"
        )
    )
    assert Ticket.objects.count() == 1


def test_another_base_can_be_given(settings):
    out = StringIO()
    call_command("sms", "url", "--base", "https://12345.jz.gov.cn", stdout=out)
    assert out.getvalue().startswith("https://12345.jz.gov.cn/api/v1/sms/inbound/aliyun/?sig=")


def test_without_a_secret_it_says_so(settings):
    settings.HOTLINE_SMS_INBOUND_SECRET = ""
    with pytest.raises(CommandError, match="HOTLINE_SMS_INBOUND_SECRET"):
        call_command("sms", "url")
