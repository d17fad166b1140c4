"""Django's PostgreSQL backend plus a connection *apart* from the caller's transaction.

Registration takes its ticket number with one upsert on the day's counter row, and that
row stays locked until the upsert's transaction ends (``hotline.tickets.numbering``). On
the connection apart, in autocommit mode, the transaction is the one statement. The
connection belongs to the wrapper, so it is per thread like Django's own, and it closes
with it: a test run can drop its database, a worker leaves no session behind.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

APART_SETUP = (
    # the caller's own transaction commits after the statement apart, and PostgreSQL's
    # log is sequential: when that commit is durable, so is the statement apart
    "SET synchronous_commit = off",
    # a row the caller's own transaction holds would otherwise be waited on forever
    "SET lock_timeout = '5s'",
)


class DatabaseWrapper(base.DatabaseWrapper):
    _apart: Any = None

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
