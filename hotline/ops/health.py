"""Readiness: can this process serve real requests? (``/readyz``)

Each check reaches one thing a request or an action needs — the database (and every
migration the code knows applied), the cache (rate limits, sessions of the portal's
throttles), the queue (Huey: Redis with ``REDIS_URL``, else its SQLite file) — and reports
``ok`` with how long it took, or the kind of error. Details of a failure go to the log
(with the request id), not to the response: the probe is reachable without a login.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    ms: float
    error: str = ""
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": self.ok, "ms": round(self.ms, 1)}
        if self.error:
            body["error"] = self.error
        if self.detail:
            body["detail"] = self.detail
        return body


class NotReady(Exception):
    """A check ran but the answer was wrong (as opposed to the thing being unreachable)."""


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


# Once every migration is applied it stays so for the life of this process (code does not
# change under a running server), so the graph is read only until the first success.
_migrations_done = False


def check_migrations() -> str:
    global _migrations_done
    if _migrations_done:
        return ""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise NotReady(f"{len(plan)} migrations not applied (run `hotline migrate`)")
    _migrations_done = True
    return ""


def check_cache() -> str:
    key = f"hotline:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    try:
        if cache.get(key) != "1":
            raise NotReady("the cache did not return what was written")
    finally:
        cache.delete(key)
    backend: str = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return backend


def check_queue() -> str:
    from hotline.jobs.queue import huey

    storage: Any = huey.storage
    conn = getattr(storage, "conn", None)
    if conn is not None and hasattr(conn, "ping"):  # RedisStorage
        conn.ping()
        return "redis"
    huey.pending_count()  # SqliteStorage: opens the file and reads the task table
    return "sqlite"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "queue": check_queue,
}


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail = check()
        except NotReady as exc:
            results.append(CheckResult(name, False, _ms(started), "NotReady", str(exc)))
            logger.warning("readyz: %s not ready: %s", name, exc)
        except Exception as exc:
            results.append(CheckResult(name, False, _ms(started), type(exc).__name__))
            logger.warning("readyz: %s failed", name, exc_info=True)
        else:
            results.append(CheckResult(name, True, _ms(started), detail=detail))
    return results


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
