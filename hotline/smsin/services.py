"""SMS in: each upstream message becomes a rating, a correspondence event, a ticket, or a record.

:func:`push_take` takes one push (``POST /api/v1/sms/inbound/aliyun/``, ``hotline.api.smsin``).
Each message is taken by :func:`sms_take` in one transaction that writes its ``InboundSms``
row first — unique per provider, sequence id and digest: the claim; a retried or concurrent
push waits for it and finds it — and then what the message became, through the core's doors
only. In order:

1. malformed, blank, or from a number that is no mainland phone → recorded (refused/ignored);
2. an unsubscribe word (TD, T, N, 退订, STOP, …) → recorded as ``unsubscribe``, never a ticket;
3. a rating reply — one digit 1–4 or the level's words (非常满意 / 满意 / 一般 / 不满意), the
   scale of the keypad survey — from a number we sent a survey SMS (``survey`` or
   ``survey_link``, accepted by the provider within the survey link's 30 days) whose ticket
   still waits for its rating (open, its stage offers ``return_visit``, none recorded since
   that SMS) → the ``return_visit`` action (``workflow.services.ticket_transition``,
   ``system``), as the portal records the complainant's own rating;
4. other text from the complainant number of an open ticket → a ``correspondence`` event on
   the latest such ticket (``workflow.services.ticket_record``). A confidential ticket is
   found by its number only when we texted that number about it (a reply to our SMS): a
   search by identity never finds a report otherwise (``identity_searchable``, ADR 0006);
5. a rating reply, or digits alone, with no ticket to take it → recorded as ignored (a stray
   "1" or "5" is no matter);
6. anything else → a new ticket (``workflow.registration.ticket_register``, channel ``sms``,
   ``source`` = provider, sequence id and digest: idempotent), the text its description and
   its first words the subject, in the intake unit's first stage for an agent to complete
   (``HOTLINE_SMS_INBOUND_TYPE`` / ``_UNIT``); the outbox sends the receipt.

A refusal by the core (the blocklist, an inactive unit) is recorded with its reason; any
other failure of one message is recorded as an error and the next ones go on.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hotline.core.errors import HotlineError
from hotline.core.phones import normalise_phone
from hotline.notify.models import Message, MessageChannel, MessageStatus
from hotline.policies.registry import get_pack
from hotline.smsin.aliyun import PROVIDER, Upstream
from hotline.smsin.models import InboundSms, Outcome
from hotline.tickets.models import OPEN_STATUSES, Channel, Satisfaction, Status, Ticket, TicketEvent
from hotline.tickets.tokens import RATE_TOKEN_MAX_AGE
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.identity import identity_searchable
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import ticket_record, ticket_transition

logger = logging.getLogger(__name__)

ACTOR_LABEL: Final = "短信"  # who registered / wrote, in the history
RATING_LABEL: Final = "短信评价"  # who rated (ReturnVisit.done_by_label)
VISIT_ACTION: Final = "return_visit"
SURVEY_KINDS: Final = ("survey", "survey_link")  # notify's complainant kinds that ask for a rating
SURVEY_WINDOW: Final = timedelta(seconds=RATE_TOKEN_MAX_AGE)  # as long as the survey link is valid
SUBJECT_CHARS: Final = 30
NO_SUBJECT: Final = "(短信)"
# Replies that unsubscribe (carriers' and providers' conventions), compared bare and upper-case.
UNSUBSCRIBE_WORDS: Final = frozenset(
    {"TD", "T", "N", "QX", "STOP", "UNSUBSCRIBE", "退订", "取消", "取消订阅", "0000", "00000"}
)
# The survey's scale, as the keypad survey offers it (1 非常满意 … 4 不满意).
RATING_DIGITS: Final = (
    Satisfaction.VERY_SATISFIED,
    Satisfaction.SATISFIED,
    Satisfaction.NEUTRAL,
    Satisfaction.DISSATISFIED,
)
# The levels' words as a reply writes them (and as the records say them, in the site's language).
RATING_WORDS: Final = {
    "非常满意": Satisfaction.VERY_SATISFIED,
    "满意": Satisfaction.SATISFIED,
    "一般": Satisfaction.NEUTRAL,
    "不满意": Satisfaction.DISSATISFIED,
}
LEVEL_WORDS: Final = {level.value: word for word, level in RATING_WORDS.items()}
_FULL_WIDTH: Final = {code + 0xFEE0: code for code in range(0x21, 0x7F)}  # ＡＢ１２ → AB12
_SENTENCE_END: Final = re.compile(r"[\n。!?!?;;]")


@dataclass
class PushReport:
    taken: list[InboundSms] = field(default_factory=list)
    skipped: int = 0  # taken before (a retried push)


def bare(text: str) -> str:
    """``text`` without spaces and punctuation, full-width letters and digits as ASCII,
    upper-case: how a one-word reply is compared (``" 1。"`` → ``"1"``, ``"ｔｄ"`` → ``"TD"``)."""
    kept = (ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PZC")
    return "".join(kept).translate(_FULL_WIDTH).upper()


def rating_of(text: str) -> str | None:
    """The satisfaction a reply gives (``1``–``4`` or a level's words), else None."""
    word = bare(text)
    if len(word) == 1 and word in "1234":
        return RATING_DIGITS[int(word) - 1].value
    level = RATING_WORDS.get(word)
    return level.value if level is not None else None


def is_unsubscribe(text: str) -> bool:
    return bare(text) in UNSUBSCRIBE_WORDS


def subject_of(text: str) -> str:
    """The first words of the text: its first sentence, at most ``SUBJECT_CHARS`` characters."""
    first = " ".join(_SENTENCE_END.split(text.strip(), maxsplit=1)[0].split())
    first = first or " ".join(text.split())
    if len(first) > SUBJECT_CHARS:
        return first[:SUBJECT_CHARS] + "…"
    return first or NO_SUBJECT


def source_of(provider: str, message: Upstream) -> str:
    """The ticket's ``source``: the same message always names the same ticket."""
    return f"{provider}:{message.sequence_id}:{message.digest[:16]}"


# ---------------------------------------------------------------------------------------
# one push, one message


def push_take(
    *, messages: Iterable[Upstream], provider: str = PROVIDER, now: datetime | None = None
) -> PushReport:
    """Take each message of a push; one message's failure does not stop the others."""
    report = PushReport()
    for message in messages:
        row = sms_take(message=message, provider=provider, now=now)
        if row is None:
            report.skipped += 1
        else:
            report.taken.append(row)
    return report


def sms_take(
    *, message: Upstream, provider: str = PROVIDER, now: datetime | None = None
) -> InboundSms | None:
    """Take one upstream message; its record, or None when it was taken already.

    Never raises for the message's content: what fails is kept with the error."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = _row(message, provider, now)
            row.save()  # the claim: a second push's insert waits for ours and fails
            _apply(row, message, provider=provider, now=now)
            row.save()
            return row
    except IntegrityError:
        if _already(provider, message):
            return None
        logger.exception("短信 %s:%s 处理失败", provider, message.sequence_id)
        error = "数据库拒绝写入(完整性错误)"
    except (OperationalError, InterfaceError):
        raise  # the database, not the message: the push is answered with an error and retried
    except Exception as exc:  # one message never stops the push: kept with the error
        logger.exception("短信 %s:%s 处理失败", provider, message.sequence_id)
        error = f"{type(exc).__name__}: {exc}"
    row = _row(message, provider, now)
    row.reason = error[:500]
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return None
    return row


def _row(message: Upstream, provider: str, now: datetime) -> InboundSms:
    return InboundSms(
        provider=provider,
        sequence_id=message.sequence_id,
        digest=message.digest,
        phone_raw=message.phone_number,
        content=message.content,
        sign_name=message.sign_name,
        dest_code=message.dest_code,
        sent_at=message.sent_at,
        taken_at=now,
        outcome=Outcome.ERROR,
    )


def _already(provider: str, message: Upstream) -> bool:
    return InboundSms.objects.filter(
        provider=provider, sequence_id=message.sequence_id, digest=message.digest
    ).exists()


# ---------------------------------------------------------------------------------------
# what a message becomes


def _apply(row: InboundSms, message: Upstream, *, provider: str, now: datetime) -> None:
    """Decide what ``message`` is and do it; ``row`` (saved) records the outcome."""
    if message.error:
        row.outcome, row.reason = Outcome.REJECTED, f"推送格式有误:{message.error}"[:500]
        return
    try:
        phone = normalise_phone(message.phone_number)
    except HotlineError as exc:
        row.outcome, row.reason = Outcome.REJECTED, f"号码无效:{exc.detail}"[:500]
        return
    row.phone = phone
    text = message.content.strip()
    if not text:
        row.outcome, row.reason = Outcome.IGNORED, "空短信,未登记"
        return
    if is_unsubscribe(text):
        row.outcome, row.reason = Outcome.UNSUBSCRIBE, f"回复“{text[:20]}”退订短信,未登记"
        return
    level = rating_of(text)
    if level is not None and _rate(row, phone, level, text, now=now):
        return
    ticket = _open_ticket_of(phone)
    if ticket is not None:
        _correspond(row, ticket, text, now=now)
    elif level is not None:
        row.outcome = Outcome.IGNORED
        row.reason = "满意度回复,但该号码没有待评价的工单(已评价、已结束或超过评价期限),未登记"
    elif bare(text).isascii() and bare(text).isdigit():
        row.outcome, row.reason = Outcome.IGNORED, "只有数字,该号码没有办理中的工单,未登记"
    else:
        _register(row, message, phone, text, provider=provider, now=now)


def _waiting(ticket: Ticket, since: datetime) -> bool:
    """Whether ``ticket`` still waits for the rating a survey SMS sent at ``since`` asked for."""
    if ticket.status != Status.OPEN:
        return False
    try:
        stage = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage)
    except HotlineError:
        return False
    if VISIT_ACTION not in stage.actions:
        return False
    return not TicketEvent.objects.filter(ticket=ticket, action=VISIT_ACTION, created_at__gte=since).exists()


def _surveys(phone: str, now: datetime) -> list[tuple[int, datetime]]:
    """(ticket id, sent) of the survey SMS the provider accepted for ``phone`` lately, newest
    first. Found from the number's open tickets (the ticket phone index), then their messages."""
    tickets = list(
        Ticket.objects.filter(complainant_phone=phone, status=Status.OPEN)
        .order_by("-received_at")
        .values_list("pk", flat=True)[:50]
    )
    if not tickets:
        return []
    return list(
        Message.objects.filter(
            ticket_id__in=tickets,
            channel=MessageChannel.SMS,
            kind__in=SURVEY_KINDS,
            address=phone,
            status=MessageStatus.SENT,
            created_at__gte=now - SURVEY_WINDOW,
        )
        .order_by("-created_at", "-pk")
        .values_list("ticket_id", "created_at")
    )


def _rate(row: InboundSms, phone: str, level: str, text: str, *, now: datetime) -> bool:
    """Record the rating on the newest surveyed ticket still waiting for it; False when none
    waits (the message is then read as text)."""
    seen: set[int] = set()
    for ticket_id, sent in _surveys(phone, now):
        if ticket_id in seen:
            continue
        seen.add(ticket_id)
        try:
            with transaction.atomic():
                locked = lock_ticket(ticket_id)
                if not _waiting(locked, sent):
                    continue
                result = ticket_transition(
                    ticket=locked,
                    action=VISIT_ACTION,
                    actor=None,
                    system=True,
                    actor_label=RATING_LABEL,
                    params={"satisfaction": level, "comment": f"短信回复“{text[:50]}”"},
                    now=now,
                )
        except HotlineError as exc:  # the pack refused it after all: try the next, else text
            logger.info("短信评价未记录(工单 %s):%s", ticket_id, exc.detail)
            continue
        row.outcome, row.ticket, row.event, row.satisfaction = (
            Outcome.RATING,
            result.ticket,
            result.event,
            level,
        )
        row.reason = f"回访评价:{LEVEL_WORDS[level]}(工单 {result.ticket.number})"
        return True
    return False


def _open_ticket_of(phone: str) -> Ticket | None:
    """The latest open ticket of this complainant number; a confidential one only when we
    texted this number about it."""
    texted = Message.objects.filter(
        ticket=OuterRef("pk"), channel=MessageChannel.SMS, address=phone, status=MessageStatus.SENT
    )
    return (
        Ticket.objects.filter(complainant_phone=phone, status__in=OPEN_STATUSES)
        .filter(identity_searchable() | Exists(texted))
        .order_by("-received_at", "-pk")
        .first()
    )


def _correspond(row: InboundSms, ticket: Ticket, text: str, *, now: datetime) -> None:
    payload: dict[str, Any] = {"direction": "in", "channel": Channel.SMS, "sms": row.pk}
    locked = lock_ticket(ticket.pk)
    event = ticket_record(
        locked=locked,
        kind=EventKind.CORRESPONDENCE,
        actor=None,
        actor_label=ACTOR_LABEL,
        comment=text,
        payload=payload,
        now=now,
    )
    row.outcome, row.ticket, row.event = Outcome.CORRESPONDENCE, locked, event
    row.reason = f"记入工单 {locked.number} 的往来函件"


def _received_at(message: Upstream, now: datetime) -> datetime:
    """When the carrier had it, within what registration accepts (not later than now, not
    older than a year)."""
    when = message.sent_at or now
    return min(max(when, now - timedelta(days=365)), now)


def _register(
    row: InboundSms, message: Upstream, phone: str, text: str, *, provider: str, now: datetime
) -> None:
    draft = TicketDraft(
        type=settings.HOTLINE_SMS_INBOUND_TYPE,
        channel=Channel.SMS,
        subject=subject_of(text),
        description=text,
        received_at=_received_at(message, now),
        complainant=Person(phone=phone),
        unit=settings.HOTLINE_SMS_INBOUND_UNIT,
        source=source_of(provider, message),
    )
    created: list[Ticket] = []
    try:
        with transaction.atomic():
            ticket = ticket_register(
                draft=draft, actor=None, actor_label=ACTOR_LABEL, then=created.append, now=now
            )
    except HotlineError as exc:  # refused by registration (the blocklist, an inactive unit)
        row.outcome, row.reason = Outcome.REJECTED, f"无法登记:{exc.detail}"[:500]
        return
    row.outcome, row.ticket = Outcome.TICKET, ticket
    row.reason = f"登记为工单 {ticket.number}" + ("" if created else "(此前已登记)")
