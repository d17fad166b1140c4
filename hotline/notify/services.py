"""Writing notifications into the outbox, in the caller's transaction (ADR 0010).

``notify_staff`` and ``notify_complainant`` render the kind's templates now and write one
row per (recipient, channel). ``key`` makes a call idempotent: a second call with the same
key writes nothing. Delivery is the worker's job (:mod:`hotline.notify.delivery`); a
commit hook only nudges it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.core.errors import InvalidInput
from hotline.core.types import User
from hotline.notify.models import Message, MessageChannel, MessageStatus
from hotline.notify.recipients import staff_for_roles
from hotline.notify.templating import COMPLAINANT_KINDS, STAFF_KINDS, render_message
from hotline.policies.vocab import TICKET_TYPE_LABELS
from hotline.portal.services import rate_link
from hotline.tickets.models import Ticket

logger = logging.getLogger(__name__)

# Template variables passed to the SMS provider (its templates are registered there).
# Aliyun caps a text variable (35 characters) and does not allow a whole link as a
# variable: the template holds the site's address and a link variable only the rest
# (``${base}/${rate_path}``). Links are never cut, a cut link is useless (ADR 0010).
SMS_TEXT_KEYS = ("number", "query_code", "reason", "due", "result")
SMS_LINK_KEYS = {"rate_url": "rate_path", "track_url": "track_path"}
SMS_TEXT_LIMIT = 35


def sms_params(ctx: dict[str, Any]) -> dict[str, str]:
    """The SMS template variables: text cut to the provider's limit, links as their part
    after ``HOTLINE_PUBLIC_BASE_URL`` + "/", whole."""
    params = {k: str(ctx[k])[:SMS_TEXT_LIMIT] for k in SMS_TEXT_KEYS if ctx.get(k)}
    base = f"{_base_url()}/"
    for key, name in SMS_LINK_KEYS.items():
        if ctx.get(key):
            params[name] = str(ctx[key]).removeprefix(base)
    return params


def _local(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _base_url() -> str:
    return str(settings.HOTLINE_PUBLIC_BASE_URL).rstrip("/")


def ticket_context(ticket: Ticket) -> dict[str, Any]:
    """What every template may use about the ticket: no identity of the complainant."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "type_label": TICKET_TYPE_LABELS.get(ticket.type, ticket.type),  # stored text: site language
        "unit_name": ticket.unit.name,
        "due": _local(ticket.due_at),
        "final_due": _local(ticket.final_due_at),
        "registered_at": _local(ticket.registered_at),
        "round": ticket.round,
        "track_url": f"{_base_url()}/public/track/",
        "rate_url": f"{_base_url()}{rate_link(ticket)}",
    }


def _write(rows: list[Message], *, key: str) -> int:
    if not rows or Message.objects.filter(batch_key=key).exists():
        return 0
    existing = set(
        Message.objects.filter(idempotency_key__in=[r.idempotency_key for r in rows]).values_list(
            "idempotency_key", flat=True
        )
    )
    fresh = [r for r in rows if r.idempotency_key not in existing]
    # ignore_conflicts: a concurrent call with the same key wins, this one writes nothing
    Message.objects.bulk_create(fresh, ignore_conflicts=True)
    if any(r.channel in (MessageChannel.EMAIL, MessageChannel.SMS) for r in fresh):
        transaction.on_commit(_nudge_worker)
    return len(fresh)


def _nudge_worker() -> None:
    """Ask the worker to deliver now. Best effort: the periodic task picks up anything left."""
    try:
        from hotline.notify.tasks import deliver_messages

        deliver_messages()
    except Exception:  # the queue being down must not fail the request that committed
        logger.warning("could not enqueue message delivery", exc_info=True)


def _check_kind(kind: str, allowed: tuple[str, ...]) -> None:
    if kind not in allowed:
        raise InvalidInput(f"未知的通知类型“{kind}”", code="unknown_notification_kind", field="kind")


