"""Mail in: each new mail in a mailbox becomes a ticket, a correspondence event, or a record.

``mailbox_fetch`` polls one mailbox; ``fetch_active`` every active one (the worker's
periodic task and ``hotline mail fetch``). Each mail is taken by :func:`mail_take` in one
transaction that writes its ``InboundMail`` row first (unique per mailbox, UIDVALIDITY and
UID: the claim) and then what the mail became, through the core's doors only:

- a delivery report (退信) or an automatic answer (自动回复, 阅读回执) is recorded with its
  reason and, where it names one, the ticket it concerns; it never becomes a ticket;
- a mail we already took (the same Message-ID in another mailbox, or after the server
  renumbered the folder) is recorded as a duplicate of what it became then;
- a mail that answers one of ours — ``In-Reply-To``/``References`` naming a Message-ID the
  outbox sent (``notify.channels.email.message_id``) or a mail that made a ticket, or the
  ticket number in the subject from the complainant's own address — is a ``correspondence``
  event on that ticket (``workflow.services.ticket_record``), with its attachments;
- anything else is registered (``workflow.registration.ticket_register``, channel
  ``email``, ``source`` = the Message-ID: idempotent), with its attachments, and the
  outbox sends the receipt whose subject carries the ticket number.

The checkpoint (``Mailbox.last_uid``) moves after each batch. A crash between a mail's
commit and the checkpoint fetches the mail again; its row is found and it is skipped, so
every mail makes one ticket however often the poller dies. A mail that cannot be taken
(undecodable in a way the reader does not survive, refused by registration) is kept with
its bytes and the error, the checkpoint moves past it, and the next mails go on; the admin
can take it again (:func:`mail_retry`).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from imapclient import IMAPClient

from hotline.core.errors import HotlineError, InvalidInput
from hotline.jobs.locks import single_run
from hotline.mailin import imap
from hotline.mailin.models import InboundMail, Mailbox, Outcome
from hotline.mailin.reading import Mail, MailFile, read_mail
from hotline.notify.models import Message, MessageChannel
from hotline.tickets.models import Channel, Ticket
from hotline.workflow.attachments import attachment_add
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_record

logger = logging.getLogger(__name__)

ACTOR_LABEL: Final = "电子邮件"  # who registered / wrote, in the history
TEXT_MAX: Final = 50_000  # characters of a body kept in a description or a correspondence event
NO_SUBJECT: Final = "(无主题邮件)"
NO_BODY: Final = "(邮件正文为空)"
TICKET_NUMBER: Final = re.compile(r"(?<!\d)(20\d{12})(?!\d)")  # numbering.py: YYYYMMDD + 6 digits
OUR_MESSAGE_IDS: Final = "@hotline.notify>"  # notify.channels.email.message_id
TAKEN: Final = (Outcome.TICKET, Outcome.CORRESPONDENCE)
BODY_BYTES_PER_FETCH: Final = 32 * 1024 * 1024  # bodies fetched in one round trip, at most


@dataclass
class FetchReport:
    mailbox: str
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # already taken (fetched again after a crash)
    busy: bool = False  # another poller holds this mailbox
    error: str = ""  # the connection's error, when the poll failed

    @property
    def taken(self) -> int:
        return sum(self.outcomes.values())

    def summary(self) -> str:
        if self.busy:
            return f"{self.mailbox}:另一进程正在收取,本次跳过"
        counts = "、".join(f"{o.label} {self.outcomes[o]}" for o in Outcome if self.outcomes[o])
        text = f"{self.mailbox}:新邮件 {self.taken} 封" + (f"({counts})" if counts else "")
        if self.skipped:
            text += f",已收取过 {self.skipped} 封"
        if self.error:
            text += f";连接失败:{self.error}"
        return text


# ---------------------------------------------------------------------------------------
# polling


def fetch_active(*, now: datetime | None = None) -> list[FetchReport]:
    """Poll every active mailbox; one mailbox's failure does not stop the others."""
    return [mailbox_fetch(mailbox=m, now=now) for m in Mailbox.objects.filter(active=True).order_by("pk")]


