"""A large export goes to the worker, which writes it in chunks and reports progress; the row
is the log; files expire; a job runs once however often its task is delivered."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, NotFound, TooManyRequests
from hotline.exports import services, sources
from hotline.exports.models import ExportJob, ExportStatus
from hotline.exports.services import export_dir, export_file, export_run, export_start, purge_expired
from tests.exports.conftest import column, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db


def _start(user, fmt="csv", **params):
    return export_start(user=user, source="tickets", params=params, format=fmt, stream=True)


def test_a_large_export_is_queued_for_the_worker_on_commit(
    users, tickets, small_limit, export_home, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued: list[int] = []
    monkeypatch.setattr(services, "_enqueue", enqueued.append)
    with django_capture_on_commit_callbacks(execute=True):
        started = _start(users["coordinator"])
    job = started.job
    assert not started.direct and job.status == ExportStatus.QUEUED and enqueued == [job.pk]
    assert (job.owner, job.source, job.format, job.direct) == (users["coordinator"], "tickets", "csv", False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_worker_writes_it_reporting_progress_as_it_goes(
    users,
    tickets,
    small_limit,
    export_home,
    immediate_huey,
    django_capture_on_commit_callbacks,
    monkeypatch,
    fmt,
):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 1)
    monkeypatch.setattr("hotline.exports.writers.FLUSH_ROWS", 1)
    seen: list[tuple[str, int, int | None]] = []
    row_of = sources.ticket_row

    def watching(ticket, viewer, **kwargs):  # what the progress page would read at each row
        job = ExportJob.objects.get()
        seen.append((job.status, job.rows_done, job.rows_total))
        return row_of(ticket, viewer, **kwargs)

    monkeypatch.setattr(sources, "ticket_row", watching)
    with django_capture_on_commit_callbacks(execute=True):  # the enqueue runs the task at once
        job = _start(users["coordinator"], fmt).job
    job.refresh_from_db()
    assert seen == [("running", 0, 3), ("running", 1, 3), ("running", 2, 3)]
    assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 3, 3, 100)
    assert job.expires_at == job.finished_at + services.KEEP
    data = export_file(job).read_bytes()
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    assert sorted(column(rows, "工单编号")) == sorted(t.number for t in tickets)


def test_a_task_delivered_twice_writes_once(users, tickets, small_limit, export_home):
    job = _start(users["coordinator"]).job
    assert export_run(job.pk) is True
    first = ExportJob.objects.get(pk=job.pk)
    assert export_run(job.pk) is False
    assert ExportJob.objects.get(pk=job.pk).file == first.file
    assert len(list(export_dir().iterdir())) == 1


def test_the_worker_checks_the_owners_rights_again(users, tickets, small_limit, export_home):
    started = export_start(
        user=users["coordinator"], source="search", params={"q": "电饭煲"}, format="csv", stream=True
    )
    job = started.job
    users["coordinator"].memberships.all().delete()  # no longer staff: may not search
    export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and job.file == "" and job.rows_done == 0
    assert job.error == "检索仅对工作人员开放"
    assert list(export_dir().iterdir()) == []
    with pytest.raises(Conflict) as refused:
        export_file(job)
    assert refused.value.code == "export_failed"


def test_a_file_cannot_be_fetched_before_it_is_written(users, tickets, small_limit, export_home):
    job = _start(users["coordinator"]).job
    with pytest.raises(Conflict) as refused:
        export_file(job)
    assert refused.value.code == "export_not_ready"


def test_every_export_is_logged_who_what_how_many(users, tickets, small_limit, export_home, caplog):
    caplog.set_level(logging.INFO, logger="hotline.exports")
    job = _start(users["coordinator"], "xlsx", status="open").job
    export_run(job.pk)
    job.refresh_from_db()
    assert (job.owner_id, job.source, job.params, job.format, job.rows_done) == (
        users["coordinator"].pk,
        "tickets",
        {"status": "open"},
        "xlsx",
        3,
    )
    record = next(r for r in caplog.records if r.name == "hotline.exports")
    assert (record.user_id, record.source, record.format, record.rows, record.direct) == (
        users["coordinator"].pk,
        "tickets",
        "xlsx",
        3,
        False,
    )


def test_a_user_has_at_most_three_exports_running(users, tickets, small_limit, export_home):
    for _ in range(services.MAX_PENDING):
        _start(users["coordinator"])
    with pytest.raises(TooManyRequests) as refused:
        _start(users["coordinator"])
    assert refused.value.code == "export_too_many"
    assert ExportJob.objects.count() == services.MAX_PENDING


def test_expired_files_go_and_their_rows_stay(users, tickets, small_limit, export_home):
    job = _start(users["coordinator"]).job
    export_run(job.pk)
    job.refresh_from_db()
    path = export_file(job)
    assert purge_expired(now=job.expires_at - timedelta(seconds=1)) == 0 and path.exists()
    assert purge_expired(now=job.expires_at + timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert not path.exists() and job.file == "" and job.rows_done == 3  # the log stays
    with pytest.raises(NotFound) as refused:
        export_file(job)
    assert refused.value.code == "export_expired"


def test_a_job_a_dead_worker_left_running_is_failed_by_the_sweep(users, tickets, small_limit, export_home):
    job = _start(users["coordinator"]).job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING)
    purge_expired(now=timezone.now() + services.STALE_AFTER - timedelta(minutes=1))
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.RUNNING
    purge_expired(now=timezone.now() + services.STALE_AFTER + timedelta(minutes=1))
    assert ExportJob.objects.get(pk=job.pk).status == ExportStatus.FAILED
