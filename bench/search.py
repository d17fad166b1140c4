"""Time the staff search (检索) at volume, beside hand-written SQL, and check its bounds.

Usage (see bench/README.md, "Search")::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench python bench/search.py [--runs 5]

On a database made by ``hotline generate`` and indexed by ``hotline search_reindex``:

1. **Queries**, drawn from the data with a fixed seed: two-word Chinese queries (two
   words rjieba cuts from one ticket's subject and description), phone fragments (7
   digits from a non-confidential caller's number) and ticket-number fragments (8 digits
   from the middle of a number). Each is timed as the app runs it —
   ``hotline.search.services.search`` (scope, two passes, tickets, snippets) — and as the
   equivalent hand-written SQL (the same two passes and the page's rows, the scope written
   out as the unit ids), interleaved (app, SQL, app, SQL …) so both see the same cache.
   Users: the coordinator (centre: sees the tickets taken in by the centre) and a
   department head (sees their department's tickets). p50/p95 over every run of a group.
2. **Recall**: for a few queries, every ticket the search finds (no page: all of them) is
   compared with an exact ``ILIKE`` scan of the ticket's fields and replies (identity only
   on non-confidential tickets): the two sets must be equal.
3. **Registration**: ``ticket_register`` timed with and without the index subscriber,
   interleaved, each in a transaction rolled back (the database keeps its 1M tickets).

Bounds (exit status 1 when one is exceeded): app p95 ≤ 50 ms per group; recall equal;
registration overhead ≤ 20 % (medians).
"""
# ruff: noqa: E402 - Django is set up (settings, sys.path) before the app is imported.

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

import rjieba
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from hotline.core.phones import national_number
from hotline.org.models import Role
from hotline.org.selectors import memberships_of
from hotline.search.index import ticket_indexed
from hotline.search.services import RECENT_WINDOW, WIDEST_WINDOW, search, ticket_matches
from hotline.search.text import HAN_RUN, like_pattern, parse_query, tsquery
from hotline.workflow.access import ASSIGNABLE_ROLES, units_under
from hotline.workflow.drafts import Person, TicketDraft
from hotline.workflow.events import event_listeners
from hotline.workflow.registration import ticket_register
from hotline.workflow.roles import INTAKE_ROLES, UNIT_ROLES

P95_BOUND_MS = 50.0
OVERHEAD_BOUND = 0.20
PAGE = 20


class Rollback(Exception):
    pass


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------
# queries from the data


def sample_queries(rng: random.Random, n: int) -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM tickets_ticket")
        top = cursor.fetchone()[0]
        ids = [rng.randint(1, top) for _ in range(n * 6)]
        cursor.execute(
            "SELECT id, number, subject, description, complainant_phone, confidential "
            "FROM tickets_ticket WHERE id = ANY(%s)",
            [ids],
        )
        rows = cursor.fetchall()
    rng.shuffle(rows)
    words: list[str] = []
    phones: list[str] = []
    numbers: list[str] = []
    for _pk, number, subject, description, phone, confidential in rows:
        cut = [w for w in rjieba.cut(subject + description) if len(w) >= 2 and HAN_RUN.fullmatch(w)]
        pair = rng.sample(sorted(set(cut)), 2) if len(set(cut)) >= 2 else []
        if pair and len(words) < n:
            words.append(" ".join(pair))
        digits = national_number(phone) if phone else ""
        if digits.isdigit() and len(digits) >= 9 and not confidential and len(phones) < n:
            at = rng.randint(0, len(digits) - 7)
            phones.append(digits[at : at + 7])
        if len(numbers) < n:
            at = rng.randint(2, len(number) - 8)
            numbers.append(number[at : at + 8])
    return {"two words": words, "phone fragment": phones, "number fragment": numbers}


# ---------------------------------------------------------------------------------------
# the hand-written SQL: the same two passes as hotline.search.services, the scope spelled out


def scope_sql(user: Any) -> tuple[str, list[Any]]:
    """``tickets_visible_to`` for a centre role or a department head, written as SQL."""
    ms = memberships_of(user)
    roles = {m.role for m in ms}
    parts: list[str] = []
    params: list[Any] = []
    any_role = units_under(m.unit for m in ms if m.role != Role.HANDLER)
    centre = units_under(m.unit for m in ms if m.role not in UNIT_ROLES)
    if roles & ASSIGNABLE_ROLES:
        parts.append("t.handler_id = %s")
        params.append(user.pk)
    if roles & INTAKE_ROLES:
        parts.append("t.registered_by_id = %s")
        params.append(user.pk)
    if any_role:
        parts.append("t.unit_id = ANY(%s)")
        params.append(any_role)
    if centre:
        parts.append("t.owner_unit_id = ANY(%s)")
        params.append(centre)
    return "(" + " OR ".join(parts) + ")", params


