"""Reads for the public: a ticket by number and query code, and what of it the public may see."""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hotline.core.clients import client_network
from hotline.core.errors import NotFound, TooManyRequests
from hotline.core.formatting import deadline_text
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit
from hotline.policies.registry import get_pack
from hotline.policies.vocab import ACTION_LABELS
from hotline.tickets.models import Status, Ticket, TicketEvent

logger = logging.getLogger(__name__)


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

    @property
    def due_text(self) -> str:
        """The due time as every screen prints it (a natural-day limit ends "… 24:00")."""
        return deadline_text(self.due_at)


# Wrong query codes (查询码) and who they stop. A query code is six random digits (10**6
# values, ``hotline.tickets.numbering.new_query_code``). Every limit counts the *client's
# own* failures (its address; an IPv6 client's /64, ``hotline.core.clients``) and is checked
# before the code is compared, so a client past its budget learns nothing more, while the
# holder of the right code, asking from their own address, is never refused because of
# what others typed. Limits per client (on top of the API's ``public_query`` rate):
CODE_FAILURES_PER_NUMBER_AND_CLIENT = 5  # wrong codes for one ticket number per day
CODE_FAILURES_PER_CLIENT = 20  # wrong codes over all numbers per day
CODE_FAILURE_WINDOW = 24 * 3600  # seconds, from a client's first counted failure
# Wrong codes for one number from all clients within an hour that raise a warning in the log
# (guesses shared out over many addresses); they refuse nobody.
CODE_FAILURES_PER_NUMBER = 10
CODE_ALARM_WINDOW = 3600
_NUMBER = re.compile(r"[0-9]{8,20}")


def _count(key: str, window: int) -> int:
    """Add one to the counter ``key`` (living ``window`` seconds from its first count)."""
    if cache.add(key, 1, window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def public_ticket(number: str, code: str, *, client: str) -> Ticket:
    """The ticket whose number and query code match, else one generic ``NotFound``.

    ``client`` is the asking client's address (``hotline.core.clients.client_address``).
    The code is compared in constant time, and a missing number gives the same answer as a
    wrong code. A client that has typed ``CODE_FAILURES_PER_NUMBER_AND_CLIENT`` wrong codes
    for this number, or ``CODE_FAILURES_PER_CLIENT`` for any numbers, within the day is
    refused (``TooManyRequests``) before its code is looked at — the right one too; nobody
    else is. The right code from anywhere else always succeeds.

    Expected time to guess one ticket's code: half of the 10**6 codes, at 5 guesses per
    address (IPv6: per /64) and day, is 100,000 address-days — 274 years from one address,
    100 days from 1,000. Guessing any ticket at all: at most 20 guesses per address and
    day, so one hit in 50,000 address-days (about 137 years from one address, 50 days from
    1,000) — and a hit shows only the public progress, never who filed it (ADR 0006).
    """
    number = number.strip() if number else ""
    net = client_network(client)
    # Ticket numbers are ASCII digits: anything else cannot match and is not used in a key.
    counted = bool(_NUMBER.fullmatch(number))
    pair_key = f"portal:code-failures:{number}:{net}"
    client_key = f"portal:code-failures-client:{net}"
    if cache.get(client_key, 0) >= CODE_FAILURES_PER_CLIENT or (
        counted and cache.get(pair_key, 0) >= CODE_FAILURES_PER_NUMBER_AND_CLIENT
    ):
        raise TooManyRequests(_("查询码错误次数过多,请24小时后再试。"), code="too_many_code_failures")
    ticket = Ticket.objects.filter(number=number).first() if number else None
    if ticket is not None and hmac.compare_digest(ticket.query_code.encode(), code.strip().encode()):
        return ticket
    _count(client_key, CODE_FAILURE_WINDOW)
    if counted:
        _count(pair_key, CODE_FAILURE_WINDOW)
        if _count(f"portal:code-failures:{number}", CODE_ALARM_WINDOW) == CODE_FAILURES_PER_NUMBER:
            logger.warning(
                "query code guessing: %d wrong codes for ticket %s within %d s",
                CODE_FAILURES_PER_NUMBER,
                number,
                CODE_ALARM_WINDOW,
            )
    raise NotFound(_("工单编号或查询码不正确"), code="ticket_not_found")


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
