"""Hotline and django-helpdesk side by side: the same staff pages over HTTP, in one run.

Usage (Hotline's venv; the peer's is bench/peer/.venv, made by bench/peer/setup)::

    nice -n 10 python bench/peer/compare.py \\
        --ours postgres://postgres@127.0.0.1:5432/hotline_bench --peer-db hl_peer \\
        --pairs 100 --out bench/results/2026-11-30-peer-1m.txt

One run: starts Hotline's production server (``hotline serve``: gunicorn gthread + WhiteNoise)
and the peer under the same gunicorn with the same worker class, processes, threads,
timeouts and keep-alive, on two loopback ports; logs a staff user into each through its
login form; then, ``--pairs`` rounds (after ``--warmup`` untimed ones), each row once per
side, the side that goes first alternating from round to round:

* **list** — the staff ticket list. Ours: the coordinator's worklist ``/work/?tab=unit``
  (open tickets of everything the centre covers, soonest due first, 50 a page, counted up to
  1,000). Theirs: ``/helpdesk/tickets/`` (open and reopened tickets of every queue: its
  default filter) **plus** the DataTables request that page makes on load for its rows
  (``/helpdesk/datatables_ticket_list/<query>`` with what DataTables 3 sends on its first
  draw: draw, columns, no order — the template sets ``order: []``, so the view's default,
  oldest created first — start 0, length ``--peer-length``); the user sees no ticket before
  both have answered, so the row is their sum.
* **open** — the page of an open ticket from the list's first page, a different one each
  round (ours ``/tickets/<number>/``, theirs ``/helpdesk/tickets/<id>/``).
* **any** — the page of a ticket drawn at random from the whole table (most are closed,
  with their whole history), a different one each round.
* **create** — ticket creation over HTTP by the same user. Ours: ``POST /api/v1/tickets/``
  (JSON, session + CSRF header: what the intake screen and bench/load/driver.py send).
  Theirs: the staff form ``POST /helpdesk/tickets/submit/`` (queue, title, body, priority,
  submitter e-mail), answered with a redirect to the new ticket.

Times are taken at the client (httpx, one keep-alive connection per side, the whole body
read). It prints a Markdown table — median, p90 and p99 per side, the ratios peer / ours of
the medians and of the p90s — then (unless ``--no-sql``) each request once more in-process
on each side with its SQL statements counted and timed (bench/peer/sql_profile.py), writes
all of it to ``--out`` and stops both servers whatever happened. Exit 1 if a median ratio
is below 1 (we are slower than the peer); the goal (≥ 3×) is reported, not enforced.

It writes: a bench login on each side (``peer-bench``; on ours a coordinator at the centre
unit, on theirs a staff user), and the tickets the create row makes (``--pairs`` +
``--warmup`` per side through HTTP and 7 per side in-process, subjects marked
"peer-bench"). Redis: a private database number (``--redis-url``) and queue name, emptied
of this run's keys at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from plumbing import (  # bench/peer/plumbing.py: servers, databases, the in-process profile
    HERE,
    HUEY_NAME,
    PEER_PY,
    PROFILE_URLS,
    REPO,
    USERNAME,
    Server,
    code_label,
    db_facts,
    empty_redis,
    free_port,
    random_keys,
    sql_profile,
)

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_OUR_TICKET = re.compile(r'href="/tickets/(\d{6,20})/"')
_PEER_AJAX = re.compile(r'"(/helpdesk/datatables_ticket_list/[A-Za-z0-9+/=_-]+)"')
# The columns of helpdesk/ticket_list.html's DataTable: (data, orderable), in order.
_PEER_COLUMNS = (
    ("id", False),
    ("ticket", True),
    ("priority", True),
    ("queue", True),
    ("status", True),
    ("created", True),
    ("due_date", True),
    ("assigned_to", True),
    ("submitter", True),
    ("last_followup", True),
    ("time_spent", True),
    ("kbitem", True),
)
TOPICS = ("电饭煲无法加热", "小区夜间施工噪音", "超市价格标示不清", "快递丢件", "物业费收费争议", "路灯不亮")
BODY = "来电反映的情况,peer-bench 对比测试生成。" * 3

# Run in Hotline's environment: the bench login, a coordinator at the centre unit.
OUR_USER = """
import django, sys
django.setup()
from django.contrib.auth import get_user_model
from hotline.org.models import Membership, Role, Unit, UnitKind
centre = Unit.objects.filter(kind=UnitKind.CENTRE).order_by("pk").first()
user, _ = get_user_model().objects.get_or_create(username=sys.argv[1])
user.is_active = True
user.set_password(sys.argv[2])
user.save()
Membership.objects.get_or_create(user=user, unit=centre, role=Role.COORDINATOR)
print(centre.code)
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ours", default=os.environ.get("DATABASE_URL", ""), help="Hotline's DATABASE_URL")
    parser.add_argument("--peer-db", default="hl_peer", help="the peer's database (same server)")
    parser.add_argument("--peer-db-host", default="127.0.0.1")
    parser.add_argument("--peer-db-port", default="5432")
    parser.add_argument("--peer-db-user", default="postgres")
    parser.add_argument("--pairs", type=int, default=100, help="interleaved pairs per row (≥ 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn processes, both (default: serve's)"
    )
    parser.add_argument("--threads", type=int, default=4, help="threads per process, both (serve's default)")
    parser.add_argument(
        "--peer-length", type=int, default=50, help="rows the peer's list asks for (ours: 50)"
    )
    parser.add_argument("--ports", type=int, nargs=2, default=(8181, 8182))
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13", help="'' for the embedded queue")
    parser.add_argument("--password", default="peer-bench-2026-11-30")
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--out", default="", help="results file (default bench/results/<date>-peer-<size>.txt)"
    )
    parser.add_argument("--no-sql", action="store_true", help="skip the in-process SQL profile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server logs)")
    parser.add_argument(
        "--hotline-src",
        default=str(REPO),
        help="the Hotline tree to serve (default this checkout; e.g. a `git archive` export of a commit)",
    )
    parser.add_argument("--hotline-label", default="", help="what --hotline-src is, for the report")
    parser.add_argument(
        "--hotline-static",
        default="",
        help="Hotline's static files already collected there (serve --no-collectstatic); default: collect",
    )
    args = parser.parse_args()
    if not args.ours.startswith("postgres"):
        raise SystemExit("--ours (or DATABASE_URL) must be Hotline's PostgreSQL database")
    if not PEER_PY.exists():
        raise SystemExit("the peer's environment is missing: run bench/peer/setup")
    return args