def mailbox_fetch(*, mailbox: Mailbox, limit: int | None = None, now: datetime | None = None) -> FetchReport:
    """Take the mails that arrived in ``mailbox`` since its checkpoint (at most ``limit``,
    default ``HOTLINE_MAIL_MAX_PER_POLL``). A connection error is recorded on the mailbox
    (``last_error``) and in the report, never raised."""
    report = FetchReport(mailbox=mailbox.name)
    with single_run(_lock_name(mailbox), ttl_seconds=600) as mine:
        if not mine:
            report.busy = True
            return report
        try:
            with imap.connect(mailbox) as client:
                _fetch(client, mailbox, report, limit or int(settings.HOTLINE_MAIL_MAX_PER_POLL), now)
        except imap.CONNECTION_ERRORS as exc:
            report.error = f"{type(exc).__name__}: {exc}"[:500]
            logger.warning("邮箱 %s 收取失败:%s", mailbox.name, report.error)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error=report.error)
    return report


def _lock_name(mailbox: Mailbox) -> str:
    """One poller per remote folder (two mailbox rows on one folder share it too)."""
    where = f"{mailbox.host.lower()}:{mailbox.port}/{mailbox.username}/{mailbox.folder}"
    return f"mailin-{hashlib.sha256(where.encode()).hexdigest()[:24]}"


def _start(mailbox: Mailbox, folder: imap.Folder, client: IMAPClient) -> int:
    """The checkpoint for this UIDVALIDITY: the stored one, or where to begin after the
    folder was (re)numbered: UID 0 (everything; duplicates are caught by Message-ID), or on
    a first connection without ``take_existing`` the highest UID now (only what comes next)."""
    if mailbox.uid_validity == folder.uid_validity:
        return mailbox.last_uid
    first = mailbox.uid_validity is None
    start = 0
    if first and not mailbox.take_existing:
        start = folder.uid_next - 1 if folder.uid_next else imap.highest_uid(client)
    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=folder.uid_validity, last_uid=start)
    mailbox.uid_validity, mailbox.last_uid = folder.uid_validity, start
    if not first:
        logger.warning("邮箱 %s 的 UIDVALIDITY 已变化,重新检查全部邮件(按 Message-ID 去重)", mailbox.name)
    return start


