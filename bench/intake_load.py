"""Intake over HTTP under the production server: tickets a second and p99 with 1, 4 and 16
clients, and how many of PostgreSQL's busy sessions wait on a lock (issue 17 item 7).

    python bench/intake_load.py --source /tmp/hl-before --source /work/main
    python bench/intake_load.py --source /work/main --clients 4 --seconds 10   # a quick look

For each number of clients, and for each ``--source`` in turn (the order alternates from
one client count to the next, so load on the machine falls on both alike), it starts
``hotline serve`` (gunicorn, the shipped defaults unless ``--workers``/``--threads``) from
that source tree — ``PYTHONPATH`` and the working directory set to it, and checked that
``import hotline`` resolves there — against the target PostgreSQL database, logs in that
many agents through the login form (a session cookie and CSRF, as ``bench/load/driver.py``
does), and has each POST tickets to ``/api/v1/tickets/`` back to back: ``--warmup``
seconds unmeasured, then ``--seconds`` measured. Then the server is stopped.

Reported per source and client count: tickets registered a second (201 answers completed
within the measured window), p50 and p99 of those requests, errors, and from
``pg_stat_activity`` sampled every 100 ms during the measured window: the mean number of
busy sessions (``state = 'active'``) of the target database and the share of them waiting
on a lock (``wait_event_type = 'Lock'``), with the statement most of them wait in — the
evidence for item 1 (registration holding the day's ticket-number row to commit). With
``--rounds N`` the whole sequence runs N times and the table gives each figure's median
over the rounds (every run is printed as it ends, and kept in the JSON).

The target database must be migrated and have the demo organisation (an agent in JZ-C):
a copy of the 1M bench database (``createdb -T hotline_bench hl_intake``) or a fresh one
(``hotline migrate`` + ``hotline generate``). The script creates its agents there
(``intake-agent-NN``) and adds every ticket it registers. Redis is a private one
(``bench/load/infra.py``), so the queued notification tasks go nowhere else; no worker
runs. Static files are collected once, from this tree, and shared by every server.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load.driver import TOPICS, TYPES, Context, Staff, Stats, percentiles, phone_pool
from bench.load.driver import Session as DriverSession
from bench.load.infra import HotlineProcess, PrivateRedis, free_port, wait_ready, workdir

PASSWORD = "intake-bench-pw-2026"
AGENT_UNIT = "JZ-C"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source",
        action="append",
        type=Path,
        help="a source tree to serve from (repeat to compare; default: this one)",
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hl_intake")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured seconds first")
    parser.add_argument("--workers", type=int, default=0, help="hotline serve --workers (default: its own)")
    parser.add_argument("--threads", type=int, default=0, help="hotline serve --threads (default: its own)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the whole sequence; the table gives medians"
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--out", type=Path, default=None, help="the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (server logs)")
    args = parser.parse_args()
    args.source = [s.resolve() for s in (args.source or [REPO])]
    for source in args.source:
        if not (source / "hotline" / "__init__.py").exists():
            parser.error(f"{source}: no hotline package there")
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url must be PostgreSQL (the lock sampling reads pg_stat_activity)")
    return args


# --- the target database --------------------------------------------------------------


def prepare_agents(database_url: str, n: int) -> list[Staff]:
    """``n`` agents in JZ-C with a known password (created or reset), with this tree's models."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from hotline.org.models import Membership, Role, Unit

    unit = Unit.objects.filter(code=AGENT_UNIT).first()
    if unit is None:
        raise SystemExit(f"no unit {AGENT_UNIT} in the target database: seed the demo organisation first")
    hashed = make_password(PASSWORD)
    user_model = get_user_model()
    staff = []
    for i in range(1, n + 1):
        username = f"intake-agent-{i:02d}"
        user, _ = user_model.objects.update_or_create(
            username=username, defaults={"first_name": username, "password": hashed, "is_active": True}
        )
        Membership.objects.get_or_create(user=user, unit=unit, role=Role.AGENT)
        staff.append(Staff(username, "agent", AGENT_UNIT))
    from django.db import connection

    connection.close()
    return staff


