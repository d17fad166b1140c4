"""Exports: ask for one (``export_start``), write it (``export_run``, the worker), fetch the
file (``access_export`` + ``export_file``), and forget old files (``purge_expired``).

Size decides the way, counted no further than ``DIRECT_LIMIT + 1`` rows (one bounded query):

- **small** (≤ ``DIRECT_LIMIT``): the workbench streams it straight to the browser
  (``stream=True``: CSV chunk by chunk, Excel through a temporary file); the API writes the
  file at once and answers with it done;
- **large**: a job for the worker (``tasks.run_export_job``, enqueued on commit), which
  writes the file in constant memory and reports progress in ``rows_done`` / ``rows_total``.

Every export leaves its ``ExportJob`` row — who, which list with which filters, which
format, how many rows — and a log line on ``hotline.exports`` when it finishes.
Only the owner reads a job or its file; anyone else gets the same 404 as for no job.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.core.errors import Conflict, HotlineError, InvalidInput, NotFound, TooManyRequests
from hotline.core.types import AnyUser
from hotline.exports.models import ExportFormat, ExportJob, ExportStatus
from hotline.exports.sources import Listing, get_source
from hotline.exports.writers import csv_chunks, write_csv, write_xlsx

logger = logging.getLogger("hotline.exports")

DIRECT_LIMIT: Final = 5000  # rows streamed straight away; more go to the worker
MAX_ROWS: Final = 1_000_000  # rows in one file (Excel's sheet holds 1,048,576)
KEEP: Final = timedelta(days=7)  # a job's file is kept this long
MAX_PENDING: Final = 3  # jobs of one user queued or running at once
PROGRESS_EVERY: Final = 1000  # rows between two progress writes
STALE_AFTER: Final = timedelta(hours=6)  # a job still queued or running then was lost (worker killed)
MAX_PARAM_LENGTH: Final = 1000


@dataclass(frozen=True)
class Started:
    """An export asked for: its row, and for a direct one the listing to stream now."""

    job: ExportJob
    listing: Listing | None = None

    @property
    def direct(self) -> bool:
        return self.listing is not None


def export_dir() -> Path:
    """Where job files live: under ``HOTLINE_HOME``, never under a served URL."""
    path = Path(settings.HOTLINE_HOME) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_format(value: Any) -> str:
    if value not in ExportFormat.values:
        raise InvalidInput("导出格式只能是 xlsx 或 csv", code="export_invalid_format", field="format")
    return str(value)


def read_params(value: Any) -> dict[str, str]:
    """The list's filters as ``name → text``; numbers and booleans are taken as text."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput("params 应为对象(筛选条件名 → 值)", code="export_invalid_params", field="params")
    clean: dict[str, str] = {}
    for name, raw in value.items():
        if isinstance(raw, bool):
            text = "true" if raw else "false"
        elif isinstance(raw, str | int | float):
            text = str(raw)
        else:
            raise InvalidInput(f"筛选条件 {name} 应为文本", code="export_invalid_params", field=str(name))
        if len(str(name)) > 64 or len(text) > MAX_PARAM_LENGTH or "\x00" in text:
            raise InvalidInput(
                f"筛选条件 {name} 过长或含无效字符", code="export_invalid_params", field=str(name)
            )
        clean[str(name)] = text
    return clean


def _filename(title: str, format: str, now: datetime) -> str:
    return f"{title}-{timezone.localtime(now):%Y%m%d-%H%M}.{format}"


def export_start(
    *,
    user: AnyUser,
    source: str,
    params: Any,
    format: Any,
    stream: bool,
    now: datetime | None = None,
) -> Started:
    """Check and start an export of the list ``source`` filtered by ``params`` for ``user``.

    Refuses an unknown list, format or filter (``InvalidInput``) and a list the user may not
    use (the list's own ``Forbidden``) before anything is written. ``stream``: the caller
    streams a small export itself (the workbench); otherwise a small one is written now."""
    now = now or timezone.now()
    chosen = get_source(source)
    fmt = read_format(format)
    clean = read_params(params)
    listing = chosen.listing(user, clean, now=now)
    small = listing.count(DIRECT_LIMIT + 1) <= DIRECT_LIMIT
    fields: dict[str, Any] = {
        "owner": user,
        "source": chosen.name,
        "params": clean,
        "format": fmt,
        "filename": _filename(listing.title, fmt, now),
    }
    if small and stream:
        job = ExportJob.objects.create(**fields, status=ExportStatus.RUNNING, direct=True, started_at=now)
        return Started(job, listing)
    if small:
        job = ExportJob.objects.create(**fields)
        export_run(job.pk, listing=listing)
        job.refresh_from_db()
        return Started(job)
    pending = ExportJob.objects.filter(
        owner_id=user.pk, direct=False, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).count()
    if pending >= MAX_PENDING:
        raise TooManyRequests(f"您已有 {pending} 个导出正在进行,请待其完成后再试", code="export_too_many")
    job = ExportJob.objects.create(**fields)
    transaction.on_commit(lambda: _enqueue(job.pk))
    return Started(job)


def _enqueue(job_id: int) -> None:
    from hotline.exports.tasks import run_export_job  # tasks import this module

    run_export_job(job_id)


def _log(job: ExportJob) -> None:
    logger.info(
        "export %s: %s %s.%s, %s rows%s",
        job.pk,
        job.owner_id,
        job.source,
        job.format,
        job.rows_done,
        " (direct)" if job.direct else "",
        extra={
            "export_id": job.pk,
            "user_id": job.owner_id,
            "source": job.source,
            "format": job.format,
            "rows": job.rows_done,
            "direct": job.direct,
        },
    )


