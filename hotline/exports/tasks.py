"""Huey tasks of exports: write a large export (enqueued on commit), forget old files."""

from __future__ import annotations

from huey import crontab

from hotline.exports.services import export_run, purge_expired
from hotline.jobs.queue import huey


@huey.task()  # type: ignore[untyped-decorator]  # huey ships no type information
def run_export_job(job_id: int) -> bool:
    """Write export ``job_id``; a second delivery of the same task finds it taken and stops."""
    return export_run(job_id)


@huey.periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]  # huey ships no type information
def purge_expired_exports() -> int:
    """Every hour: delete expired files, fail jobs a dead worker left behind (idempotent)."""
    return purge_expired()