def raw_search(user: Any, q: str) -> list[tuple[Any, ...]]:
    query = parse_query(q)
    scope, scope_params = scope_sql(user)
    need = PAGE + 1
    ids: list[int] | None = None
    with connection.cursor() as cursor:
        window = max(RECENT_WINDOW, need * 25)
        while query.lexemes:
            checks = " AND ".join(["strpos(lower(d.body), lower(%s)) > 0"] * len(query.terms))
            cursor.execute(
                f"WITH recent(id) AS MATERIALIZED (SELECT t.id FROM tickets_ticket t WHERE {scope} "
                "ORDER BY t.id DESC LIMIT %s) SELECT (SELECT count(*) FROM recent), ARRAY("
                "SELECT d.ticket_id FROM recent r JOIN search_ticketdocument d ON d.ticket_id = r.id "
                f"WHERE {checks} ORDER BY d.ticket_id DESC LIMIT %s)",
                [*scope_params, window, *query.terms, need],
            )
            in_window, found = cursor.fetchone()
            if len(found) >= need or in_window < window:
                ids = found
                break
            wider = math.ceil(window * need / len(found) * 1.3) if found else 0
            if not found or window > RECENT_WINDOW or wider > WIDEST_WINDOW:
                break
            window = wider
        if ids is None:
            where = ["d.body ILIKE %s ESCAPE '\\'"] * len(query.terms)
            params: list[Any] = [like_pattern(t) for t in query.terms]
            if query.lexemes:
                where.insert(0, "d.tsv @@ to_tsquery('simple'::regconfig, %s)")
                params.insert(0, tsquery(query.lexemes))
            cursor.execute(
                "SELECT t.id FROM tickets_ticket t WHERE t.id IN "
                "(SELECT d.ticket_id FROM search_ticketdocument d "
                f"WHERE {' AND '.join(where)}) AND {scope} ORDER BY t.id DESC LIMIT %s",
                [*params, *scope_params, need],
            )
            ids = [r[0] for r in cursor.fetchall()]
        cursor.execute(
            "SELECT t.id, t.number, t.subject, t.status, u.name, d.body FROM tickets_ticket t "
            "JOIN org_unit u ON u.id = t.unit_id JOIN search_ticketdocument d ON d.ticket_id = t.id "
            "WHERE t.id = ANY(%s) ORDER BY t.id DESC",
            [ids[:PAGE]],
        )
        return cursor.fetchall()


# ---------------------------------------------------------------------------------------
# 1. latency


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def latency(users: dict[str, Any], queries: dict[str, list[str]], runs: int) -> list[dict[str, Any]]:
    rows = []
    for who, user in users.items():
        for group, qs in queries.items():
            app_ms: list[float] = []
            sql_ms: list[float] = []
            mismatches = 0
            for q in qs:
                search(user, q)  # warm
                raw_search(user, q)
                for _ in range(runs):
                    a, page = timed(lambda q=q, u=user: search(u, q, page_size=PAGE))
                    b, raw = timed(lambda q=q, u=user: raw_search(u, q))
                    app_ms.append(a)
                    sql_ms.append(b)
                mismatches += [h.ticket.pk for h in page.hits] != [r[0] for r in raw]
            rows.append(
                {
                    "user": who,
                    "group": group,
                    "queries": len(qs),
                    "app_p50": statistics.median(app_ms),
                    "app_p95": pct(app_ms, 0.95),
                    "sql_p50": statistics.median(sql_ms),
                    "sql_p95": pct(sql_ms, 0.95),
                    "mismatches": mismatches,
                }
            )
            r = rows[-1]
            print(
                f"  {who:<12} {group:<16} n={r['queries']:>3}"
                f"  app p50 {r['app_p50']:6.1f} p95 {r['app_p95']:6.1f}"
                f"  | SQL p50 {r['sql_p50']:6.1f} p95 {r['sql_p95']:6.1f}  (pages differ: {mismatches})",
                flush=True,
            )
    return rows


# ---------------------------------------------------------------------------------------
# 2. recall


def like_scan(q: str) -> set[int]:
    """Tickets whose fields or replies contain every term (ILIKE), identity only where shown."""
    query = parse_query(q)
    conds, params = [], []
    for term in query.terms:
        pattern = like_pattern(term)
        fields = " OR ".join(
            f"t.{f} ILIKE %s ESCAPE '\\'"
            for f in (
                "number",
                "subject",
                "description",
                "demand",
                "respondent_name",
                "respondent_address",
                "respondent_licence",
                "region",
            )
        )
        identity = " OR ".join(
            f"t.{f} ILIKE %s ESCAPE '\\'"
            for f in (
                "complainant_name",
                "complainant_phone",
                "complainant_id_number",
                "complainant_email",
                "complainant_address",
            )
        )
        replies = (
            "EXISTS (SELECT 1 FROM tickets_ticketevent e WHERE e.ticket_id = t.id "
            "AND e.action IN ('interim_reply', 'reply', 'approve_reply', 'close') "
            "AND (e.comment ILIKE %s ESCAPE '\\' OR e.payload->>'result' ILIKE %s ESCAPE '\\'))"
        )
        conds.append(f"(({fields}) OR (NOT t.confidential AND ({identity})) OR {replies})")
        params += [pattern] * 8 + [pattern] * 5 + [pattern, pattern]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t.id FROM tickets_ticket t WHERE {' AND '.join(conds)}", params)
        return {r[0] for r in cursor.fetchall()}


