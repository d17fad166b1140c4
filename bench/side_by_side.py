"""Each hot path of the workbench and the API beside hand-written SQL that returns the
same rows, in one run; exits non-zero when a ratio is over its bound (issue 17 item 5).

Usage (a developer runs it before a change lands; not part of the test suite)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/side_by_side.py [--runs 31]

*Hotline* is what a request does for the path, in-process: the selector the page calls
(from the user's memberships to the rows it renders, labels and allowed actions
included) or, for the API rows, the whole request through Django's test ``Client`` (the
session, the user, the scope, the serializer). Each call gets the user as a new request
would: loaded afresh, so no per-request cache carries over. *Raw SQL* is one or two
statements a DBA would write for the same rows and the columns the path shows, fetched as
tuples on the same connection. The two run interleaved (H, R, H, R, …) after a warm-up;
the figures are medians; the script checks that both sides return the same tickets.

The bound is 3× (the issue's "within 3× of raw SQL"); ``--bound`` changes it.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# ``--source DIR``: time the code of another tree (e.g. a checkout from before a change)
if "--source" in sys.argv:
    sys.path.insert(0, sys.argv[sys.argv.index("--source") + 1])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.test import Client
from django.utils import timezone

from hotline.callers.services import caller_lookup
from hotline.core.errors import InvalidInput
from hotline.core.phones import normalise_phone
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.tickets.models import OPEN_STATUSES, Ticket
from hotline.web.selectors import WorklistFilters, worklist

User = get_user_model()
OPEN = tuple(str(s) for s in OPEN_STATUSES)


@dataclass
class Row:
    key: str
    title: str
    hotline_ms: float
    raw_ms: float
    rows: int
    bound: float

    @property
    def ratio(self) -> float:
        return self.hotline_ms / self.raw_ms if self.raw_ms else float("inf")


def fresh(user: Any) -> Any:
    """The user as a new request has it from the session: the same row, none of the
    per-request caches a previous call left on it (memberships, scope)."""
    copy = User(**{f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields})
    copy._state.adding, copy._state.db = False, user._state.db
    return copy


def raw(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def side_by_side(
    key: str,
    title: str,
    hotline: Callable[[], list[Any]],
    hand: Callable[[], list[Any]],
    runs: int,
    bound: float,
) -> Row:
    """Medians of interleaved runs; both sides must give the same ticket keys, in order."""
    ours, theirs = hotline(), hand()  # warm-up, and the check
    if ours != theirs:
        raise SystemExit(f"{key}: Hotline and the raw SQL disagree:\n  {ours[:5]}…\n  {theirs[:5]}…")
    h: list[float] = []
    r: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        hotline()
        h.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        hand()
        r.append((time.perf_counter() - start) * 1000)
    return Row(key, title, statistics.median(h), statistics.median(r), len(ours), bound)


# --- the subjects ----------------------------------------------------------------------


def busiest(field: str, **filters: Any) -> Any:
    return (
        Ticket.objects.filter(**filters)
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list(field, flat=True)
        .first()
    )


def member(role: str, unit_id: int | None = None) -> Any:
    ms = Membership.objects.filter(role=role).select_related("user").order_by("pk")
    if unit_id is not None:
        ms = ms.filter(unit_id=unit_id)
    m = ms.first()
    if m is None:
        raise SystemExit(f"no {role} (run `hotline generate` first)")
    return m.user


def _valid(phone: str) -> bool:
    try:
        return bool(normalise_phone(phone))
    except InvalidInput:
        return False


# --- raw SQL ---------------------------------------------------------------------------

# the columns a worklist row shows (web/work/_rows.html) and its 可签收 check needs
ROW_SQL = """
    SELECT t.number, t.version, t.type, t.severity, t.supervised, t.subject, t.policy, t.stage,
           t.status, t.channel, t.due_at, u.name, u.path, o.path, t.handler_id, h.username,
           h.first_name, h.last_name
    FROM tickets_ticket t
    JOIN org_unit u ON u.id = t.unit_id
    JOIN org_unit o ON o.id = t.owner_unit_id
    LEFT JOIN auth_user h ON h.id = t.handler_id