def notify_staff(
    *,
    ticket: Ticket | None,
    kind: str,
    roles: Iterable[str] = (),
    users: Iterable[User] = (),
    context: dict[str, Any] | None = None,
    key: str,
) -> int:
    """Tell staff about ``ticket``: in-app always, and by email when the user has an address.

    Recipients are ``users`` plus everyone holding one of ``roles`` on the ticket
    (:func:`hotline.notify.recipients.staff_for_roles`). Returns the rows written.
    """
    _check_kind(kind, STAFF_KINDS)
    recipients: dict[int, User] = {u.pk: u for u in users}
    if ticket is not None and roles:
        for user in staff_for_roles(ticket, roles):
            recipients.setdefault(user.pk, user)
    ctx = {**(ticket_context(ticket) if ticket is not None else {}), **(context or {})}
    rendered = render_message(kind, ctx)
    now = timezone.now()
    rows: list[Message] = []
    for user in sorted(recipients.values(), key=lambda u: u.pk):
        common = {
            "ticket": ticket,
            "kind": kind,
            "user": user,
            "subject": rendered.subject,
            "body": rendered.body,
            "batch_key": key,
            "created_at": now,
            "next_attempt_at": now,
        }
        rows.append(
            Message(
                **common,
                channel=MessageChannel.INAPP,
                idempotency_key=f"{key}/inapp/u{user.pk}",
                status=MessageStatus.SENT,
                sent_at=now,
            )
        )
        if user.email:
            rows.append(
                Message(
                    **common,
                    channel=MessageChannel.EMAIL,
                    address=user.email,
                    idempotency_key=f"{key}/email/u{user.pk}",
                )
            )
    return _write(rows, key=key)


def notify_complainant(*, ticket: Ticket, kind: str, context: dict[str, Any] | None = None, key: str) -> int:
    """Tell the complainant: by SMS to their phone and by email to their address (each if given).

    A complainant with neither (anonymous) gets one ``skipped`` row, so the ticket page
    shows that nobody could be told. Returns the rows written.
    """
    _check_kind(kind, COMPLAINANT_KINDS)
    ctx = {**ticket_context(ticket), "query_code": ticket.query_code, **(context or {})}
    rendered = render_message(kind, ctx)
    now = timezone.now()
    common = {
        "ticket": ticket,
        "kind": kind,
        "subject": rendered.subject,
        "batch_key": key,
        "created_at": now,
        "next_attempt_at": now,
    }
    rows: list[Message] = []
    phone, email = ticket.complainant_phone.strip(), ticket.complainant_email.strip()
    if phone:
        params = sms_params(ctx)
        rows.append(
            Message(
                **common,
                channel=MessageChannel.SMS,
                address=phone,
                body=rendered.sms,
                params=params,
                idempotency_key=f"{key}/sms",
            )
        )
    if email:
        rows.append(
            Message(
                **common,
                channel=MessageChannel.EMAIL,
                address=email,
                body=rendered.body,
                idempotency_key=f"{key}/email",
            )
        )
    if not rows:
        rows.append(
            Message(
                **common,
                channel=MessageChannel.NONE,
                body=rendered.body,
                idempotency_key=f"{key}/none",
                status=MessageStatus.SKIPPED,
                last_error="诉求人未留联系方式",
            )
        )
    return _write(rows, key=key)


def mark_read(user: User, ids: Iterable[int]) -> int:
    """Mark the user's own in-app messages read; returns how many changed."""
    return Message.objects.filter(
        pk__in=list(ids), user=user, channel=MessageChannel.INAPP, read_at__isnull=True
    ).update(read_at=timezone.now())


def message_requeue(*, message_ids: Iterable[int]) -> int:
    """Give dead messages a fresh set of attempts (the admin's 're-queue' action)."""
    now = timezone.now()
    count = Message.objects.filter(pk__in=list(message_ids), status=MessageStatus.DEAD).update(
        status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None
    )
    if count:
        transaction.on_commit(_nudge_worker)
    return count
