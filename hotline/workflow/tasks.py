"""Huey tasks of the ticket core: folding the open-ticket count deltas (ADR 0026)."""

from __future__ import annotations

from huey import crontab

from hotline.jobs.queue import huey
from hotline.workflow.counts import fold


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def fold_open_counts() -> int:
    """Every minute: move the deltas the triggers appended into the counts, so a board read
    sums at most a minute of changes. Folds serialise on their own row; no lock needed."""
    return fold()
