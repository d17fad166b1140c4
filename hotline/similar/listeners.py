"""The two subscriptions of detection to the core's events (``SimilarConfig.ready``).

- ``on_ticket_event`` (in the event's transaction): a registration leaves a ``Pending`` row
  that commits with the ticket or not at all (a read-back's rolled-back registration leaves
  none); any other event of a confirmed batch's parent reaches its children
  (``services.relay``), in the same transaction as the parent's change.
- ``on_ticket_committed`` (after commit): a ticket still pending is handed to the worker
  (``tasks.detect_ticket``), which detects in its own transaction — never in the
  registration's, and not on the registration's time. A failure, a crash or a queue that
  is down leaves the ``Pending`` row for the sweep (``tasks.detect_pending_tickets``).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from hotline.similar.models import Pending
from hotline.similar.services import OWN_KINDS, relay
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.kinds import EventKind

logger = logging.getLogger(__name__)


# Registration events written in this process whose commit hook has not run yet: event id →
# ticket id. The commit hook pops its event (no query on a request's time); an entry left by
# a rolled-back registration (the intake's read-back) is dropped once there are too many.
_registered: OrderedDict[int, int] = OrderedDict()
_REGISTERED_MAX = 10_000


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    if event.action == EventKind.REGISTER:
        if event.seq == 1:
            Pending.objects.create(ticket=ticket, registered_at=event.created_at)
            _registered[event.pk] = ticket.pk
            while len(_registered) > _REGISTERED_MAX:
                _registered.popitem(last=False)
        return
    if event.action in OWN_KINDS:
        return
    relay(ticket, event)


def on_ticket_committed(ticket_id: int, event_id: int) -> None:
    if _registered.pop(event_id, None) is None:
        return  # not a registration (or its entry was dropped: the sweep has it)
    from hotline.similar.tasks import detect_ticket  # the queue is set up with the worker's apps

    try:
        detect_ticket(ticket_id)
    except Exception:  # the queue being down must not fail a request that committed
        logger.warning("could not enqueue detection of ticket %s; the sweep will", ticket_id, exc_info=True)
