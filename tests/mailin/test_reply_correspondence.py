"""A reply to our receipt is correspondence on its ticket, not a new ticket."""

from __future__ import annotations

from hotline.mailin.models import InboundMail, Outcome
from hotline.mailin.services import mailbox_fetch
from hotline.notify.delivery import deliver_due
from hotline.search.services import read_query, ticket_matches
from hotline.tickets.models import Ticket
from tests.mailin.mails import PDF, mail


def _ticket_and_receipt(mailbox, put, smtp):
    put(mail()[0])
    mailbox_fetch(mailbox=mailbox)
    ticket = Ticket.objects.get()
    deliver_due()
    (receipt,) = smtp.received
    return ticket, receipt


def test_a_reply_to_the_receipt_is_correspondence_on_its_ticket(mailbox, put, smtp, users):
    ticket, receipt = _ticket_and_receipt(mailbox, put, smtp)
    assert receipt.rcpt_tos == ["zhang.san@example.com"] and ticket.number in receipt.subject

    reply, mid = mail(
        subject=f"回复:{receipt.subject}",
        body="补充一下:餐馆名叫老王川菜馆,营业到凌晨两点。",
        headers={"In-Reply-To": receipt.message_id, "References": receipt.message_id},
        files=[("营业时间.pdf", PDF, "application/pdf")],
    )
    put(reply)
    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.CORRESPONDENCE: 1}
    assert Ticket.objects.count() == 1
    event = ticket.events.get(action="correspondence")
    assert event.actor_label == "电子邮件" and not event.public
    assert event.comment.startswith(f"回复:{receipt.subject}\n\n补充一下:餐馆名叫老王川菜馆")
    row = InboundMail.objects.get(message_id=mid)
    assert event.payload == {
        "direction": "in",
        "channel": "email",
        "subject": f"回复:{receipt.subject}",
        "mail": row.pk,
        "files": ["营业时间.pdf"],
    }
    assert (row.outcome, row.ticket, row.event) == ("correspondence", ticket, event)
    assert list(ticket.attachments.values_list("name", flat=True)) == ["营业时间.pdf"]
    # the letter is searchable with the ticket
    assert list(ticket_matches(users["admin"], read_query("老王川菜馆"))) == [ticket]


def test_the_ticket_number_in_the_subject_from_the_complainant_is_correspondence(mailbox, put, smtp):
    ticket, _receipt = _ticket_and_receipt(mailbox, put, smtp)

    put(mail(subject=f"关于工单{ticket.number}的补充", body="又来了。")[0])
    mailbox_fetch(mailbox=mailbox)

    assert Ticket.objects.count() == 1
    assert ticket.events.filter(action="correspondence").count() == 1


def test_the_number_in_a_strangers_subject_makes_a_new_ticket(mailbox, put, smtp):
    ticket, _receipt = _ticket_and_receipt(mailbox, put, smtp)

    put(mail(subject=f"我也要投诉 {ticket.number}", sender="李四 <li.si@example.org>")[0])
    mailbox_fetch(mailbox=mailbox)

    assert Ticket.objects.count() == 2
    assert not ticket.events.filter(action="correspondence").exists()


def test_a_reply_to_the_first_mail_joins_its_ticket(mailbox, put):
    first, mid = mail()
    put(first)
    mailbox_fetch(mailbox=mailbox)

    put(mail(subject="Re: 小区门口餐馆油烟扰民", body="今天更严重了", headers={"In-Reply-To": mid})[0])
    mailbox_fetch(mailbox=mailbox)

    ticket = Ticket.objects.get()
    assert ticket.events.get(action="correspondence").comment.endswith("今天更严重了")