class LockSampler(threading.Thread):
    """Samples ``pg_stat_activity`` of one database every ``every`` seconds until stopped."""

    SQL = """
        SELECT state = 'active' AS busy, wait_event_type = 'Lock' AS on_lock, wait_event,
               left(regexp_replace(query, '\\s+', ' ', 'g'), 70)
        FROM pg_stat_activity
        WHERE datname = %s AND backend_type = 'client backend' AND pid <> pg_backend_pid()
    """

    def __init__(self, dsn: str, dbname: str, every: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.dsn, self.dbname, self.every = dsn, dbname, every
        self.samples = 0
        self.busy = 0
        self.on_lock = 0
        self.waits: Counter[str] = Counter()
        self.recording = threading.Event()
        self.stopped = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stopped.is_set():
                if self.recording.is_set():
                    rows = conn.execute(self.SQL, [self.dbname]).fetchall()
                    self.samples += 1
                    for busy, on_lock, event, query in rows:
                        if busy:
                            self.busy += 1
                        if busy and on_lock:
                            self.on_lock += 1
                            self.waits[f"{event}: {query}"] += 1
                time.sleep(self.every)

    def figures(self) -> dict[str, Any]:
        top = self.waits.most_common(1)
        return {
            "samples": self.samples,
            "busy_mean": self.busy / self.samples if self.samples else 0.0,
            "lock_share": self.on_lock / self.busy if self.busy else 0.0,
            "top_wait": f"{top[0][0]} ({top[0][1] / self.on_lock:.0%})" if top else "",
        }


# --- the server ---------------------------------------------------------------------------


class SourceProcess(HotlineProcess):
    """``HotlineProcess`` run from another source tree: its working directory is the tree,
    which ``python -m`` and gunicorn put first on ``sys.path`` (``PYTHONPATH`` too)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path, source: Path) -> None:
        super().__init__(args, env, log)
        self.source = source

    def start(self) -> SourceProcess:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hotline.cli", *self.args],
                env=self.env,
                cwd=self.source,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return self


def server_env(source: Path, root: Path, database_url: str, redis_url: str, static: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    home = root / f"home-{hashlib.sha1(str(source).encode()).hexdigest()[:8]}"
    home.mkdir(exist_ok=True)
    env.update(
        {
            "PYTHONPATH": str(source),
            "HOTLINE_HOME": str(home),
            "HOTLINE_STATIC_ROOT": str(static),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "HOTLINE_LOG_FORMAT": "json",
        }
    )
    return env


def check_source(source: Path, env: dict[str, str]) -> str:
    """Where ``import hotline`` resolves for the server: it must be ``source``."""
    found = subprocess.run(
        [sys.executable, "-c", "import hotline; print(hotline.__file__)"],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(source):
        raise SystemExit(f"import hotline resolves to {found}, not under {source}")
    pending = subprocess.run(
        [sys.executable, "-m", "hotline.cli", "migrate", "--check"], env=env, cwd=source, capture_output=True
    )
    if pending.returncode != 0:  # the server would never be ready (/readyz)
        raise SystemExit(f"{source}: the target database lacks migrations: run its `hotline migrate` first")
    return found


def collect_static(root: Path, database_url: str) -> Path:
    static = root / "static"
    env = dict(os.environ, HOTLINE_HOME=str(root / "home-static"), HOTLINE_STATIC_ROOT=str(static))
    env["DATABASE_URL"] = database_url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )
    return static


# --- the clients --------------------------------------------------------------------------


@dataclass
class Run:
    source: str
    clients: int
    seconds: float
    round: int = 1
    tickets: int = 0
    tickets_per_s: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)
    busy_mean: float = 0.0
    lock_share: float = 0.0
    top_wait: str = ""
    samples: int = 0
    load_average: str = ""


async def intake(
    base_url: str, staff: list[Staff], args: argparse.Namespace, sampler: LockSampler, run: Run
) -> None:
    ctx = Context(
        base_url=base_url,
        password=PASSWORD,
        deadline=time.monotonic() + 3600,
        think=0.0,
        stats=Stats(),
        units=(),
        phones=phone_pool(5000, args.seed),
    )
    rng = random.Random(args.seed + run.clients)
    sessions = [DriverSession(ctx, person, random.Random(rng.randrange(2**32))) for person in staff]
    logged = await asyncio.gather(*(s.login() for s in sessions))
    if not all(logged):
        raise SystemExit(
            f"login failed for {logged.count(False)} of {len(sessions)} agents: {ctx.stats.errors[:3]}"
        )
    start = time.monotonic() + args.warmup
    end = start + args.seconds
    done: list[float] = []
    errors: Counter[str] = Counter()

    async def client(session: DriverSession) -> None:
        while time.monotonic() < end:
            n = session.rng.randrange(10**6)
            body = {
                "type": session.rng.choice(TYPES),
                "channel": "phone",
                "subject": f"{session.rng.choice(TOPICS)}(受理压测 {n})",
                "description": "来电反映的情况,受理压测生成。" * session.rng.randint(1, 5),
                "complainant": {
                    "name": "受理压测",
                    "phone": session.rng.choice(ctx.phones),
                    "email": f"caller{n}@example.test",
                },
            }
            began = time.monotonic()
            try:
                response = await session.http.post(
                    "/api/v1/tickets/", json=body, headers=session._csrf_headers()
                )
                status = str(response.status_code)
            except Exception as exc:  # a transport error counts as an error, the run goes on
                status = type(exc).__name__
            ended = time.monotonic()
            if began < start or ended > end:
                continue  # warm-up, or finished after the window
            if status == "201":
                done.append(ended - began)
            else:
                errors[status] += 1

    async def window() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        sampler.recording.set()
        await asyncio.sleep(max(0.0, end - time.monotonic()))
        sampler.recording.clear()

    try:
        await asyncio.gather(window(), *(client(s) for s in sessions))
    finally:
        await asyncio.gather(*(s.http.aclose() for s in sessions))
    p = percentiles(done)
    run.tickets = len(done)
    run.tickets_per_s = len(done) / args.seconds
    run.p50_ms, run.p99_ms, run.max_ms = p["p50"], p["p99"], p["max"]
    run.errors = dict(errors)


def measure(
    source: Path, clients: int, staff: list[Staff], args: argparse.Namespace, infra: dict[str, Any]
) -> Run:
    env = server_env(source, infra["root"], args.database_url, infra["redis"].url, infra["static"])
    port = free_port()
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--no-collectstatic"]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    log = infra["root"] / f"serve-{source.name}-{clients}.log"
    server = SourceProcess(serve, env, log, source).start()
    run = Run(source=str(source), clients=clients, seconds=args.seconds)
    dbname = args.database_url.rsplit("/", 1)[-1].split("?")[0]
    sampler = LockSampler(args.database_url, dbname)
    sampler.start()
    try:
        wait_ready(f"http://127.0.0.1:{port}", timeout=180)
        asyncio.run(intake(f"http://127.0.0.1:{port}", staff[:clients], args, sampler, run))
    finally:
        sampler.stopped.set()
        server.stop()
        sampler.join(5)
    for key, value in sampler.figures().items():
        setattr(run, key, value)
    run.load_average = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return run


def medians(runs: list[Run]) -> list[Run]:
    """One row per source and client count: the median of its rounds (errors summed, the
    load averages and the most waited-in statement of every round)."""
    groups: dict[tuple[str, int], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.source, run.clients), []).append(run)
    rows = []
    for (source, clients), group in groups.items():
        errors: Counter[str] = Counter()
        for run in group:
            errors.update(run.errors)
        rows.append(
            Run(
                source=source,
                clients=clients,
                seconds=group[0].seconds,
                round=len(group),
                tickets=sum(r.tickets for r in group),
                tickets_per_s=statistics.median(r.tickets_per_s for r in group),
                p50_ms=statistics.median(r.p50_ms for r in group),
                p99_ms=statistics.median(r.p99_ms for r in group),
                max_ms=max(r.max_ms for r in group),
                errors=dict(errors),
                busy_mean=statistics.median(r.busy_mean for r in group),
                lock_share=statistics.median(r.lock_share for r in group),
                top_wait=next((r.top_wait for r in group if r.top_wait), ""),
                samples=sum(r.samples for r in group),
                load_average=" / ".join(r.load_average.split(" ")[0] for r in group),
            )
        )
    return rows


def table(runs: list[Run]) -> list[str]:
    lines = [
        "| source | clients | tickets/s | p50 ms | p99 ms | errors | busy PG sessions (mean) "
        "| of them waiting on a lock | most waited in | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in runs:
        errors = sum(r.errors.values())
        lines.append(
            f"| {r.source} | {r.clients} | {r.tickets_per_s:.1f} | {r.p50_ms:.0f} | {r.p99_ms:.0f} "
            f"| {errors} | {r.busy_mean:.2f} | {r.lock_share:.0%} | {r.top_wait or '—'} | {r.load_average} |"
        )
    return lines


def main() -> None:
    args = parse_args()
    staff = prepare_agents(args.database_url, max(args.clients))
    root = workdir()
    redis = PrivateRedis(root).start()
    runs: list[Run] = []
    started = datetime.now(UTC)
    try:
        infra = {"root": root, "redis": redis, "static": collect_static(root, args.database_url)}
        for source in args.source:
            found = check_source(
                source, server_env(source, root, args.database_url, redis.url, infra["static"])
            )
            print(f"{source}: import hotline → {found}", flush=True)
        step = 0
        for round_no in range(1, args.rounds + 1):
            for clients in args.clients:
                order = args.source if step % 2 == 0 else list(reversed(args.source))
                step += 1
                for source in order:
                    run = measure(source, clients, staff, args, infra)
                    run.round = round_no
                    runs.append(run)
                    print(
                        f"round {round_no} · {source} · {clients} clients: "
                        f"{run.tickets_per_s:.1f} tickets/s, p50 {run.p50_ms:.0f} ms, "
                        f"p99 {run.p99_ms:.0f} ms, errors {run.errors or 0}, "
                        f"busy {run.busy_mean:.2f}, "
                        f"on a lock {run.lock_share:.0%} ({run.top_wait or '-'})",
                        flush=True,
                    )
    finally:
        redis.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    runs.sort(key=lambda r: (r.clients, args.source.index(Path(r.source)), r.round))
    print()
    print(
        f"{started:%Y-%m-%d %H:%M} UTC · {args.database_url.rsplit('/', 1)[-1]} · "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per run · {args.rounds} round(s), "
        f"medians · {os.cpu_count()} cores"
    )
    print()
    for line in table(medians(runs)):
        print(line)
    out = args.out or REPO / "bench" / "results" / f"{started:%Y-%m-%d-%H%M}-intake-load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([asdict(r) for r in runs], ensure_ascii=False, indent=2))
    print(f"\nfigures: {out}")


if __name__ == "__main__":
    main()
