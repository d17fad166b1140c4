"""Demo tickets: registered and advanced through the real services, so every stage shows.

The clocks are plausible for the moment the demo is made, as at a centre that keeps up
with its work: most tickets are closed; of the open ones most are in time, some due soon
and a few overdue. Each step of a walk is taken part-way through the time its stage
allows. An open ticket is placed by a dry run: walked once at an arbitrary time (and
rolled back) to learn where its running clock ends, then walked for real, shifted so that
"now" falls where its planned state wants it; a walk that misses is tried again.
Messages older than a day count as read: the demo's staff have read their inbox.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone

from hotline.core.errors import NoChange
from hotline.core.types import User
from hotline.demo.journey import FORWARD, action_params, next_step
from hotline.demo.samples import GIVEN, SAMPLES, STREETS, SURNAMES
from hotline.demo.seed import DemoOrg
from hotline.notify.services import mark_all_read
from hotline.tickets.models import Channel, Status, Ticket
from hotline.workflow.drafts import TicketDraft, draft_from_data
from hotline.workflow.registration import ticket_register
from hotline.workflow.selectors import DUE_SOON
from hotline.workflow.services import ticket_transition

HANDLING_UNITS = [("JZ-DH-SJ", "handler"), ("JZ-XS-ZJ", "handler2"), ("JZ-DH-CG", "handler3")]
CHANNELS = (
    [Channel.PHONE] * 6 + [Channel.WEB] * 2 + [Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.VISIT]
)
STAFF = ("agent", "coordinator", "leader", "head", "head2", "head3", "handler", "handler2", "handler3")

HISTORY = timedelta(days=40)  # the oldest demo ticket was received this long ago
OPEN_SHARE = 0.25  # tickets still open when the demo is made
State = Literal["in_time", "due_soon", "overdue"]
# What the open tickets' running clocks look like: mostly in time, a few overdue.
OPEN_STATES: tuple[tuple[State, float], ...] = (("in_time", 0.75), ("due_soon", 0.17), ("overdue", 0.08))
ATTEMPTS = 6  # walks tried to put an open ticket in its planned state
READ_BEFORE = timedelta(days=1)  # in-app messages older than this are read
_MINUTE = timedelta(minutes=1)


def random_person(rng: random.Random) -> dict[str, str]:
    """A complainant as the draft builder takes one (the staff API's ``complainant``)."""
    return {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "phone": f"1{rng.choice('38')}{rng.randrange(10**9):09d}",  # 13x/18x: every number valid
        "address": f"江州市{rng.choice(['东湖区', '西山县'])}{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
        "customer_class": rng.choice(["", "", "A", "B", "C", "VIP"]),
    }


@dataclass(frozen=True)
class _Plan:
    """One demo matter: what is registered and how it is walked (the same on every try)."""

    draft: TicketDraft
    unit: str
    handler: str
    satisfaction: str
    prefer: tuple[str, ...]
    seed: float  # of the walk's own random numbers, so a dry run and the real walk agree


class _Undo(Exception):
    """Rolls a dry run (or a walk that missed its state) back."""


def _plan(rng: random.Random) -> _Plan:
    ttype, category, subject, description, demand, respondent = rng.choice(SAMPLES)
    person: dict[str, Any] = dict(random_person(rng))
    if ttype == "report" and rng.random() < 0.5:
        person = {"anonymous": True}
    unit, handler = rng.choice(HANDLING_UNITS)
    satisfaction = rng.choice(["very_satisfied", "satisfied", "satisfied", "neutral", "dissatisfied"])
    # a dissatisfied complainant's matter goes round again (二次/三次派单) before it closes
    prefer = [*FORWARD[:-1], "redispatch", "close"] if satisfaction == "dissatisfied" else FORWARD
    draft = draft_from_data(
        {
            "type": ttype,
            "channel": rng.choice(CHANNELS),
            "subject": subject,
            "description": description,
            "demand": demand,
            "complainant": person,
            "respondent": {"name": respondent},
            "category": category,
            "severity": rng.choice(["normal"] * 8 + ["major", "urgent"]),
        }
    )
    return _Plan(draft, unit, handler, satisfaction, tuple(prefer), rng.random())


def _next_time(ticket: Ticket, at: datetime, rng: random.Random) -> datetime:
    """When the next step is taken: part-way through the time the stage still allows."""
    if ticket.due_at is not None and ticket.due_at > at:
        gap = (ticket.due_at - at) * rng.uniform(0.1, 0.5)
    else:
        gap = timedelta(hours=rng.uniform(0.5, 3))
    return at + max(gap, 5 * _MINUTE)


def _walk(
    plan: _Plan, users: list[User], *, received: datetime, steps: int, until: datetime
) -> tuple[Ticket, datetime]:
    """Register ``plan`` at ``received`` and take up to ``steps`` forward actions, none
    after ``until``; returns the ticket and the time of its last event."""
    rng = random.Random(plan.seed)
    draft = dataclasses.replace(plan.draft, received_at=received)
    ticket = ticket_register(draft=draft, actor=users[0], now=received)
    at = received
    stayed: set[str] = set()  # actions that left the ticket in its stage (e.g. re-assign)
    for _ in range(steps):
        step = next_step(ticket, users, prefer=plan.prefer, avoid=stayed)
        if step is None:
            break
        name, user = step
        when = _next_time(ticket, at, rng)
        if when > until:
            break
        params = action_params(
            name, ticket, handler=plan.handler, unit=plan.unit, rng=rng, satisfaction=plan.satisfaction
        )
        try:
            result = ticket_transition(ticket=ticket, action=name, actor=user, params=params, now=when)
        except NoChange:  # re-assigning the handler it has
            stayed = stayed | {name}
            continue
        stayed = stayed | {name} if result.ticket.stage == ticket.stage else set()
        ticket, at = result.ticket, when
    return ticket, at


def clock_state(ticket: Ticket, now: datetime) -> State | None:
    """Where an open ticket's clocks stand at ``now`` (None: closed, or no clock)."""
    if ticket.status == Status.CLOSED or ticket.due_at is None:
        return None
    dues = [d for d in (ticket.due_at, ticket.final_due_at) if d is not None]
    if min(dues) < now:
        return "overdue"
    return "due_soon" if ticket.due_at < now + DUE_SOON else "in_time"


def _moment(state: State, last: datetime, due: datetime, rng: random.Random) -> datetime | None:
    """The moment after the walk's last event at which its clock is in ``state`` (None: never)."""
    room = due - last
    if state == "in_time":
        if room <= DUE_SOON + 30 * _MINUTE:
            return None
        return last + (room - DUE_SOON) * rng.uniform(0.05, 0.9)
    if state == "due_soon":
        if room <= 20 * _MINUTE:
            return None
        return due - min(room, DUE_SOON) * rng.uniform(0.1, 0.9)
    late = max(room, timedelta(hours=2)) * rng.uniform(0.05, 0.6)
    return due + min(late, timedelta(days=3))


def _seed_open(plan: _Plan, users: list[User], state: State, *, now: datetime, rng: random.Random) -> Ticket:
    base = now - HISTORY  # the dry runs' timeline; only the shift to "now" matters
    ticket: Ticket | None = None
    for attempt in range(ATTEMPTS):
        # mostly with the unit (handling, replied); some still at the centre
        steps = rng.choice([0, 1, 2, 3, 4, 4, 4, 5, 5, 6])
        try:
            with transaction.atomic():
                dry, last = _walk(plan, users, received=base, steps=steps, until=now + HISTORY)
                dues = [d for d in (dry.due_at, dry.final_due_at) if d is not None]
                raise _Undo(last, min(dues) if dues and dry.status == Status.OPEN else None)
        except _Undo as undo:
            last, due = undo.args
        moment = _moment(state, last, due, rng) if due is not None else None
        if moment is None:
            continue
        final = attempt == ATTEMPTS - 1
        try:
            with transaction.atomic():
                ticket, _ = _walk(plan, users, received=base + (now - moment), steps=steps, until=now)
                if not final and clock_state(ticket, now) != state:
                    raise _Undo
                return ticket
        except _Undo:
            continue
    # no walk fitted: a ticket registered a moment ago
    ticket, _ = _walk(plan, users, received=now - timedelta(minutes=rng.randrange(5, 60)), steps=0, until=now)
    return ticket


def seed_tickets(org: DemoOrg, *, count: int, seed: int = 12345, now: datetime | None = None) -> int:
    """Register ``count`` tickets over the last 40 days: most walked to the end, about
    ``OPEN_SHARE`` left open in a planned clock state (``OPEN_STATES``)."""
    rng = random.Random(seed)
    now = now or timezone.now()
    users = [org.users[u] for u in STAFF]
    states = [s for s, _ in OPEN_STATES]
    weights = [w for _, w in OPEN_STATES]
    for _ in range(count):
        plan = _plan(rng)
        if rng.random() < OPEN_SHARE:
            _seed_open(plan, users, rng.choices(states, weights)[0], now=now, rng=rng)
        else:
            # old enough to be done by now (a walk that is not stays open, in time)
            received = now - timedelta(days=rng.uniform(8, HISTORY.days), minutes=rng.randrange(600))
            _walk(plan, users, received=received, steps=40, until=now)
    for user in org.users.values():
        mark_all_read(user, before=now - READ_BEFORE)
    return count
