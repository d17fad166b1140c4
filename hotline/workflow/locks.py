"""The ticket's row lock: every write to a ticket or its history holds it."""

from __future__ import annotations

from django.db import transaction

from hotline.core.errors import Conflict
from hotline.tickets.models import Ticket


def lock_ticket(pk: int, *, expected_version: int | None = None) -> Ticket:
    """The ticket's row, locked until the surrounding transaction ends.

    Locks the bare row: with joins, PostgreSQL's re-check after waiting for the lock can
    drop the row that another transaction just changed. (SQLite: the single writer,
    IMMEDIATE mode.) ``expected_version`` — the version the caller saw — turns a silent
    overwrite into a ``Conflict`` (HTTP 409).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_ticket needs a transaction (transaction.atomic)")
    locked = Ticket.objects.select_for_update().get(pk=pk)
    if expected_version is not None and expected_version != locked.version:
        raise Conflict("工单已被他人处理,请刷新后重试", code="stale_version", current_version=locked.version)
    return locked