def _batches(uids: Sequence[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(uids), size):
        yield list(uids[i : i + size])


def _by_volume(uids: Sequence[int], metas: dict[int, imap.Meta]) -> Iterable[list[int]]:
    """``uids`` in groups whose bodies add up to at most ``BODY_BYTES_PER_FETCH``."""
    group: list[int] = []
    volume = 0
    for uid in uids:
        size = metas[uid].size
        if group and volume + size > BODY_BYTES_PER_FETCH:
            yield group
            group, volume = [], 0
        group.append(uid)
        volume += size
    if group:
        yield group


def _fetch(
    client: IMAPClient, mailbox: Mailbox, report: FetchReport, limit: int, now: datetime | None
) -> None:
    folder = imap.open_folder(client, mailbox.folder)
    mailbox.refresh_from_db(fields=["uid_validity", "last_uid", "take_existing"])  # the stored checkpoint
    last = _start(mailbox, folder, client)
    uids = imap.uids_after(client, last)[:limit]
    max_bytes = int(settings.HOTLINE_MAIL_MAX_BYTES)
    for batch in _batches(uids, int(settings.HOTLINE_MAIL_BATCH)):
        metas = imap.metas(client, batch)
        taken = set(
            InboundMail.objects.filter(
                mailbox=mailbox, uid_validity=folder.uid_validity, uid__in=batch
            ).values_list("uid", flat=True)
        )
        report.skipped += len(taken & set(metas))
        todo = [u for u in batch if u in metas and u not in taken]
        small = [u for u in todo if metas[u].size <= max_bytes]
        large = [u for u in todo if metas[u].size > max_bytes]
        for group in _by_volume(small, metas):
            bodies = imap.contents(client, group)
            for uid in group:
                if uid not in bodies:  # expunged meanwhile
                    continue
                row = mail_take(
                    mailbox=mailbox,
                    uid_validity=folder.uid_validity,
                    uid=uid,
                    raw=bodies[uid],
                    arrived_at=metas[uid].arrived_at,
                    now=now,
                )
                if row is not None:
                    report.outcomes[row.outcome] += 1
        heads = imap.contents(client, large, headers_only=True)
        for uid in large:
            row = mail_too_large(
                mailbox=mailbox,
                uid_validity=folder.uid_validity,
                uid=uid,
                size=metas[uid].size,
                header=heads.get(uid, b""),
                now=now,
            )
            if row is not None:
                report.outcomes[row.outcome] += 1
        save_checkpoint(mailbox=mailbox, uid_validity=folder.uid_validity, uid=max(batch))


def save_checkpoint(*, mailbox: Mailbox, uid_validity: int, uid: int) -> None:
    """Move the mailbox's checkpoint forward to ``uid`` (never back, never across a change of
    UIDVALIDITY)."""
    Mailbox.objects.filter(pk=mailbox.pk, uid_validity=uid_validity, last_uid__lt=uid).update(last_uid=uid)
    mailbox.last_uid = max(mailbox.last_uid, uid)


# ---------------------------------------------------------------------------------------
# one mail


def mail_take(
    *,
    mailbox: Mailbox,
    uid_validity: int,
    uid: int,
    raw: bytes,
    arrived_at: datetime | None = None,
    now: datetime | None = None,
) -> InboundMail | None:
    """Take one mail (its whole bytes); its record, or None when it was taken already.

    Never raises for the mail's content: what fails is kept with the error and its bytes.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = InboundMail(
                mailbox=mailbox, uid_validity=uid_validity, uid=uid, size=len(raw), outcome=Outcome.ERROR
            )
            mail = read_mail(raw)
            _describe(row, mail)
            row.taken_at = now
            row.save()  # the claim: a second poller's insert waits for ours and fails
            _apply(row, mail, raw=raw, arrived_at=arrived_at, now=now)
            return row
    except IntegrityError:
        if _already(mailbox, uid_validity, uid):
            return None
        logger.exception("邮件 %s#%s 处理失败", mailbox.name, uid)
        error = "数据库拒绝写入(完整性错误)"
    except (OperationalError, InterfaceError):
        raise  # the database, not the mail: the poll stops and the next one takes it again
    except Exception as exc:  # the poller never dies on one mail: keep it with the error
        logger.exception("邮件 %s#%s 处理失败", mailbox.name, uid)
        error = f"{type(exc).__name__}: {exc}"
    return _keep_error(mailbox=mailbox, uid_validity=uid_validity, uid=uid, raw=raw, error=error, now=now)


def _already(mailbox: Mailbox, uid_validity: int, uid: int) -> bool:
    return InboundMail.objects.filter(mailbox=mailbox, uid_validity=uid_validity, uid=uid).exists()


def _describe(row: InboundMail, mail: Mail) -> None:
    row.message_id = mail.message_id[:255]
    row.sender = mail.sender
    row.sender_name = mail.sender_name
    row.subject = mail.subject[:255]
    row.sent_at = mail.sent_at


def _keep_error(
    *, mailbox: Mailbox, uid_validity: int, uid: int, raw: bytes, error: str, now: datetime
) -> InboundMail | None:
    row = InboundMail(
        mailbox=mailbox,
        uid_validity=uid_validity,
        uid=uid,
        size=len(raw),
        outcome=Outcome.ERROR,
        reason=error[:500],
        raw=raw,
        taken_at=now,
    )
    try:
        _describe(row, read_mail(raw))
    except Exception:  # what it says cannot be read either: the bytes are kept
        row.subject = ""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def mail_too_large(
    *, mailbox: Mailbox, uid_validity: int, uid: int, size: int, header: bytes, now: datetime | None = None
) -> InboundMail | None:
    """Record a mail over ``HOTLINE_MAIL_MAX_BYTES`` from its header alone (its body is never
    downloaded); None when it was recorded already."""
    mail = read_mail(header)
    limit = int(settings.HOTLINE_MAIL_MAX_BYTES)
    row = InboundMail(
        mailbox=mailbox,
        uid_validity=uid_validity,
        uid=uid,
        size=size,
        outcome=Outcome.TOO_LARGE,
        reason=f"邮件大小 {_megabytes(size)},超过收取上限 {_megabytes(limit)}(HOTLINE_MAIL_MAX_BYTES),"
        "未收取正文和附件,请联系发件人分开发送或改用其他方式提交",
        taken_at=now or timezone.now(),
    )
    _describe(row, mail)
    row.ticket = _answered_ticket(mail)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def mail_retry(*, mail: InboundMail, now: datetime | None = None) -> InboundMail:
    """Take again a mail kept with an error (its bytes are kept); the same row records the
    new outcome. Refused for any other mail (``InvalidInput``)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = InboundMail.objects.select_for_update().get(pk=mail.pk)
        if row.outcome != Outcome.ERROR or row.raw is None:
            raise InvalidInput("只有处理出错且保留了原始邮件的记录可以重新处理", code="mail_not_retryable")
        raw = bytes(row.raw)
        try:
            with transaction.atomic():
                parsed = read_mail(raw)
                _describe(row, parsed)
                row.reason = ""
                _apply(row, parsed, raw=raw, arrived_at=None, now=now)
        except Exception as exc:
            logger.exception("邮件 %s 重新处理失败", row.pk)
            InboundMail.objects.filter(pk=row.pk).update(reason=f"{type(exc).__name__}: {exc}"[:500])
            row.refresh_from_db()
    return row


# ---------------------------------------------------------------------------------------
# what a mail becomes


def _apply(row: InboundMail, mail: Mail, *, raw: bytes, arrived_at: datetime | None, now: datetime) -> None:
    """Decide what ``mail`` is and do it; ``row`` (saved) records the outcome."""
    row.raw = None
    if mail.own:
        row.outcome, row.reason = Outcome.OWN, "本系统发出的邮件(邮件回环),不登记"
    elif mail.bounce:
        row.outcome, row.reason = Outcome.BOUNCE, mail.bounce
        row.ticket = _ticket_of_sent(mail.bounced_ids)
    elif mail.auto_reply:
        row.outcome, row.reason = Outcome.AUTO_REPLY, f"自动回复:{mail.auto_reply}"
        row.ticket = _answered_ticket(mail)
    elif (earlier := _earlier(row, mail)) is not None:
        row.outcome, row.ticket_id = Outcome.DUPLICATE, earlier[0]
        row.reason = f"同一邮件(Message-ID 相同)此前已收取,对应工单 {earlier[1]}"
    elif (ticket := _answered_ticket(mail)) is not None:
        _correspond(row, mail, ticket, now=now)
    elif not mail.sender:
        row.outcome, row.reason, row.raw = Outcome.ERROR, "邮件没有可答复的发件人地址,未登记", raw
    else:
        _register(row, mail, arrived_at=arrived_at, now=now, raw=raw)
    row.save()


def _earlier(row: InboundMail, mail: Mail) -> tuple[int, str] | None:
    """The ticket (id, number) this very mail (its Message-ID) already made or joined, as
    another mailbox's or an earlier UIDVALIDITY's mail. Every mail asks, so only the two
    columns are read (a whole ticket is wide)."""
    earlier = (
        InboundMail.objects.filter(message_id=mail.message_id, outcome__in=TAKEN, ticket__isnull=False)
        .exclude(pk=row.pk)
        .order_by("pk")
        .values_list("ticket_id", "ticket__number")
        .first()
    )
    return earlier  # (a ticket another door made with this source: ticket_register says so)


def _ticket_of_sent(message_ids: Sequence[str], numbers: Sequence[str] = ()) -> Ticket | None:
    """The ticket of an outbox e-mail with one of ``message_ids`` (ours end ``@hotline.notify>``).

    ``provider_message_id`` of sent e-mails has a partial index (``message_sent_email_id``);
    with ticket ``numbers`` (from the subject, where a reply keeps them) those tickets'
    messages are preferred."""
    ours = [m for m in message_ids if m.endswith(OUR_MESSAGE_IDS)]
    if not ours:
        return None
    sent = Message.objects.filter(
        channel=MessageChannel.EMAIL, provider_message_id__in=ours, ticket__isnull=False
    ).select_related("ticket")
    if numbers:
        found = sent.filter(ticket__number__in=list(numbers)).order_by("-pk").first()
        if found is not None:
            return found.ticket
    found = sent.order_by("-pk").first()
    return found.ticket if found is not None else None


def _answered_ticket(mail: Mail) -> Ticket | None:
    """The ticket ``mail`` answers: by its In-Reply-To/References (a mail we sent, or a mail
    that made or joined a ticket), else by the ticket number in its subject when it comes
    from the complainant's own address."""
    numbers = TICKET_NUMBER.findall(mail.subject)
    if mail.references:
        ticket = _ticket_of_sent(mail.references, numbers)
        if ticket is not None:
            return ticket
        joined = (
            InboundMail.objects.filter(
                message_id__in=mail.references, outcome__in=TAKEN, ticket__isnull=False
            )
            .select_related("ticket")
            .order_by("-pk")
            .first()
        )
        if joined is not None:
            return joined.ticket
    if mail.sender:
        for number in numbers:
            ticket = Ticket.objects.filter(number=number).first()
            if ticket is not None and ticket.complainant_email.strip().lower() == mail.sender:
                return ticket
    return None


def _attach(ticket: Ticket, files: Sequence[MailFile]) -> list[dict[str, Any]]:
    """Attach each file through the core (its type and size rules); what happened to each."""
    results: list[dict[str, Any]] = []
    for f in files:
        entry: dict[str, Any] = {"name": f.name, "size": len(f.data), "kept": False, "reason": ""}
        try:
            attachment_add(
                ticket=ticket,
                upload=SimpleUploadedFile(f.name, f.data, content_type=f.content_type),
                actor=None,
            )
            entry["kept"] = True
        except HotlineError as exc:
            entry["reason"] = exc.detail[:200]
        results.append(entry)
    return results


def _text(value: str) -> str:
    return value if len(value) <= TEXT_MAX else value[:TEXT_MAX] + "\n……(正文过长,以下从略)"


def _files_note(files: Sequence[MailFile]) -> str:
    if not files:
        return ""
    return f"\n\n【邮件附件 {len(files)} 个】" + "、".join(f.name for f in files)


def _received_at(arrived_at: datetime | None, mail: Mail, now: datetime) -> datetime:
    """When the mail reached us (the server's INTERNALDATE, else its Date), within what
    registration accepts (not in the future, not older than a year)."""
    when = arrived_at or mail.sent_at or now
    return min(max(when, now - timedelta(days=365)), now)


def _subject(mail: Mail) -> str:
    if mail.subject.strip():
        return mail.subject.strip()[:200]
    first = next((line.strip() for line in mail.body.split("\n") if line.strip()), "")
    return first[:50] or NO_SUBJECT


def _register(
    row: InboundMail, mail: Mail, *, arrived_at: datetime | None, now: datetime, raw: bytes
) -> None:
    mailbox = row.mailbox
    draft = TicketDraft(
        type=mailbox.ticket_type,
        channel=Channel.EMAIL,
        subject=_subject(mail),
        description=_text(mail.body.strip() or NO_BODY) + _files_note(mail.files),
        received_at=_received_at(arrived_at, mail, now),
        complainant=Person(name=mail.sender_name, email=mail.sender),
        unit=mailbox.unit.code if mailbox.unit_id and mailbox.unit else "",
        source=mail.message_id,
    )
    files: list[dict[str, Any]] = []
    created: list[Ticket] = []

    def attach(ticket: Ticket) -> None:  # runs for a new ticket only
        created.append(ticket)
        files.extend(_attach(ticket, mail.files))

    try:
        with transaction.atomic():
            ticket = ticket_register(draft=draft, actor=None, actor_label=ACTOR_LABEL, then=attach)
    except HotlineError as exc:  # refused by registration (an inactive unit, a blocklist rule)
        row.outcome, row.reason, row.raw = Outcome.ERROR, f"无法登记:{exc.detail}"[:500], raw
        return
    if not created:  # the source was registered before (ticket_register is idempotent on it)
        row.outcome, row.ticket = Outcome.DUPLICATE, ticket
        row.reason = f"同一邮件(Message-ID 相同)此前已登记,对应工单 {ticket.number}"
        return
    row.outcome, row.ticket, row.files = Outcome.TICKET, ticket, files
    refused = [f for f in files if not f["kept"]]
    if refused:
        row.reason = ("未保存的附件:" + ";".join(f"{f['name']}({f['reason']})" for f in refused))[:500]


def _correspond(row: InboundMail, mail: Mail, ticket: Ticket, *, now: datetime) -> None:
    files = _attach(ticket, mail.files)
    kept = [f["name"] for f in files if f["kept"]]
    refused = [f"{f['name']}:{f['reason']}" for f in files if not f["kept"]]
    subject = mail.subject.strip() or NO_SUBJECT
    comment = f"{subject}\n\n{_text(mail.body.strip() or NO_BODY)}"
    payload: dict[str, Any] = {"direction": "in", "channel": Channel.EMAIL, "subject": subject[:200]}
    payload["mail"] = row.pk
    if kept:
        payload["files"] = kept
    if refused:
        payload["refused"] = refused
    locked = lock_ticket(ticket.pk)
    event = ticket_record(
        locked=locked,
        kind=EventKind.CORRESPONDENCE,
        actor=None,
        actor_label=ACTOR_LABEL,
        comment=comment,
        payload=payload,
        now=now,
    )
    row.outcome, row.ticket, row.event, row.files = Outcome.CORRESPONDENCE, ticket, event, files
    row.reason = f"回复工单 {ticket.number}" + (f";未保存的附件:{';'.join(refused)}" if refused else "")
    row.reason = row.reason[:500]
