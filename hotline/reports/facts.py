"""Facts (``reports.Fact``) from a ticket, its history and its links — one function for both
ways they are written:

- ``on_ticket_event``: every event's transaction (under the ticket's row lock) recomputes
  that ticket's facts, so the rollup commits with the change or not at all;
- ``recount``: ``hotline stats_recount`` rebuilds them for every ticket (after a bulk load
  such as ``hotline generate``, which bypasses the listeners), batch by batch under the
  same row locks, or only compares (``check=True``) and reports the tickets that differ.

Handling time is computed here, once per close, on the working-day calendar and stored as
the ``closed`` fact's value: the mean and the 90th percentile are then plain SQL over a
year of rows, instead of walking the calendar for every closed ticket on every request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from hotline.calendar.counting import WorkCalendar, deadline, working_time_between
from hotline.calendar.services import get_calendar
from hotline.core.errors import HotlineError
from hotline.policies.registry import get_pack
from hotline.reports.measures import FactKind
from hotline.reports.models import Fact
from hotline.tickets.models import Category, LinkKind, Status, Ticket, TicketEvent, TicketLink
from hotline.workflow.kinds import EventKind

K = FactKind
TZ: Final = ZoneInfo(settings.TIME_ZONE)
TICKET_FIELDS: Final = (
    "id",
    "received_at",
    "status",
    "closed_at",
    "final_due_at",
    "type",
    "channel",
    "region",
    "severity",
    "customer_class",
    "policy",
    "category_id",
    "unit_id",
    "handler_id",
    "owner_unit_id",
    "registered_by_id",
)
DIMENSION_FIELDS: Final = (
    "type",
    "channel",
    "region",
    "severity",
    "customer_class",
    "policy",
    "category_id",
    "unit_id",
    "handler_id",
    "owner_unit_id",  # the scope's columns, beside the dimensions
    "registered_by_id",
)
EVENT_FIELDS: Final = ("ticket_id", "action", "from_stage", "to_stage", "to_status", "payload", "created_at")
# Kinds that change neither a fact nor a dimension: the listener skips them.
NO_FACTS: Final = frozenset(
    {
        EventKind.UNMASK,
        EventKind.ATTACH,
        EventKind.REMIND,
        EventKind.RETURN_VISIT_ATTEMPT,
        EventKind.ANSWER_SCRIPT,
        EventKind.CITE_ARTICLE,
        EventKind.KEYPAD_SURVEY,
        EventKind.CORRESPONDENCE,
        EventKind.INSTRUCT,
        EventKind.INTERIM_REPLY,
        EventKind.REQUEST_EXTENSION,
        EventKind.DENY_EXTENSION,
    }
)
ON_THE_SPOT_CODE: Final = "on_the_spot"
# a close, or a batch child's close with its parent (hotline.similar: on the parent's clock)
CLOSING_KINDS: Final = frozenset({EventKind.CLOSE, EventKind.CLOSE_WITH_PARENT})

FactRow = tuple[str, date, float | None]  # kind, local day, value


def local_day(at: datetime) -> date:
    return at.astimezone(TZ).date()


def ticket_facts(
    ticket: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    *,
    repeat: bool,
    category_code: str | None,
    cal: WorkCalendar,
) -> list[FactRow]:
    """The facts of one ticket (``TICKET_FIELDS``) with its events in order (``EVENT_FIELDS``).

    The single definition of what each ``FactKind`` means; ``measures`` only names and
    combines them.
    """
    out: list[FactRow] = []

    def add(kind: FactKind, at: datetime, value: float | None = None) -> None:
        out.append((kind.value, local_day(at), value))

    received: datetime = ticket["received_at"]
    add(K.RECEIVED, received)
    if repeat:
        add(K.REPEAT, received)
    first: dict[str, Mapping[str, Any]] = {}
    redispatches: list[Mapping[str, Any]] = []
    supervised: Mapping[str, Any] | None = None
    escalated = False
    visit: Mapping[str, Any] | None = None
    closing: Mapping[str, Any] | None = None
    for e in events:
        action = e["action"]
        first.setdefault(action, e)
        payload = e["payload"] or {}
        if action == EventKind.REDISPATCH:
            redispatches.append(e)
        if supervised is None and (
            (action == EventKind.SUPERVISE and payload.get("supervised", True))
            or (action == EventKind.REDISPATCH and payload.get("supervised"))
        ):
            supervised = e
        if action == EventKind.ESCALATE:
            escalated = True
        if action == EventKind.RETURN_VISIT and payload.get("satisfaction"):
            visit = e
        if e["to_status"] == Status.CLOSED:
            closing = e
    for action, kind in (
        (EventKind.ACCEPT, K.ACCEPTED),
        (EventKind.REJECT, K.NOT_ACCEPTED),
        (EventKind.APPROVE_EXTENSION, K.EXTENDED),
        (EventKind.RETURN, K.RETURNED),
        (EventKind.REOPEN, K.REOPENED),
    ):
        if action in first:
            add(kind, first[action]["created_at"])
    if redispatches:
        add(K.REDISPATCHED, redispatches[0]["created_at"])
    if len(redispatches) > 1:
        add(K.REDISPATCHED_TWICE, redispatches[1]["created_at"])
    if supervised is not None:
        add(K.SUPERVISED, supervised["created_at"])
    dispatch = first.get(EventKind.DISPATCH)
    if dispatch is not None:
        add(K.DISPATCHED, dispatch["created_at"])
        if _signed_in_time(ticket, events, dispatch, category_code=category_code, cal=cal):
            add(K.SIGNED_IN_TIME, dispatch["created_at"])
    if visit is not None:
        add(FactKind(visit["payload"]["satisfaction"]), visit["created_at"])
    if ticket["status"] == Status.CLOSED and closing is not None and closing["action"] in CLOSING_KINDS:
        closed_at: datetime = ticket["closed_at"] or closing["created_at"]
        hours = (
            working_time_between(cal, received, closed_at).total_seconds() / 3600
            if closed_at > received
            else 0.0
        )
        add(K.CLOSED, closed_at, round(hours, 4))
        final_due: datetime | None = ticket["final_due_at"]
        late = escalated or (final_due is not None and closed_at > final_due)
        add(K.CLOSED_LATE if late else K.CLOSED_IN_TIME, closed_at)
        registered_stage = events[0]["to_stage"] if events else ""
        spot = (
            closing["action"] == EventKind.CLOSE
            and closing["from_stage"] == registered_stage
            and dispatch is None
        )
        if spot or (closing["payload"] or {}).get("closing_code") == ON_THE_SPOT_CODE:
            add(K.CLOSED_ON_THE_SPOT, closed_at)
        add(K.RESOLVED, received)
    return out


def _signed_in_time(
    ticket: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    dispatch: Mapping[str, Any],
    *,
    category_code: str | None,
    cal: WorkCalendar,
) -> bool:
    """Whether the first ``sign`` after the first dispatch came within the limit of the stage
    it was signed in, counted from that limit's anchor as the workflow counts it
    (``workflow.state.anchor_time``); a stage without a limit cannot be late."""
    index = next(i for i, e in enumerate(events) if e is dispatch)
    before = list(events[: index + 1])
    for e in events[index + 1 :]:
        if e["action"] == EventKind.SIGN:
            sign = e
            break
        before.append(e)
    else:
        return False
    try:
        limit = (
            get_pack(ticket["policy"])
            .type(ticket["type"])
            .stage_limit(
                sign["from_stage"],
                severity=ticket["severity"],
                category_code=category_code,
                channel=ticket["channel"],
            )
        )
    except HotlineError:  # a pack or stage no longer shipped: no limit to measure against
        return True
    if limit is None:
        return True
    accepted = next((e["created_at"] for e in before if e["action"] == EventKind.ACCEPT), None)
    dispatched = [
        e["created_at"] for e in before if e["action"] in (EventKind.DISPATCH, EventKind.REDISPATCH)
    ]
    entered = [e["created_at"] for e in before if e["to_stage"] == sign["from_stage"]]
    anchors = {
        "received": ticket["received_at"],
        "registered": before[0]["created_at"],
        "accepted": accepted,
        "dispatched": dispatched[-1] if dispatched else None,
        "entered": entered[-1] if entered else None,
    }
    start = anchors.get(limit.start) or (entered[-1] if entered else dispatch["created_at"])
    due = deadline(cal, start, limit.amount, limit.unit).due_at
    return bool(sign["created_at"] <= due)


@dataclass(frozen=True)
class _Batch:
    tickets: list[dict[str, Any]]
    events: dict[int, list[dict[str, Any]]]
    repeats: set[int]


def _load(tickets: Iterable[dict[str, Any]]) -> _Batch:
    rows = list(tickets)
    ids = [t["id"] for t in rows]
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if ids:
        lo, hi = min(ids), max(ids)
        qs = TicketEvent.objects.filter(ticket_id__gte=lo, ticket_id__lte=hi)
        wanted = set(ids)
        for e in qs.order_by("ticket_id", "seq").values(*EVENT_FIELDS).iterator(chunk_size=20_000):
            if e["ticket_id"] in wanted:
                events[e["ticket_id"]].append(e)
        repeats = set(
            TicketLink.objects.filter(ticket_id__in=ids, kind=LinkKind.REPEAT_OF, confirmed=True).values_list(
                "ticket_id", flat=True
            )
        )
    else:
        repeats = set()
    return _Batch(rows, events, repeats)


FACT_COLUMNS: Final = ("ticket_id", "kind", "day", "value", *DIMENSION_FIELDS)


def _build(batch: _Batch, *, codes: Mapping[int, str], cal: WorkCalendar) -> list[tuple[Any, ...]]:
    """Fact rows as tuples in ``FACT_COLUMNS`` order (a million model instances cost more
    than computing them)."""
    rows: list[tuple[Any, ...]] = []
    for t in batch.tickets:
        dims = tuple(t[name] for name in DIMENSION_FIELDS)
        category = codes.get(t["category_id"]) if t["category_id"] else None
        for kind, day, value in ticket_facts(
            t, batch.events.get(t["id"], []), repeat=t["id"] in batch.repeats, category_code=category, cal=cal
        ):
            rows.append((t["id"], kind, day, value, *dims))
    return rows


def _write(rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        columns = ", ".join(qn(name) for name in FACT_COLUMNS)  # attnames are the columns
        with connection.cursor() as cursor:
            raw: Any = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
            with raw.copy(f"COPY {qn(Fact._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    Fact.objects.bulk_create(
        (Fact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in rows), batch_size=2000
    )


def _stored(qs: Any) -> list[tuple[Any, ...]]:
    return list(qs.values_list(*FACT_COLUMNS))


def refresh_ticket_facts(ticket: Ticket) -> None:
    """Rewrite one ticket's facts (the caller holds its row lock, or is the only writer)."""
    row = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    batch = _load([row])
    codes = (
        dict(Category.objects.filter(pk=ticket.category_id).values_list("pk", "code"))
        if ticket.category_id
        else {}
    )
    rows = _build(batch, codes=codes, cal=get_calendar())
    Fact.objects.filter(ticket_id=ticket.pk).delete()
    Fact.objects.bulk_create(Fact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in rows)


