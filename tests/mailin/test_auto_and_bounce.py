"""Automatic answers and delivery reports are recorded with their reason, never tickets."""

from __future__ import annotations

from hotline.mailin.models import InboundMail, Outcome
from hotline.mailin.services import mailbox_fetch
from hotline.notify.channels.email import message_id
from hotline.notify.delivery import deliver_due
from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from tests.mailin.mails import mail, raw_mail


def _bounce_of(original_id: str) -> bytes:
    boundary = "dsn0"
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system at host mx.example.com.\r\nI'm sorry to have to inform you that your "
        "message could not be delivered.\r\n"
        f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; zhang.san@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <zhang.san@example.com>: Recipient address rejected\r\n"
        f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: 12345@hotline.example.cn\r\nTo: zhang.san@example.com\r\nMessage-ID: {original_id}\r\n"
        "Subject: =?utf-8?b?5oKo55qE6K+J5rGC?=\r\n"
        f"--{boundary}--\r\n"
    )
    raw, _ = raw_mail(
        [
            ("From", "MAILER-DAEMON@mx.example.com (Mail Delivery System)"),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("Auto-Submitted", "auto-replied"),
            ("Content-Type", f'multipart/report; report-type=delivery-status; boundary="{boundary}"'),
        ],
        body.encode(),
    )
    return raw


def test_an_auto_reply_and_a_bounce_to_our_receipt_are_recorded_not_tickets(mailbox, put, smtp):
    put(mail()[0])
    mailbox_fetch(mailbox=mailbox)
    ticket = Ticket.objects.get()
    deliver_due()
    (receipt,) = smtp.received
    row = Message.objects.get(ticket=ticket, channel="email")
    assert receipt.message_id == row.provider_message_id == message_id(row.idempotency_key)

    out_of_office, _ = mail(
        subject=f"自动回复:{receipt.subject}",
        body="我正在休假,12月5日回来。",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": receipt.message_id},
    )
    put(out_of_office, _bounce_of(receipt.message_id))
    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.AUTO_REPLY: 1, Outcome.BOUNCE: 1}
    assert Ticket.objects.count() == 1
    assert not ticket.events.filter(action="correspondence").exists()
    auto = InboundMail.objects.get(outcome="auto_reply")
    assert (auto.ticket, auto.reason) == (ticket, "自动回复:Auto-Submitted: auto-replied")
    bounce = InboundMail.objects.get(outcome="bounce")
    assert bounce.ticket == ticket
    assert bounce.reason.startswith("退信:5.1.1 smtp; 550 5.1.1")
    assert "zhang.san" not in bounce.reason  # the address that bounced is identity


def test_other_automatic_mail_is_recognised(mailbox, put):
    put(
        mail(headers={"X-Autoreply": "yes"})[0],
        mail(headers={"Precedence": "bulk"})[0],
        mail(subject="Automatic reply: 您的诉求已登记")[0],
        mail(sender="postmaster@example.org", subject="Delivery Status Notification (Failure)")[0],
        mail(headers={"Auto-Submitted": "no"}, subject="正常来信")[0],
    )

    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.AUTO_REPLY: 3, Outcome.BOUNCE: 1, Outcome.TICKET: 1}
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["正常来信"]
    reasons = sorted(InboundMail.objects.filter(outcome="auto_reply").values_list("reason", flat=True))
    assert reasons == ["自动回复:Precedence: bulk", "自动回复:X-Autoreply: yes", "自动回复:标题为自动回复"]


def test_our_own_mail_coming_back_is_not_a_ticket(mailbox, put):
    put(mail(message_id="<0123456789abcdef0123456789abcdef@hotline.notify>")[0])

    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.OWN: 1} and not Ticket.objects.exists()
