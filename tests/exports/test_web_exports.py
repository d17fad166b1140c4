"""The workbench: 导出 Excel / CSV of a list downloads a small one at once, opens a job page
with a progress bar for a large one; the file and the page are the owner's only."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from hotline.exports.models import ExportJob, ExportStatus
from hotline.exports.services import export_run
from tests.exports.conftest import column, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db


def _post(client, source, fmt, **params):
    return client.post(reverse("web:export-new", args=[source]), {"format": fmt, "page": "2", **params})


def test_a_small_csv_streams_at_once_and_is_logged(client, users, tickets):
    client.force_login(users["coordinator"])
    answer = _post(client, "worklist", "csv", tab="unit")
    assert answer.status_code == 200 and answer.streaming
    disposition = answer["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''") and disposition.endswith(".csv")
    rows = csv_rows(b"".join(answer.streaming_content))
    assert sorted(column(rows, "工单编号")) == sorted(t.number for t in tickets)
    job = ExportJob.objects.get()
    assert (job.status, job.direct, job.rows_done, job.source, job.params) == (
        ExportStatus.DONE,
        True,
        3,
        "worklist",
        {"tab": "unit"},
    )


def test_a_small_excel_downloads_at_once(client, users, tickets):
    client.force_login(users["coordinator"])
    answer = _post(client, "search", "xlsx", q="电饭煲")
    assert answer.status_code == 200 and "spreadsheetml" in answer["Content-Type"]
    rows = xlsx_rows(b"".join(answer.streaming_content))
    assert sorted(column(rows, "工单编号")) == sorted(t.number for t in tickets)
    assert ExportJob.objects.get().rows_done == 3


def test_a_large_export_opens_its_job_page_with_a_progress_bar(
    client, users, tickets, small_limit, export_home
):
    client.force_login(users["coordinator"])
    answer = _post(client, "worklist", "xlsx", tab="unit")
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("web:export", args=[job.pk])
    page = client.get(answer["Location"]).content.decode()
    assert 'id="export-progress"' in page and 'data-status="queued"' in page
    assert f'hx-get="{reverse("web:export-progress", args=[job.pk])}"' in page  # polls while running
    export_run(job.pk)
    panel = client.get(reverse("web:export-progress", args=[job.pk])).content.decode()
    assert 'data-status="done"' in panel and "hx-get" not in panel  # stops polling when done
    assert reverse("web:export-file", args=[job.pk]) in panel
    got = client.get(reverse("web:export-file", args=[job.pk]))
    assert got.status_code == 200 and len(xlsx_rows(b"".join(got.streaming_content))) == 4
    listing = client.get(reverse("web:export-list")).content.decode()
    assert f'id="export-{job.pk}"' in listing and reverse("web:export-file", args=[job.pk]) in listing


def test_someone_elses_job_and_file_are_404(client, users, tickets, small_limit, export_home):
    client.force_login(users["coordinator"])
    _post(client, "worklist", "csv", tab="unit")
    job = ExportJob.objects.get()
    export_run(job.pk)
    client.force_login(users["leader"])
    for name in ("web:export", "web:export-progress", "web:export-file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert f'id="export-{job.pk}"' not in client.get(reverse("web:export-list")).content.decode()


def test_a_refused_export_is_a_readable_page_not_a_500(client, users):
    client.force_login(users["handler"])
    answer = _post(client, "stats", "csv", measure="received", **{"from": "2026-01-01", "to": "2026-01-31"})
    assert answer.status_code == 403 and 'data-code="stats_forbidden"' in answer.content.decode()
    answer = _post(client, "worklist", "pdf")
    assert answer.status_code == 400 and 'data-code="export_invalid_format"' in answer.content.decode()
    assert not ExportJob.objects.exists()


def test_the_buttons_carry_the_lists_filters_but_not_its_page(users):
    request = RequestFactory().get("/work/", {"tab": "unit", "stage": "dispatched", "page": "3"})
    request.user = users["coordinator"]
    html = render_to_string("web/exports/_buttons.html", {"source": "worklist"}, request=request)
    assert reverse("web:export-new", args=["worklist"]) in html
    assert 'name="tab" value="unit"' in html and 'name="stage" value="dispatched"' in html
    assert 'name="page"' not in html
    assert 'value="xlsx"' in html and 'value="csv"' in html and "csrfmiddlewaretoken" in html
