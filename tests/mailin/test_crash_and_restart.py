"""Exactly one ticket per mail: a crash before the checkpoint, the same mail twice, a renumbered folder."""

from __future__ import annotations

import pytest

from hotline.mailin import services
from hotline.mailin.models import InboundMail, Mailbox, Outcome
from hotline.mailin.services import mailbox_fetch
from hotline.tickets.models import Ticket
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.registration import ticket_register
from tests.mailin.mails import mail


class Crash(BaseException):
    """The process dies (not an error anyone handles)."""


def test_a_crash_before_the_checkpoint_makes_no_second_ticket(mailbox, put, monkeypatch):
    first, second = mail(subject="第一封")[0], mail(subject="第二封")[0]
    uids = put(first, second)

    def crash(**kwargs):
        raise Crash

    # the mails commit, then the process dies before the checkpoint is saved
    monkeypatch.setattr(services, "save_checkpoint", crash)
    with pytest.raises(Crash):
        mailbox_fetch(mailbox=mailbox)
    assert Ticket.objects.count() == 2
    assert Mailbox.objects.get(pk=mailbox.pk).last_uid == 0

    # the restarted poller fetches them again
    monkeypatch.undo()
    restarted = Mailbox.objects.get(pk=mailbox.pk)
    report = mailbox_fetch(mailbox=restarted)

    assert (report.taken, report.skipped) == (0, 2)
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["第一封", "第二封"]
    assert InboundMail.objects.count() == 2
    assert Mailbox.objects.get(pk=mailbox.pk).last_uid == max(uids)


def test_a_crash_while_registering_leaves_nothing_and_the_mail_is_taken_next_time(mailbox, put, monkeypatch):
    put(mail()[0])

    def crash(**kwargs):
        raise Crash

    monkeypatch.setattr(services, "ticket_register", crash)
    with pytest.raises(Crash):
        mailbox_fetch(mailbox=mailbox)
    assert (Ticket.objects.count(), InboundMail.objects.count()) == (0, 0)

    monkeypatch.undo()
    report = mailbox_fetch(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    assert report.outcomes == {Outcome.TICKET: 1}
    assert Ticket.objects.count() == 1


def test_the_same_mail_in_two_mailboxes_is_one_ticket(mailbox, put, imap_server):
    raw, mid = mail()
    put(raw)
    other = Mailbox.objects.create(
        name="江州举报邮箱",
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password=mailbox.password,
        folder=imap_server.new_folder(),
        take_existing=True,
    )
    imap_server.append(other.folder, raw)

    mailbox_fetch(mailbox=mailbox)
    report = mailbox_fetch(mailbox=other)

    ticket = Ticket.objects.get()
    assert report.outcomes == {Outcome.DUPLICATE: 1}
    duplicate = InboundMail.objects.get(mailbox=other)
    assert (duplicate.ticket, duplicate.message_id) == (ticket, mid)
    assert ticket.number in duplicate.reason


def test_a_renumbered_folder_is_read_again_without_second_tickets(mailbox, put, imap_server):
    old = mail(subject="旧邮件")[0]
    put(old)
    mailbox_fetch(mailbox=mailbox)
    validity = Mailbox.objects.get(pk=mailbox.pk).uid_validity
    # the folder is made anew (a restore, a server move): new UIDVALIDITY, UIDs from 1 again
    client = imap_server.client()
    client.delete_folder(mailbox.folder)
    client.create_folder(mailbox.folder)
    client.logout()
    put(old, mail(subject="新邮件")[0])

    report = mailbox_fetch(mailbox=Mailbox.objects.get(pk=mailbox.pk))

    assert report.outcomes == {Outcome.DUPLICATE: 1, Outcome.TICKET: 1}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["新邮件", "旧邮件"]
    renumbered = Mailbox.objects.get(pk=mailbox.pk)
    assert renumbered.uid_validity != validity and renumbered.last_uid == 2


def test_a_mail_whose_message_id_was_registered_already_is_a_duplicate(mailbox, put):
    raw, mid = mail()
    earlier = ticket_register(
        draft=TicketDraft(
            type="complaint",
            channel="email",
            subject="转录的来信",
            description="工作人员先手工登记了这封邮件",
            complainant=Person(email="zhang.san@example.com"),
            source=mid,
        ),
        actor=None,
    )
    put(raw)

    report = mailbox_fetch(mailbox=mailbox)

    assert report.outcomes == {Outcome.DUPLICATE: 1}
    assert list(Ticket.objects.all()) == [earlier]
    assert InboundMail.objects.get().ticket == earlier
