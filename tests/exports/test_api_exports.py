"""``/api/v1/exports/``: small → 201 with the file, large → 202 and a job to poll; only the
owner reads a job or its file; every refusal is a problem with a stable code."""

from __future__ import annotations

import pytest

from hotline.exports.models import ExportJob
from tests.exports.conftest import column, csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db
URL = "/api/v1/exports/"


def test_a_small_export_is_written_at_once(api, users, tickets, export_home):
    client = api(users["coordinator"])
    answer = client.post(
        URL, {"source": "tickets", "params": {"status": "open"}, "format": "csv"}, format="json"
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["rows_done"], body["progress"]) == ("done", 3, 100)
    assert answer["Location"] == body["url"] == f"{URL}{body['id']}/"
    got = client.get(body["file_url"])
    assert got.status_code == 200 and got["Content-Type"].startswith("text/csv")
    rows = csv_rows(b"".join(got.streaming_content))
    assert sorted(column(rows, "工单编号")) == sorted(t.number for t in tickets)


def test_a_large_export_is_a_job_with_progress(
    api, users, tickets, small_limit, export_home, immediate_huey, django_capture_on_commit_callbacks
):
    client = api(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = client.post(URL, {"source": "tickets", "format": "xlsx"}, format="json")
    assert answer.status_code == 202
    job = answer.json()
    assert (job["status"], job["progress"], job["file_url"]) == ("queued", 0, None)
    waiting = client.get(job["file_url"] or f"{URL}{job['id']}/file/")
    assert waiting.status_code == 409 and waiting.json()["code"] == "export_not_ready"
    for callback in callbacks:  # the commit: the worker (immediate) takes it
        callback()
    done = client.get(job["url"]).json()
    assert (done["status"], done["rows_done"], done["rows_total"], done["progress"]) == ("done", 3, 3, 100)
    got = client.get(done["file_url"])
    assert got.status_code == 200 and "spreadsheetml" in got["Content-Type"]
    assert len(xlsx_rows(b"".join(got.streaming_content))) == 4
    assert [j["id"] for j in client.get(URL).json()["results"]] == [job["id"]]


def test_only_the_owner_sees_a_job_or_downloads_its_file(api, users, tickets, export_home):
    job = api(users["coordinator"]).post(URL, {"source": "tickets", "format": "csv"}, format="json").json()
    for other in ("leader", "admin", "agent"):
        client = api(users[other])
        for url in (job["url"], job["file_url"]):
            answer = client.get(url)
            assert answer.status_code == 404 and answer.json()["code"] == "not_found", (other, url)
        assert client.get(URL).json()["results"] == []
    assert api(None).get(job["url"]).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"source": "nope", "format": "csv"}, 400, "export_unknown_source"),
        ({"source": "tickets", "format": "pdf"}, 400, "export_invalid_format"),
        ({"source": "tickets", "format": "csv", "params": ["status"]}, 400, "export_invalid_params"),
        (
            {"source": "tickets", "format": "csv", "params": {"status": {"x": 1}}},
            400,
            "export_invalid_params",
        ),
        ({"source": "tickets", "format": "csv", "params": {"colour": "red"}}, 400, "export_invalid_params"),
        ({"source": "tickets", "format": "csv", "colour": "red"}, 400, "unknown_field"),
        ({"source": "search", "format": "csv", "params": {"q": ""}}, 400, "search_query_empty"),
        (
            {
                "source": "stats",
                "format": "csv",
                "params": {"measure": "received", "from": "2026-01-01", "to": "2026-01-31"},
            },
            403,
            "stats_forbidden",
        ),
    ],
)
def test_problem_codes(api, users, body, status, code):
    answer = api(users["handler"]).post(URL, body, format="json")
    assert answer.status_code == status, answer.json()
    assert answer["Content-Type"] == "application/problem+json" and answer.json()["code"] == code
    assert not ExportJob.objects.exists()


def test_too_many_running_is_429(api, users, tickets, small_limit, export_home):
    client = api(users["coordinator"])
    for _ in range(3):
        assert client.post(URL, {"source": "tickets", "format": "csv"}, format="json").status_code == 202
    answer = client.post(URL, {"source": "tickets", "format": "csv"}, format="json")
    assert answer.status_code == 429 and answer.json()["code"] == "export_too_many"


def test_an_expired_file_is_404_export_expired(api, users, tickets, export_home):
    from hotline.exports.services import purge_expired

    client = api(users["coordinator"])
    job = client.post(URL, {"source": "tickets", "format": "csv"}, format="json").json()
    purge_expired(now=ExportJob.objects.get().expires_at)
    answer = client.get(job["file_url"])
    assert answer.status_code == 404 and answer.json()["code"] == "export_expired"
    assert client.get(job["url"]).json()["file_url"] is None
