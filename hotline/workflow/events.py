"""History events (全程跟踪) and the two ways a feature hears about them.

An event is written in the same transaction as the change it records, under the ticket's
row lock (``workflow.locks.lock_ticket``), by the core only: registration, transitions and
``ticket_record``. Features subscribe instead of being called:

- ``on_event`` (in the transaction): write rows that must commit with the event or not at
  all — the outbox's messages, the sweep's schedule, return-visit tasks. A subscriber that
  raises rolls the whole change back, so these only write rows.
- ``on_event_committed`` (after commit): work that may be slow or may fail on its own —
  detection, indexing, pushing to a partner. It gets the ids, reads what it needs, and
  never runs for a change that rolled back.

Both are registered in ``AppConfig.ready``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max

from hotline.core.types import AnyUser
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.kinds import EventKind
from hotline.workflow.payloads import check_payload

logger = logging.getLogger(__name__)

InTransaction = Callable[[Ticket, TicketEvent], None]
AfterCommit = Callable[[int, int], None]  # (ticket id, event id)

event_listeners: list[InTransaction] = []
committed_listeners: list[AfterCommit] = []


def on_event(listener: InTransaction) -> InTransaction:
    """Subscribe ``listener(ticket, event)`` inside the writing transaction (idempotent)."""
    if listener not in event_listeners:
        event_listeners.append(listener)
    return listener


def on_event_committed(listener: AfterCommit) -> AfterCommit:
    """Subscribe ``listener(ticket_id, event_id)`` after the event has committed (idempotent)."""
    if listener not in committed_listeners:
        committed_listeners.append(listener)
    return listener


def _after_commit(ticket_id: int, event_id: int) -> None:
    for listener in list(committed_listeners):
        try:
            listener(ticket_id, event_id)
        except Exception:  # one subscriber's failure is its own: the change has committed
            logger.exception("after-commit subscriber %r failed for event %s", listener, event_id)


def record_event(
    ticket: Ticket,
    *,
    action: str,
    actor: AnyUser | None,
    now: datetime,
    from_stage: str,
    from_status: str,
    actor_label: str = "",
    comment: str = "",
    payload: dict[str, Any] | None = None,
    public: bool = False,
) -> TicketEvent:
    """Append one event (core only). The caller holds the ticket's row lock, so ``seq``
    cannot race; ``action`` must be an :class:`EventKind`."""
    kind = EventKind(action)  # ValueError for a kind nobody declared
    check_payload(kind, payload or {})
    # a ticket's first event is its registration: nothing to look up (one statement less
    # per intake; a second ``register`` would still meet the unique ``(ticket, seq)``)
    last = 0 if kind == EventKind.REGISTER else _last_seq(ticket)
    user = actor if actor is not None and actor.is_authenticated else None
    event = TicketEvent.objects.create(
        ticket=ticket,
        seq=last + 1,
        actor=user,
        actor_label=actor_label or ("" if user else "系统"),
        action=kind.value,
        from_stage=from_stage,
        to_stage=ticket.stage,
        from_status=from_status,
        to_status=ticket.status,
        comment=comment,
        payload=payload or {},
        public=public,
        created_at=now,
    )
    for listener in event_listeners:
        listener(ticket, event)
    if committed_listeners:
        ticket_id, event_id = ticket.pk, event.pk
        transaction.on_commit(lambda: _after_commit(ticket_id, event_id))
    return event


def _last_seq(ticket: Ticket) -> int:
    return int(TicketEvent.objects.filter(ticket=ticket).aggregate(m=Max("seq"))["m"] or 0)
