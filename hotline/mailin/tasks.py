"""Polling the mailboxes: every minute on the one Huey instance, and one mailbox on demand."""

from __future__ import annotations

import logging

from huey import crontab

from hotline.jobs.locks import single_run
from hotline.jobs.queue import huey
from hotline.mailin.models import Mailbox
from hotline.mailin.services import fetch_active, mailbox_fetch

logger = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey ships no type information
def poll_mailboxes() -> None:
    """Every active mailbox. The lock only saves work: each mailbox has its own lock, and a
    mail is taken once whoever polls (``InboundMail`` is unique per UID)."""
    with single_run("mailin-poll") as mine:
        if not mine:
            return
        for report in fetch_active():
            if report.taken or report.error:
                logger.info("收取邮件:%s", report.summary())


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def fetch_mailbox(mailbox_id: int) -> str:
    """One mailbox now (the admin's 立即收取)."""
    mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
    if mailbox is None:
        return ""
    report = mailbox_fetch(mailbox=mailbox)
    logger.info("收取邮件:%s", report.summary())
    return report.summary()
