"""Huey tasks of the outbox: deliver now (on commit, after a failure) and every minute."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from hotline.jobs.queue import huey
from hotline.notify.delivery import deliver_due, next_due_at

# A follow-up run is scheduled only this far ahead; the periodic task covers the rest.
WAKE_HORIZON_SECONDS = 3600


def schedule_next_wake() -> None:
    """Schedule one delivery run for when the earliest open row falls due."""
    due = next_due_at()
    if due is None:
        return
    delay = max((due - timezone.now()).total_seconds(), 0) + 0.05
    if delay <= WAKE_HORIZON_SECONDS:
        deliver_messages.schedule(delay=delay)


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def deliver_messages() -> int:
    """Deliver everything due; when a try failed, wake again at its retry time."""
    report = deliver_due()
    if report.retrying:
        schedule_next_wake()
    return len(report.sent)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def deliver_pending_messages() -> int:
    """Every minute: the safety net, so nothing depends on an enqueue surviving."""
    return len(deliver_due().sent)


@huey.on_startup()  # type: ignore[untyped-decorator]  # huey ships no type information
def _catch_up() -> None:
    """When a worker starts, wake delivery for what a previous (killed) worker left behind."""
    schedule_next_wake()
