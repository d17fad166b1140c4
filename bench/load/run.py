"""A bounded load run of Hotline on PostgreSQL, loopback only; optionally with faults.

    python bench/load/run.py                          # 200 staff sessions for 10 minutes
    python bench/load/run.py --sessions 20 --minutes 2
    python bench/load/run.py --sessions 20 --minutes 3 --faults

It makes everything it needs and removes it afterwards: a private PostgreSQL cluster and
Redis (so the fault mode can restart them without touching the machine's own servers),
the test SMTP server and SMS gateway, ``hotline serve`` and one ``hotline worker``. It
seeds the demo organisation, ``--initial-tickets`` of history (``hotline generate``) and
one user per session (agents, coordinators, department heads, handlers), runs the
sessions (``driver.py``) until the time is up, waits for the outbox to drain, and checks:

* every intake acknowledged with 201 has its ticket and its ``register`` event;
* every action acknowledged with 200 has its event; no ticket's history has a hole;
* every e-mail and SMS the outbox marked sent reached the test SMTP server / SMS gateway,
  none twice (the gateway counts a repeated ``OutId``), and nothing is left undelivered.

``--faults``: at 25 % of the run the worker is killed (SIGKILL) and restarted 5 s later,
at 45 % Redis is restarted (empty: no persistence), at 65 % PostgreSQL is restarted.
Requests that fail while a server is down are reported with their time; the checks above
must still hold. It prints a Markdown summary and writes the figures as JSON (``--out``).
Everything stops by itself: the sessions at the deadline (each request times out after
60 s), the drain after 5 minutes, the whole run at a watchdog alarm.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.load.driver import PAGES, Context, Staff, Stats, percentiles, phone_pool, run_sessions
from bench.load.infra import (
    HotlineProcess,
    PrivatePostgres,
    PrivateRedis,
    free_port,
    wait_ready,
    workdir,
)

PASSWORD = "load-test-pw-2026"
DEPARTMENTS = ("JZ-DH-SJ", "JZ-DH-CG", "JZ-XS-ZJ", "JZ-XS-SJ", "JZ-SJ", "JZ-ZJ")
ROLE_SHARES = (("agent", 0.35), ("coordinator", 0.15), ("dept_head", 0.20), ("handler", 0.30))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, default=200, help="staff sessions at once (default 200)")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the run (default 10)")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between a person's steps")
    parser.add_argument("--ramp", type=float, default=None, help="seconds over which sessions log in")
    parser.add_argument("--faults", action="store_true", help="kill the worker, restart Redis and PostgreSQL")
    parser.add_argument("--initial-tickets", type=int, default=5000, help="history loaded before (generate)")
    parser.add_argument(
        "--workers", type=int, default=0, help="hotline serve processes (default: from cores)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per hotline serve process")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--out", type=Path, default=None, help="JSON figures (default bench/results/...)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, database)")
    args = parser.parse_args()
    if args.sessions < 1 or args.minutes <= 0 or args.minutes > 60:
        parser.error("--sessions ≥ 1 and 0 < --minutes ≤ 60")
    return args


def staff_for(n: int) -> list[Staff]:
    """``n`` people by ROLE_SHARES; heads and handlers spread over the departments."""
    counts = {role: max(1, round(n * share)) for role, share in ROLE_SHARES}
    counts["agent"] = max(1, n - sum(c for r, c in counts.items() if r != "agent"))
    departments = DEPARTMENTS[: max(1, min(len(DEPARTMENTS), counts["dept_head"], counts["handler"]))]
    people: list[tuple[str, str, str]] = []
    for role, count in counts.items():
        for i in range(count):
            unit = "JZ-C" if role in ("agent", "coordinator") else departments[i % len(departments)]
            people.append((f"load-{role}-{i + 1:03d}", role, unit))
    handlers: dict[str, list[str]] = {}
    for username, role, unit in people:
        if role == "handler":
            handlers.setdefault(unit, []).append(username)
    return [
        Staff(u, r, unit, tuple(handlers.get(unit, ())) if r == "dept_head" else ()) for u, r, unit in people
    ]


def seed(staff: list[Staff], initial_tickets: int, seed_value: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from hotline.demo.seed import seed_org
    from hotline.org.models import Membership, Unit

    call_command("migrate", interactive=False, verbosity=0)
    seed_org(password=PASSWORD)
    if initial_tickets:
        from hotline.demo.volume import generate

        generate(tickets=initial_tickets, seed=seed_value, years=1.0)
    hashed = make_password(PASSWORD)  # once: hashing 200 passwords would take a minute
    user_model = get_user_model()
    units = {u.code: u for u in Unit.objects.all()}
    users = user_model.objects.bulk_create(
        [user_model(username=s.username, first_name=s.username, password=hashed) for s in staff]
    )
    Membership.objects.bulk_create(
        [Membership(user=u, unit=units[s.unit], role=s.role) for u, s in zip(users, staff, strict=True)]
    )


def wait_drained(timeout: float = 300) -> int:
    from django.db import close_old_connections, connection

    from hotline.notify.models import OPEN_STATUSES, Message

    deadline = time.monotonic() + timeout
    left = -1
    while time.monotonic() < deadline:
        try:
            left = Message.objects.filter(status__in=OPEN_STATUSES).count()
        except Exception:
            connection.close()
            close_old_connections()
            left = -1
        if left == 0:
            return 0
        time.sleep(2)
    return left


def verify(stats: Stats, smtp: Any, sms: Any) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count, F, Max

    from hotline.notify.models import Message
    from hotline.tickets.models import Ticket, TicketEvent

    connection.close()  # PostgreSQL may have restarted under this process's connection
    acked = set(stats.intakes)
    numbers = set(Ticket.objects.filter(number__in=acked).values_list("number", flat=True))
    registered = set(
        TicketEvent.objects.filter(ticket__number__in=acked, action="register").values_list(
            "ticket__number", flat=True
        )
    )
    wanted = Counter(stats.actions)
    touched = {n for n, _ in wanted} | acked
    have = Counter(
        TicketEvent.objects.filter(ticket__number__in={n for n, _ in wanted}).values_list(
            "ticket__number", "action"
        )
    )
    holes = (
        Ticket.objects.filter(number__in=touched)
        .annotate(n=Count("events"), top=Max("events__seq"))
        .exclude(n=F("top"))
        .count()
    )
    statuses = Counter(f"{c}:{s}" for c, s in Message.objects.values_list("channel", "status"))
    emails = set(
        Message.objects.filter(channel="email", status="sent").values_list("idempotency_key", flat=True)
    )
    received = Counter(r.headers.get("X-Hotline-Key", "") for r in smtp.received)
    texts = set(
        Message.objects.filter(channel="sms", status="sent").values_list("idempotency_key", flat=True)
    )
    gateway = {s.out_id for s in sms.sent}
    return {
        "intakes_acknowledged": len(acked),
        "tickets_lost": len(acked - numbers),
        "register_events_lost": len(acked - registered),
        "actions_acknowledged": sum(wanted.values()),
        "action_events_lost": sum(max(0, c - have[k]) for k, c in wanted.items()),
        "tickets_with_history_holes": holes,
        "messages_by_channel_status": dict(sorted(statuses.items())),
        "emails_sent": len(emails),
        "emails_lost": len([k for k in emails if received[k] == 0]),
        "emails_doubled": len([k for k, c in received.items() if c > 1]),
        "sms_sent": len(texts),
        "sms_lost": len(texts - gateway),
        "sms_repeated_out_ids": sms.requests - len(sms.sent),
        "messages_dead": sum(v for k, v in statuses.items() if k.endswith(":dead")),
    }


def fault_plan(
    infra: dict[str, Any], seconds: float, log: list[dict[str, Any]], started: float
) -> threading.Thread:
    def kill_worker() -> None:
        infra["worker"].kill()
        time.sleep(5)
        infra["worker"].start()

    plan = [
        (0.25 * seconds, "worker killed (SIGKILL), restarted after 5 s", kill_worker),
        (0.45 * seconds, "Redis restarted (empty)", infra["redis"].restart),
        (0.65 * seconds, "PostgreSQL restarted (pg_ctl restart -m fast)", infra["pg"].restart),
    ]

    def run() -> None:
        for at, name, action in plan:
            time.sleep(max(0.0, started + at - time.monotonic()))
            t0 = time.monotonic()
            action()
            log.append(
                {"at_s": round(t0 - started, 1), "fault": name, "took_s": round(time.monotonic() - t0, 1)}
            )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def report(
    args: argparse.Namespace, stats: Stats, checks: dict[str, Any], faults: list[dict[str, Any]]
) -> str:
    lines = [
        f"sessions {args.sessions} × {args.minutes:g} min, think {args.think:g} s"
        + (", faults" if args.faults else ""),
        "",
        "| page | requests | p50 ms | p90 ms | p99 ms | max ms | 5xx/transport | 409 | other 4xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        times = stats.times.get(page, [])
        if not times:
            continue
        p = percentiles(times)
        codes = stats.statuses[page]
        errors = sum(n for c, n in codes.items() if c == "transport" or c.startswith("5"))
        other = sum(n for c, n in codes.items() if c.startswith("4") and c != "409")
        lines.append(
            f"| {page} | {len(times)} | {p['p50']:.0f} | {p['p90']:.0f} | {p['p99']:.0f} | {p['max']:.0f} "
            f"| {errors} | {codes.get('409', 0)} | {other} |"
        )
    lines += ["", "checks: " + json.dumps(checks, ensure_ascii=False)]
    for fault in faults:
        lines.append(f"fault at {fault['at_s']} s: {fault['fault']} ({fault['took_s']} s)")
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    seconds = args.minutes * 60
    ramp = args.ramp if args.ramp is not None else min(60.0, seconds / 4)
    signal.alarm(int(seconds + ramp + 1800))  # the watchdog: never runs on unattended
    root = workdir()
    infra: dict[str, Any] = {}
    stats = Stats()
    faults: list[dict[str, Any]] = []
    try:
        from tests.servers.sms_gateway import SmsGateway
        from tests.servers.smtp import SmtpServer

        infra["pg"] = PrivatePostgres(root).start()
        infra["redis"] = PrivateRedis(root).start()
        infra["smtp"] = smtp = SmtpServer().start()
        infra["sms"] = sms = SmsGateway().start()
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DATABASE_URL", "REDIS_URL"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="hotline.settings",
            DATABASE_URL=infra["pg"].url,
            REDIS_URL=infra["redis"].url,
            HOTLINE_HOME=str(root / "home"),
            HOTLINE_SECRET_KEY=secrets.token_urlsafe(48),
            HOTLINE_HUEY_NAME="load",
            HOTLINE_SMTP_HOST=smtp.host,
            HOTLINE_SMTP_PORT=str(smtp.port),
            HOTLINE_SMS_ENDPOINT=sms.url,
            HOTLINE_SMS_ACCESS_KEY_ID=sms.access_key_id,
            HOTLINE_SMS_ACCESS_KEY_SECRET=sms.secret,
            HOTLINE_SMS_SIGN_NAME="江州12345",
            HOTLINE_NOTIFY_LEASE_SECONDS="20",
            HOTLINE_NOTIFY_BACKOFF_SECONDS="2",
            HOTLINE_NOTIFY_BACKOFF_MAX_SECONDS="10",
            HOTLINE_NOTIFY_TIMEOUT_SECONDS="3",
            PYTHONUNBUFFERED="1",
        )
        os.environ.update(env)
        import django

        django.setup()
        staff = staff_for(args.sessions)
        print(
            f"work folder {root}; seeding {len(staff)} users and {args.initial_tickets} tickets …", flush=True
        )
        seed(staff, args.initial_tickets, args.seed)

        port = free_port()
        base = f"http://127.0.0.1:{port}"  # loopback only
        serve_args = ["serve", "--port", str(port), "--threads", str(args.threads)]
        if args.workers:
            serve_args += ["--workers", str(args.workers)]
        infra["serve"] = HotlineProcess(serve_args, env, root / "serve.log").start()
        infra["worker"] = HotlineProcess(["worker", "--workers", "2"], env, root / "worker.log").start()
        wait_ready(base)
        print(f"serving at {base}; {len(staff)} sessions for {args.minutes:g} min …", flush=True)

        started = time.monotonic()
        stats.started = started
        ctx = Context(
            base_url=base,
            password=PASSWORD,
            deadline=started + seconds,
            think=args.think,
            stats=stats,
            units=tuple(sorted({s.unit for s in staff if s.role == "dept_head"})),
            phones=phone_pool(2000, args.seed),
        )
        if args.faults:
            fault_plan(infra, seconds, faults, started)
        asyncio.run(run_sessions(ctx, staff, ramp=ramp, seed=args.seed))
        print("sessions done; waiting for the outbox to drain …", flush=True)
        left = wait_drained()
        checks = verify(stats, smtp, sms)
        checks["messages_left_undelivered"] = left
        checks["errors_sample"] = stats.errors[:20]
        checks["errors_total"] = len(stats.errors)
        summary = report(args, stats, {k: v for k, v in checks.items() if k != "errors_sample"}, faults)
        print(summary)
        name = f"{datetime.now(UTC):%Y-%m-%d}-load-{args.sessions}x{args.minutes:g}"
        out = args.out or Path(__file__).resolve().parents[1] / "results" / (
            name + ("-faults" if args.faults else "") + ".json"
        )
        out.write_text(
            json.dumps(
                {
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "pages": {
                        p: {
                            "requests": len(stats.times[p]),
                            **percentiles(stats.times[p]),
                            **stats.statuses[p],
                        }
                        for p in PAGES
                        if stats.times.get(p)
                    },
                    "checks": checks,
                    "faults": faults,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"figures written to {out}")
        lost = sum(
            checks[k]
            for k in ("tickets_lost", "register_events_lost", "action_events_lost", "emails_lost", "sms_lost")
        )
        return 1 if lost or checks["tickets_with_history_holes"] or left else 0
    finally:
        for name in ("serve", "worker"):
            if name in infra:
                infra[name].stop()
        for name in ("smtp", "sms", "redis", "pg"):
            if name in infra:
                infra[name].stop()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
