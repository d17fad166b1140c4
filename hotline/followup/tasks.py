"""The periodic deadline sweep (every minute, on the one Huey instance)."""

from __future__ import annotations

import logging

from huey import crontab

from hotline.followup.services import run_sweep
from hotline.jobs.locks import single_run
from hotline.jobs.queue import huey

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def sweep_deadlines() -> None:
    """One sweep. The lock only saves work: the sweep is idempotent without it."""
    with single_run("followup-sweep") as mine:
        if not mine:
            return
        report = run_sweep()
        logger.info("sweep: %s", report)