def _finish(job: ExportJob, *, rows: int, file: str = "", now: datetime | None = None) -> None:
    now = now or timezone.now()
    job.status = ExportStatus.DONE
    job.rows_done = rows
    job.rows_total = rows  # what was written (the count before may differ by a few new tickets)
    job.file = file
    job.finished_at = now
    job.expires_at = now + KEEP if file else None
    job.save(update_fields=["status", "rows_done", "rows_total", "file", "finished_at", "expires_at"])
    _log(job)


def _fail(job: ExportJob, error: str) -> None:
    job.status = ExportStatus.FAILED
    job.error = error[:500]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    logger.warning("export %s failed: %s", job.pk, job.error, extra={"export_id": job.pk})


# --- direct (the workbench, small) ------------------------------------------------------


def stream_csv(job: ExportJob, listing: Listing) -> Iterator[bytes]:
    """The CSV of a direct export, chunk by chunk; the row is finished when the last chunk
    is out (or failed if the download stopped half way)."""
    written = [0]

    def progress(n: int) -> None:
        written[0] = n

    try:
        yield from csv_chunks(listing.headers, listing.rows(), progress=progress)
    except GeneratorExit:
        _fail(job, "下载中断")
        raise
    except Exception as exc:
        _fail(job, _why(exc))
        raise
    _finish(job, rows=written[0])


def xlsx_file(job: ExportJob, listing: Listing) -> IO[bytes]:
    """The workbook of a direct export in an unnamed temporary file (gone when closed),
    positioned at its start for the response."""
    written = [0]

    def progress(n: int) -> None:
        written[0] = n

    target = tempfile.TemporaryFile()
    try:
        write_xlsx(target, listing.headers, listing.rows(), title=listing.title, progress=progress)
    except Exception as exc:
        target.close()
        _fail(job, _why(exc))
        raise
    _finish(job, rows=written[0])
    target.seek(0)
    return target


def _why(exc: BaseException) -> str:
    return exc.detail if isinstance(exc, HotlineError) else "导出失败,请稍后重试或联系管理员"


# --- jobs (the worker) ------------------------------------------------------------------


def export_run(job_id: int, *, listing: Listing | None = None) -> bool:
    """Write a queued job's file, reporting progress; ``False`` when the job is not queued
    (already taken by another worker, done, or gone): running twice writes nothing twice."""
    now = timezone.now()
    taken = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=now
    )
    if not taken:
        return False
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    path: Path | None = None
    try:
        if listing is None:  # the owner's rights now, the list as it was when asked for
            listing = get_source(job.source).listing(job.owner, job.params, now=job.created_at)
        total = listing.count(MAX_ROWS + 1)
        job.rows_total, job.truncated = min(total, MAX_ROWS), total > MAX_ROWS
        job.save(update_fields=["rows_total", "truncated"])

        written, saved = [0], [0]

        def progress(n: int) -> None:
            written[0] = n
            if n - saved[0] >= PROGRESS_EVERY:
                saved[0] = n
                ExportJob.objects.filter(pk=job_id).update(rows_done=n)

        name = f"{job.pk}-{secrets.token_hex(8)}.{job.format}"
        path = export_dir() / name
        part = path.with_name(name + ".part")
        rows = islice(listing.rows(), MAX_ROWS)
        with part.open("wb") as out:
            if job.format == ExportFormat.XLSX:
                write_xlsx(out, listing.headers, rows, title=listing.title, progress=progress)
            else:
                write_csv(out, listing.headers, rows, progress=progress)
        part.replace(path)
        _finish(job, rows=written[0], file=name)
    except Exception as exc:
        if not isinstance(exc, HotlineError):
            logger.exception("export %s failed", job_id)
        for leftover in (path, path.with_name(path.name + ".part")) if path is not None else ():
            leftover.unlink(missing_ok=True)
        _fail(job, _why(exc))
    return True


# --- reading and downloading ------------------------------------------------------------


def exports_of(user: AnyUser) -> QuerySet[ExportJob]:
    """The user's own exports, newest first."""
    return ExportJob.objects.filter(owner_id=user.pk).order_by("-created_at", "-pk")


def access_export(user: AnyUser, pk: int | str) -> ExportJob:
    """The user's own export ``pk``; missing and someone else's are the same ``NotFound``."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        key = 0
    job = ExportJob.objects.filter(pk=key, owner_id=user.pk).first() if user.is_authenticated else None
    if job is None:
        raise NotFound("导出记录不存在", code="not_found")
    return job


def export_file(job: ExportJob, *, now: datetime | None = None) -> Path:
    """The job's file, if it is done and kept: ``Conflict`` while it is written,
    ``NotFound`` (``export_expired``) once it is gone or for a direct export (never kept)."""
    now = now or timezone.now()
    if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        raise Conflict("导出尚未完成,请稍候", code="export_not_ready")
    if job.status == ExportStatus.FAILED:
        raise Conflict(f"导出失败:{job.error}", code="export_failed")
    path = export_dir() / job.file if job.file else None
    if path is None or (job.expires_at is not None and job.expires_at <= now) or not path.is_file():
        raise NotFound("导出文件已过期或未保留,请重新导出", code="export_expired")
    return path


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete files past their expiry (the rows stay: they are the log) and fail jobs left
    queued or running by a worker that died; returns how many files went."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.exclude(file="").filter(expires_at__lte=now).only("pk", "file"):
        (export_dir() / job.file).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk).update(file="")
        removed += 1
    ExportJob.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING], created_at__lt=now - STALE_AFTER
    ).update(status=ExportStatus.FAILED, error="导出超时未完成,请重新导出", finished_at=now)
    return removed
