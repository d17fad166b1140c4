"""Detection in the worker (ADR 0024), on the one Huey instance.

- ``detect_ticket``: enqueued after a registration commits (``listeners``); detects that
  ticket. The registration's request only pays for the ``Pending`` row and the enqueue.
- ``detect_pending_tickets`` (every minute): tickets whose detection did not run — a crash
  after the commit, a queue that was down, a failure — are detected now. Idempotent: a
  ticket is detected once, whoever gets to it first; the lock only saves work.
- ``prune_old_bands`` (hourly): band rows older than every pack's window.
"""

from __future__ import annotations

import logging

from huey import crontab

from hotline.jobs.locks import single_run
from hotline.jobs.queue import huey
from hotline.similar.detection import detect, detect_pending, prune_bands

logger = logging.getLogger(__name__)


@huey.task(retries=2, retry_delay=10)  # type: ignore[untyped-decorator]  # huey ships no type information
def detect_ticket(ticket_id: int) -> None:
    detect(ticket_id)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def detect_pending_tickets() -> None:
    with single_run("similar-detect") as mine:
        if not mine:
            return
        ran = detect_pending()
        if ran:
            logger.info("detection sweep: %s tickets", ran)


@huey.periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]  # huey ships no type information
def prune_old_bands() -> None:
    with single_run("similar-prune") as mine:
        if mine:
            logger.info("detection: %s band rows pruned", prune_bands())