# --- servers ---------------------------------------------------------------------------


@dataclass
class Setup:
    """Everything both sides are started with."""

    args: argparse.Namespace
    tmp: Path
    workers: int
    ours_env: dict[str, str]
    peer_env: dict[str, str]
    peer_db_url: str
    serve_extra: list[str]
    src: Path

    @classmethod
    def make(cls, args: argparse.Namespace, tmp: Path, workers: int) -> Setup:
        ours_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DATABASE_URL", "REDIS_URL"))
        }
        ours_env |= {
            "DATABASE_URL": args.ours,
            "PYTHONPATH": str(Path(args.hotline_src).resolve()),
            "HOTLINE_HOME": str(tmp / "hotline-home"),
            "HOTLINE_HUEY_NAME": HUEY_NAME,
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        }
        if args.redis_url:
            ours_env["REDIS_URL"] = args.redis_url
        serve_extra: list[str] = []
        if args.hotline_static:
            ours_env["HOTLINE_STATIC_ROOT"] = args.hotline_static
            serve_extra = ["--no-collectstatic"]
        peer_env = {
            k: v for k, v in os.environ.items() if not k.startswith(("PEER_", "DJANGO_SETTINGS_MODULE"))
        }
        peer_env |= {
            "PEER_DB": args.peer_db,
            "PEER_DB_HOST": args.peer_db_host,
            "PEER_DB_PORT": args.peer_db_port,
            "PEER_DB_USER": args.peer_db_user,
            "PEER_STATIC_ROOT": str(tmp / "peer-static"),
            "PEER_MEDIA_ROOT": str(tmp / "peer-media"),
            "PYTHONUNBUFFERED": "1",
        }
        db_url = f"postgres://{args.peer_db_user}@{args.peer_db_host}:{args.peer_db_port}/{args.peer_db}"
        src = Path(args.hotline_src).resolve()
        return cls(args, tmp, workers, ours_env, peer_env, db_url, serve_extra, src)

    def logins(self) -> str:
        """The bench login on each side; returns the code of our centre unit."""
        centre = subprocess.run(
            [sys.executable, "-c", OUR_USER, USERNAME, self.args.password],
            env=self.ours_env | {"DJANGO_SETTINGS_MODULE": "hotline.settings"},
            cwd=self.src, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        subprocess.run(
            [str(PEER_PY), str(HERE / "load.py"), "--user-only", "--username", USERNAME,
             "--password", self.args.password],
            env=self.peer_env, cwd=HERE, check=True, capture_output=True,
        )  # fmt: skip
        return centre

    def servers(self) -> tuple[Server, Server]:
        subprocess.run(
            [str(PEER_PY), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            env=self.peer_env, cwd=HERE, check=True,
        )  # fmt: skip
        p_ours, p_peer = free_port(self.args.ports[0]), free_port(self.args.ports[1])
        ours = Server(
            "hotline serve",
            [str(Path(sys.executable).parent / "hotline"), "serve", "--host", "127.0.0.1",
             "--port", str(p_ours), "--workers", str(self.workers), "--threads", str(self.args.threads),
             *self.serve_extra],
            self.ours_env, self.src, self.tmp / "hotline-serve.log", f"http://127.0.0.1:{p_ours}/healthz",
        )  # fmt: skip
        # the options hotline.ops.gunicorn_conf and `hotline serve` give gunicorn
        peer = Server(
            "helpdesk (gunicorn)",
            [str(PEER_PY), "-m", "gunicorn", "peersite.wsgi:application", "--bind", f"127.0.0.1:{p_peer}",
             "--name", "peer-helpdesk", "--worker-class", "gthread", "--workers", str(self.workers),
             "--threads", str(self.args.threads), "--timeout", "60", "--graceful-timeout", "30",
             "--keep-alive", "5", "--max-requests", "0"],
            self.peer_env, HERE, self.tmp / "peer-gunicorn.log", f"http://127.0.0.1:{p_peer}/helpdesk/login/",
        )  # fmt: skip
        return ours, peer


# --- measuring -------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    title: str
    ours: list[float] = field(default_factory=list)
    peer: list[float] = field(default_factory=list)
    ours_bytes: list[int] = field(default_factory=list)
    peer_bytes: list[int] = field(default_factory=list)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def timed(
    fn: Callable[[], httpx.Response], ok: Callable[[httpx.Response], bool], what: str
) -> tuple[float, int]:
    started = time.perf_counter()
    response = fn()
    elapsed = (time.perf_counter() - started) * 1000
    if not ok(response):
        raise SystemExit(f"{what}: HTTP {response.status_code}\n{response.text[:800]}")
    return elapsed, len(response.content)


def login(client: httpx.Client, path: str, password: str) -> None:
    page = client.get(path)
    token = _CSRF.search(page.text)
    if page.status_code != 200 or token is None:
        raise SystemExit(f"{client.base_url}{path}: no login form (HTTP {page.status_code})")
    done = client.post(
        path,
        data={"username": USERNAME, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": f"{client.base_url}{path}"},
    )
    if done.status_code != 302:
        raise SystemExit(
            f"{client.base_url}{path}: login refused (HTTP {done.status_code})\n{done.text[:400]}"
        )


def peer_ajax_params(draw: int, length: int) -> dict[str, str]:
    """The query DataTables 3 sends for ticket_list.html's first draw (``serverSide``)."""
    params: dict[str, str] = {"draw": str(draw)}
    for i, (data, orderable) in enumerate(_PEER_COLUMNS):
        params[f"columns[{i}][data]"] = data
        params[f"columns[{i}][name]"] = ""
        params[f"columns[{i}][searchable]"] = "true"
        params[f"columns[{i}][orderable]"] = "true" if orderable else "false"
        params[f"columns[{i}][search][value]"] = ""
        params[f"columns[{i}][search][regex]"] = "false"
    params |= {  # no order[…]: the template sets `order: []`, so the view sorts by its default, created
        "start": "0",
        "length": str(length),
        "search[value]": "",
        "search[regex]": "false",
        "_": str(int(time.time() * 1000)),  # jQuery's cache buster
    }
    return params


class Bench:
    """The two logged-in clients and the rounds of requests."""

    def __init__(self, setup: Setup, oc: httpx.Client, pc: httpx.Client) -> None:
        self.args, self.oc, self.pc = setup.args, oc, pc
        self.rng = random.Random(setup.args.seed)
        self.rows = [
            Row("list", "staff ticket list"),
            Row("open", "ticket page, an open ticket from the list"),
            Row("any", "ticket page, any ticket (random)"),
            Row("create", "ticket creation"),
        ]
        self.peer_parts: dict[str, list[float]] = {"page": [], "rows": []}
        self.draw = 1
        login(oc, "/login/", self.args.password)
        login(pc, "/helpdesk/login/", self.args.password)
        self.ours_headers = {"X-CSRFToken": oc.cookies.get("csrftoken") or "", "Referer": f"{oc.base_url}/"}
        form = pc.get("/helpdesk/tickets/submit/")
        token = _CSRF.search(form.text)
        select = form.text.split('name="queue"', 1)[-1].split("</select>", 1)[0]
        self.queue_ids = re.findall(r'<option value="(\d+)"', select)
        if form.status_code != 200 or token is None or not self.queue_ids:
            raise SystemExit(f"peer: no ticket form (HTTP {form.status_code})")
        self.peer_token = token.group(1)
        # what each list shows first: the tickets of the "open" row
        first = oc.get("/work/", params={"tab": "unit"})
        self.ours_open = list(dict.fromkeys(_OUR_TICKET.findall(first.text)))
        page = pc.get("/helpdesk/tickets/")
        ajax = _PEER_AJAX.search(page.text)
        if first.status_code != 200 or page.status_code != 200 or ajax is None or not self.ours_open:
            raise SystemExit("a list page did not answer with its rows")
        self.ajax_path = ajax.group(1)
        listed = pc.get(self.ajax_path, params=peer_ajax_params(1, self.args.peer_length)).json()
        self.peer_open = [r["id"] for r in listed["data"]]
        self.peer_records_total = int(listed["recordsTotal"])
        n = self.args.pairs + self.args.warmup + PROFILE_URLS
        self.any_ours = random_keys(self.args.ours, "tickets_ticket", "number", n, self.args.seed)
        self.any_peer = random_keys(setup.peer_db_url, "helpdesk_ticket", "id", n, self.args.seed)

    # one request (or two, the peer's list) per side and row; (ms, bytes)

    def ours(self, key: str, i: int) -> tuple[float, int]:
        oc = self.oc
        if key == "list":
            return timed(
                lambda: oc.get("/work/", params={"tab": "unit"}),
                lambda r: r.status_code == 200 and "<table" in r.text,
                "ours list",
            )
        if key in ("open", "any"):
            number = self.ours_open[i % len(self.ours_open)] if key == "open" else self.any_ours[i]
            return timed(lambda: oc.get(f"/tickets/{number}/"), lambda r: r.status_code == 200, f"ours {key}")
        body = {
            "type": "complaint",
            "channel": "phone",
            "subject": f"{self.rng.choice(TOPICS)}(peer-bench {i})",
            "description": BODY,
            "complainant": {
                "name": "对比测试",
                "phone": f"139{self.rng.randrange(10**8):08d}",
                "email": f"caller{i}@example.test",
            },
        }
        return timed(
            lambda: oc.post("/api/v1/tickets/", json=body, headers=self.ours_headers),
            lambda r: r.status_code == 201,
            "ours create",
        )

    def peer(self, key: str, i: int, record: bool) -> tuple[float, int]:
        pc = self.pc
        if key == "list":
            self.draw += 1
            params = peer_ajax_params(self.draw, self.args.peer_length)
            a, size_a = timed(
                lambda: pc.get("/helpdesk/tickets/"), lambda r: r.status_code == 200, "peer list"
            )
            b, size_b = timed(
                lambda: pc.get(self.ajax_path, params=params),
                lambda r: (
                    r.status_code == 200
                    and len(r.json()["data"]) == min(self.args.peer_length, r.json()["recordsFiltered"])
                ),
                "peer list rows",
            )
            if record:
                self.peer_parts["page"].append(a)
                self.peer_parts["rows"].append(b)
            return a + b, size_a + size_b
        if key in ("open", "any"):
            pk = self.peer_open[i % len(self.peer_open)] if key == "open" else self.any_peer[i]
            return timed(
                lambda: pc.get(f"/helpdesk/tickets/{pk}/"), lambda r: r.status_code == 200, f"peer {key}"
            )
        form = {
            "csrfmiddlewaretoken": self.peer_token,
            "queue": self.rng.choice(self.queue_ids),
            "title": f"{self.rng.choice(TOPICS)}(peer-bench {i})",
            "body": BODY,
            "priority": "3",
            "due_date": "",
            "submitter_email": f"caller{i}@example.test",
            "assigned_to": "",
        }
        return timed(
            lambda: pc.post(
                "/helpdesk/tickets/submit/", data=form, headers={"Referer": f"{pc.base_url}/helpdesk/"}
            ),
            lambda r: r.status_code == 302 and "/helpdesk/tickets/" in r.headers.get("location", ""),
            "peer create",
        )

    def round(self, i: int, record: bool) -> None:
        first_ours = i % 2 == 0
        for row in self.rows:
            for side in ("ours", "peer") if first_ours else ("peer", "ours"):
                ms, size = self.ours(row.key, i) if side == "ours" else self.peer(row.key, i, record)
                if record:
                    getattr(row, side).append(ms)
                    getattr(row, f"{side}_bytes").append(size)

    def run(self) -> None:
        for i in range(self.args.warmup):
            self.round(self.args.pairs + i, record=False)  # warm-up: the random tickets after the pairs
        for i in range(self.args.pairs):
            self.round(i, record=True)

    def sql_requests(self) -> dict[str, list[tuple[str, str, list[str]]]]:
        """For sql_profile.py: each request with its URLs (2 warm-up, then the timed ones);
        ticket pages on tickets the HTTP rounds did not read."""
        n = PROFILE_URLS
        rows_query = str(httpx.QueryParams(peer_ajax_params(1, self.args.peer_length)))
        spare_ours = self.any_ours[-n:]
        spare_peer = self.any_peer[-n:]
        open_ours = [self.ours_open[-1 - k % len(self.ours_open)] for k in range(n)]
        open_peer = [self.peer_open[-1 - k % len(self.peer_open)] for k in range(n)]
        return {
            "ours": [
                ("list", "GET", ["/work/?tab=unit"] * n),
                ("open", "GET", [f"/tickets/{x}/" for x in open_ours]),
                ("any", "GET", [f"/tickets/{x}/" for x in spare_ours]),
                ("create", "POST_JSON", ["/api/v1/tickets/"] * n),
            ],
            "peer": [
                ("list: page", "GET", ["/helpdesk/tickets/"] * n),
                ("list: rows", "GET", [f"{self.ajax_path}?{rows_query}"] * n),
                ("open", "GET", [f"/helpdesk/tickets/{x}/" for x in open_peer]),
                ("any", "GET", [f"/helpdesk/tickets/{x}/" for x in spare_peer]),
                ("create", "POST_FORM", ["/helpdesk/tickets/submit/"] * n),
            ],
        }


def report(
    bench: Bench, setup: Setup, facts: dict[str, dict[str, Any]], centre: str, loads: list[tuple[float, ...]]
) -> tuple[list[str], list[str]]:
    args, ours, peer = setup.args, facts["ours"], facts["peer"]
    loadavg = " → ".join(" ".join(f"{x:.1f}" for x in load) for load in loads)
    lines = [
        f"# Hotline vs django-helpdesk 2.6.1, side by side — {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{ours['server']}; load average (1, 5, 15 min) before → after: {loadavg}",
        f"ours' code: {code_label(setup)}",
        f"servers: both gunicorn gthread, {setup.workers} processes × {args.threads} threads, timeout 60, "
        "keep-alive 5; ours `hotline serve`, theirs `gunicorn peersite.wsgi` (bench/peer/peersite)",
        f"ours: {ours['tickets']:,} tickets ({ours['open']:,} not closed), database {ours['size']}; "
        f"the coordinator at {centre}; its worklist's first page listed {len(bench.ours_open)} tickets",
        f"theirs: {peer['tickets']:,} tickets ({peer['open']:,} open or reopened), database {peer['size']}; "
        f"a staff user; the list's recordsTotal {bench.peer_records_total:,}, {args.peer_length} rows asked",
        f"{args.pairs} interleaved pairs per row after {args.warmup} warm-up rounds; ms at the client",
        "",
        "| row | ours p50 | p90 | p99 | peer p50 | p90 | p99 | ratio p50 | ratio p90 | KB ours/peer | ≥ 3× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    slower = []
    for row in bench.rows:
        o50, o90, o99 = (pct(row.ours, q) for q in (0.5, 0.9, 0.99))
        p50, p90, p99 = (pct(row.peer, q) for q in (0.5, 0.9, 0.99))
        r50, r90 = p50 / o50, p90 / o90
        if r50 < 1:
            slower.append(row.title)
        kb = (
            f"{statistics.median(row.ours_bytes) / 1024:.0f} / {statistics.median(row.peer_bytes) / 1024:.0f}"
        )
        lines.append(
            f"| {row.title} | {o50:.1f} | {o90:.1f} | {o99:.1f} | {p50:.1f} | {p90:.1f} | {p99:.1f} | "
            f"**{r50:.2f}×** | {r90:.2f}× | {kb} | {'met' if r50 >= 3 else 'NOT met'} |"
        )
    page, rows = bench.peer_parts["page"], bench.peer_parts["rows"]
    lines += [
        "",
        f"the peer's list in its parts, p50 / p90: the page {pct(page, 0.5):.1f} / {pct(page, 0.9):.1f} ms, "
        f"the DataTables rows {pct(rows, 0.5):.1f} / {pct(rows, 0.9):.1f} ms",
    ]
    return lines, slower


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(REPO))
    from hotline.ops.server import default_workers

    tmp = Path(tempfile.mkdtemp(prefix="peer-compare-"))
    setup = Setup.make(args, tmp, args.workers or default_workers())
    facts = {
        "ours": db_facts(args.ours, "tickets_ticket", "status <> 'closed'"),
        "peer": db_facts(setup.peer_db_url, "helpdesk_ticket", "status IN (1, 2)"),
    }
    if not facts["ours"]["tickets"] or not facts["peer"]["tickets"]:
        raise SystemExit("load both databases first (bench/README.md)")
    centre = setup.logins()
    ours, peer = setup.servers()
    loads = [os.getloadavg()]
    try:
        ours.start()
        peer.start()
        ours.wait_ready()
        peer.wait_ready()
        timeout = httpx.Timeout(120.0)
        with (
            httpx.Client(base_url=ours.ready_url.rsplit("/", 1)[0], timeout=timeout) as oc,
            httpx.Client(base_url=peer.ready_url.split("/helpdesk/", 1)[0], timeout=timeout) as pc,
        ):
            bench = Bench(setup, oc, pc)
            bench.run()
        loads.append(os.getloadavg())
    finally:
        ours.stop()
        peer.stop()
        if args.no_sql:
            empty_redis(args.redis_url)

    lines, slower = report(bench, setup, facts, centre, loads)
    details: list[str] = []
    if not args.no_sql:
        try:
            table, details = sql_profile(setup, bench.sql_requests(), bench.queue_ids[0])
        finally:
            empty_redis(args.redis_url)  # the in-process registrations enqueue tasks too
        lines += ["", *table]
    lines.append("")
    if slower:
        lines.append(f"**SLOWER THAN THE PEER** on: {', '.join(slower)} (median ratio below 1)")
    else:
        lines.append("Faster than the peer on every row (median ratio ≥ 1).")
    print("\n".join(lines))
    text = "\n".join([*lines, "", "## Statements", *details]) + "\n"
    size = "1m" if facts["peer"]["tickets"] >= 1_000_000 else f"{facts['peer']['tickets'] // 1000}k"
    out = (
        Path(args.out)
        if args.out
        else REPO / "bench" / "results" / f"{datetime.now():%Y-%m-%d}-peer-{size}.txt"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"written: {out}")
    if args.keep:
        print(f"kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
