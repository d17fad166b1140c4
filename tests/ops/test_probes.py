"""``/healthz`` (the process answers, no database) and ``/readyz`` (database, migrations,
cache, queue)."""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from huey import RedisHuey

from hotline.ops import health


def test_healthz_answers_without_touching_the_database(client):
    # no django_db mark: any query here would raise
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_every_check_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "queue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["queue"]["detail"] in {"sqlite", "redis"}


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_broken_part_when_the_database_is_down(client, monkeypatch):
    def down() -> str:
        raise OperationalError("connection to server at 10.0.0.9 refused (password=secret)")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "ok": False,
        "ms": body["checks"]["database"]["ms"],
        "error": "OperationalError",
    }
    assert body["checks"]["cache"]["ok"] is True
    assert "secret" not in response.content.decode() and "10.0.0.9" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_is_503_when_the_queue_cannot_be_reached(client, monkeypatch):
    from hotline.jobs.queue import huey

    def unreachable() -> int:
        raise ConnectionError("queue down")

    if isinstance(huey, RedisHuey):
        monkeypatch.setattr(huey.storage.conn, "ping", unreachable)
    else:
        monkeypatch.setattr(huey.storage, "queue_size", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"]["error"] == "ConnectionError"


@pytest.mark.django_db
def test_readyz_is_not_ready_while_migrations_are_pending(client, monkeypatch):
    class Pending:
        def __init__(self, connection):
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda self: []})()})()

        def migration_plan(self, targets):
            return [("tickets", "9999_future")]

    monkeypatch.setattr(health, "_migrations_done", False)
    monkeypatch.setattr(health, "MigrationExecutor", Pending)
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"]["migrations"]
    assert check["ok"] is False and "hotline migrate" in check["detail"]


def test_probes_refuse_writes(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
