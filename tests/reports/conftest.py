"""A small world of tickets walked at random through the core (enterprise pack), built once
per module, and a direct count of every measure over its tickets and events — written
without ``hotline.reports`` — to hold the statistics against."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from hotline.calendar.counting import deadline, working_time_between
from hotline.calendar.services import get_calendar
from hotline.core.errors import HotlineError
from hotline.demo.journey import action_params
from hotline.demo.seed import DemoOrg, seed_org
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket, TicketEvent, TicketLink
from hotline.workflow.selectors import overdue_q
from hotline.workflow.services import allowed_actions, ticket_transition
from tests.conftest import PASSWORD
from tests.factories import DraftFactory, PersonFactory, register
from tests.helpers import SH, act, local

NOW = local("2026-07-15 10:00")
UNITS = {"JZ-DH-SJ": "handler", "JZ-XS-ZJ": "handler2", "JZ-DH-CG": "handler3"}
STAFF = ("agent", "coordinator", "leader", "head", "head2", "head3", "handler", "handler2", "handler3")
FORWARD = {"accept", "instruct", "dispatch", "sign", "assign", "reply", "return_visit", "close"}
NEVER = {"unmask", "suspend", "resume", "interim_reply", "approve_reply", "send_back"}
CATEGORIES = [
    "",
    "service.attitude",
    "service.quality",
    "product.price",
    "product.food",
    "city.noise",
    "other",
]
LEVELS = ["very_satisfied", "satisfied", "neutral", "dissatisfied"]


def _walk(ticket: Ticket, users: dict[str, Any], rng: random.Random, at: datetime) -> None:
    """Random allowed actions, forward ones more often, at increasing times before NOW."""
    for _ in range(rng.randrange(2, 16)):
        options: dict[str, list[Any]] = defaultdict(list)
        for name in STAFF:
            for action in allowed_actions(ticket, users[name]):
                if action not in NEVER:
                    options[action].append(users[name])
        if not options or (ticket.status == "closed" and rng.random() < 0.8):
            return
        names = sorted(options)
        action = rng.choices(names, [6 if n in FORWARD else 1 for n in names])[0]
        at += timedelta(minutes=rng.choice([10, 45, 120, 60 * 20, 60 * 50, 60 * 24 * 4]))
        if at >= NOW:
            return
        unit = rng.choice(sorted(UNITS))
        params = action_params(
            action,
            ticket,
            handler=UNITS.get(ticket.unit.code, "handler"),
            unit=unit,
            rng=rng,
            satisfaction=rng.choice(LEVELS),
        )
        try:
            result = ticket_transition(
                ticket=ticket, action=action, actor=rng.choice(options[action]), params=params, now=at
            )
        except HotlineError:  # a guard (rounds, extension caps): try something else
            continue
        ticket = result.ticket


def build_world(org: DemoOrg, *, count: int, seed: int) -> list[Ticket]:
    rng = random.Random(seed)
    users = org.users
    numbers: list[str] = []
    start = local("2025-01-06 09:00")
    span = (local("2026-07-10 09:00") - start).total_seconds()
    times = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
    for received in times:
        kind = rng.choice(["complaint"] * 4 + ["consultation", "report"])
        links = [("repeat_of", rng.choice(numbers))] if numbers and rng.random() < 0.15 else []
        draft = DraftFactory(
            type=kind,
            policy="enterprise",
            category=rng.choice(CATEGORIES),
            severity=rng.choice(["normal"] * 4 + ["major", "urgent"]),
            channel=rng.choice(["phone", "web", "letter", "transfer"]),
            complainant=PersonFactory(customer_class=rng.choice(["", "A", "VIP"])),
            links=links,
        )
        from hotline.workflow.registration import ticket_register

        spot = kind == "consultation" and rng.random() < 0.5
        close = {"closing_code": "handled", "result": "当场答复"} if spot else None
        ticket = ticket_register(draft=draft, actor=users["agent"], now=received, close_on_the_spot=close)
        numbers.append(ticket.number)
        _walk(ticket, users, rng, received)
    _extended_and_three_rounds(users)
    return list(Ticket.objects.order_by("pk"))


def _extended_and_three_rounds(users: dict[str, Any]) -> None:
    """One complaint the random walks rarely make: extended, dissatisfied twice, three rounds."""
    ticket = register(users["agent"], policy="enterprise", now=local("2026-03-02 09:00"))
    ticket = act(ticket, "accept", users["coordinator"], "2026-03-02 09:10")
    ticket = act(ticket, "dispatch", users["coordinator"], "2026-03-02 09:30", unit="JZ-DH-SJ")
    ticket = act(ticket, "sign", users["head"], "2026-03-02 10:00")
    ticket = act(ticket, "assign", users["head"], "2026-03-02 10:10", handler="handler")
    ticket = act(
        ticket, "request_extension", users["head"], "2026-03-03 09:00", amount=1, reason="需现场核查"
    )
    ticket = act(ticket, "approve_extension", users["leader"], "2026-03-03 10:00")
    for day in ("04", "09", "12"):
        ticket = act(ticket, "reply", users["handler"], f"2026-03-{day} 10:00", result="已处理")
        ticket = act(
            ticket, "return_visit", users["coordinator"], f"2026-03-{day} 11:00", satisfaction="dissatisfied"
        )
        if ticket.round >= 3:
            break
        ticket = act(ticket, "redispatch", users["coordinator"], f"2026-03-{day} 14:00", unit="JZ-DH-SJ")
        ticket = act(ticket, "sign", users["head"], f"2026-03-{day} 15:00")
        ticket = act(ticket, "assign", users["head"], f"2026-03-{day} 15:10", handler="handler")


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoOrg]:
    """The demo organisation (enterprise pack) and ~45 walked tickets, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            org = seed_org(password=PASSWORD, policy="enterprise")
            build_world(org, count=45, seed=20261130)
            yield org
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- the direct count -------------------------------------------------------------------------