def _new_ticket_facts(ticket: Ticket, event: TicketEvent) -> None:
    """A ticket's first event: its history is that event, it has no facts yet, and its
    category came with it, and registration leaves the links it made in hand
    (``ticket.links.all()`` reads nothing) — so one insert (registration is the hottest
    write: ``bench/registration.py``)."""
    row = {name: getattr(ticket, name) for name in TICKET_FIELDS}
    repeat = any(link.kind == LinkKind.REPEAT_OF and link.confirmed for link in ticket.links.all())
    repeats = {ticket.pk} if repeat else set()
    batch = _Batch([row], {ticket.pk: [{name: getattr(event, name) for name in EVENT_FIELDS}]}, repeats)
    codes: dict[int, str] = {}
    if ticket.category_id:
        category = ticket.category if Ticket.category.is_cached(ticket) else None
        code = category.code if category is not None else Category.objects.get(pk=ticket.category_id).code
        codes[ticket.category_id] = code
    rows = _build(batch, codes=codes, cal=get_calendar())
    Fact.objects.bulk_create(Fact(**dict(zip(FACT_COLUMNS, r, strict=True))) for r in rows)


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    """Registered in ``ReportsConfig.ready`` on ``workflow.events.event_listeners``."""
    if event.action in NO_FACTS:
        return
    if event.action == EventKind.REGISTER and event.seq == 1:
        _new_ticket_facts(ticket, event)
        return
    refresh_ticket_facts(ticket)


