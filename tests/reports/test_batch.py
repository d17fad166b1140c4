"""``stats_batch`` (the report centre's first screen in one pass over the facts) gives exactly
what the same queries give one ``stats`` call at a time: every row, key, label and value,
the comparison ranges — for each role's scope, with filters, by each kind of dimension, over
whole periods and arbitrary ranges, with the running overdue tickets — and reads them in one
statement over the facts (plus one over the overdue tickets)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.org.models import Unit
from hotline.reports.batch import stats_batch
from hotline.reports.measures import MEASURES, dimensions
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import stats
from hotline.tickets.models import Ticket
from hotline.web.views.reports import (
    DEFAULT_MEASURES,
    TREND,
    period_dimension,
    summary_queries,
    trend_grain,
    whole_period,
)
from hotline.workflow.selectors import overdue_q
from tests.helpers import SH
from tests.reports.conftest import NOW

pytestmark = pytest.mark.django_db

RANGES = [
    (date(2026, 3, 1), date(2026, 3, 31)),  # a month of 31 days after one of 28
    (date(2026, 6, 1), date(2026, 6, 30)),  # the running overdue tickets' deadlines
    (date(2026, 7, 1), date(2026, 7, 31)),
    (date(2026, 1, 1), date(2026, 6, 30)),  # half a year: the trend by month
    (date(2025, 11, 17), date(2026, 2, 3)),  # no calendar period: the days right before
]


def first_screen(start: date, end: date, by: str = "unit", measures: tuple[str, ...] = DEFAULT_MEASURES,
                 filters: Filters | None = None) -> list[StatsQuery]:  # fmt: skip
    """The report centre's five reads, as ``hotline.web.views.reports`` builds them."""
    filters = filters or Filters()
    table = StatsQuery(
        tuple(MEASURES[c] for c in measures), tuple(dimensions([by] if by else [])), start, end, filters
    )
    trend = StatsQuery(
        tuple(MEASURES[c] for c in TREND),
        period_dimension(trend_grain(start, end)),
        start,
        end,
        filters,
        compare=False,
    )
    return [*summary_queries(table, whole_period(start, end)), trend, table]


def assert_same(user: Any, queries: list[StatsQuery]) -> None:
    one_by_one = [stats(user, q, now=NOW) for q in queries]
    together = stats_batch(user, queries, now=NOW)
    assert len(together) == len(one_by_one)
    for alone, merged in zip(one_by_one, together, strict=True):
        assert merged.query == alone.query
        assert (merged.previous, merged.last_year) == (alone.previous, alone.last_year)
        assert merged.rows == alone.rows, alone.query


@pytest.mark.parametrize("who", ["admin", "coordinator", "leader", "head", "head2"])
@pytest.mark.parametrize(("start", "end"), RANGES)
def test_the_first_screen_together_equals_its_reads_one_by_one(world, who, start, end):
    assert_same(world.users[who], first_screen(start, end))


@pytest.mark.parametrize("by", ["unit:2", "handler", "type", "category:1", "region", ""])
def test_any_one_dimension_of_the_table(world, by):
    measures = ("received", "overdue", "handling_hours_avg", "response_rate", "resolved")
    for who in ("coordinator", "head"):
        for start, end in RANGES[:2] + RANGES[3:4]:
            assert_same(world.users[who], first_screen(start, end, by, measures))


def test_filters_narrow_the_batch_as_they_narrow_stats(world):
    east = Unit.objects.get(code="JZ-DH")
    for filters in (Filters(unit=east), Filters(values={"type": "complaint"})):
        for start, end in RANGES:
            assert_same(world.users["coordinator"], first_screen(start, end, filters=filters))


def test_queries_it_cannot_merge_are_read_by_stats(world):
    """A 90th percentile, two dimensions, a period with comparisons, other filters, another
    dimension: each still equals ``stats``."""
    start, end = RANGES[3]
    queries = [
        *first_screen(start, end),
        StatsQuery((MEASURES["handling_hours_p90"],), (), start, end),
        StatsQuery((MEASURES["received"],), tuple(dimensions(["unit", "month"])), start, end),
        StatsQuery((MEASURES["overdue"],), tuple(dimensions(["month"])), start, end),
        StatsQuery((MEASURES["received"],), (), start, end, Filters(values={"channel": "web"})),
        StatsQuery((MEASURES["received"],), tuple(dimensions(["type"])), start, end),
    ]
    assert_same(world.users["leader"], queries)


def test_the_first_screen_is_one_statement_over_the_facts(world):
    queries = first_screen(*RANGES[2])
    with CaptureQueriesContext(connection) as reads:
        stats_batch(world.users["coordinator"], queries, now=NOW)
    facts = [q for q in reads.captured_queries if "reports_fact" in q["sql"]]
    tickets = [q for q in reads.captured_queries if 'FROM "tickets_ticket"' in q["sql"]]
    assert len(facts) == 1 and len(tickets) == 1
    with CaptureQueriesContext(connection) as reads:
        for q in queries:
            stats(world.users["coordinator"], q, now=NOW)
    assert len([q for q in reads.captured_queries if "reports_fact" in q["sql"]]) == 7


def test_the_world_has_numbers_in_the_ranges_compared(world):
    """Not a comparison of empty tables: the ranges hold facts and running overdue tickets."""
    running = Ticket.objects.filter(overdue_q(NOW)).values_list("due_at", flat=True)
    due = {d.astimezone(SH).date() for d in running if d is not None}
    assert any(start <= day <= end for day in due for start, end in RANGES), sorted(due)
    live = 0
    for start, end in RANGES:
        summary = stats_batch(world.users["admin"], first_screen(start, end), now=NOW)[0]
        assert summary.rows  # facts in every range
        values = {v["measure"]: v["value"] for v in summary.rows[0]["values"]}
        live += values["overdue"] or 0
    assert live > 0