Facts = dict[str, dict[int, tuple[date, float | None]]]  # measure → ticket id → (day, value)


def _day(at: datetime) -> date:
    return at.astimezone(SH).date()


def direct_facts(
    tickets: list[Ticket], *, now: datetime = NOW
) -> dict[str, dict[int, tuple[date, float | None]]]:
    """Each measure's tickets, read straight from the tickets, their events and links."""
    cal = get_calendar()
    out: Facts = defaultdict(dict)
    repeats = set(TicketLink.objects.filter(kind="repeat_of").values_list("ticket_id", flat=True))
    running_overdue = set(Ticket.objects.filter(overdue_q(now)).values_list("pk", flat=True))
    for t in tickets:
        events = list(TicketEvent.objects.filter(ticket=t).order_by("seq"))
        out["received"][t.pk] = (_day(t.received_at), None)
        if t.pk in repeats:
            out["repeat"][t.pk] = (_day(t.received_at), None)

        def first(action: str, nth: int = 0, events: list[TicketEvent] = events) -> TicketEvent | None:
            found = [e for e in events if e.action == action]
            return found[nth] if len(found) > nth else None

        for action, code in [
            ("accept", "accepted"),
            ("reject", "not_accepted"),
            ("dispatch", "dispatched"),
            ("approve_extension", "extended"),
            ("return", "returned"),
            ("redispatch", "redispatched"),
            ("reopen", "reopened"),
        ]:
            e = first(action)
            if e is not None:
                out[code][t.pk] = (_day(e.created_at), None)
        second = first("redispatch", 1)
        if second is not None:
            out["redispatched_twice"][t.pk] = (_day(second.created_at), None)
        sup = next(
            (
                e
                for e in events
                if (e.action == "supervise" and e.payload.get("supervised", True))
                or (e.action == "redispatch" and e.payload.get("supervised"))
            ),
            None,
        )
        if sup is not None:
            out["supervised"][t.pk] = (_day(sup.created_at), None)
        dispatch = first("dispatch")
        if dispatch is not None:
            sign = next((e for e in events if e.action == "sign" and e.seq > dispatch.seq), None)
            if sign is not None:
                limit = (
                    get_pack(t.policy)
                    .type(t.type)
                    .stage_limit(
                        sign.from_stage,
                        severity=t.severity,
                        category_code=t.category.code if t.category else None,
                        channel=t.channel,
                    )
                )
                assert limit is None or limit.start == "entered"  # the enterprise pack's sign stages
                entered = [e for e in events if e.seq < sign.seq and e.to_stage == sign.from_stage][-1]
                if (
                    limit is None
                    or sign.created_at <= deadline(cal, entered.created_at, limit.amount, limit.unit).due_at
                ):
                    out["signed_in_time"][t.pk] = (_day(dispatch.created_at), None)
        visits = [e for e in events if e.action == "return_visit" and e.payload.get("satisfaction")]
        if visits:
            out[visits[-1].payload["satisfaction"]][t.pk] = (_day(visits[-1].created_at), None)
        closing = [e for e in events if e.to_status == "closed"]
        if t.status == "closed" and closing[-1].action == "close":
            assert t.closed_at is not None
            hours = working_time_between(cal, t.received_at, t.closed_at).total_seconds() / 3600
            out["closed"][t.pk] = (_day(t.closed_at), round(hours, 4))
            late = any(e.action == "escalate" for e in events) or (
                t.final_due_at is not None and t.closed_at > t.final_due_at
            )
            out["overdue" if late else "closed_in_time"][t.pk] = (_day(t.closed_at), None)
            if closing[-1].from_stage == events[0].to_stage and dispatch is None:
                out["closed_on_the_spot"][t.pk] = (_day(t.closed_at), None)
            out["resolved"][t.pk] = (_day(t.received_at), None)
        if t.pk in running_overdue:
            assert t.due_at is not None
            out["overdue"][t.pk] = (_day(t.due_at), None)
    return out


def cells(
    facts: dict[int, tuple[date, float | None]],
    key: Callable[[Ticket, date], tuple[str, ...]],
    tickets: dict[int, Ticket],
    start: date,
    end: date,
) -> dict[tuple[str, ...], list[int]]:
    """Ticket ids per cell key, for the facts whose date lies in [start, end]."""
    out: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for pk, (day, _value) in facts.items():
        if start <= day <= end:
            out[key(tickets[pk], day)].append(pk)
    return out
