"""Mailboxes in the admin: the password is written, never shown; mails are read-only."""

from __future__ import annotations

import pytest

from hotline.mailin.models import InboundMail, Mailbox
from hotline.mailin.services import mailbox_fetch
from hotline.tickets.models import Ticket
from tests.mailin.mails import mail


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])  # the demo organisation's administrator
    return client


def test_the_password_is_never_shown_and_kept_when_left_empty(admin_client, mailbox):
    page = admin_client.get(f"/admin/mailin/mailbox/{mailbox.pk}/change/").content.decode()
    assert mailbox.password not in page

    data = {
        "name": "改名后的邮箱",
        "host": mailbox.host,
        "port": mailbox.port,
        "security": mailbox.security,
        "verify_certificate": "on",
        "username": mailbox.username,
        "password": "",
        "folder": mailbox.folder,
        "active": "on",
        "ticket_type": "complaint",
    }
    answer = admin_client.post(f"/admin/mailin/mailbox/{mailbox.pk}/change/", data)

    assert answer.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("改名后的邮箱", "imap-test-pw")


def test_the_mails_are_listed_read_only_and_a_reporters_address_masked(admin_client, mailbox, put):
    Mailbox.objects.filter(pk=mailbox.pk).update(ticket_type="report")
    mailbox.refresh_from_db()
    put(mail(sender="举报人 <whistle@example.cn>")[0])
    mailbox_fetch(mailbox=mailbox)
    row = InboundMail.objects.get()
    assert Ticket.objects.get().confidential

    listing = admin_client.get("/admin/mailin/inboundmail/").content.decode()
    detail = admin_client.get(f"/admin/mailin/inboundmail/{row.pk}/change/").content.decode()

    for page in (listing, detail):
        assert "w***@example.cn" in page and "whistle@" not in page and "举报人" not in page
    assert admin_client.get("/admin/mailin/inboundmail/add/").status_code == 403
