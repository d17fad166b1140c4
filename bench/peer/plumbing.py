"""The plumbing of ``compare.py``: its servers, its reads of the two databases, the
in-process profile it runs on each side (``sql_profile.py``), and clean-up."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PEER_PY = HERE / ".venv" / "bin" / "python"
USERNAME = "peer-bench"
HUEY_NAME = "peer-bench"
PROFILE_URLS = 9  # per request in sql_profile.py: 2 untimed, 7 timed


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SystemExit("no free loopback port")


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    ready_url: str
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 600.0) -> None:
        """``hotline serve`` collects the static files first: minutes on a busy machine."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited ({self.proc.returncode}); log: {self.log}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.ready_url, timeout=5).status_code == 200:
                    return
            time.sleep(0.5)
        raise SystemExit(f"{self.name} not ready after {timeout:.0f} s; log: {self.log}")

    def stop(self) -> None:
        """SIGTERM to the server's own process group (gunicorn stops its workers), then wait."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def db_facts(url: str, table: str, open_where: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:

        def one(sql: str) -> Any:
            row = conn.execute(sql).fetchone()
            assert row is not None
            return row[0]

        return {
            "tickets": int(one(f"SELECT count(*) FROM {table}")),
            "open": int(one(f"SELECT count(*) FROM {table} WHERE {open_where}")),
            "size": str(one("SELECT pg_size_pretty(pg_database_size(current_database()))")),
            "server": str(one("SELECT version()")).split(" on ")[0],
        }


def random_keys(url: str, table: str, key: str, n: int, seed: int) -> list[Any]:
    """``n`` tickets drawn at random over the id range (ids without a row are skipped)."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        bounds = conn.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
        assert bounds is not None
        ids = [rng.randint(bounds[0], bounds[1]) for _ in range(n * 3)]
        keys = [r[0] for r in conn.execute(f"SELECT {key} FROM {table} WHERE id = ANY(%s)", [ids]).fetchall()]
    rng.shuffle(keys)
    if len(keys) < n:
        raise SystemExit(f"{table}: only {len(keys)} tickets drawn, {n} needed")
    return keys[:n]


def sql_profile(
    setup: Any, requests: dict[str, list[tuple[str, str, list[str]]]], queue: str
) -> tuple[list[str], list[str]]:
    """Each request again in-process on each side, its time taken apart (sql_profile.py):
    the table, and every statement of each (for the results file)."""
    details: list[str] = []
    lines = [
        f"In-process (Django test Client, DEBUG off), medians of {PROFILE_URLS - 2} requests after 2 "
        "untimed, ms: SQL timed at the cursor (the peer's include their autocommits), commits of "
        "transactions, template rendering without the SQL run inside it, and the rest (view code, ORM, "
        "serializers, middleware; ours: the ticket number taken on a connection apart):",
        "",
        "| request | side | ms | statements | SQL | commit | templates | rest |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for side, python, env, cwd in (
        ("ours", sys.executable, setup.ours_env | {"DJANGO_SETTINGS_MODULE": "hotline.settings"}, setup.src),
        ("peer", str(PEER_PY), setup.peer_env | {"DJANGO_SETTINGS_MODULE": "peersite.settings"}, HERE),
    ):
        out = setup.tmp / f"sql-{side}.json"
        done = subprocess.run(
            [python, str(HERE / "sql_profile.py"), "--side", side, "--src", str(setup.src),
             "--user", USERNAME, "--queue", queue, "--out", str(out), json.dumps(requests[side])],
            env=env, cwd=cwd, capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            lines.append(f"| {side}: sql_profile failed (see stderr) | | | | | | | |")
            print(done.stderr[-3000:], file=sys.stderr)
            continue
        for item in json.loads(out.read_text()):
            cells = [
                f"{item[k]:.1f}"
                for k in ("ms", "statements", "sql_ms", "commit_ms", "template_ms", "rest_ms")
            ]
            cells[1] = f"{item['statements']:.0f}"
            lines.append(f"| {item['name']} | {side} | {' | '.join(cells)} |")
            details += ["", f"{side} · {item['name']}: the statements of the median run (ms, SQL)"]
            details += [f"  {t:7.2f}  {q}" for t, q in item["detail"]]
    return lines, details


def code_label(setup: Any) -> str:
    """Which Hotline was served: ``--hotline-label``, or this checkout's commit and whether
    files under hotline/ differ from it."""
    if setup.args.hotline_label:
        return f"{setup.args.hotline_label} ({setup.src})"
    try:
        head = subprocess.run(
            ["git", "-C", str(setup.src), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(setup.src), "status", "--porcelain", "--", "hotline"],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return str(setup.src)
    return (
        f"{head}"
        + (f" + uncommitted changes in {len(dirty)} files under hotline/" if dirty else "")
        + f" ({setup.src})"
    )


def empty_redis(url: str) -> None:
    """Remove this run's keys from its Redis database: the queue (huey keeps only letters and
    digits and underscores of the name: ``huey.redis.peerbench``) and the cache (Django's ``:1:`` prefix)."""
    if not url:
        return
    with contextlib.suppress(Exception):
        import redis

        r = redis.Redis.from_url(url)
        queue = re.sub("[^A-Za-z0-9_]", "", HUEY_NAME)
        keys = [k for pattern in (f"huey.*.{queue}", ":1:*") for k in r.scan_iter(pattern)]
        if keys:
            r.delete(*keys)
