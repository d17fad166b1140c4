"""Writing notifications into the outbox, in the caller's transaction (ADR 0010).

``notify_staff`` and ``notify_complainant`` render the kind's templates now and write one
row per (recipient, channel). ``key`` makes a call idempotent: a second call with the same
key writes nothing. Delivery is the worker's job (:mod:`hotline.notify.delivery`); a
commit hook only nudges it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from hotline.core.errors import HotlineError, InvalidInput
from hotline.core.phones import is_mobile
from hotline.core.types import User
from hotline.notify.channels import worker_channels
from hotline.notify.models import Message, MessageChannel, MessageStatus
from hotline.notify.recipients import staff_for_roles
from hotline.notify.templating import COMPLAINANT_KINDS, STAFF_KINDS, render_message
from hotline.policies.registry import get_pack
from hotline.policies.vocab import TICKET_TYPE_LABELS
from hotline.tickets.models import Ticket
from hotline.tickets.tokens import rate_link

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


def local_text(value: datetime | None) -> str:
    """A time as messages print it: ``2026-12-05 17:30``; a deadline at exactly midnight
    (the end of a natural-day limit) as ``2026-12-05 24:00`` of the day it ends."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def _base_url() -> str:
    return str(settings.HOTLINE_PUBLIC_BASE_URL).rstrip("/")


def _stage_label(ticket: Ticket) -> str:
    """The staff label of the ticket's stage (its code when the pack no longer has it)."""
    try:
        return get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label
    except HotlineError:
        return ticket.stage


def ticket_context(ticket: Ticket) -> dict[str, Any]:
    """What every template may use about the ticket: no identity of the complainant."""
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "type_label": TICKET_TYPE_LABELS.get(ticket.type, ticket.type),  # stored text: site language
        "unit_name": ticket.unit.name,
        "stage_label": _stage_label(ticket),
        "due": local_text(ticket.due_at),
        "final_due": local_text(ticket.final_due_at),
        "registered_at": f"{timezone.localtime(ticket.registered_at):%Y-%m-%d %H:%M}",
        "round": ticket.round,
        "track_url": f"{_base_url()}/public/track/",
        "rate_url": f"{_base_url()}{rate_link(ticket)}",
        # SMS in is set up (hotline.smsin): a survey SMS may be answered with a digit
        "sms_reply": bool(settings.HOTLINE_SMS_INBOUND_SECRET),
    }


