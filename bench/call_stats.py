"""话务报表 at volume: ``reports.calls.call_report`` (the total, one grouped query through
``telephony.stats.figures_by``, the names) for every dimension, over a month, a year and
three years of calls, side by side with a hand-written SQL ``GROUP BY`` computing the same
measures over the same rows — in the same run, with the same warm cache — and the page
``GET /reports/calls/`` as the server sees it.

Usage::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotline_bench
    python bench/call_stats.py [--calls 1000000] [--runs 5] 2>/dev/null

When ``telephony_call`` holds fewer than ``--calls`` rows, the missing ones are generated
first with one ``INSERT … SELECT … FROM generate_series`` (in time order, as a real call log
grows; over the ``--years`` years before today, 80 % in working hours; 40 agents, five
queues, three hotline numbers, the areas of ``AREAS``; about 70 % answered, 16 % lost, 2 %
blocked, 12 % outbound; half the answered callers press a survey key), then ``ANALYZE``.
Generated rows have ``call_id`` ``bench-<n>``. Each figure is the median of ``--runs`` warm
runs (one run first, not counted). The hand SQL's rows are checked against the report's
(every measure of every row); a difference stops the run with exit status 1.
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")

import django

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from hotline.reports.calls import CALL_DIMENSIONS, CallQuery, call_report, calls_in, grouping
from hotline.reports.periods import add_months
from hotline.telephony.models import Agent, Call, HotlineNumber, SkillGroup
from hotline.telephony.stats import AGGREGATES, from_row

AGENTS = 40
QUEUES = [("zx", "综合咨询", "q-consult"), ("ts", "投诉举报", "q-complaint"), ("ss", "涉税", "q-tax"),
          ("yb", "医保", "q-insurance"), ("wy", "外语", "q-foreign")]  # fmt: skip
NUMBERS = [("12345", "市民热线"), ("4008001234", "400 服务热线"), ("96888", "便民热线")]
LOCAL_AREA = "江苏省常州市"
AREAS = [
    "江苏省南京市", "江苏省无锡市", "江苏省苏州市", "江苏省南通市", "浙江省杭州市", "浙江省宁波市",
    "上海市", "北京市", "安徽省合肥市", "山东省济南市", "广东省广州市", "广东省深圳市", "河南省郑州市",
    "湖北省武汉市", "四川省成都市", "内蒙古自治区呼和浩特市", "广西壮族自治区南宁市",
    "新疆维吾尔自治区乌鲁木齐市", "中国", "",
]  # fmt: skip

# --- generating the calls ----------------------------------------------------------------------

GENERATE = """
WITH s AS (
    SELECT g, random() AS a, random() AS b, random() AS c, random() AS d, random() AS e,
           random() AS f, random() AS h, random() AS k,
           random() AS m, random() AS n, random() AS p, random() AS q
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
), t AS (
    SELECT s.*,
           CASE WHEN e < 0.62 OR e >= 0.92 THEN 'answered' WHEN e < 0.72 THEN 'abandoned'
                WHEN e < 0.78 THEN 'missed' WHEN e < 0.80 THEN 'blocked' ELSE 'out' END AS kind,
           CASE WHEN b < 0.8 THEN 8 + floor(c * 10) ELSE floor(c * 24) END AS hour,
           ((date_trunc('day', %(now)s::timestamptz AT TIME ZONE %(tz)s)
             - (1 + floor(a * %(days)s)) * interval '1 day'
             + (CASE WHEN b < 0.8 THEN 8 + floor(c * 10) ELSE floor(c * 24) END) * interval '1 hour'
             + floor(d * 3600) * interval '1 second') AT TIME ZONE %(tz)s) AS at,
           floor(f * f * 90)::int AS wait
    FROM s
)
INSERT INTO telephony_call (
    call_id, direction, from_raw, to_raw, caller, area, queue, extension, status, outcome,
    started_at, answered_at, ended_at, wait_seconds, talk_seconds, wrapup_seconds, cause, recording,
    agent_id, agent_channel, caller_channel, flow, priority, survey_at, survey_offered_at, survey_score
)
SELECT
    'bench-' || g,
    CASE WHEN kind = 'out' THEN 'out' ELSE 'in' END,
    CASE WHEN kind = 'out' THEN '8001' ELSE '138' || lpad((g %% 100000000)::text, 8, '0') END,
    CASE WHEN kind = 'out' THEN '139' || lpad((g %% 100000000)::text, 8, '0')
         ELSE (%(numbers)s::text[])[1 + floor(h * h * 3)::int] END,
    '+86' || CASE WHEN kind = 'out' THEN '139' ELSE '138' END || lpad((g %% 100000000)::text, 8, '0'),
    CASE WHEN k < 0.6 THEN %(local)s ELSE (%(areas)s::text[])[1 + floor(k * 1000)::int %% %(n_areas)s] END,
    CASE WHEN kind = 'out' THEN '' ELSE (%(queues)s::text[])[1 + floor(p * 5)::int] END,
    '',
    'ended',
    CASE WHEN kind = 'out' THEN (CASE WHEN f < 0.7 THEN 'answered' ELSE 'failed' END) ELSE kind END,
    at,
    CASE WHEN kind = 'answered' OR (kind = 'out' AND f < 0.7) THEN at + wait * interval '1 second' END,
    at + (wait + 20 + floor(h * 600)) * interval '1 second',
    CASE WHEN kind IN ('answered', 'abandoned', 'missed') THEN wait END,
    CASE WHEN kind = 'answered' OR (kind = 'out' AND f < 0.7) THEN 20 + floor(h * 600)::int END,
    CASE WHEN kind = 'answered' AND b < 0.9 THEN floor(b * 60)::int END,
    '', '',
    CASE WHEN kind IN ('abandoned', 'blocked') THEN NULL
         ELSE (%(agents)s::int[])[1 + floor(q * %(n_agents)s)::int] END,
    '', '',
    CASE WHEN kind = 'out' OR kind = 'blocked' THEN ''
         WHEN hour BETWEEN 8 AND 17 THEN 'working' ELSE 'after_hours' END,
    NULL,
    CASE WHEN kind = 'answered' AND m < 0.5 THEN at + interval '15 minutes' END,
    CASE WHEN kind = 'answered' AND m < 0.5 THEN at + interval '14 minutes' END,
    CASE WHEN kind = 'answered' AND m < 0.5 THEN 1 + floor(n * n * 4)::int END
