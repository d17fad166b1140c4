"""Reads for the public: a ticket by number and query code, and what of it the public may see."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hotline.core.errors import NotFound, TooManyRequests
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit
from hotline.policies.registry import get_pack
from hotline.policies.vocab import ACTION_LABELS
from hotline.tickets.models import Status, Ticket, TicketEvent


@dataclass
class PublicReply:
    at: datetime
    action: str
    text: str


@dataclass
class PublicStep:
    """One public event on the tracking page's timeline: when, what (a label), and its text."""

    at: datetime
    action: str
    label: str
    text: str = ""


# What each public event is called on the timeline (the public's words, not staff's).
STEP_LABELS = {
    "register": pgettext_lazy("public step", "已登记"),
    "accept": pgettext_lazy("public step", "已受理"),
    "reject": pgettext_lazy("public step", "不予受理"),
    "interim_reply": pgettext_lazy("public step", "阶段性答复"),
    "reply": pgettext_lazy("public step", "已答复"),
    "approve_reply": pgettext_lazy("public step", "已答复"),
    "approve_extension": pgettext_lazy("public step", "办理期限已延长"),
    "close": pgettext_lazy("public step", "已办结"),
    "reopen": pgettext_lazy("public step", "重新办理"),
}
OTHER_STEP = gettext_lazy("办理进展")
ANSWERS = ("reply", "approve_reply", "close", "reject")  # what counts as the result once closed


@dataclass
class PublicProgress:
    """Everything the public page shows: no identity, no staff names, no internal notes."""

    number: str
    type: str
    received_at: datetime
    status: str
    stage: str
    closed: bool
    due_at: datetime | None
    closed_at: datetime | None
    replies: list[PublicReply] = field(default_factory=list)
    steps: list[PublicStep] = field(default_factory=list)
    # the timeline's last entry, "now: <stage>", when the ticket is open and the stage says
    # more than the last step (after 受理 and 派单 the stage is 办理中, the last step 已受理)
    current: str = ""
    result: str = ""
    rating_open: bool = False
    rated: bool = False


# Wrong query codes allowed per ticket number and hour, from all addresses together: the
# per-address rate limit alone would let many addresses share out the million codes.
CODE_FAILURES_PER_NUMBER = 10
_NUMBER = re.compile(r"[0-9]{8,20}")
CODE_FAILURE_WINDOW = 3600


def public_ticket(number: str, code: str) -> Ticket:
    """The ticket whose number and query code match, else one generic ``NotFound``.

    The code is compared in constant time, and a missing number gives the same answer.
    After ``CODE_FAILURES_PER_NUMBER`` wrong codes for one number within the hour, every
    lookup of that number is refused (``TooManyRequests``) until the hour is over.
    """
    number = number.strip() if number else ""
    # Ticket numbers are ASCII digits: anything else cannot match and is not counted
    # (nor used in a cache key).
    counted = bool(_NUMBER.fullmatch(number))
    key = f"portal:code-failures:{number}"
    if counted and cache.get(key, 0) >= CODE_FAILURES_PER_NUMBER:
        raise TooManyRequests(_("该工单查询错误次数过多,请一小时后再试"), code="too_many_code_failures")
    ticket = Ticket.objects.filter(number=number).first() if number else None
    if ticket is None or not hmac.compare_digest(ticket.query_code.encode(), code.strip().encode()):
        if counted:
            try:
                cache.incr(key)
            except ValueError:
                cache.add(key, 1, CODE_FAILURE_WINDOW)
        raise NotFound(_("工单编号或查询码不正确"), code="ticket_not_found")
    return ticket


def rating_open(ticket: Ticket) -> bool:
    """True when a return visit (回访) waits for the complainant's rating now: the stage
    offers ``return_visit`` *and* a visit task is open. (12345's ``handling`` stage offers
    it for the coordinator when the limit expires; the public may rate only after a reply
    or once the visit is due.)"""
    if ticket.status != Status.OPEN:
        return False
    stage = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage)
    if "return_visit" not in stage.actions:
        return False
    return ReturnVisit.objects.filter(ticket=ticket, status__in=ACTIVE_VISIT_STATUSES).exists()


def _local(iso: str | None) -> str:
    if not iso:
        return ""
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:%M")


def _reply_text(event: TicketEvent) -> str:
    payload = event.payload or {}
    if event.action == "register":
        return _("已收到您的诉求")
    if event.action == "accept":
        return _("已受理")
    if event.action == "reject":
        return _("不予受理:%(reason)s") % {"reason": payload.get("reason_label", "")}
    if event.action == "approve_extension":
        new_due = _local(payload.get("final_due_at") or payload.get("due_at"))
        return _("办理期限已延长至%(date)s") % {"date": new_due}
    if event.action in ("reply", "interim_reply", "approve_reply", "close"):
        return str(payload.get("result") or event.comment)
    return ""  # other public events carry no text meant for the public


def _step(event: TicketEvent) -> PublicStep:
    label = STEP_LABELS.get(event.action) or ACTION_LABELS.get(event.action) or OTHER_STEP
    text = _reply_text(event)
    return PublicStep(
        at=event.created_at, action=event.action, label=str(label), text="" if text == str(label) else text
    )


def public_progress(ticket: Ticket) -> PublicProgress:
    """The public view of ``ticket``: public stage label, dates, and public events only."""
    stage = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage)
    replies, steps = [], []
    for event in TicketEvent.objects.filter(ticket=ticket, public=True).order_by("seq"):
        steps.append(_step(event))
        text = _reply_text(event)
        if text:
            replies.append(PublicReply(at=event.created_at, action=event.action, text=text))
    closed = ticket.status == Status.CLOSED
    result = ""
    if closed:
        answers = [r.text for r in replies if r.action in ANSWERS]
        result = answers[-1] if answers else ""
    return PublicProgress(
        number=ticket.number,
        type=ticket.type,
        received_at=ticket.received_at,
        status=ticket.status,
        stage=stage.public_label,
        closed=closed,
        due_at=None if closed else ticket.final_due_at,
        closed_at=ticket.closed_at if closed else None,
        replies=replies,
        steps=steps,
        current="" if closed or (steps and steps[-1].label == stage.public_label) else stage.public_label,
        result=result,
        rating_open=rating_open(ticket),
        rated=bool(ticket.satisfaction),
    )
