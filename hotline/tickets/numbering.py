"""Ticket numbers: ``YYYYMMDD`` + a six-digit per-day sequence, e.g. ``20261122000123``.

Digits only, so a complainant can key it into an IVR menu. The sequence comes from one
atomic upsert (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``), which PostgreSQL and
SQLite (≥ 3.35) both execute as a single statement: concurrent intakes never share a
number, and no lock is held beyond the registering transaction.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.db import connection

from hotline.tickets.models import DailySequence

_UPSERT = (
    "INSERT INTO {table} (day, last) VALUES (%s, 1) "
    "ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
)


def next_ticket_number(day: date) -> str:
    table = connection.ops.quote_name(DailySequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT.format(table=table), [day])
        (seq,) = cursor.fetchone()
    return f"{day:%Y%m%d}{seq:06d}"


def new_query_code() -> str:
    """Six digits the complainant uses with the number to follow the matter."""
    return f"{secrets.randbelow(10**6):06d}"
