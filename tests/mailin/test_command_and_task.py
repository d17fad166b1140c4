"""``hotline mail fetch`` and the worker's periodic poll take the same path."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from hotline.jobs.queue import huey
from hotline.mailin.models import Mailbox
from hotline.mailin.tasks import poll_mailboxes
from hotline.tickets.models import Ticket
from tests.mailin.mails import mail
from tests.servers import free_port


def test_mail_fetch_takes_new_mail_and_says_what_it_became(mailbox, put):
    put(mail()[0], mail(headers={"Auto-Submitted": "auto-replied"})[0])
    out = StringIO()

    call_command("mail", "fetch", stdout=out)

    assert out.getvalue().strip() == "江州投诉邮箱:新邮件 2 封(已登记为工单 1、自动回复(未登记) 1)"
    assert Ticket.objects.count() == 1


def test_mail_fetch_check_only_connects(mailbox, put):
    put(mail()[0])
    out = StringIO()

    call_command("mail", "fetch", "--check", stdout=out)

    assert out.getvalue().startswith("江州投诉邮箱:连接成功,UIDVALIDITY ")
    assert not Ticket.objects.exists()


def test_an_unreachable_mailbox_is_recorded_and_fails_the_command(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(port=free_port())
    out = StringIO()

    with pytest.raises(CommandError, match="1 个邮箱连接失败"):
        call_command("mail", "fetch", stdout=out)

    mailbox.refresh_from_db()
    assert "ConnectionRefusedError" in mailbox.last_error and mailbox.last_polled_at is not None
    assert "连接失败" in out.getvalue()


def test_a_wrong_password_is_recorded_not_raised(mailbox, put):
    Mailbox.objects.filter(pk=mailbox.pk).update(password="wrong")
    put(mail()[0])

    with pytest.raises(CommandError):
        call_command("mail", "fetch", "--mailbox", "江州投诉邮箱", stdout=StringIO())

    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("LoginError") and not Ticket.objects.exists()


def test_the_periodic_task_polls_every_active_mailbox(mailbox, put):
    put(mail()[0])
    assert poll_mailboxes.task_class in huey._registry._periodic_tasks

    poll_mailboxes.call_local()

    assert Ticket.objects.count() == 1