"""
CAPPED = "SELECT count(*) FROM (SELECT 1 FROM tickets_ticket t WHERE {where} LIMIT 1001) c"
# a centre role's scope (access.visible_q) in SQL: what they took in, and tickets at or
# taken in at a unit their memberships cover
COVERED = """WITH covered AS (SELECT s.id FROM org_unit s JOIN org_unit m ON s.path LIKE m.path || '%%'
             JOIN org_membership ms ON ms.unit_id = m.id WHERE ms.user_id = %(me)s) """
SCOPE = """(t.registered_by_id = %(me)s OR t.unit_id IN (SELECT id FROM covered)
            OR t.owner_unit_id IN (SELECT id FROM covered))"""


def raw_unit_worklist(user_id: int) -> list[Any]:
    # the units the head covers, by path, then the unit's open tickets (and the head's own)
    scope = """t.status IN ('open', 'suspended') AND (t.handler_id = %(me)s OR t.unit_id IN (
        SELECT s.id FROM org_unit s JOIN org_unit m ON s.path LIKE m.path || '%%'
        JOIN org_membership ms ON ms.unit_id = m.id WHERE ms.user_id = %(me)s))"""
    rows = raw(ROW_SQL + f" WHERE {scope} ORDER BY t.due_at, t.id LIMIT 51", {"me": user_id})
    raw(CAPPED.format(where=scope), {"me": user_id})
    return [r[0] for r in rows[:50]]


def raw_handler_worklist(user_id: int) -> list[Any]:
    scope = "t.status IN ('open', 'suspended') AND t.handler_id = %(me)s"
    rows = raw(ROW_SQL + f" WHERE {scope} ORDER BY t.due_at, t.id LIMIT 51", {"me": user_id})
    raw(CAPPED.format(where=scope), {"me": user_id})
    return [r[0] for r in rows[:50]]


def raw_caller(phone: str, user_id: int) -> list[Any]:
    raw(
        "SELECT id, status, expires_at FROM callers_blocklistentry WHERE phone = %s"
        " AND status IN ('active', 'requested')",
        [phone],
    )
    rows = raw(
        COVERED
        + """SELECT t.number, t.received_at, t.type, t.subject, t.status, t.policy, t.stage,
                  t.customer_class
           FROM tickets_ticket t
           WHERE t.complainant_phone = %(phone)s AND NOT t.confidential AND """
        + SCOPE
        + " ORDER BY t.received_at DESC LIMIT 11",
        {"phone": phone, "me": user_id},
    )
    return [r[0] for r in rows[:10]]


def raw_list_api(user_id: int) -> list[Any]:
    # the coordinator's scope: what they took in, and tickets at or taken in at the units
    # their memberships cover; the newest 50 with the list's fields, and the capped count
    scope, covered = SCOPE, COVERED
    rows = raw(
        covered
        + """SELECT t.number, t.type, t.channel, t.policy, t.received_at, t.subject,
                  t.complainant_name, t.complainant_phone, t.complainant_email,
                  t.complainant_id_number, t.complainant_address, t.anonymous, t.customer_class,
                  t.confidential, c.code, t.severity, t.upgraded_via, u.code, u.name, t.status,
                  t.stage, t.round, h.username, t.supervised, t.due_at, t.final_due_at,
                  t.deadline_provisional, t.version
           FROM tickets_ticket t JOIN org_unit u ON u.id = t.unit_id
           LEFT JOIN tickets_category c ON c.id = t.category_id
           LEFT JOIN auth_user h ON h.id = t.handler_id
           WHERE """
        + scope
        + " ORDER BY t.received_at DESC, t.id DESC LIMIT 50",
        {"me": user_id},
    )
    raw(
        covered + f" SELECT count(*) FROM (SELECT 1 FROM tickets_ticket t WHERE {scope} LIMIT 10001) c",
        {"me": user_id},
    )  # the page's capped count
    return [r[0] for r in rows]


def raw_detail_api(number: str, user_id: int) -> list[Any]:
    rows = raw(
        COVERED
        + """SELECT t.*, u.code, u.name, o.code, c.code, p.name, h.username, r.username
           FROM tickets_ticket t JOIN org_unit u ON u.id = t.unit_id
           JOIN org_unit o ON o.id = t.owner_unit_id
           LEFT JOIN tickets_category c ON c.id = t.category_id
           LEFT JOIN tickets_category p ON p.id = c.parent_id
           LEFT JOIN auth_user h ON h.id = t.handler_id
           LEFT JOIN auth_user r ON r.id = t.registered_by_id
           WHERE t.number = %(number)s AND """
        + SCOPE,
        {"number": number, "me": user_id},
    )
    ticket_id = rows[0][0]
    raw(
        "SELECT id, name, size, content_type, uploaded_at FROM tickets_attachment WHERE ticket_id = %s",
        [ticket_id],
    )
    raw(
        "SELECT l.id, l.kind, x.number, l.confirmed FROM tickets_ticketlink l"
        " JOIN tickets_ticket x ON x.id = l.target_id WHERE l.ticket_id = %s",
        [ticket_id],
    )
    return [number]


def raw_stats(lo: Any, hi: Any) -> list[Any]:
    rows = raw(
        f"""SELECT date_trunc('month', received_at AT TIME ZONE '{settings.TIME_ZONE}'), type,
                   category_id, unit_id, count(*)
            FROM tickets_ticket WHERE received_at >= %s AND received_at < %s
            GROUP BY 1, 2, 3, 4""",
        [lo, hi],
    )
    return [sum(r[4] for r in rows)]


# --- the paths as Hotline runs them ----------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--bound", type=float, default=3.0)
    parser.add_argument("--only", default="", help="row keys to run, e.g. abd")
    parser.add_argument("--source", default="", help="the tree whose hotline package is timed")
    args = parser.parse_args()
    logging.getLogger("hotline.request").setLevel(logging.WARNING)  # one line per request
    if connection.vendor != "postgresql":
        raise SystemExit("run it on PostgreSQL (DATABASE_URL)")
    now = timezone.now()
    total = Ticket.objects.count()
    open_total = Ticket.objects.filter(status__in=OPEN_STATUSES).count()

    dept = Unit.objects.get(pk=busiest("unit", status__in=OPEN_STATUSES, unit__kind=UnitKind.DEPARTMENT))
    head = member(Role.DEPT_HEAD, dept.pk)
    handler = User.objects.get(pk=busiest("handler", status__in=OPEN_STATUSES))
    coordinator = member(Role.COORDINATOR)  # the centre's: it covers every unit
    phones = Counter(
        Ticket.objects.exclude(complainant_phone="")
        .order_by("-received_at")
        .values_list("complainant_phone", flat=True)[:20000]
    )
    phone = next(p for p, _n in phones.most_common() if _valid(p))  # the generator makes some invalid ones
    number = Ticket.objects.filter(status__in=OPEN_STATUSES, unit=dept).values_list("number", flat=True)[0]
    hi = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    lo = (hi - timedelta(days=365)).replace(day=1)

    def unit_worklist() -> list[Any]:
        page = worklist(fresh(head), tab="unit", filters=WorklistFilters(), page=1, now=now)
        return [r.ticket.number for r in page.rows]

    def handler_worklist() -> list[Any]:
        page = worklist(fresh(handler), tab="mine", filters=WorklistFilters(), page=1, now=now)
        return [r.ticket.number for r in page.rows]

    def screen_pop() -> list[Any]:
        info = caller_lookup(phone, fresh(coordinator))
        return [t.number for t, _label in info.history]

    coordinator_client, head_client = Client(), Client()
    coordinator_client.force_login(coordinator)

    def list_api() -> list[Any]:
        response = coordinator_client.get("/api/v1/tickets/?page_size=50")
        assert response.status_code == 200, response.content[:300]
        return [t["number"] for t in response.json()["results"]]

    head_client.force_login(head)

    def detail_api() -> list[Any]:
        response = head_client.get(f"/api/v1/tickets/{number}/")
        assert response.status_code == 200, response.content[:300]
        return [response.json()["number"]]

    def stats() -> list[Any]:
        # Count("*"), not Count("pk"): COUNT("id") needs the id, which the ticket_stats index
        # does not hold, and PostgreSQL reads 400,000 rows of the table (a sequential scan,
        # 3.0× the hand-written COUNT(*), which the index answers alone)
        rows = (
            Ticket.objects.filter(received_at__gte=lo, received_at__lt=hi)
            .annotate(month=TruncMonth("received_at"))
            .values("month", "type", "category", "unit")
            .annotate(n=Count("*"))
            .order_by()
        )
        return [sum(r["n"] for r in rows)]

    cases = [
        (
            "a",
            f"unit worklist, 50 by due time ({dept.code} head)",
            unit_worklist,
            lambda: raw_unit_worklist(head.pk),
            args.runs,
            args.bound,
        ),
        (
            "b",
            "handler worklist",
            handler_worklist,
            lambda: raw_handler_worklist(handler.pk),
            args.runs,
            args.bound,
        ),
        (
            "c",
            "caller history by phone (screen pop)",
            screen_pop,
            lambda: raw_caller(phone, coordinator.pk),
            args.runs,
            args.bound,
        ),
        (
            "d",
            "list API as coordinator",
            list_api,
            lambda: raw_list_api(coordinator.pk),
            args.runs,
            args.bound,
        ),
        ("e", "detail API", detail_api, lambda: raw_detail_api(number, head.pk), args.runs, args.bound),
        (
            "f",
            "12-month month × type × category × unit",
            stats,
            lambda: raw_stats(lo, hi),
            max(5, args.runs // 6),
            args.bound,
        ),
    ]
    rows = [side_by_side(*case) for case in cases if not args.only or case[0] in args.only]
    import hotline

    code = Path(hotline.__file__).parent.parent
    print(
        f"code: {code} · {total:,} tickets, {open_total:,} open · PostgreSQL · Python "
        f"{platform.python_version()} · {args.runs} interleaved runs · "
        f"{timezone.localtime(now):%Y-%m-%d %H:%M}\n"
    )
    print("| | path | Hotline (ms) | raw SQL (ms) | ratio | bound | rows |")
    print("|---|---|---:|---:|---:|---:|---:|")
    failed = []
    for r in rows:
        over = r.ratio > r.bound
        failed += [r.key] if over else []
        flag = " **over**" if over else ""
        print(
            f"| {r.key} | {r.title} | {r.hotline_ms:.2f} | {r.raw_ms:.2f} | {r.ratio:.1f}×{flag} |"
            f" {r.bound:.0f}× | {r.rows} |"
        )
    if failed:
        print(f"\nover the bound: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