@dataclass
class RecountResult:
    tickets: int = 0
    facts: int = 0
    differing: int = 0  # tickets whose stored facts differ (check) or were rewritten
    examples: list[int] | None = None


def _ticket_batches(size: int) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(Ticket.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def recount(*, check: bool = False, batch: int = 5000, progress: Any = None) -> RecountResult:
    """Recompute every ticket's facts from the tickets, events and links.

    ``check``: write nothing; count the tickets whose stored facts differ from a fresh count
    (0 means the rollup is exact). Otherwise rewrite the facts batch by batch, each batch in
    one transaction holding the row locks of its tickets, so a change made meanwhile (whose
    listener holds the same lock) is never lost.
    """
    codes = dict(Category.objects.values_list("pk", "code"))
    cal = get_calendar()
    result = RecountResult(examples=[])
    for ids in _ticket_batches(batch):
        with transaction.atomic():
            tickets = Ticket.objects.filter(pk__in=ids).order_by("pk")
            if not check:
                tickets = tickets.select_for_update()
            data = _load(tickets.values(*TICKET_FIELDS))
            facts = _build(data, codes=codes, cal=cal)
            stored = Fact.objects.filter(ticket_id__gte=ids[0], ticket_id__lte=ids[-1])
            if check:
                fresh: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
                for row in facts:
                    fresh[row[0]].append(row)
                old: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
                for row in _stored(stored):
                    old[row[0]].append(row)
                for pk in set(fresh) | set(old):
                    if sorted(fresh[pk], key=repr) != sorted(old[pk], key=repr):
                        result.differing += 1
                        if result.examples is not None and len(result.examples) < 10:
                            result.examples.append(pk)
            else:
                stored.delete()
                _write(facts)
        result.tickets += len(ids)
        result.facts += len(facts)
        if progress is not None:
            progress(result)
    return result
