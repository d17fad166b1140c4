"""The services a load run needs, all private to the run and on loopback only.

A PostgreSQL cluster of its own (``initdb`` in a temporary folder, its own port) and a
``redis-server`` of its own, so that the fault mode can restart them without touching the
machine's shared servers; the test SMTP server and Aliyun SMS gateway fake from
``tests/servers``; and the Hotline processes: ``hotline serve`` and ``hotline worker``.
Everything started here is stopped by ``Infra.close()``.
"""

from __future__ import annotations

import glob
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

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise SystemExit(f"{name} not found: install PostgreSQL (Debian: apt-get install postgresql)")
    return path


class PrivatePostgres:
    """``initdb`` + ``pg_ctl`` on 127.0.0.1:<port>, trust auth, removed at the end."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.socket_dir = root / "pgsock"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/hotline_load"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_postgres, *args], capture_output=True, text=True, check=check)

    def start(self) -> PrivatePostgres:
        for path in (self.data, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.log.touch()
        if self.as_postgres:
            shutil.chown(self.data, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            shutil.chown(self.log, "postgres")
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self._ctl("start")
        self._run(
            _pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "hotline_load"
        )
        return self

    def _ctl(self, command: str) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        args = [_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
        if command == "stop":
            self._run(*args, "-m", "fast", "stop", check=False)
        else:
            self._run(*args, "-m", "fast", "-o", options, command)

    def restart(self) -> None:
        """A clean fast restart: open connections are cut, committed data stays."""
        self._ctl("restart")

    def stop(self) -> None:
        if self.data.exists():
            self._ctl("stop")


class PrivateRedis:
    """A ``redis-server`` without persistence: a restart empties it (the harsh case)."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.log = root / "redis.log"
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        server = shutil.which("redis-server")
        if not server:
            raise SystemExit("redis-server not found (Debian: apt-get install redis-server)")
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        time.sleep(1.0)
        self.start()


class HotlineProcess:
    """``hotline serve`` or ``hotline worker`` with the run's environment; output to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> HotlineProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hotline.cli", *self.args],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no cleanup; whatever it was doing stays half done."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 40) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def wait_ready(base_url: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{base_url} not ready after {timeout}s")


def workdir() -> Path:
    root = Path(tempfile.mkdtemp(prefix="hotline-load-"))
    root.chmod(0o755)  # the postgres user enters it for its data folder
    return root
