"""A mail becomes a ticket (channel email) with its attachment, and the receipt goes out."""

from __future__ import annotations

from hotline.mailin.models import InboundMail, Mailbox, Outcome
from hotline.mailin.services import mailbox_fetch
from hotline.notify.models import Message
from hotline.tickets.models import Ticket
from tests.mailin.mails import PDF, mail


def test_a_mail_becomes_a_ticket_with_its_attachment(mailbox, put):
    raw, mid = mail(files=[("现场照片说明.pdf", PDF, "application/pdf")])
    (uid,) = put(raw)

    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.TICKET: 1} and not report.error
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.source, ticket.type) == ("email", mid, "complaint")
    assert ticket.subject == "小区门口餐馆油烟扰民"
    assert ticket.description.startswith("每天晚上油烟很大,请尽快处理。")
    assert (ticket.complainant_name, ticket.complainant_email) == ("张三", "zhang.san@example.com")
    (attachment,) = ticket.attachments.all()
    assert attachment.name == "现场照片说明.pdf"
    assert attachment.file.read() == PDF
    register, attach = ticket.events.order_by("seq")
    assert (register.action, register.actor_label, register.payload["source"]) == (
        "register",
        "电子邮件",
        mid,
    )
    assert attach.action == "attach"
    row = InboundMail.objects.get()
    assert (row.uid, row.outcome, row.ticket, row.message_id, row.raw) == (uid, "ticket", ticket, mid, None)
    assert row.files == [{"name": "现场照片说明.pdf", "size": len(PDF), "kept": True, "reason": ""}]
    mailbox.refresh_from_db()
    assert mailbox.last_uid == uid and mailbox.uid_validity and mailbox.last_error == ""
    # the receipt carries the number in its subject, so a reply finds the ticket
    receipt = Message.objects.get(ticket=ticket, kind="receipt", channel="email")
    assert receipt.address == "zhang.san@example.com" and ticket.number in receipt.subject


def test_an_attachment_of_a_refused_type_is_noted_and_the_ticket_still_made(mailbox, put):
    raw, _ = mail(files=[("setup.exe", b"MZ\x90\x00" * 10, "application/octet-stream")])
    put(raw)

    mailbox_fetch(mailbox=mailbox)

    ticket = Ticket.objects.get()
    assert not ticket.attachments.exists()
    assert "【邮件附件 1 个】setup.exe" in ticket.description
    row = InboundMail.objects.get()
    assert row.outcome == "ticket" and row.files[0]["kept"] is False
    assert "setup.exe" in row.reason and "不支持的附件类型" in row.reason


def test_a_first_connection_takes_only_new_mail_unless_told(db, org, imap_server, put, mailbox):
    put(mail()[0])
    Mailbox.objects.filter(pk=mailbox.pk).update(take_existing=False)
    mailbox.refresh_from_db()

    first = mailbox_fetch(mailbox=mailbox)
    put(mail(subject="新到的邮件")[0])
    second = mailbox_fetch(mailbox=mailbox)

    assert (first.taken, second.taken) == (0, 1)
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["新到的邮件"]


def test_nothing_new_writes_nothing(mailbox, put):
    put(mail()[0])
    mailbox_fetch(mailbox=mailbox)

    again = mailbox_fetch(mailbox=mailbox)

    assert (again.taken, again.skipped) == (0, 0)
    assert (Ticket.objects.count(), InboundMail.objects.count()) == (1, 1)
