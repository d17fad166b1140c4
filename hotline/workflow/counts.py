"""Open-ticket counts for the board that do not scan the backlog (ADR 0026).

Triggers on ``tickets_ticket`` (migration ``tickets.0010_open_counts``) append a +1/−1
row to ``OpenCountDelta`` whenever a ticket enters, leaves or moves between keys (unit,
owner unit, pack, type, stage, status, due hour) — whatever wrote it: the services,
``generate``'s ``COPY``, a queryset ``update()``. Nothing is updated in place, so no
registration waits on another's counter row. ``fold`` (a Huey task, every minute) moves
the deltas into ``OpenCount`` in one transaction; a read sums both.

What is time-dependent comes from the due hour: an hour wholly before ``now`` is overdue,
read from the counts; the hour ``now`` falls in and the next ``DUE_SOON`` are counted from
the tickets (``ticket_open_due``: a few hours of deadlines, not the backlog). The fold
merges hours more than ``HORIZON_LAG`` old into ``DUE_PAST`` ("due before the horizon"),
so the counts table holds each key's overdue backlog in one row; a read for a moment
before the horizon counts from the tickets instead.

A user's scope (``access.visible_q``) is ``unit_id IN … OR owner_unit_id IN …`` — both
columns of the key, answered by the counts — plus, for some roles, ``handler_id = me``
and ``registered_by_id = me``: the few open tickets those add outside the units are
counted from the tickets (``ticket_open_handler_due``, ``ticket_open_registered``). One
statement (a ``UNION ALL``) reads all parts, so they come from one snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, Final, cast

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from hotline.core.types import AnyUser
from hotline.tickets.models import OpenCount, OpenCountDelta, OpenCountFold
from hotline.workflow.access import visible_q
from hotline.workflow.selectors import (
    DUE_SOON,
    StageCounts,
    open_tickets,
    stage_counts,
)

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
HOUR: Final = timedelta(hours=1)
# ``due_hour`` of a suspended ticket (its clock is stopped) or one without a deadline: never
# overdue, never due soon. The largest 32-bit integer, so "before this hour" is never true.
DUE_NEVER: Final = 2**31 - 1
# ``due_hour`` of every hour before the fold's horizon, merged: overdue for any read at or
# after the horizon.
DUE_PAST: Final = 0
# How far behind the fold's clock the horizon stays: a read whose ``now`` is a little older
# (taken before the fold committed, another server's clock) still reads the counts.
HORIZON_LAG: Final = timedelta(days=1)
FOLD_ID: Final = 1

KEY_COLUMNS: Final = ("unit_id", "owner_unit_id", "policy", "type", "stage", "status", "due_hour")
_UNIT_LOOKUPS: Final = frozenset({"unit_id__in", "owner_unit_id__in"})
_PERSON_LOOKUPS: Final = frozenset({"handler_id", "registered_by_id"})


def due_hour(when: datetime) -> int:
    """The hour ``when`` falls in, as whole hours since 1970 UTC (exact: no float)."""
    return (when - EPOCH) // HOUR


def hour_start(hour: int) -> datetime:
    return EPOCH + hour * HOUR


# --- reading ---------------------------------------------------------------------------


@dataclass
class _Scope:
    """``visible_q``'s condition taken apart: the units (where a ticket is, where it was
    taken in) the counts answer, and who the user is as handler and as registrar (counted
    from the tickets). ``None`` ids: that part is absent."""

    units: set[int] | None = None
    owners: set[int] | None = None
    handler: int | None = None
    registrar: int | None = None

    def add(self, q: Q) -> bool:
        """Take in ``q``; False when it holds a term this module does not know."""
        if q.negated or (q.connector != Q.OR and len(q.children) > 1):
            return False
        for child in q.children:
            if isinstance(child, Q):
                if not self.add(child):
                    return False
                continue
            lookup, value = cast(tuple[str, Any], child)
            if lookup == "unit_id__in":
                self.units = (self.units or set()) | set(value)
            elif lookup == "owner_unit_id__in":
                self.owners = (self.owners or set()) | set(value)
            elif lookup == "handler_id":
                self.handler = int(value)
            elif lookup == "registered_by_id":
                self.registrar = int(value)
            elif not (lookup == "pk__in" and not list(value)):  # the empty start of the OR
                return False
        return True


class _Sql:
    """A statement and its parameters, built up in order."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def value(self, value: Any) -> str:
        self.params.append(value)
        return "%s"

    def when(self, value: datetime) -> str:
        return self.value(connection.ops.adapt_datetimefield_value(value))

    def among(self, column: str, ids: Iterable[int]) -> str:
        ids = sorted(ids)
        if not ids:
            return "1 = 0"
        return f"{column} IN ({', '.join(self.value(i) for i in ids)})"

    def outside(self, column: str, ids: Iterable[int]) -> str:
        """``column NOT IN ids`` as the ranges between them, which an index on ``column``
        can seek (it cannot seek ``<>``)."""
        bounds = sorted(set(ids))
        if not bounds:
            return "1 = 1"
        ranges = [f"{column} < {self.value(bounds[0])}", f"{column} > {self.value(bounds[-1])}"]
        for low, high in pairwise(bounds):
            if high - low > 1:
                ranges.append(f"({column} > {self.value(low)} AND {column} < {self.value(high)})")
        return f"({' OR '.join(ranges)})"


