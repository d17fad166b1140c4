"""Loading: per-day number reservation, ``COPY`` (PostgreSQL) or ``bulk_create`` (others),
writer threads, and fresh planner statistics."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction

from hotline.demo.volume.common import MAX_DAILY_SEQUENCE, Batch
from hotline.org.models import Membership, Unit
from hotline.tickets.models import Category, DailySequence, Ticket, TicketEvent
from hotline.tickets.numbering import reserve_numbers


def _reserve_numbers(days: Sequence[tuple[date, int]]) -> dict[date, int]:
    """Reserve ``n`` sequence numbers for each day; returns the first of each range."""
    first = reserve_numbers(days)
    for day, n in days:
        if first[day] + n - 1 > MAX_DAILY_SEQUENCE:
            raise ValueError(f"{day} 的工单序号超过 {MAX_DAILY_SEQUENCE}")
    return first


class _Columns:
    """A model's columns for ``COPY``: (attname, is JSON, default) in table order, no id."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [str(f.column) for f in fields]
        self.specs = [(f.attname, isinstance(f, models.JSONField), f.get_default()) for f in fields]

    def values(self, row: dict[str, Any]) -> list[Any]:
        values = []
        for attname, is_json, default in self.specs:
            value = row.get(attname, default)
            if is_json and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            values.append(value)
        return values


class _CopyWriter:
    """PostgreSQL: reserve ids from the sequence, ``COPY`` tickets then their events."""

    def __init__(self) -> None:
        self.tickets = _Columns(Ticket)
        self.events = _Columns(TicketEvent)

    @staticmethod
    def _copy_sql(model: type[models.Model], columns: list[str]) -> str:
        qn = connection.ops.quote_name
        return f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"

    def write(self, batch: Batch) -> int:
        table = connection.ops.quote_name(Ticket._meta.db_table)
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")  # generated data: durability can wait
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(batch)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            raw: Any = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
            with raw.copy(self._copy_sql(Ticket, ["id", *self.tickets.columns])) as copy:
                for pk, (row, _events) in zip(ids, batch, strict=True):
                    copy.write_row([pk, *self.tickets.values(row)])
            with raw.copy(self._copy_sql(TicketEvent, self.events.columns)) as copy:
                for pk, (_row, events) in zip(ids, batch, strict=True):
                    for event in events:
                        event["ticket_id"] = pk
                        copy.write_row(self.events.values(event))
                    count += len(events)
        return count


class _OrmWriter:
    """Any other database (SQLite): ``bulk_create``. Fine for about 100k tickets."""

    def write(self, batch: Batch) -> int:
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create([Ticket(**row) for row, _e in batch], batch_size=500)
            events = [
                TicketEvent(ticket_id=t.pk, **event)
                for t, (_row, ticket_events) in zip(tickets, batch, strict=True)
                for event in ticket_events
            ]
            TicketEvent.objects.bulk_create(events, batch_size=500)
        return len(events)


class _Pipeline:
    """Writes batches in ``writers`` threads (each its own connection) while the caller
    builds the next ones.

    psycopg releases the GIL while it waits for the server, so PostgreSQL parses the COPY
    data, updates the indexes and checks the foreign keys on the other core(s) meanwhile.
    """

    def __init__(self, write: Callable[[Batch], int], *, writers: int) -> None:
        self.write = write
        self.queue: queue.Queue[Batch | None] = queue.Queue(maxsize=writers)
        self.error: BaseException | None = None
        self.threads = [
            threading.Thread(target=self._run, name=f"hotline-generate-writer-{i}", daemon=True)
            for i in range(writers)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    self.write(batch)
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc
            while self.queue.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            connection.close()

    def put(self, batch: Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error


def _analyze() -> None:
    """Fresh planner statistics. On PostgreSQL outside a transaction also VACUUM the two big
    tables: it sets the visibility map, without which index-only scans visit the heap."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        vacuum = "" if connection.in_atomic_block else "VACUUM "
        for table in (Ticket._meta.db_table, TicketEvent._meta.db_table):
            cursor.execute(f"{vacuum}ANALYZE {connection.ops.quote_name(table)}")
        others: list[type[models.Model]] = [DailySequence, Unit, Membership, Category, get_user_model()]
        for model in others:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