def recall(admin: Any, samples: list[str]) -> list[dict[str, Any]]:
    rows = []
    for q in samples:
        ms_search, found = timed(
            lambda q=q: set(ticket_matches(admin, parse_query(q)).values_list("pk", flat=True))
        )
        ms_scan, scanned = timed(lambda q=q: like_scan(q))
        rows.append(
            {
                "q": q,
                "found": len(found),
                "like": len(scanned),
                "equal": found == scanned,
                "search_ms": ms_search,
                "scan_ms": ms_scan,
            }
        )
        print(
            f"  {q!r:<24} search {len(found):>7,} ({ms_search:7.0f} ms)  LIKE scan {len(scanned):>7,}"
            f" ({ms_scan:7.0f} ms)  {'equal' if found == scanned else 'DIFFERENT'}",
            flush=True,
        )
    return rows


# ---------------------------------------------------------------------------------------
# 3. registration


def registration(agent: Any, n: int, rng: random.Random) -> dict[str, float]:
    subjects = ["小区物业乱收停车费", "餐馆后厨卫生条件差", "快递柜超时收费", "培训机构拒不退费"]

    def register_once() -> float:
        draft = TicketDraft(
            type="complaint",
            channel="phone",
            subject=rng.choice(subjects),
            description="诉求人反映:" + "".join(rng.choices("物业公司收费标准不合理要求退还多收费用", k=60)),
            demand="要求核实处理",
            complainant=Person(name="测试", phone=f"139{rng.randint(0, 99999999):08d}"),
        )
        start = time.perf_counter()
        try:
            with transaction.atomic():
                ticket_register(draft=draft, actor=agent)
                raise Rollback
        except Rollback:
            pass
        return (time.perf_counter() - start) * 1000

    with_index: list[float] = []
    without: list[float] = []
    for _ in range(5):  # warm
        register_once()
    for i in range(n):
        for indexed in (True, False) if i % 2 else (False, True):
            if not indexed:
                event_listeners.remove(ticket_indexed)
            try:
                (with_index if indexed else without).append(register_once())
            finally:
                if not indexed:
                    event_listeners.append(ticket_indexed)
    a, b = statistics.median(with_index), statistics.median(without)
    return {"with": a, "without": b, "overhead": (a - b) / b, "n": n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query")
    parser.add_argument("--queries", type=int, default=20, help="queries per group")
    parser.add_argument("--recall", type=int, default=3, help="queries per group checked against a LIKE scan")
    parser.add_argument("--register", type=int, default=60, help="registrations with and without the index")
    parser.add_argument("--seed", type=int, default=20261130)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("search.py needs PostgreSQL: set DATABASE_URL=postgres://… (bench/README.md)")
    rng = random.Random(args.seed)
    model = get_user_model()
    users = {
        "coordinator": model.objects.get(username="coordinator"),
        "head": model.objects.get(username="head"),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_ticketdocument")
        docs = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    print(
        f"# search bench · {tickets:,} tickets, {docs:,} documents · {version}"
        f" · Python {platform.python_version()}"
    )
    print(f"# seed {args.seed}, {args.runs} runs per query, page {PAGE}, load {os.getloadavg()[0]:.1f}")
    queries = sample_queries(rng, args.queries)
    for group, qs in queries.items():
        print(f"  {group}: {', '.join(qs[:6])}{' …' if len(qs) > 6 else ''}")
    print("\n## latency (ms)")
    rows = latency(users, queries, args.runs)
    print("\n## recall against an exact ILIKE scan (all matches, superuser)")
    admin = model.objects.filter(is_superuser=True).order_by("pk").first()
    samples = [q for qs in queries.values() for q in qs[: args.recall]]
    checks = recall(admin, samples)
    print("\n## registration (ms, median; each rolled back)")
    reg = registration(model.objects.get(username="agent"), args.register, rng)
    print(
        f"  with index {reg['with']:.1f}  without {reg['without']:.1f}"
        f"  overhead {reg['overhead']:+.1%}  (n={reg['n']} each)"
    )
    failures = [
        f"{r['user']} {r['group']}: p95 {r['app_p95']:.1f} ms > {P95_BOUND_MS}"
        for r in rows
        if r["app_p95"] > P95_BOUND_MS
    ]
    failures += [
        f"recall differs for {c['q']!r}: {c['found']} vs {c['like']}" for c in checks if not c["equal"]
    ]
    if reg["overhead"] > OVERHEAD_BOUND:
        failures.append(f"registration overhead {reg['overhead']:.1%} > {OVERHEAD_BOUND:.0%}")
    print("\n## bounds")
    for line in failures or ["all within bounds"]:
        print(f"  {line}")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
