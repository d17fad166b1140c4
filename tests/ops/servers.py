"""Start real ``hotline serve`` (or ``hotline demo``) processes on a free loopback port."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings

from tests.jobs.workers import REPO, database_url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_STATIC: list[Path] = []


def _static_sources_key() -> str:
    """What collectstatic would read: every static file of every app and of
    STATICFILES_DIRS (path, size, modification time), and the storage class."""
    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256(str(settings.STORAGES["staticfiles"]).encode())
    for finder in get_finders():
        for path, storage in finder.list(ignore_patterns=[]):
            stat = os.stat(storage.path(path))
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def collected_static() -> Path:
    """One ``collectstatic`` per version of the static files (hashing and compressing take
    ~25 s of two cores each time): every server the tests start serves the same collected
    folder (``HOTLINE_STATIC_ROOT``) with ``--no-collectstatic``. The folder is kept beside
    the test run's HOTLINE_HOME, named by the sources' key, so the two xdist workers and
    the SQLite and PostgreSQL runs of scripts/test collect once between them (a file lock
    makes the second wait for the first); a changed asset changes the key."""
    if not _STATIC:
        base = Path(os.environ.get("HOTLINE_HOME") or tempfile.gettempdir()) / "test-static"
        base.mkdir(parents=True, exist_ok=True)
        root = base / _static_sources_key()
        with (base / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (root / "done").exists():
                shutil.rmtree(root, ignore_errors=True)
                env = {
                    **os.environ,
                    "DJANGO_SETTINGS_MODULE": "hotline.settings",
                    "HOTLINE_HOME": str(root / "home"),
                    "HOTLINE_STATIC_ROOT": str(root / "static"),
                }
                env.pop("HOTLINE_TEST_DB", None)
                subprocess.run(
                    [sys.executable, "-m", "hotline.cli", "collectstatic", "--noinput", "-v0"],
                    env=env,
                    cwd=REPO,
                    check=True,
                    stdin=subprocess.DEVNULL,
                )
                (root / "done").touch()
        _STATIC.append(root / "static")
    return _STATIC[0]


def server_env(home: Path, **extra: str) -> dict[str, str]:
    """The test database, its own HOTLINE_HOME (static files), the test's signing key."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "HOTLINE_TEST_DB")}
    env.update(
        DJANGO_SETTINGS_MODULE="hotline.settings",
        HOTLINE_HOME=str(home),
        HOTLINE_STATIC_ROOT=str(collected_static()),
        HOTLINE_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        DATABASE_URL=database_url(),
        HOTLINE_SECRET_KEY=str(settings.SECRET_KEY),  # sessions made by the test are valid there
        HOTLINE_HUEY_NAME=os.environ.get("HOTLINE_HUEY_NAME", "test"),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Server:
    def __init__(self, args: list[str], env: dict[str, str], log: Path, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = log
        self._file = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", *args],
            env=env,
            cwd=REPO,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"server exited with {self.process.returncode}:\n{self.output()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"server not up after {timeout}s:\n{self.output()[-3000:]}")

    def stop(self, timeout: float = 45) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
            self._file.close()


def start_serve(tmp_path: Path, *args: str, **env: str) -> Server:
    port = free_port()
    server = Server(
        ["serve", "--port", str(port), "--workers", "2", "--threads", "2", "--no-collectstatic", *args],
        server_env(tmp_path / "home", **env),
        tmp_path / "serve.log",
        port,
    )
    return server
