"""Statistics at volume: a 12-month measure by two dimensions through ``reports.selectors.stats``,
side by side with a hand-written GROUP BY over the tickets and their events, in one run.

Usage (see bench/README.md, "Statistics")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/stats.py [--runs 5]

The facts must be current: after ``hotline generate`` (which bypasses the event listeners)
run ``hotline stats_recount`` once. Each case is timed warm (one run first, then the median
of ``--runs``), as the app sees it (Python + ORM + database). The app's answer is checked
equal to the hand-written query's before anything is timed. Bounds (the issue's): the app
≤ 1 s and ≤ 2× the hand-written query, without and with the comparison columns (previous
period, same period last year: three ranges for the app, the same three GROUP BYs by hand).
Exit status 1 if a case is over a bound.
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from hotline.reports.measures import MEASURES, dimensions
from hotline.reports.models import Fact
from hotline.reports.periods import add_months, month_end
from hotline.reports.query import StatsQuery
from hotline.reports.selectors import stats
from hotline.tickets.models import Ticket

MAX_SECONDS = 1.0
MAX_RATIO = 2.0
TZ = "Asia/Shanghai"
MONTH = f"to_char(date_trunc('month', {{col}} AT TIME ZONE '{TZ}'), 'YYYY-MM')"

# The hand-written queries: each the plain SQL a DBA would write for the measure's
# definition (docs/guide/statistics.md), grouped by (first dimension, month) over [lo, hi).
HAND: dict[str, str] = {
    # 收件量 by 责任单位 × 月: the ticket table's statistics index (received_at, type, category, unit)
    "received/unit,month": f"""
        SELECT unit_id::text, {MONTH.format(col="received_at")}, count(*)
        FROM tickets_ticket WHERE received_at >= %(lo)s AND received_at < %(hi)s GROUP BY 1, 2""",
    # 收件量 by 诉求分类 × 诉求类型
    "received/category,type": """
        SELECT coalesce(category_id::text, ''), type, count(*)
        FROM tickets_ticket WHERE received_at >= %(lo)s AND received_at < %(hi)s GROUP BY 1, 2""",
    # 办结量 by 承办人 × 月: closed by a close action (closing_code set), on closed_at
    "closed/handler,month": f"""
        SELECT coalesce(handler_id::text, ''), {MONTH.format(col="closed_at")}, count(*)
        FROM tickets_ticket
        WHERE status = 'closed' AND closing_code <> '' AND closed_at >= %(lo)s AND closed_at < %(hi)s
        GROUP BY 1, 2""",
    # 退单量 by 责任单位 × 月: each ticket on its first return event
    "returned/unit,month": f"""
        SELECT t.unit_id::text, {MONTH.format(col="e.first_at")}, count(*)
        FROM (SELECT ticket_id, min(created_at) AS first_at FROM tickets_ticketevent
              WHERE action = 'return' GROUP BY ticket_id) e
        JOIN tickets_ticket t ON t.id = e.ticket_id
        WHERE e.first_at >= %(lo)s AND e.first_at < %(hi)s GROUP BY 1, 2""",
    # 不满意 by 渠道 × 月: the last return visit's level, on its date
    "dissatisfied/channel,month": f"""
        SELECT t.channel, {MONTH.format(col="v.created_at")}, count(*)
        FROM (SELECT DISTINCT ON (ticket_id) ticket_id, created_at, payload->>'satisfaction' AS level
              FROM tickets_ticketevent
              WHERE action = 'return_visit' AND payload ? 'satisfaction' AND payload->>'satisfaction' <> ''
              ORDER BY ticket_id, seq DESC) v
        JOIN tickets_ticket t ON t.id = v.ticket_id
        WHERE v.level = 'dissatisfied' AND v.created_at >= %(lo)s AND v.created_at < %(hi)s GROUP BY 1, 2""",
}


@dataclass
class Case:
    key: str
    measure: str
    by: tuple[str, str]


CASES = [
    Case(key, key.split("/")[0], tuple(key.split("/")[1].split(",")))  # type: ignore[arg-type]
    for key in HAND
]


def median_s(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def hand(key: str, start: date, end: date) -> dict[tuple[str, str], int]:
    lo = f"{start.isoformat()} 00:00:00+08:00"
    hi = f"{(end + timedelta(days=1)).isoformat()} 00:00:00+08:00"
    with connection.cursor() as cursor:
        cursor.execute(HAND[key], {"lo": lo, "hi": hi})
        return {(str(a), str(b)): int(n) for a, b, n in cursor.fetchall()}


def app(user: Any, case: Case, start: date, end: date, *, compare: bool) -> dict[tuple[str, str], Any]:
    query = StatsQuery(
        (MEASURES[case.measure],), tuple(dimensions(list(case.by))), start, end, compare=compare
    )
    rows = stats(user, query).rows
    return {(r["dimensions"][0]["key"], r["dimensions"][1]["key"]): r["values"][0]["value"] for r in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="leader", help="who asks (leader: the whole tree, not a superuser)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL (DATABASE_URL)")
        return 2
    tickets = Ticket.objects.count()
    facts = Fact.objects.count()
    latest = Ticket.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    assert latest is not None, "no tickets: run hotline generate"
    end = add_months(latest.date().replace(day=1), 0) - timedelta(days=1)  # the last full month
    start = add_months(end.replace(day=1), -11)  # twelve months
    prev = (add_months(start, -1), month_end(add_months(end, -1)))
    year_ago = (add_months(start, -12), month_end(add_months(end, -12)))
    user = get_user_model().objects.get(username=args.user)
    print(f"# Statistics benchmark — {date.today()}")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, ", end=""
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"PostgreSQL {cursor.fetchone()[0]}; load average {os.getloadavg()[0]:.1f}")
    print(f"data: {tickets:,} tickets, {facts:,} facts; range {start} … {end} (12 months); user {user}")
    print(
        f"median of {args.runs} warm runs; "
        f"bounds: app ≤ {MAX_SECONDS:.0f} s and ≤ {MAX_RATIO:.0f}× hand-written\n"
    )
    head = f"{'case':<30} {'hand ms':>9} {'app ms':>9} {'ratio':>6}   "
    head += f"{'hand+cmp':>9} {'app+cmp':>9} {'ratio':>6}  ok"
    print(head)
    print("-" * len(head))
    failed = False
    for case in CASES:
        hand_rows = hand(case.key, start, end)
        app_rows = {k: v for k, v in app(user, case, start, end, compare=False).items() if v}
        if app_rows != hand_rows:
            diff = {k for k in set(app_rows) | set(hand_rows) if app_rows.get(k) != hand_rows.get(k)}
            print(f"{case.key}: the app's numbers differ from the hand-written query in {len(diff)} cells")
            failed = True
            continue
        t_hand, _ = median_s(lambda c=case: hand(c.key, start, end), args.runs)
        t_app, _ = median_s(lambda c=case: app(user, c, start, end, compare=False), args.runs)
        t_hand3, _ = median_s(
            lambda c=case: [hand(c.key, *span) for span in ((start, end), prev, year_ago)], args.runs
        )
        t_app3, _ = median_s(lambda c=case: app(user, c, start, end, compare=True), args.runs)
        ok = all(t <= MAX_SECONDS for t in (t_app, t_app3)) and t_app <= MAX_RATIO * t_hand
        ok = ok and t_app3 <= MAX_RATIO * t_hand3
        failed |= not ok
        print(
            f"{case.key:<30} {t_hand * 1000:>9.1f} {t_app * 1000:>9.1f} {t_app / t_hand:>6.2f}   "
            f"{t_hand3 * 1000:>9.1f} {t_app3 * 1000:>9.1f} {t_app3 / t_hand3:>6.2f}  {'yes' if ok else 'NO'}"
        )
    # the other shapes: no hand-written GROUP BY computes them (working hours need the calendar)
    print("\nOther measures (absolute bound only), by unit:2 × month, with comparisons:")
    for code in ("handling_hours_avg", "handling_hours_p90", "satisfaction_rate", "response_rate", "overdue"):
        case = Case(code, code, ("unit:2", "month"))
        t, _ = median_s(lambda c=case: app(user, c, start, end, compare=True), args.runs)
        failed |= t > MAX_SECONDS
        print(f"  {code:<22} {t * 1000:>8.1f} ms  {'yes' if t <= MAX_SECONDS else 'NO'}")
    # scoping and the whole request
    print("\nScoped users and the API (received by unit × month, with comparisons):")
    model = get_user_model()
    for name in ("coordinator", "head"):
        who = model.objects.get(username=name)
        t, rows = median_s(lambda w=who: app(w, CASES[0], start, end, compare=True), args.runs)
        print(f"  as {name:<12} {t * 1000:>8.1f} ms  ({len(rows)} cells)")
    client = Client()
    client.force_login(user)
    url = f"/api/v1/stats/?measure=received,returned,closed&by=unit,month&from={start}&to={end}"
    t, response = median_s(lambda: client.get(url), args.runs)
    assert response.status_code == 200, response.content[:300]
    print(f"  GET {url}\n    {t * 1000:.1f} ms, {len(response.json()['rows'])} rows")
    print("\nresult:", "FAIL (over a bound)" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