FROM t
ORDER BY at  -- a call log grows in time order: a month's calls lie together in the table
"""


def prepare(calls: int, years: int) -> int:
    """Agents, queues and numbers once; then calls up to ``calls`` rows. The rows added."""
    user_model = get_user_model()
    agents = []
    for n in range(1, AGENTS + 1):
        user, _ = user_model.objects.get_or_create(
            username=f"bench-agent-{n:02d}", defaults={"first_name": f"座席{n:02d}"}
        )
        Agent.objects.get_or_create(user=user, defaults={"staff_no": f"8{n:03d}"})
        agents.append(user.pk)
    for code, name, queue in QUEUES:
        SkillGroup.objects.get_or_create(queue=queue, defaults={"code": code, "name": name})
    for number, name in NUMBERS:
        HotlineNumber.objects.get_or_create(number=number, defaults={"name": name})
    have = Call.objects.count()
    missing = calls - have
    if missing <= 0:
        return 0
    first = Call.objects.filter(call_id__startswith="bench-").count() + 1
    params = {
        "first": first,
        "last": first + missing - 1,
        "now": timezone.now(),
        "tz": settings.TIME_ZONE,
        "days": years * 365,
        "numbers": [n for n, _name in NUMBERS],
        "local": LOCAL_AREA,
        "areas": AREAS,
        "n_areas": len(AREAS),
        "queues": [q for _c, _n, q in QUEUES],
        "agents": agents,
        "n_agents": len(agents),
    }
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.13)")
        cursor.execute(GENERATE, params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE telephony_call")
    print(f"generated {missing:,} calls in {time.perf_counter() - started:.1f} s (INSERT … SELECT + ANALYZE)")
    return missing


# --- the hand-written SQL ----------------------------------------------------------------------

KEYS = {
    "hour": "EXTRACT(HOUR FROM started_at AT TIME ZONE %(tz)s)::int",
    "day": "(started_at AT TIME ZONE %(tz)s)::date",
    "month": "date_trunc('month', started_at AT TIME ZONE %(tz)s)::date",
    "province": "CASE WHEN strpos(area, '省') > 0 THEN left(area, strpos(area, '省'))"
    " WHEN strpos(area, '自治区') > 0 THEN left(area, strpos(area, '自治区') + 2)"
    " WHEN strpos(area, '特别行政区') > 0 THEN left(area, strpos(area, '特别行政区') + 4) ELSE area END",
    "area": "area",
    "agent": "agent_id",
    "queue": "queue",
    "number": "CASE WHEN direction = 'out' THEN 'outbound' ELSE to_raw END",
    "satisfaction": "survey_score",
    "flow": "flow",
}
IN = "direction = 'in' AND outcome <> 'blocked'"
ANSWERED = f"{IN} AND answered_at IS NOT NULL"
ENDED = f"{ANSWERED} AND status = 'ended'"
MEASURES = f"""
    count(*) FILTER (WHERE {IN}) AS offered,
    count(*) FILTER (WHERE {ANSWERED}) AS answered,
    count(*) FILTER (WHERE {IN} AND outcome = 'abandoned') AS abandoned,
    count(*) FILTER (WHERE {IN} AND outcome = 'missed') AS missed,
    count(*) FILTER (WHERE {IN} AND status = 'ringing') AS waiting,
    count(*) FILTER (WHERE {ANSWERED} AND wait_seconds <= 15) AS within_service,
    count(*) FILTER (WHERE outcome = 'blocked') AS blocked,
    count(*) FILTER (WHERE direction = 'out') AS outbound,
    count(*) FILTER (WHERE direction = 'out' AND answered_at IS NOT NULL) AS outbound_connected,
    avg(wait_seconds) FILTER (WHERE {ANSWERED}) AS wait_avg,
    avg(talk_seconds) FILTER (WHERE {ENDED}) AS talk_avg,
    avg(talk_seconds + wrapup_seconds) FILTER (WHERE {ENDED} AND wrapup_seconds IS NOT NULL) AS handle_avg,
    sum(talk_seconds) FILTER (WHERE {ENDED}) AS talk_total,
    count(*) FILTER (WHERE survey_score IS NOT NULL) AS surveyed,
    count(*) FILTER (WHERE survey_score = 1) AS survey_1,
    count(*) FILTER (WHERE survey_score = 2) AS survey_2,
    count(*) FILTER (WHERE survey_score = 3) AS survey_3,
    count(*) FILTER (WHERE survey_score = 4) AS survey_4
