"""Background work on Huey: the one queue (ADR 0009).

``huey`` is the instance every task module registers with: ``SqliteHuey`` in
``HOTLINE_HOME`` when no ``REDIS_URL`` is set (embedded, no server), ``RedisHuey``
otherwise. Tasks live in each app's ``tasks.py`` (found by the consumer at start).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import close_old_connections
from huey import Huey, RedisHuey, SqliteHuey


def _make_huey() -> Huey:
    name = settings.HOTLINE_HUEY_NAME
    immediate = settings.HOTLINE_HUEY_IMMEDIATE
    if settings.REDIS_URL:
        return RedisHuey(name, url=settings.REDIS_URL, immediate=immediate, utc=True)
    settings.HOTLINE_HOME.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        name, filename=str(settings.HOTLINE_HOME / "huey.sqlite3"), immediate=immediate, utc=True
    )


huey: Huey = _make_huey()


# Tasks run in the consumer's worker threads: drop broken or expired database connections
# around each task, as Django does around each request.
@huey.pre_execute()  # type: ignore[untyped-decorator]  # huey ships no type information
def _db_before(task: Any) -> None:
    if not huey.immediate:
        close_old_connections()


@huey.post_execute()  # type: ignore[untyped-decorator]  # huey ships no type information
def _db_after(task: Any, task_value: Any, exc: BaseException | None) -> None:
    if not huey.immediate:
        close_old_connections()
