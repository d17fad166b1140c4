"""The periodic rectification sweep (every minute, on the one Huey instance)."""

from __future__ import annotations

import logging

from huey import crontab

from hotline.jobs.locks import single_run
from hotline.jobs.queue import huey
from hotline.rectification.sweep import run_rectification_sweep

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def sweep_rectifications() -> None:
    """One sweep. The lock only saves work: the marks make the sweep idempotent without it."""
    with single_run("rectification-sweep") as mine:
        if not mine:
            return
        report = run_rectification_sweep()
        if report.reminders or report.escalations or report.errors:
            logger.info("rectification sweep: %s", report)
