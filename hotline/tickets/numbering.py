"""Ticket numbers: ``YYYYMMDD`` + a six-digit per-day sequence, e.g. ``20261122000123``.

Digits only, so a complainant can key it into an IVR menu. The sequence comes from one
atomic upsert on the day's row (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``), which
PostgreSQL and SQLite (≥ 3.35) both execute as a single statement: concurrent intakes
never share a number.

**Where the upsert runs** (issue 17 item 1). The upsert locks the day's row until its
transaction ends. Run inside the registering transaction, that lock was held through
every statement after it (the ticket, its event, the receipt, the search tokens, …): with
four clients, half of PostgreSQL's busy sessions waited on that one row, which capped
intake near 120 tickets a second however many processes served. On PostgreSQL the
upsert therefore runs **apart**, on a connection of its own in autocommit mode
(``hotline.core.postgresql``): the lock lasts one statement. That connection does not wait
for its commit to reach the disk — safe, because the registering transaction commits after
it and PostgreSQL's log is sequential: a durable ticket implies a durable upsert, so a
number is never issued twice, even across a crash. SQLite has one writer at a time anyway,
so there the upsert stays in the registering transaction.

**Gaps.** A number taken apart stays taken if the registration then fails (the database
refuses the row, the process dies). Registration takes it as late as it can — after every
check of the input — so a refused form costs no number; what is left is rare, and an audit
can tell a gap from a lost ticket: every registration has its ``register`` event, and
nothing is deleted. Numbers are unique and, within a day, rise with registration order
(not strictly with commit order).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import connection

from hotline.tickets.models import DailySequence

_UPSERT = (
    "INSERT INTO {table} (day, last) VALUES (%s, %s) "
    "ON CONFLICT (day) DO UPDATE SET last = {table}.last + EXCLUDED.last RETURNING last"
)

_rehearsing: ContextVar[bool] = ContextVar("hotline_numbering_rehearsal", default=False)


@contextmanager
def rehearsal() -> Iterator[None]:
    """A registration made only to be shown and rolled back (复述确认, the intake's
    read-back) takes no number: it gets a stand-in no real number can equal (``R`` and
    six random hex digits after the date), so the day's counter is not touched and no gap
    is left on PostgreSQL, where a number taken apart is not rolled back."""
    token = _rehearsing.set(True)
    try:
        yield
    finally:
        _rehearsing.reset(token)


def next_ticket_number(day: date) -> str:
    if _rehearsing.get():
        return f"{day:%Y%m%d}R{secrets.token_hex(3)}"
    return f"{day:%Y%m%d}{_bump(day, 1):06d}"


def reserve_numbers(days: Iterable[tuple[date, int]]) -> dict[date, int]:
    """Reserve ``n`` numbers of each day at once (``hotline generate``); returns the first
    of each range. The same counter and the same connection as a registration's."""
    return {day: _bump(day, n) - n + 1 for day, n in days}


def _bump(day: date, n: int) -> int:
    """The day's counter raised by ``n``; its new value. Apart from the caller's
    transaction on PostgreSQL (``hotline.core.postgresql``), inside it on SQLite."""
    upsert = _UPSERT.format(table=connection.ops.quote_name(DailySequence._meta.db_table))
    apart = getattr(connection, "apart", None)
    if apart is None:
        with connection.cursor() as cursor:
            cursor.execute(upsert, [day, n])
            return int(cursor.fetchone()[0])
    for attempt in (1, 2):
        raw = apart()
        try:
            with connection.wrap_database_errors, raw.cursor() as cursor:
                cursor.execute(upsert, [day, n])
                return int(cursor.fetchone()[0])
        except Exception:
            # once more on a new connection if the server dropped the old one (a
            # PostgreSQL restart between two registrations)
            if attempt == 2 or not (raw.closed or raw.broken):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def new_query_code() -> str:
    """Six digits the complainant uses with the number to follow the matter."""
    return f"{secrets.randbelow(10**6):06d}"
