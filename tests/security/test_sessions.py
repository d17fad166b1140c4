"""Sessions: read through Redis when there is one (no session statement on a request), and a
logout ends the session everywhere; the embedded default reads the database every time."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import redis
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

REDIS = "redis://127.0.0.1:6379/0"


def _engine(env: dict[str, str]) -> str:
    code = "import hotline.settings as s; print(s.SESSION_ENGINE)"
    clean = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_the_engine_follows_the_cache():
    assert _engine({}) == "django.contrib.sessions.backends.db"
    assert _engine({"REDIS_URL": REDIS}) == "django.contrib.sessions.backends.cached_db"


@pytest.fixture
def redis_sessions(settings):
    prefix = f"test-sessions-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS,
            "KEY_PREFIX": prefix,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield prefix
    server = redis.Redis.from_url(REDIS)
    for key in server.keys(f"{prefix}:*"):
        server.delete(key)


def test_a_request_reads_its_session_from_redis_and_a_logout_ends_it_everywhere(users, redis_sessions):
    desk = Client()
    desk.force_login(users["coordinator"])  # through the session engine in force
    key = desk.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()  # in the database as well
    assert redis.Redis.from_url(REDIS).keys(f"{redis_sessions}:*{key}")  # and in Redis

    with CaptureQueriesContext(connection) as reads:
        assert desk.get("/work/").status_code == 200
    assert not [q for q in reads.captured_queries if "django_session" in q["sql"]]

    # the same browser's cookie, answered by another process: the same session
    other = Client()
    other.cookies["sessionid"] = key
    assert other.get("/work/").status_code == 200

    assert desk.post("/logout/").status_code in (200, 302)
    assert not Session.objects.filter(session_key=key).exists()
    assert not redis.Redis.from_url(REDIS).keys(f"{redis_sessions}:*{key}")
    gone = other.get("/work/")
    assert gone.status_code == 302 and "/login/" in gone["Location"]