_GROUP = 'policy, "type", stage'


def open_counts(
    user: AnyUser, *, now: datetime, units: list[int] | None = None
) -> tuple[list[StageCounts], bool]:
    """What ``stage_counts(open tickets visible to user [in units], now=now)`` returns, read
    from the counts; and whether it was (``False``: counted from the tickets, for a scope
    the counts cannot express or a ``now`` before the fold's horizon).

    One statement, so every part comes from one snapshot: the counts and the pending
    deltas in the unit scope, the tickets due in the hour of ``now`` and the next
    ``DUE_SOON`` in that scope, the person part outside it, and the fold's horizon.
    Written out rather than composed with the ORM: building five grouped querysets cost
    more than the database spent answering them.
    """
    q = visible_q(user)
    scope = _Scope()
    if q is not None and not scope.add(q):
        return _direct(user, now=now, units=units), False
    sql = _Sql()
    # the unit part: every ticket for a superuser; nothing when the user has no unit role
    if q is None:
        where = "1 = 1"
    elif scope.units is None and scope.owners is None:
        where = ""
    else:
        parts = [sql.among("unit_id", scope.units)] if scope.units is not None else []
        parts += [sql.among("owner_unit_id", scope.owners)] if scope.owners is not None else []
        where = f"({' OR '.join(parts)})"
    where_params, sql.params = sql.params, []
    inside = f" AND {sql.among('unit_id', units)}" if units is not None else ""
    inside_params = sql.params
    hour = due_hour(now)
    branches: list[str] = []
    params: list[Any] = []
    if where:
        for table in ("tickets_opencount", "tickets_opencountdelta"):
            sql.params = []
            overdue = f"status = 'open' AND due_hour < {sql.value(hour)}"
            branches.append(
                f"SELECT {_GROUP}, SUM(n), SUM(CASE WHEN {overdue} THEN n ELSE 0 END), 0,"
                f" SUM(CASE WHEN status = 'suspended' THEN n ELSE 0 END)"
                f" FROM {table} WHERE {where}{inside} GROUP BY {_GROUP}"
            )
            params += sql.params + where_params + inside_params
        # the hour ``now`` is in and the next DUE_SOON, from the tickets by ``ticket_open_due``
        sql.params = []  # placeholders are made in the order they appear in the text
        branches.append(
            f"SELECT {_GROUP}, 0, SUM(CASE WHEN due_at < {sql.when(now)} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN due_at >= {sql.when(now)} THEN 1 ELSE 0 END), 0 FROM tickets_ticket"
            f" WHERE status = 'open' AND due_at >= {sql.when(hour_start(hour))}"
            f" AND due_at < {sql.when(now + DUE_SOON)} AND {where}{inside} GROUP BY {_GROUP}"
        )
        params += sql.params + where_params + inside_params
    if scope.handler is not None or scope.registrar is not None:
        # tickets assigned to or registered by the user outside the units: few, by index
        # (``ticket_open_handler_due``; ``ticket_open_registered`` on the registrar and the
        # owner units outside theirs, so a busy agent's own intake is not read)
        sql.params = []
        people = [f"handler_id = {sql.value(scope.handler)}"] if scope.handler is not None else []
        if scope.registrar is not None:
            mine = f"registered_by_id = {sql.value(scope.registrar)}"
            if scope.owners:
                mine += f" AND {sql.outside('owner_unit_id', scope.owners)}"
            people.append(f"({mine})")
        people_params = list(sql.params)
        sql.params = []
        branches.append(
            f"SELECT {_GROUP}, COUNT(*),"
            f" SUM(CASE WHEN status = 'open' AND due_at < {sql.when(now)} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN status = 'open' AND due_at >= {sql.when(now)}"
            f" AND due_at < {sql.when(now + DUE_SOON)} THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN status = 'suspended' THEN 1 ELSE 0 END) FROM tickets_ticket"
            f" WHERE status IN ('open', 'suspended') AND ({' OR '.join(people)})"
            f"{f' AND NOT {where}' if where else ''}{inside} GROUP BY {_GROUP}"
        )
        params += sql.params + people_params + (where_params if where else []) + inside_params
    if not branches:
        return [], True
    # the fold's horizon as one more row (no ticket has an empty stage), from the same snapshot
    branches.append(f"SELECT '', '', '', horizon, 0, 0, 0 FROM tickets_opencountfold WHERE id = {FOLD_ID}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(branches), params)
        rows = cursor.fetchall()
    horizon = next((row[3] for row in rows if row[2] == ""), None)
    if horizon is not None and hour < horizon:
        return _direct(user, now=now, units=units), False
    return _summed(row for row in rows if row[2] != ""), True


def _summed(rows: Iterable[tuple[Any, ...]]) -> list[StageCounts]:
    summed: dict[tuple[str, str, str], list[int]] = {}
    for policy, type_, stage, *counts in rows:
        into = summed.setdefault((policy, type_, stage), [0, 0, 0, 0])
        for i, n in enumerate(counts):
            into[i] += n or 0
    return [
        StageCounts(
            policy=key[0], type=key[1], stage=key[2], total=c[0], overdue=c[1], due_soon=c[2], suspended=c[3]
        )
        for key, c in summed.items()
        if c[0]
    ]


def _direct(user: AnyUser, *, now: datetime, units: list[int] | None) -> list[StageCounts]:
    qs = open_tickets(user)
    if units is not None:
        qs = qs.filter(unit_id__in=units)
    return stage_counts(qs, now=now)


# --- folding ---------------------------------------------------------------------------

_PG_MOVE = """
WITH moved AS (DELETE FROM tickets_opencountdelta RETURNING {key}, n),
folded AS (
    INSERT INTO tickets_opencount ({key}, n)
    SELECT {bucketed}, SUM(n) FROM moved GROUP BY {groups}
    ON CONFLICT ({key}) DO UPDATE SET n = tickets_opencount.n + EXCLUDED.n
)
SELECT COUNT(*) FROM moved
"""
_PG_MERGE = """
WITH merged AS (
    DELETE FROM tickets_opencount WHERE due_hour > {past} AND due_hour < %(horizon)s RETURNING {key}, n
)
INSERT INTO tickets_opencount ({key}, n)
SELECT {past_key}, SUM(n) FROM merged GROUP BY {groups}
ON CONFLICT ({key}) DO UPDATE SET n = tickets_opencount.n + EXCLUDED.n
"""
# SQLite: the fold's transaction holds the write lock from its start (transaction_mode
# IMMEDIATE), so no delta can arrive between the copy and the delete.
_SQLITE_MOVE = [
    """INSERT INTO tickets_opencount ({key}, n)
    SELECT {bucketed}, SUM(n) FROM tickets_opencountdelta WHERE true GROUP BY {groups}
    ON CONFLICT ({key}) DO UPDATE SET n = n + excluded.n""",
    "DELETE FROM tickets_opencountdelta",
]
_SQLITE_MERGE = [
    """INSERT INTO tickets_opencount ({key}, n)
    SELECT {past_key}, SUM(n) FROM tickets_opencount
    WHERE due_hour > {past} AND due_hour < %(horizon)s GROUP BY {groups}
    ON CONFLICT ({key}) DO UPDATE SET n = n + excluded.n""",
    "DELETE FROM tickets_opencount WHERE due_hour > {past} AND due_hour < %(horizon)s",
]


def _sql(template: str) -> str:
    quoted = [connection.ops.quote_name(c) for c in KEY_COLUMNS]
    head = ", ".join(quoted[:-1])
    return template.format(
        key=", ".join(quoted),
        bucketed=f"{head}, CASE WHEN due_hour < %(horizon)s THEN {DUE_PAST} ELSE due_hour END",
        past_key=f"{head}, {DUE_PAST}",
        past=DUE_PAST,
        groups=", ".join(str(i) for i in range(1, len(KEY_COLUMNS) + 1)),  # by the output: merged hours
    )


def fold(*, now: datetime | None = None) -> int:
    """Move every pending delta into the counts, merge hours before the new horizon into
    ``DUE_PAST``, drop keys that reached zero — one transaction, so a read sees the deltas
    either pending or folded, never both. Folds serialise on the fold's own row, which no
    registration touches. Returns the number of deltas folded."""
    now = now or timezone.now()
    with transaction.atomic():
        state = _locked_state()
        horizon = max(state.horizon, due_hour(now - HORIZON_LAG))
        merge = horizon > state.horizon
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_sql(_PG_MOVE), {"horizon": horizon})
                moved = int(cursor.fetchone()[0])
                statements = [_PG_MERGE] if merge else []
            else:
                moved = OpenCountDelta.objects.count()  # exact: the write lock is held
                statements = _SQLITE_MOVE + (_SQLITE_MERGE if merge else [])
            for statement in statements:
                sql = _sql(statement)
                cursor.execute(sql, {"horizon": horizon} if "%(horizon)s" in sql else None)
        OpenCount.objects.filter(n=0).delete()
        OpenCountFold.objects.filter(pk=FOLD_ID).update(horizon=horizon, folded_at=now)
    return moved


