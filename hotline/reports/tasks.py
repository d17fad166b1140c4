"""The worker's statistics documents: once a day it generates what the last complete week,
month and quarter owe (``documents.services.generate_due``) and tells the subscribers.

Daily rather than on the 1st: a worker down that day catches up the next, and a period
already generated is skipped, so running it twice generates nothing twice.
"""

from __future__ import annotations

import logging

from huey import crontab

from hotline.jobs.locks import single_run
from hotline.jobs.queue import huey
from hotline.reports.documents.services import generate_due

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="30", hour="22"))  # type: ignore[untyped-decorator]  # huey ships no type information
def generate_report_documents() -> None:
    """06:30 Beijing time (huey runs crontabs in UTC). The lock only saves the duplicate work."""
    with single_run("report-documents", ttl_seconds=1800) as mine:
        if not mine:
            return
        report = generate_due()
        logger.info("report documents: %s generated, %s already there", len(report.generated), report.skipped)
