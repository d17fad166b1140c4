"""A partner's push in: who signed it, and the ticket it registers (once).

``push_authenticate`` checks the signature and its time (``signing``) before anything else
is read. ``push_receive`` registers the matter through the core's one door —
``ticket_register`` with the source ``<partner code>:<partner's ticket id>`` on the channel
``transfer`` — and writes the ``PartnerTicket`` (the partner's number and the upper level's
limit) in the same transaction (``then``). A push of an id already received returns that
ticket and writes nothing: a retry, an exact resend, or two copies racing (the ticket's
source is unique; the loser gets the winner's ticket).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from hotline.calendar.services import compute_deadline
from hotline.core.errors import Conflict, Forbidden
from hotline.exchange.models import DueSource, Partner, PartnerTicket
from hotline.exchange.signing import signature_matches, timestamp_fresh
from hotline.policies.registry import get_pack
from hotline.tickets.models import Channel, Ticket
from hotline.workflow.drafts import draft_from_data
from hotline.workflow.registration import ticket_register


@dataclass(frozen=True)
class Push:
    """A partner's ticket as its push carries it, already checked for shape (``api.exchange``).

    ``matter`` holds the ticket's fields with the staff API's names (``workflow.drafts``:
    type, subject, description, complainant, …); the door adds channel, source, unit, policy
    and the time received (the partner's ``dispatched_at``)."""

    ticket_id: str
    number: str = ""
    dispatched_at: datetime | None = None
    due_at: datetime | None = None
    matter: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Received:
    link: PartnerTicket
    created: bool  # False: this id was received before; nothing was written


def source_of(partner: Partner, ticket_id: str) -> str:
    """The ticket's ``source`` for a partner's ticket id (unique with the channel)."""
    return f"{partner.code}:{ticket_id}"


def push_authenticate(
    *, code: str, timestamp: str, signature: str, body: bytes, at: float | None = None
) -> Partner:
    """The partner that signed ``body``; ``Forbidden`` otherwise.

    The signature is checked first, so a caller without the key learns nothing more than
    ``exchange_signature_invalid`` (also for a code nobody has); then the time
    (``exchange_timestamp_expired``: older or newer than the window, e.g. a replay); then
    whether the partner is enabled."""
    partner = Partner.objects.filter(code=code).select_related("unit").first()
    key = partner.inbound_key if partner is not None else ""
    if partner is None or not signature_matches(key, timestamp, body, signature):
        raise Forbidden("签名无效:请核对签名密钥和签名方法", code="exchange_signature_invalid")
    window = float(settings.HOTLINE_EXCHANGE_SIGNATURE_WINDOW_SECONDS)
    if not timestamp_fresh(timestamp, now=time.time() if at is None else at, window=window):
        raise Forbidden(
            f"签名时间与当前时间相差超过 {int(window)} 秒(请求过期或被重放),请重新签名后推送",
            code="exchange_timestamp_expired",
        )
    if not partner.enabled:
        raise Forbidden("该上级/合作系统已停用,暂不接收推送", code="exchange_partner_disabled")
    return partner


def push_receive(*, partner: Partner, push: Push, now: datetime | None = None) -> Received:
    """Register the partner's ticket, or return the one this id registered before."""
    now = now or timezone.now()
    found = _link(partner, push.ticket_id)
    if found is not None:
        return Received(found, created=False)
    data = dict(push.matter or {})
    data.setdefault("type", partner.ticket_type)
    data.update(
        channel=Channel.TRANSFER,
        source=source_of(partner, push.ticket_id),
        received_at=push.dispatched_at or now,
        unit=partner.unit.code if partner.unit is not None else "",
        policy=partner.policy,
    )
    made: list[PartnerTicket] = []

    def keep(ticket: Ticket) -> None:
        made.append(_keep(partner=partner, push=push, ticket=ticket, now=now))

    ticket = ticket_register(
        draft=draft_from_data(data), actor=None, actor_label=partner.name, now=now, then=keep
    )
    if made:
        return Received(made[0], created=True)
    # the source was registered meanwhile (a concurrent copy of this push won)
    link = PartnerTicket.objects.filter(ticket=ticket).select_related("partner", "ticket").first()
    if link is None or link.partner_id != partner.pk or link.partner_ticket_id != push.ticket_id:
        raise Conflict("该来源编号已被另一张工单使用", code="exchange_source_taken")
    return Received(link, created=False)


def _link(partner: Partner, ticket_id: str) -> PartnerTicket | None:
    return (
        PartnerTicket.objects.filter(partner=partner, partner_ticket_id=ticket_id)
        .select_related("partner", "ticket")
        .first()
    )


def _keep(*, partner: Partner, push: Push, ticket: Ticket, now: datetime) -> PartnerTicket:
    """The partner's record of ``ticket``, with the upper level's limit: the due time the
    partner sent, else the pack's ``upper_level.answer_back`` counted from its dispatch."""
    due, source, label, provisional = push.due_at, DueSource.PARTNER, "", False
    if due is None:
        limit = get_pack(ticket.policy).upper_level.answer_back
        source = DueSource.NONE
        if limit is not None:
            counted = compute_deadline(start=ticket.received_at, amount=limit.amount, unit=limit.unit)
            due, source, label, provisional = counted.due_at, DueSource.PACK, limit.label, counted.provisional
    return PartnerTicket.objects.create(
        partner=partner,
        ticket=ticket,
        partner_ticket_id=push.ticket_id,
        partner_number=push.number or push.ticket_id,
        dispatched_at=ticket.received_at,
        answer_due_at=due,
        answer_due_source=source,
        answer_limit=label,
        provisional=provisional,
        received_at=now,
    )