def _write(rows: list[Message], *, key: str) -> int:
    if not rows:
        return 0
    # one read: a batch written before (then nothing), or rows with these keys
    written = list(
        Message.objects.filter(
            Q(batch_key=key) | Q(idempotency_key__in=[r.idempotency_key for r in rows])
        ).values_list("batch_key", "idempotency_key")
    )
    if any(batch == key for batch, _idem in written):
        return 0
    existing = {idem for _batch, idem in written}
    fresh = [r for r in rows if r.idempotency_key not in existing]
    # ignore_conflicts: a concurrent call with the same key wins, this one writes nothing
    Message.objects.bulk_create(fresh, ignore_conflicts=True)
    if any(r.channel in worker_channels() for r in fresh):
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
    now: datetime | None = None,
) -> int:
    """Tell staff about ``ticket``: in-app always, and by email when the user has an address.

    Recipients are ``users`` plus everyone holding one of ``roles`` on the ticket
    (:func:`hotline.notify.recipients.staff_for_roles`). ``now`` is when what caused the
    message happened (the event's time; default: now): the inbox shows and orders by it.
    Returns the rows written.
    """
    _check_kind(kind, STAFF_KINDS)
    recipients: dict[int, User] = {u.pk: u for u in users}
    if ticket is not None and roles:
        for user in staff_for_roles(ticket, roles):
            recipients.setdefault(user.pk, user)
    ctx = {**(ticket_context(ticket) if ticket is not None else {}), **(context or {})}
    rendered = render_message(kind, ctx)
    wall = timezone.now()
    rows: list[Message] = []
    for user in sorted(recipients.values(), key=lambda u: u.pk):
        common = {
            "ticket": ticket,
            "kind": kind,
            "user": user,
            "subject": rendered.subject,
            "body": rendered.body,
            "batch_key": key,
            "created_at": now or wall,
            "next_attempt_at": wall,
        }
        rows.append(
            Message(
                **common,
                channel=MessageChannel.INAPP,
                idempotency_key=f"{key}/inapp/u{user.pk}",
                status=MessageStatus.SENT,
                sent_at=wall,
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


def can_take_sms(phone: str) -> bool:
    """Whether a stored phone number takes text messages: a mainland mobile number, not a
    fixed line. A number kept as it was typed before numbers were checked is tried (the
    gateway refuses what it cannot deliver, and the row says so)."""
    if not phone.startswith("+86"):
        return True
    return is_mobile(phone)


def notify_complainant(
    *,
    ticket: Ticket,
    kind: str,
    context: dict[str, Any] | None = None,
    key: str,
    now: datetime | None = None,
) -> int:
    """Tell the complainant: by SMS to their phone and by email to their address (each if given).

    A complainant with neither (anonymous) gets one ``skipped`` row, so the ticket page
    shows that nobody could be told. ``now`` as for :func:`notify_staff`. Returns the rows
    written.
    """
    _check_kind(kind, COMPLAINANT_KINDS)
    ctx = {**ticket_context(ticket), "query_code": ticket.query_code, **(context or {})}
    rendered = render_message(kind, ctx)
    wall = timezone.now()
    common = {
        "ticket": ticket,
        "kind": kind,
        "subject": rendered.subject,
        "batch_key": key,
        "created_at": now or wall,
        "next_attempt_at": wall,
    }
    rows: list[Message] = []
    phone, email = ticket.complainant_phone.strip(), ticket.complainant_email.strip()
    if phone and can_take_sms(phone):
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
                last_error="诉求人只留了固定电话,无法发送短信" if phone else "诉求人未留联系方式",
            )
        )
    return _write(rows, key=key)


def notify_channel(
    *,
    ticket: Ticket | None,
    kind: str,
    channel: str,
    address: str,
    subject: str,
    body: str,
    key: str,
    now: datetime | None = None,
) -> int:
    """One message on a channel a feature registered (``channels.register_sender``), e.g. a
    partner system's callback: written now, in the caller's transaction, and delivered by the
    worker with the same retries as email and SMS. ``body`` is sent as it is (no template).
    Idempotent on ``key`` like the others; returns the rows written (0 or 1)."""
    if channel not in worker_channels():
        raise InvalidInput(f"未登记的消息渠道“{channel}”", code="unknown_notification_kind", field="channel")
    wall = timezone.now()
    row = Message(
        ticket=ticket,
        kind=kind,
        channel=channel,
        address=address,
        subject=subject[:200],
        body=body,
        batch_key=key,
        idempotency_key=f"{key}/{channel}",
        created_at=now or wall,
        next_attempt_at=wall,
    )
    return _write([row], key=key)


def _unread(user: User) -> QuerySet[Message]:
    return Message.objects.filter(user=user, channel=MessageChannel.INAPP, read_at__isnull=True)


def mark_read(user: User, ids: Iterable[int]) -> int:
    """Mark the user's own in-app messages read; returns how many changed."""
    return _unread(user).filter(pk__in=list(ids)).update(read_at=timezone.now())


def mark_ticket_read(user: User, ticket: Ticket | int) -> int:
    """Mark the user's own in-app messages about one ticket read; returns how many changed."""
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else int(ticket)
    return _unread(user).filter(ticket_id=ticket_id).update(read_at=timezone.now())


def mark_all_read(user: User, *, before: datetime | None = None) -> int:
    """Mark all the user's own in-app messages read (全部标为已读), not only a page of them;
    with ``before``, only those written before then. Returns how many changed."""
    unread = _unread(user)
    if before is not None:
        unread = unread.filter(created_at__lt=before)
    return unread.update(read_at=timezone.now())


def message_requeue(*, message_ids: Iterable[int]) -> int:
    """Give dead messages a fresh set of attempts (the admin's 're-queue' action)."""
    now = timezone.now()
    count = Message.objects.filter(pk__in=list(message_ids), status=MessageStatus.DEAD).update(
        status=MessageStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None
    )
    if count:
        transaction.on_commit(_nudge_worker)
    return count
