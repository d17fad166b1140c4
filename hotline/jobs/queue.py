"""Background work on Huey: the one queue (ADR 0009).

``huey`` is the instance every task module registers with: ``SqliteHuey`` in
``HOTLINE_HOME`` when no ``REDIS_URL`` is set (embedded, no server), ``RedisHuey``
otherwise. Tasks live in each app's ``tasks.py`` (found by the consumer at start).
"""

from __future__ import annotations

from django.conf import settings
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
