"""Error text never carries the recipient's address or number (a confidential reporter's
contact would show on the ticket page and in the admin)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.apps import apps

from hotline.notify.delivery import deliver_due, redact
from hotline.notify.models import Message
from tests.factories import PersonFactory, register
from tests.servers import free_port

REPORTER = "Li.Ming.Reporter@example.com"


class _Refusing:
    """Refuses every recipient the way Postfix does: the reply names the address."""

    def __init__(self, code: int) -> None:
        self.code = code

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return f"{self.code} 5.1.1 <{address}>: Recipient address rejected: user unknown in {address}"


@pytest.fixture
def refusing_smtp(settings: Any) -> Iterator[_Refusing]:
    handler = _Refusing(550)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.HOTLINE_SMTP_HOST = "127.0.0.1"
    settings.HOTLINE_SMTP_PORT = controller.port
    settings.HOTLINE_SMTP_FROM = "hotline@test.local"
    settings.HOTLINE_SMS_ENDPOINT = ""
    settings.HOTLINE_NOTIFY_TIMEOUT_SECONDS = 5
    yield handler
    controller.stop()


def _confidential_report(users: Any) -> Message:
    ticket = register(
        users["agent"], type="report", confidential=True, complainant=PersonFactory(email=REPORTER, phone="")
    )
    assert ticket.confidential
    return Message.objects.get(ticket=ticket, channel="email")


def test_a_refused_address_is_not_stored_in_the_error(users, refusing_smtp):
    row = _confidential_report(users)
    assert deliver_due().dead == [row.pk]
    row.refresh_from_db()
    assert row.status == "dead"
    assert "550" in row.last_error and "user unknown" in row.last_error  # the server's answer stays
    assert "li.ming" not in row.last_error.lower() and "@" not in row.last_error


def test_a_temporary_refusal_retries_without_the_address_either(users, refusing_smtp):
    refusing_smtp.code = 450
    row = _confidential_report(users)
    assert deliver_due().retrying == [row.pk]
    row.refresh_from_db()
    assert row.status == "retrying" and "450" in row.last_error
    assert "li.ming" not in row.last_error.lower() and "@" not in row.last_error


def test_redact_removes_the_address_any_email_and_phone_numbers_but_keeps_codes():
    text = (
        "isv.MOBILE_NUMBER_ILLEGAL: 号码13800001111非法; SMTP 550 5.1.1 <LI.MING@example.com>; +8613900002222"
    )
    cleaned = redact(text, "li.ming@example.com")
    assert cleaned == "isv.MOBILE_NUMBER_ILLEGAL: 号码***非法; SMTP 550 5.1.1 <***>; ***"
    assert len(redact("x" * 600)) == 500


def test_the_migration_scrubs_addresses_already_stored(users):
    ticket = register(
        users["agent"], complainant=PersonFactory(email="zhang@example.com", phone="13800001111")
    )
    email = Message.objects.get(ticket=ticket, channel="email")
    sms = Message.objects.get(ticket=ticket, channel="sms")
    Message.objects.filter(pk=email.pk).update(
        last_error="收件地址被拒绝: {'ZHANG@example.com': (550, b'5.1.1 zhang@example.com unknown')}"
    )
    Message.objects.filter(pk=sms.pk).update(last_error="isv.BUSINESS_LIMIT_CONTROL: 触发流控")
    migration = importlib.import_module("hotline.notify.migrations.0002_scrub_addresses_from_last_error")
    migration.scrub(apps, None)
    email.refresh_from_db()
    sms.refresh_from_db()
    assert email.last_error == "收件地址被拒绝: {'***': (550, b'5.1.1 *** unknown')}"
    assert sms.last_error == "isv.BUSINESS_LIMIT_CONTROL: 触发流控"  # no address in it: untouched
