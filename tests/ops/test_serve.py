"""``hotline serve``: a real gunicorn server on a loopback port, pages, hashed static files,
probes, metrics added up over its processes, one JSON log line per request."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
import pytest
from django.conf import settings
from django.test import Client

from hotline.ops import server as ops_server
from tests.jobs.workers import REPO
from tests.ops.servers import free_port, server_env, start_serve

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def served(tmp_path):
    server = start_serve(tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_page_its_hashed_static_files_and_the_probes_are_served_by_gunicorn(served, org):
    login = httpx.get(f"{served.base}/login/")
    assert login.status_code == 200
    assert login.headers["server"].startswith("gunicorn")
    # pages link content-hashed names (collectstatic ran) ...
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', login.text)
    assert css, login.text[:2000]
    # ... which WhiteNoise serves compressed, cached for a year
    static = httpx.get(served.base + css.group(1), headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200
    assert static.headers["content-encoding"] == "gzip"
    assert "immutable" in static.headers["cache-control"]
    assert "max-age=315360000" in static.headers["cache-control"]
    assert b".btn" in static.content  # httpx decompressed it
    assert (
        httpx.get(f"{served.base}/static/vendor/bootstrap/bootstrap.min.000000000000.css").status_code == 404
    )

    health = httpx.get(f"{served.base}/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = httpx.get(f"{served.base}/readyz")
    assert ready.status_code == 200, ready.text
    assert {name for name, check in ready.json()["checks"].items() if check["ok"]} == {
        "database",
        "migrations",
        "cache",
        "queue",
    }


def test_a_logged_in_page_works_through_the_server(served, users):
    client = Client()
    client.force_login(users["coordinator"])  # a session in the shared test database
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    page = httpx.get(f"{served.base}/work/", cookies=cookies)
    assert page.status_code == 200
    assert users["coordinator"].first_name in page.text or "工单" in page.text


def test_requests_are_counted_across_processes_and_logged_as_json_lines(served, org):
    ids = set()
    with httpx.Client(base_url=served.base) as http:
        for _ in range(12):  # several connections: the processes share the work
            response = http.get("/login/", headers={"Connection": "close"})
            assert response.status_code == 200
            ids.add(response.headers["x-request-id"])
        metrics = http.get("/metrics")
    assert len(ids) == 12 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert metrics.status_code == 200
    line = re.search(
        r'hotline_http_requests_total\{method="GET",status="200",view="web:login"\} (\S+)', metrics.text
    )
    assert line and float(line.group(1)) == 12.0
    assert "hotline_tickets_overdue" in metrics.text

    logged = [json.loads(row) for row in served.output().splitlines() if row.startswith("{")]
    requests = [row for row in logged if row.get("logger") == "hotline.request"]
    assert {row["request_id"] for row in requests if row["path"] == "/login/"} == ids
    one = next(row for row in requests if row["path"] == "/login/")
    assert one["status"] == 200 and one["view"] == "web:login" and one["method"] == "GET"
    assert isinstance(one["duration_ms"], float)
    assert any(row.get("logger") == "gunicorn.error" for row in logged)  # gunicorn's own lines too


def test_serve_stops_gracefully_on_sigterm(tmp_path, org):
    server = start_serve(tmp_path)
    server.wait_ready()
    assert server.stop() == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base}/healthz", timeout=2)


def test_serve_refuses_a_public_address_with_the_known_signing_key(tmp_path):
    from hotline.core.secret_key import EMBEDDED_KEY

    env = server_env(tmp_path / "home", HOTLINE_SECRET_KEY=EMBEDDED_KEY)
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HOTLINE_SECRET_KEY" in result.stderr
    assert "Listening at" not in result.stdout + result.stderr


def test_serve_refuses_a_port_in_use(tmp_path, served):
    env = server_env(tmp_path / "home2")
    result = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "serve", "--port", str(served.port)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "已被占用" in result.stderr


@pytest.mark.parametrize(("cores", "workers"), [(1, 3), (2, 5), (3, 7), (4, 8), (64, 8)])
def test_default_processes_follow_the_cores_with_a_cap(cores, workers):
    assert ops_server.default_workers(cores) == workers


def test_gunicorn_gets_the_bind_address_and_the_counts():
    argv = ops_server.gunicorn_argv(host="::1", port=8123, workers=3, threads=4)
    assert argv[1:3] == ["-m", "gunicorn"]
    assert "python:hotline.ops.gunicorn_conf" in argv
    assert argv[argv.index("--bind") + 1] == "[::1]:8123"
    assert argv[argv.index("--workers") + 1] == "3" and argv[argv.index("--threads") + 1] == "4"
