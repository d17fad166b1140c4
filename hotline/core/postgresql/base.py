"""Django's PostgreSQL backend plus a connection *apart* from the caller's transaction,
and statements prepared once per session for the hottest reads.

Registration takes its ticket number with one upsert on the day's counter row, and that
row stays locked until the upsert's transaction ends (``hotline.tickets.numbering``). On
the connection apart, in autocommit mode, the transaction is the one statement. The
connection belongs to the wrapper, so it is per thread like Django's own, and it closes
with it: a test run can drop its database, a worker leaves no session behind.

**Prepared statements** (ADR 0029). Django binds parameters on the client, so PostgreSQL
parses and plans every statement anew. For the ticket read that every ticket page and
detail request starts with (six joins), planning is most of its time: 0.94 ms a read
against 0.17 ms as ``EXECUTE`` of a statement prepared once. ``execute_prepared`` runs a
named statement that way: ``PREPARE`` on the first use in a session (through the raw
connection: a session's set-up, not a statement of the request), ``EXECUTE`` after. A new
session (reconnect) prepares again. ``HOTLINE_PREPARED_STATEMENTS=0`` turns it off, for a
pooler that shares sessions between clients (PgBouncer in transaction mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import ClientCursor

APART_SETUP = (
    # the caller's own transaction commits after the statement apart, and PostgreSQL's
    # log is sequential: when that commit is durable, so is the statement apart
    "SET synchronous_commit = off",
    # a row the caller's own transaction holds would otherwise be waited on forever
    "SET lock_timeout = '5s'",
)


def _token(i: int) -> str:
    return f"hotline-prepared-parameter-{i}"


class DatabaseWrapper(base.DatabaseWrapper):
    _apart: Any = None
    _prepared_on: Any = None  # the session (psycopg connection) _prepared_names are on
    _prepared_names: set[str]

    def execute_prepared(self, cursor: Any, name: str, sql: str, params: Sequence[Any]) -> None:
        """Run ``sql`` (Django's ``%s`` style) with ``params`` on ``cursor`` as ``EXECUTE
        name(…)``, the statement prepared on this session the first time: every parameter a
        ``$n``, so one statement serves every value. ``name`` must stand for this SQL
        alone, in this process."""
        if not getattr(settings, "HOTLINE_PREPARED_STATEMENTS", True):
            cursor.execute(sql, params)
            return
        raw = self.connection  # the cursor's: opened by now
        if self._prepared_on is not raw:
            self._prepared_on, self._prepared_names = raw, set()
        if name not in self._prepared_names:
            # a client-binding cursor whatever the connection's default: it writes the SQL
            # with the placeholders quoted as literals, which are then swapped for $1 … $k
            with ClientCursor(raw) as setup:
                text = setup.mogrify(sql, [_token(i) for i in range(len(params))])
                for i in range(len(params)):
                    text = text.replace(f"'{_token(i)}'", f"${i + 1}")
                setup.execute(f"PREPARE {name} AS {text}")
            self._prepared_names.add(name)
        cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", list(params))

    def apart(self) -> Any:
        """The raw autocommit connection apart (psycopg), opened on first use."""
        raw = self._apart
        if raw is not None and not raw.closed and not getattr(raw, "broken", False):
            return raw
        self.close_apart()
        raw = self.get_new_connection(self.get_connection_params())
        raw.autocommit = True
        with raw.cursor() as cursor:
            for statement in APART_SETUP:
                cursor.execute(statement)
        self._apart = raw
        return raw

    def close_apart(self) -> None:
        raw, self._apart = self._apart, None
        if raw is not None:
            try:
                raw.close()
            except Exception:  # gone with the server already
                pass

    def _close(self) -> None:
        self.close_apart()
        super()._close()  # type: ignore[misc]  # django-stubs do not declare it
