"""Our acceptance, progress and result going back to the partner (反馈上级), through the outbox.

:func:`on_ticket_event` is registered with ``workflow.events.on_event``: inside the
transaction that writes an event of a partner's ticket it writes one outbox row
(``notify.services.notify_channel``, channel ``partner``) holding the callback's JSON body,
so the callback commits with the event or not at all, and a crash after the commit loses
nothing. The notify worker delivers it with :func:`send` — in order per ticket (a callback
waits while an earlier one is retried), signed at each try, retried with
backoff on timeouts, refused connections and 5xx/408/425/429, ``dead`` at once on another
4xx or a partner that was disabled, ``dead`` after the last try otherwise; an admin re-queues
a dead one (管理后台 → 上级回传). Every try of one callback carries the same delivery key,
and ``seq`` (the event's place in the ticket's history) orders them for the partner.

Which events go back (``CALLBACKS``), in three groups:
- acceptance (受理): ``accepted``, ``rejected`` (不予受理, with the reason);
- progress (进展): ``dispatched`` (the unit), ``extended`` (the new due time),
  ``suspended``, ``resumed``, ``interim`` (阶段性答复), ``visited`` (回访满意度),
  ``reopened``;
- result (结果): ``replied`` (the answer, once it is the complainant's — not while under
  review) and ``closed`` (closing code, result, satisfaction).
The first ``replied``, ``closed`` or ``rejected`` marks the partner's ticket answered.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from django.conf import settings
from django.utils import timezone

from hotline.core.errors import HotlineError
from hotline.exchange.models import KIND_PREFIX, PARTNER_CHANNEL, Partner, PartnerTicket
from hotline.exchange.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    PARTNER_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from hotline.notify.channels import Deferred, PermanentError
from hotline.notify.events import under_review
from hotline.notify.models import OPEN_STATUSES, Message
from hotline.notify.services import notify_channel
from hotline.policies.registry import get_pack
from hotline.tickets.models import Channel, Ticket, TicketEvent

Group = Literal["acceptance", "progress", "result"]


def _always(ticket: Ticket, event: TicketEvent) -> bool:
    return True


@dataclass(frozen=True)
class CallbackSpec:
    event: str  # the callback's name for the partner
    group: Group
    label: str  # the outbox row's subject (Chinese)
    when: Callable[[Ticket, TicketEvent], bool] = _always


CALLBACKS: Final[dict[str, CallbackSpec]] = {
    "accept": CallbackSpec("accepted", "acceptance", "已受理"),
    "reject": CallbackSpec("rejected", "acceptance", "不予受理"),
    "dispatch": CallbackSpec("dispatched", "progress", "已派单"),
    "redispatch": CallbackSpec("dispatched", "progress", "已再次派单"),
    "approve_extension": CallbackSpec("extended", "progress", "已延期"),
    "suspend": CallbackSpec("suspended", "progress", "已中止"),
    "resume": CallbackSpec("resumed", "progress", "已恢复办理"),
    "interim_reply": CallbackSpec("interim", "progress", "阶段性答复"),
    "return_visit": CallbackSpec("visited", "progress", "已回访"),
    "reopen": CallbackSpec("reopened", "progress", "已重新办理"),
    "reply": CallbackSpec("replied", "result", "办理结果", when=lambda t, e: not under_review(t, e)),
    "approve_reply": CallbackSpec("replied", "result", "办理结果"),
    "batch_reply": CallbackSpec("replied", "result", "办理结果"),
    "close": CallbackSpec("closed", "result", "已办结"),
    "close_with_parent": CallbackSpec("closed", "result", "已办结"),
}
# Callbacks after which the upper level has its answer (反馈处理结果).
ANSWERS: Final = frozenset({"replied", "closed", "rejected"})


def _time(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _stage_label(ticket: Ticket) -> str:
    try:
        return get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label
    except HotlineError:
        return ticket.stage


def callback_body(
    link: PartnerTicket, ticket: Ticket, event: TicketEvent, spec: CallbackSpec
) -> dict[str, Any]:
    """What the partner receives about ``event`` (JSON; documented in docs/guide/admin.md)."""
    payload = event.payload or {}
    body: dict[str, Any] = {
        "delivery": delivery_key(event, spec),
        "event": spec.event,
        "group": spec.group,
        "partner": link.partner.code,
        "ticket_id": link.partner_ticket_id,
        "partner_number": link.partner_number,
        "number": ticket.number,
        "seq": event.seq,
        "at": _time(event.created_at),
        "status": ticket.status,
        "stage": ticket.stage,
        "stage_label": _stage_label(ticket),
        "due_at": _time(ticket.final_due_at or ticket.due_at),
        # the note as the complainant may see it: an internal note (a dispatch's 说明) stays ours
        "comment": event.comment if event.public else "",
    }
    if spec.event == "rejected":
        body["reason"] = payload.get("reason_label") or payload.get("reason", "")
    if spec.event == "dispatched":
        body["unit"] = {"code": ticket.unit.code, "name": ticket.unit.name}
        body["round"] = ticket.round
    if spec.event in ("interim", "replied", "closed"):
        body["result"] = payload.get("result") or event.comment
    if spec.event == "closed":
        body["closing_code"] = ticket.closing_code
    if spec.event in ("visited", "closed"):
        body["satisfaction"] = ticket.satisfaction
    return body


def delivery_key(event: TicketEvent, spec: CallbackSpec) -> str:
    return f"exchange/{event.pk}/{spec.event}"


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    """Write the callback ``event`` causes, if its ticket came from a partner (in the
    event's transaction)."""
    if ticket.channel != Channel.TRANSFER:
        return
    spec = CALLBACKS.get(event.action)
    if spec is None or not spec.when(ticket, event):
        return
    link = PartnerTicket.objects.filter(ticket=ticket).select_related("partner").first()
    if link is None:  # a transfer typed in by hand: no partner to tell
        return
    body = callback_body(link, ticket, event, spec)
    notify_channel(
        ticket=ticket,
        kind=KIND_PREFIX + spec.event,
        channel=PARTNER_CHANNEL,
        address=link.partner.code,
        subject=f"{spec.label}:{link.partner_number}"[:200],
        body=json.dumps(body, ensure_ascii=False, sort_keys=True),
        key=delivery_key(event, spec),
        now=event.created_at,
    )
    if spec.event in ANSWERS and link.answered_at is None:
        PartnerTicket.objects.filter(pk=link.pk, answered_at__isnull=True).update(
            answered_at=event.created_at
        )


# --- delivery (the notify worker calls ``send`` for each try) ---------------------------

# HTTP answers worth another try: the partner is busy or down, not refusing this callback.
RETRY_STATUSES: Final = frozenset({408, 425, 429})
MAX_ANSWER_BYTES = 4096


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed (a POST would turn into a GET): it is the partner's
    answer, refused as a wrong address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _answer_text(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(MAX_ANSWER_BYTES).decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f": {text[:200]}" if text else ""


def _wait_for_earlier(message: Message) -> None:
    """``Deferred`` while an earlier callback of the same ticket is still on its way: the
    partner hears them in order (a retried ``accepted`` before ``dispatched``). One that was
    given up on (dead) no longer holds the rest back."""
    if message.ticket_id is None or message.pk is None:
        return
    earlier = (
        Message.objects.filter(
            ticket_id=message.ticket_id, channel=PARTNER_CHANNEL, pk__lt=message.pk, status__in=OPEN_STATUSES
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .last()
    )
    if earlier is not None:
        until = max(earlier, timezone.now()) + timedelta(milliseconds=10)
        raise Deferred("等待本工单前一条回传送达后发送", until=until)


def send(message: Message) -> str:
    """POST one callback to its partner, signed now; the answer's status as the receipt."""
    _wait_for_earlier(message)
    partner = Partner.objects.filter(code=message.address).first()
    if partner is None:
        raise PermanentError(f"上级/合作系统“{message.address}”已不存在")
    if not partner.enabled:
        raise PermanentError("上级/合作系统已停用,回传未发出;重新启用后可在“上级回传”中重新发送")
    if not partner.outbound_url or not partner.outbound_key:
        raise PermanentError("上级/合作系统未配置回传地址或回传签名密钥")
    body = message.body.encode()
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        partner.outbound_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Hotline-Exchange/1",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(partner.outbound_key, stamp, body),
            PARTNER_HEADER: partner.code,
            DELIVERY_HEADER: message.batch_key or message.idempotency_key,  # the body's "delivery"
            EVENT_HEADER: message.kind.removeprefix(KIND_PREFIX),
        },
    )
    try:
        with _opener.open(request, timeout=float(settings.HOTLINE_EXCHANGE_TIMEOUT_SECONDS)) as response:
            response.read(MAX_ANSWER_BYTES)
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        text = _answer_text(exc)
        if exc.code >= 500 or exc.code in RETRY_STATUSES:
            raise OSError(f"对方服务暂时不可用:HTTP {exc.code}{text}") from None
        raise PermanentError(f"对方拒收:HTTP {exc.code}{text}") from None
