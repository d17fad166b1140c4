"""Start real ``hotline worker`` processes against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def worker_env(*, redis: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a worker on the test database with its own, unique queue name."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_TEST_DB")}
    env.update(
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_HOME=str(settings.HOTLINE_HOME),
        DATABASE_URL=database_url(),
        HOTLINE_HUEY_NAME=f"test-{uuid.uuid4().hex[:12]}",
        HOTLINE_HUEY_IMMEDIATE="0",
        HOTLINE_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    if redis:
        env["REDIS_URL"] = redis_url()
    env.update(extra or {})
    return env


class Worker:
    def __init__(self, env: dict[str, str], *args: str, log: Path) -> None:
        self.log = log
        self._file = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "worker", *args],
            env=env,
            cwd=REPO,
            stdout=self._file,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup, whatever was in flight stays in flight."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._file.close()

    def terminate(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
            self._file.close()
        return code


def wait_until(predicate: Callable[[], Any], *, timeout: float = 90, what: str = "condition") -> Any:
    # Generous: a passing wait returns as soon as the condition holds; the limit only
    # matters on a loaded machine (CI runs two test processes beside the workers).
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def flush_queue(env: dict[str, str]) -> None:
    """Remove a test queue's keys from Redis."""
    if env.get("REDIS_URL"):
        from huey import RedisHuey

        RedisHuey(env["HOTLINE_HUEY_NAME"], url=env["REDIS_URL"]).storage.flush_all()