def _locked_state() -> OpenCountFold:
    """The fold's row, locked until the fold commits (created if a flush removed it)."""
    OpenCountFold.objects.bulk_create([OpenCountFold(pk=FOLD_ID)], ignore_conflicts=True)
    return OpenCountFold.objects.select_for_update().get(pk=FOLD_ID)


_SQLITE_HOUR = (
    f"CASE WHEN status = 'open' AND due_at IS NOT NULL"
    f" THEN CAST(strftime('%s', due_at) AS INTEGER) / 3600 ELSE {DUE_NEVER} END"
)


def rebuild() -> int:
    """Count the open tickets afresh (as migration 0010 did): the counts are derived data,
    and this is what to run if they were ever in doubt. Ticket writes wait meanwhile
    (PostgreSQL: a SHARE lock, reads go on). Returns the open tickets counted."""
    hour = "tickets_due_hour(status, due_at)" if connection.vendor == "postgresql" else _SQLITE_HOUR
    key = ", ".join(connection.ops.quote_name(c) for c in KEY_COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE tickets_ticket IN SHARE MODE")
        _locked_state()
        cursor.execute("DELETE FROM tickets_opencountdelta")
        cursor.execute("DELETE FROM tickets_opencount")
        cursor.execute(
            f"INSERT INTO tickets_opencount ({key}, n)"
            f' SELECT unit_id, owner_unit_id, policy, "type", stage, status, due_hour, COUNT(*) FROM ('
            f'   SELECT unit_id, owner_unit_id, policy, "type", stage, status, {hour} AS due_hour'
            f"   FROM tickets_ticket WHERE status IN ('open', 'suspended')"
            f") AS counted GROUP BY {', '.join(str(i) for i in range(1, len(KEY_COLUMNS) + 1))}"
        )
        OpenCountFold.objects.filter(pk=FOLD_ID).update(horizon=0)
        return sum(OpenCount.objects.values_list("n", flat=True))