"""


def hand_sql(by: str, query: CallQuery) -> dict[str, dict[str, Any]]:
    start, end = query.bounds()
    sql = (
        f"SELECT {KEYS[by]} AS key, {MEASURES} FROM telephony_call"
        " WHERE started_at >= %(start)s AND started_at < %(end)s GROUP BY 1 ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tz": settings.TIME_ZONE, "start": start, "end": end})
        names = [col.name for col in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    out = {}
    for row in rows:
        key = row.pop("key")
        out[_text_key(by, key)] = from_row(row).as_dict()
    return out


def _text_key(by: str, key: Any) -> str:
    if key is None:
        return ""
    if by == "hour":
        return f"{key:02d}"
    if by == "month":
        return f"{key:%Y-%m}"
    return key.isoformat() if isinstance(key, date) else str(key)


# --- timing ------------------------------------------------------------------------------------


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    result = fn()  # warm
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def grouped_orm(by: str, query: CallQuery) -> list[Any]:
    fields, expressions = grouping(by)
    return list(calls_in(query).order_by().values(*fields, **expressions).annotate(**AGGREGATES))


def plan(by: str, query: CallQuery) -> str:
    """How PostgreSQL reads ``telephony_call`` for the report's grouped query."""
    fields, expressions = grouping(by)
    qs = calls_in(query).order_by().values(*fields, **expressions).annotate(**AGGREGATES)
    text = qs.explain(analyze=True)
    scans = [line.strip().lstrip("-> ").split("  (")[0] for line in text.splitlines() if "Scan" in line]
    executed = next((line for line in text.splitlines() if line.startswith("Execution Time")), "")
    return f"{'; '.join(dict.fromkeys(scans))} — {executed}"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("needs PostgreSQL (DATABASE_URL)")
        return 2
    prepare(args.calls, args.years)
    total = Call.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('telephony_call'))")
        size = cursor.fetchone()[0]
    print("# 话务报表 benchmark: reports.calls.call_report vs a hand-written GROUP BY")
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {version}; load average {os.getloadavg()[0]:.1f}; "
        f"telephony_call: {total:,} rows, {size}; {args.runs} warm runs, median"
    )
    today = timezone.localdate()
    month_end = today.replace(day=1) - timedelta(days=1)
    month = CallQuery(month_end.replace(day=1), month_end)
    year = CallQuery(add_months(month.date_from, -11), month_end)
    three = CallQuery(add_months(month.date_from, -35), month_end)
    failed = False
    for label, span in (("last month", month), ("last 12 months", year), ("last 36 months", three)):
        calls = Call.objects.filter(started_at__gte=span.bounds()[0], started_at__lt=span.bounds()[1]).count()
        print(f"\n## {label}: {span.date_from} – {span.date_to}, {calls:,} calls\n")
        print("| by | rows | call_report (ms) | its grouped query (ms) | hand SQL GROUP BY (ms) | same |")
        print("|---|---:|---:|---:|---:|---|")
        for by in CALL_DIMENSIONS:
            query = CallQuery(span.date_from, span.date_to, by)
            report_ms, report = median_ms(lambda q=query: call_report(q), args.runs)
            orm_ms, _rows = median_ms(lambda b=by, q=query: grouped_orm(b, q), args.runs)
            sql_ms, hand = median_ms(lambda b=by, q=query: hand_sql(b, q), args.runs)
            shown = {row.key: row.figures.as_dict() for row in report.rows if row.figures != _zero()}
            same = shown == hand
            failed |= not same
            cells = [by, len(report.rows), f"{report_ms:.1f}", f"{orm_ms:.1f}", f"{sql_ms:.1f}"]
            print("| " + " | ".join(map(str, [*cells, "yes" if same else "NO"])) + " |")
        total_ms, _f = median_ms(lambda s=span: call_report(CallQuery(s.date_from, s.date_to)), args.runs)
        print(f"\ntotal alone (`figures()` over the period): {total_ms:.1f} ms")
        for by in ("day", "agent"):
            print(f"plan ({by}): {plan(by, CallQuery(span.date_from, span.date_to, by))}")
    admin = get_user_model().objects.filter(is_superuser=True).first()
    if admin is None:
        admin = get_user_model().objects.create_superuser("bench-admin", None, None)
    client = Client()
    client.force_login(admin)
    print("\n## the page `GET /reports/calls/` (in-process test client: middleware, view, SQL, template)\n")
    print("| request | median (ms) | status |")
    print("|---|---:|---|")
    for span, by in ((month, "day"), (month, "agent"), (year, "month"), (year, "area")):
        url = f"/reports/calls/?by={by}&from={span.date_from}&to={span.date_to}"
        page_ms, response = median_ms(lambda u=url: client.get(u), args.runs)
        print(f"| `{url}` | {page_ms:.1f} | {response.status_code} |")
    return 1 if failed else 0


def _zero() -> Any:
    return from_row(dict.fromkeys(AGGREGATES))


if __name__ == "__main__":
    sys.exit(main())
