"""Several ``stats`` reads of one screen in one pass over the facts (the report centre's first
screen: the headline figures of a range, the previous period and a year earlier, the trend by
day and the default table by unit with its comparisons).

``stats_batch(user, queries)`` returns exactly ``[stats(user, q) for q in queries]``. The
queries it can merge — the same filters, no 90th percentile, and each by nothing, by one
dimension (the same one for all), or by a period without comparisons — are read together:

- every range they need (each query's range and, with ``compare``, its previous period and
  last year's) is cut into *segments* at every range's first day and the day after its last,
  and the days are joined into contiguous intervals (a month, the month before and last
  year's month: two intervals);
- one statement reads each interval's facts grouped by (kind, day, dimension) — on PostgreSQL
  a streaming aggregate in the order of ``report_fact_scope`` — and sums those groups again by
  (kind, segment, dimension) and, for a period query, by (kind, day): a few thousand rows
  instead of seven scans of the same facts;
- each query's cells are the sums of the segments inside its ranges, so a count is the same
  integer and a sum the same total as the query alone reads; the running overdue tickets are
  one query as well, grouped by the local date of their deadline.

Any other query is simply ``stats``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from hotline.core.types import AnyUser
from hotline.reports.facts import TZ
from hotline.reports.measures import Dimension
from hotline.reports.models import Fact
from hotline.reports.query import StatsQuery, check_may_view_stats
from hotline.reports.selectors import (
    Cell,
    Key,
    Range,
    StatsResult,
    comparison_ranges,
    key_part,
    result_rows,
    scoped,
    sql_expression,
    stats,
)
from hotline.tickets.models import Ticket
from hotline.workflow.selectors import overdue_q


def _dimension(query: StatsQuery) -> Dimension | None:
    return next((d for d in query.by if not d.is_period), None)


def _mergeable(query: StatsQuery, first: StatsQuery) -> bool:
    if query.filters != first.filters or any(m.shape == "p90" for m in query.measures):
        return False
    # by a period with comparisons: the keys move (``stats`` and its ``_split`` do that)
    return len(query.by) <= 1 and not (query.period is not None and query.compare)


def _spans(query: StatsQuery) -> dict[str, Range]:
    spans = {"value": Range(query.date_from, query.date_to)}
    if query.compare:
        spans["previous"], spans["last_year"] = comparison_ranges(query)
    return spans


def _intervals(spans: Sequence[Range]) -> list[Range]:
    """The days of ``spans`` as contiguous intervals, in order."""
    out: list[Range] = []
    for span in sorted(spans, key=lambda r: r.start):
        if out and span.start <= out[-1].end + timedelta(days=1):
            out[-1] = Range(out[-1].start, max(out[-1].end, span.end))
        else:
            out.append(span)
    return out


class _Plan:
    def __init__(self, queries: Sequence[StatsQuery]) -> None:
        self.queries = queries
        self.dim = next((d for q in queries if (d := _dimension(q)) is not None), None)
        self.spans = [_spans(q) for q in queries]
        every = [span for spans in self.spans for span in spans.values()]
        self.intervals = _intervals(every)
        # segment i: the days from bounds[i] to the day before bounds[i + 1]
        self.bounds = sorted({r.start for r in every} | {r.end + timedelta(days=1) for r in every})
        self.kinds = sorted({k.value for q in queries for m in q.measures for k in m.fact_kinds})
        self.by_day = any(q.period is not None for q in queries)

    def segments(self, span: Range) -> set[int]:
        return {i for i, b in enumerate(self.bounds) if span.start <= b <= span.end}


def _fact_rows(user: AnyUser, plan: _Plan) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(kind, segment, dimension value, n, total) and (kind, day, n, total) rows."""
    facts = scoped(Fact.objects.filter(kind__in=plan.kinds), user).filter(plan.queries[0].filters.q())
    dims = {"d": sql_expression(plan.dim, on_tickets=False)} if plan.dim is not None else {}
    parts = [
        facts.filter(day__gte=r.start, day__lte=r.end)
        .values("kind", "day", **dims)
        .annotate(n=Count("*"), total=Sum("value"))
        .order_by()
        for r in plan.intervals
    ]
    inner = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    sql, params = inner.query.sql_with_params()
    # the segment of a day: the number of bounds at or before it, less one
    segment = "CASE " + " ".join("WHEN c.day < %s THEN " + str(i - 1) for i in range(1, len(plan.bounds)))
    segment += f" ELSE {len(plan.bounds) - 1} END"
    d = "c.d" if dims else "NULL"
    # one statement: the intervals' groups once (a CTE read twice is materialised), then
    # summed by segment and, for a period query, by day (GROUPING SETS, written portably)
    statement = (
        f"WITH c AS ({sql}) "
        f"SELECT 0, c.kind, {segment}, {d}, NULL, SUM(c.n), SUM(c.total) FROM c GROUP BY 2, 3, 4"
    )
    if plan.by_day:
        statement += (
            " UNION ALL SELECT 1, c.kind, NULL, NULL, c.day, SUM(c.n), SUM(c.total) FROM c GROUP BY 2, 5"
        )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, *plan.bounds[1:]))
        rows = cursor.fetchall()
    segments = [(r[1], r[2], r[3], int(r[5]), _float(r[6])) for r in rows if r[0] == 0]
    days = [(r[1], _as_date(r[4]), int(r[5]), _float(r[6])) for r in rows if r[0] == 1]
    return segments, days


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _as_date(value: Any) -> date:
    """A day as the database returns it from a union (SQLite: text)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add(cell: Cell, kind: str, n: float, total: float | None) -> None:
    cell[kind] = cell.get(kind, 0) + n
    if total is not None:
        cell[kind + ":sum"] = cell.get(kind + ":sum", 0.0) + total


def _overdue_rows(
    user: AnyUser, plan: _Plan, wanted: list[int], now: datetime
) -> list[tuple[date, Any, int]]:
    """The running overdue tickets by the local date of their deadline (and the dimension)."""
    spans = _intervals([s for i in wanted for s in plan.spans[i].values()])
    within = Q(pk__in=[])
    for r in spans:
        lo = datetime.combine(r.start, time.min, tzinfo=TZ)
        hi = datetime.combine(r.end + timedelta(days=1), time.min, tzinfo=TZ)
        within |= Q(due_at__gte=lo, due_at__lt=hi)
    tickets = scoped(Ticket.objects.filter(overdue_q(now)).filter(within), user)
    tickets = tickets.filter(plan.queries[0].filters.q())
    dims = {"d": sql_expression(plan.dim, on_tickets=True)} if plan.dim is not None else {}
    rows = tickets.values(local=TruncDate("due_at", tzinfo=TZ), **dims).annotate(n=Count("*")).order_by()
    return [(_as_date(r["local"]), r.get("d"), r["n"]) for r in rows]


def _merged(user: AnyUser, queries: Sequence[StatsQuery], now: datetime) -> list[StatsResult]:
    plan = _Plan(queries)
    segments, days = _fact_rows(user, plan)
    live = [i for i, q in enumerate(queries) if any(m.live_overdue for m in q.measures)]
    overdue = _overdue_rows(user, plan, live, now) if live else []
    results = []
    for i, query in enumerate(queries):
        dim = _dimension(query)
        kinds = {k.value for m in query.measures for k in m.fact_kinds}  # only its own: its cells
        parts: dict[str, dict[Key, Cell]] = {}
        for part, span in plan.spans[i].items():
            cells: dict[Key, Cell] = defaultdict(dict)
            if query.period is not None:
                for kind, day, n, total in days:
                    if kind in kinds and span.start <= day <= span.end:
                        _add(cells[(key_part(query.period, day),)], kind, n, total)
            else:
                inside = plan.segments(span)
                for kind, seg, value, n, total in segments:
                    if kind in kinds and seg in inside:
                        _add(cells[(key_part(dim, value),) if dim else ()], kind, n, total)
            if i in live:
                if not query.by:  # by nothing: one cell, as ``stats`` counts it (0 included)
                    cells[()].setdefault("overdue:live", 0)
                for day, value, n in overdue:
                    if span.start <= day <= span.end:
                        by = query.period or dim
                        key: Key = (key_part(by, day if query.period else value),) if by else ()
                        cells[key]["overdue:live"] = cells[key].get("overdue:live", 0) + n
            parts[part] = dict(cells)
        previous, last_year = comparison_ranges(query)
        rows = result_rows(query, parts["value"], parts.get("previous", {}), parts.get("last_year", {}))
        results.append(StatsResult(query, previous, last_year, rows))
    return results


def stats_batch(
    user: AnyUser, queries: Sequence[StatsQuery], *, now: datetime | None = None
) -> list[StatsResult]:
    """``[stats(user, q) for q in queries]``, the mergeable ones read together (see above)."""
    check_may_view_stats(user)
    now = now or timezone.now()
    if not queries:
        return []
    first = queries[0]
    together = [i for i, q in enumerate(queries) if _mergeable(q, first)]
    dims = {d for i in together if (d := _dimension(queries[i])) is not None}
    if len(dims) > 1:  # two different dimensions: keep those of the first one
        keep = next(iter(d for i in together if (d := _dimension(queries[i])) is not None))
        together = [i for i in together if _dimension(queries[i]) in (None, keep)]
    out: list[StatsResult | None] = [None] * len(queries)
    if len(together) > 1:
        for i, result in zip(together, _merged(user, [queries[i] for i in together], now), strict=True):
            out[i] = result
    for i, query in enumerate(queries):
        if out[i] is None:
            out[i] = stats(user, query, now=now)
    return [r for r in out if r is not None]
