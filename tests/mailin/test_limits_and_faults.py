"""An oversized mail is refused with its reason; bad mail never stops the poller."""

from __future__ import annotations

import os
import re

from hotline.mailin.models import InboundMail, Outcome
from hotline.mailin.services import mail_retry, mailbox_fetch
from hotline.org.models import Unit
from hotline.tickets.models import Ticket
from tests.mailin.mails import PDF, mail, raw_mail


def test_an_oversized_mail_is_refused_with_the_reason_and_never_downloaded(mailbox, put, settings):
    settings.HOTLINE_MAIL_MAX_BYTES = 50 * 1024
    big, mid = mail(subject="监控录像", files=[("录像.pdf", PDF + os.urandom(80 * 1024), "application/pdf")])
    put(big, mail(subject="小邮件")[0])

    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.TOO_LARGE: 1, Outcome.TICKET: 1}
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["小邮件"]
    refused = InboundMail.objects.get(outcome="too_large")
    assert (refused.subject, refused.sender, refused.message_id) == ("监控录像", "zhang.san@example.com", mid)
    assert refused.size > 50 * 1024 and refused.raw is None
    size, rest = re.fullmatch(r"邮件大小 (\d+) KB,(.*)", refused.reason).groups()
    assert int(size) > 50 and rest.startswith("超过收取上限 50 KB(HOTLINE_MAIL_MAX_BYTES),未收取正文和附件")


def test_bad_mail_is_kept_with_an_error_and_the_next_mails_are_still_taken(mailbox, put):
    junk = os.urandom(2048).translate(None, b"\r\n\x00") + b"\r\n"  # (Dovecot stores a NUL as 0x80)
    no_sender, _ = raw_mail([("Subject", "没有发件人")], b"body")
    broken_mime, _ = raw_mail(
        [
            ("From", "<wu@example.cn>"),
            ("Subject", "=?x-unknown-charset?B?5p2l5L+h?= 与 =?gb2312?B?broken?="),
            ("Content-Type", 'multipart/mixed; boundary="never-closed"'),
        ],
        b"--never-closed\r\nContent-Type: text/plain; charset=klingon\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"5L2g5aW9!!!not base64\r\n",
    )
    put(junk, no_sender, broken_mime, mail(subject="正常来信")[0])

    report = mailbox_fetch(mailbox=mailbox)

    assert report.taken == 4 and not report.error
    assert report.outcomes[Outcome.ERROR] == 2
    kept = InboundMail.objects.filter(outcome="error").order_by("uid")
    assert [bytes(m.raw) for m in kept] == [junk, no_sender]
    assert {m.reason for m in kept} == {"邮件没有可答复的发件人地址,未登记"}
    garbled, fine = sorted(Ticket.objects.values_list("subject", flat=True), key=len, reverse=True)
    assert garbled.startswith("来信 与 ") and fine == "正常来信"  # what decodes is kept


def test_a_mail_registration_refuses_is_kept_and_can_be_taken_again(mailbox, put):
    unit = Unit.objects.filter(kind="centre").first()
    mailbox.unit = unit
    mailbox.save()
    Unit.objects.filter(pk=unit.pk).update(is_active=False)
    put(mail()[0])

    mailbox_fetch(mailbox=mailbox)

    row = InboundMail.objects.get()
    assert row.outcome == "error" and row.reason.startswith("无法登记:单位")
    assert not Ticket.objects.exists()

    Unit.objects.filter(pk=unit.pk).update(is_active=True)
    retried = mail_retry(mail=row)

    ticket = Ticket.objects.get()
    assert (retried.pk, retried.outcome, retried.ticket, retried.raw) == (row.pk, "ticket", ticket, None)
    assert ticket.owner_unit == unit
