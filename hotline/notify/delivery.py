"""Delivering outbox rows: claim with a lease, send, record the outcome (ADR 0010).

A row is claimed by one conditional UPDATE (``status`` and ``attempts`` unchanged since it
was read), which sets ``sending`` and a lease. A worker killed mid-send leaves the row
``sending``; after the lease it is due again and sent with the same idempotency key.
The outcome is written only if the row is still ours (``attempts`` is the fencing token).
A row claimed ``HOTLINE_NOTIFY_MAX_ATTEMPTS`` times without an outcome (each send killed
the worker) is not claimed again: it goes ``dead``.

Error text is stored without the recipient's address or number (:func:`redact`): the
ticket page and the admin show it, and a confidential reporter's contact must not leak.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from hotline.notify.channels import Deferred, NotConfigured, PermanentError, sender_for, worker_channels
from hotline.notify.models import OPEN_STATUSES, Message, MessageChannel, MessageStatus

logger = logging.getLogger(__name__)

SENT_BY_WORKER = (MessageChannel.EMAIL, MessageChannel.SMS)

REDACTED = "***"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)\+?\d{7,}(?!\d)")  # 7+ digits: a phone number, not an SMTP code


def redact(text: str, address: str = "") -> str:
    """``text`` without ``address`` and without anything that looks like an email address or
    a phone number, each replaced by ``***``; cut to fit ``Message.last_error``."""
    if address:
        text = re.sub(re.escape(address), REDACTED, text, flags=re.IGNORECASE)
    text = _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, text))
    return text[:500]


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Wait before try ``attempt + 1``: base · 2^(attempt-1), capped, with "equal jitter"
    (half fixed, half random) so that many failed messages do not retry in lockstep."""
    base = float(settings.HOTLINE_NOTIFY_BACKOFF_SECONDS)
    cap = float(settings.HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS)
    # int ** int is typed Any (a negative exponent gives a float)
    delay: float = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def _due(now: datetime, limit: int) -> list[Message]:
    return list(
        Message.objects.filter(
            status__in=OPEN_STATUSES, channel__in=worker_channels(), next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .only("pk", "status", "attempts")[:limit]
    )


def _claim(row: Message, now: datetime) -> bool:
    lease = now + timedelta(seconds=float(settings.HOTLINE_NOTIFY_LEASE_SECONDS))
    claimed = Message.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=MessageStatus.SENDING, attempts=row.attempts + 1, lease_until=lease, next_attempt_at=lease
    )
    return claimed == 1


def _give_up(row: Message) -> bool:
    """Mark ``dead`` a row whose every claim ended without an outcome (a send that kills the
    worker would otherwise be retried for ever). False when another worker changed it."""
    error = f"已尝试 {row.attempts} 次,每次发送都未完成(工作进程中止或超时),已放弃"
    changed = Message.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
        status=MessageStatus.DEAD, lease_until=None, last_error=error
    )
    return changed == 1


def _finish(pk: int, attempts: int, **fields: object) -> None:
    Message.objects.filter(pk=pk, status=MessageStatus.SENDING, attempts=attempts).update(
        lease_until=None, **fields
    )


def deliver_one(message: Message) -> str:
    """Send one claimed row and record the outcome; returns the new status."""
    attempts, address = message.attempts, message.address
    try:
        provider_id = sender_for(message.channel)(message)
    except NotConfigured as exc:
        _finish(message.pk, attempts, status=MessageStatus.SKIPPED, last_error=redact(str(exc), address))
        return MessageStatus.SKIPPED
    except PermanentError as exc:
        _finish(message.pk, attempts, status=MessageStatus.DEAD, last_error=redact(str(exc), address))
        return MessageStatus.DEAD
    except Deferred as exc:  # waits its turn: the claim's try is given back
        Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING, attempts=attempts).update(
            status=MessageStatus.RETRYING,
            attempts=attempts - 1,
            lease_until=None,
            next_attempt_at=exc.until,
            last_error=redact(str(exc), address),
        )
        return MessageStatus.RETRYING
    except Exception as exc:  # a temporary failure: connection refused, timeout, provider busy
        error = redact(f"{type(exc).__name__}: {exc}", address)
        if attempts >= settings.HOTLINE_NOTIFY_MAX_ATTEMPTS:
            _finish(message.pk, attempts, status=MessageStatus.DEAD, last_error=error)
            return MessageStatus.DEAD
        retry_at = timezone.now() + timedelta(seconds=backoff_seconds(attempts))
        _finish(
            message.pk, attempts, status=MessageStatus.RETRYING, last_error=error, next_attempt_at=retry_at
        )
        return MessageStatus.RETRYING
    _finish(
        message.pk,
        attempts,
        status=MessageStatus.SENT,
        sent_at=timezone.now(),
        provider_message_id=provider_id[:100],
        last_error="",
    )
    return MessageStatus.SENT


def deliver_due(*, now: datetime | None = None, batch: int = 50) -> DeliveryReport:
    """Deliver every email/SMS row that is due now (pending, retry time reached, lease expired)."""
    report = DeliveryReport()
    buckets = {
        MessageStatus.SENT: report.sent,
        MessageStatus.RETRYING: report.retrying,
        MessageStatus.DEAD: report.dead,
        MessageStatus.SKIPPED: report.skipped,
    }
    seen: set[int] = set()
    while True:
        moment = now or timezone.now()
        rows = [r for r in _due(moment, batch) if r.pk not in seen]
        if not rows:
            return report
        for row in rows:
            seen.add(row.pk)
            if row.attempts >= settings.HOTLINE_NOTIFY_MAX_ATTEMPTS:
                if _give_up(row):
                    report.dead.append(row.pk)
                    logger.warning("message %s: %s claims without an outcome, dead", row.pk, row.attempts)
                continue
            if not _claim(row, moment):
                continue  # another worker has it
            message = Message.objects.get(pk=row.pk)
            status = deliver_one(message)
            buckets[MessageStatus(status)].append(message.pk)
            logger.info("message %s (%s) → %s", message.pk, message.idempotency_key, status)


def next_due_at() -> datetime | None:
    """When the earliest open email/SMS row falls due (retry time or lease end)."""
    value: datetime | None = Message.objects.filter(
        status__in=OPEN_STATUSES, channel__in=worker_channels()
    ).aggregate(m=Min("next_attempt_at"))["m"]
    return value
