"""Every measure, by one or two dimensions, equals a direct count over the tickets and their
events; the comparison columns are the same cells a period and a year earlier; a cell's
tickets (drill-down) are exactly those counted; a department head sees only its subtree;
the stored rollup equals a recount after the random walks."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db.models import Q

from hotline.org.models import Unit
from hotline.reports.facts import recount
from hotline.reports.measures import MEASURES, dimensions
from hotline.reports.models import Fact
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import drill, stats
from hotline.tickets.models import Category, Ticket
from hotline.workflow.access import sees_every_unit, tickets_visible_to, visible_q
from tests.helpers import SH
from tests.reports.conftest import NOW, Facts, cells, direct_facts

pytestmark = pytest.mark.django_db

START, END = date(2025, 1, 1), date(2026, 7, 15)
VISITED = ["very_satisfied", "satisfied", "neutral", "dissatisfied"]
COUNTS = [code for code, m in MEASURES.items() if m.shape == "count"]
RATES = {  # measure → (numerator measures, denominator measures) of the direct count
    "satisfaction_rate": (
        ["very_satisfied", "satisfied"],
        ["very_satisfied", "satisfied", "neutral", "dissatisfied"],
    ),
    "response_rate": (["signed_in_time"], ["dispatched"]),
    "resolution_rate": (["resolved"], ["received"]),
}


def _period(kind: str, day: date) -> str:
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    return str(day.year)


def _ancestor_unit(unit: Unit, level: int) -> int:
    parts = [int(p) for p in unit.path.strip("/").split("/")]
    return parts[level - 1] if len(parts) >= level else unit.pk


def _ancestor_category(category: Category | None, level: int) -> str:
    if category is None:
        return ""
    chain = [category]
    while chain[-1].parent is not None:
        chain.append(chain[-1].parent)
    chain.reverse()
    return str((chain[level - 1] if len(chain) >= level else category).pk)


def key_of(code: str) -> Callable[[Ticket, date], str]:
    name, _, level = code.partition(":")
    if name in ("day", "week", "month", "quarter", "year"):
        return lambda t, day: _period(name, day)
    if name == "unit":
        return lambda t, day: str(_ancestor_unit(t.unit, int(level)) if level else t.unit_id)
    if name == "category":
        return lambda t, day: (
            _ancestor_category(t.category, int(level)) if level else str(t.category_id or "")
        )
    if name == "handler":
        return lambda t, day: str(t.handler_id or "")
    return lambda t, day: str(getattr(t, name))


def _query(measure: str, by: tuple[str, ...], start: date = START, end: date = END, **kw: Any) -> StatsQuery:
    return StatsQuery((MEASURES[measure],), tuple(dimensions(list(by))), start, end, **kw)


def table(user: Any, measure: str, by: tuple[str, ...], **kw: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    result = stats(user, _query(measure, by, **kw), now=NOW)
    return {tuple(d["key"] for d in row["dimensions"]): row["values"][0] for row in result.rows}


_CACHE: dict[tuple[int, ...], Facts] = {}


def direct(
    tickets: list[Ticket], by: tuple[str, ...], codes: list[str], start: date = START, end: date = END
) -> dict[tuple[str, ...], list[int]]:
    """Ticket ids per cell of ``codes`` over ``tickets`` (the direct count, read once per world)."""
    ids = tuple(sorted(t.pk for t in tickets))
    if ids not in _CACHE:
        _CACHE.clear()
        _CACHE[ids] = direct_facts(tickets)
    facts = _CACHE[ids]
    keys = [key_of(code) for code in by]
    index = {t.pk: t for t in tickets}
    out: dict[tuple[str, ...], list[int]] = {}
    for code in codes:
        for key, pks in cells(
            facts[code], lambda t, day: tuple(k(t, day) for k in keys), index, start, end
        ).items():
            out.setdefault(key, []).extend(pks)
    return out


BYS = [
    ("unit:2", "month"),
    ("category:1", "type"),
    ("handler",),
    ("quarter", "channel"),
    ("customer_class", "severity"),
    ("unit", "category"),
    ("week",),
    ("policy", "year"),
    (),
]


@pytest.mark.parametrize("by", BYS, ids=lambda b: "+".join(b) or "total")
def test_every_count_equals_a_direct_count(world, by):
    tickets = list(Ticket.objects.select_related("unit", "category__parent").order_by("pk"))
    admin = world.users["admin"]
    for code in COUNTS:
        expected = {
            k: len(v) for k, v in direct(tickets, by, VISITED if code == "visited" else [code]).items()
        }
        got = {k: v["value"] for k, v in table(admin, code, by).items()}
        assert got == expected, code


def test_the_world_exercises_every_measure(world):
    """The random walks reach every kind of fact, so the equalities above mean something."""
    facts = direct_facts(list(Ticket.objects.select_related("category").order_by("pk")))
    empty = [code for code in COUNTS if code != "visited" and not facts[code]]
    assert empty == [], empty
    assert len(facts["overdue"]) > 0 and len(facts["closed_on_the_spot"]) > 0


@pytest.mark.parametrize("by", [("unit:2", "quarter"), ("type",), ()], ids=lambda b: "+".join(b) or "total")
def test_rates_and_handling_time_equal_a_direct_computation(world, by):
    tickets = list(Ticket.objects.select_related("unit", "category__parent").order_by("pk"))
    admin = world.users["admin"]
    for code, (numerator, denominator) in RATES.items():
        num, den = direct(tickets, by, numerator), direct(tickets, by, denominator)
        expected = {k: round(100 * len(num.get(k, [])) / len(v), 2) for k, v in den.items() if v}
        got = {k: v["value"] for k, v in table(admin, code, by).items() if v["value"] is not None}
        assert got == expected, code
    direct(tickets, by, ["closed"])
    facts = next(iter(_CACHE.values()))["closed"]
    closed = direct(tickets, by, ["closed"])
    avg = table(admin, "handling_hours_avg", by)
    p90 = table(admin, "handling_hours_p90", by)
    assert set(avg) == set(closed) == set(p90)
    for key, pks in closed.items():
        hours = sorted(facts[pk][1] or 0.0 for pk in pks)
        assert avg[key]["value"] == pytest.approx(round(sum(hours) / len(hours), 2), abs=0.011)
        pos = 0.9 * (len(hours) - 1)
        lo, hi = math.floor(pos), min(math.floor(pos) + 1, len(hours) - 1)
        expected_p90 = hours[lo] + (hours[hi] - hours[lo]) * (pos - lo)
        assert p90[key]["value"] == pytest.approx(round(expected_p90, 2), abs=0.011)


@pytest.mark.parametrize(
    "code", ["received", "closed", "overdue", "returned", "very_satisfied", "handling_hours_avg"]
)
def test_previous_period_and_last_year_are_the_same_cells_earlier(world, code):
    admin = world.users["admin"]
    tickets = list(Ticket.objects.select_related("unit").order_by("pk"))
    kinds = ["closed"] if code == "handling_hours_avg" else [code]
    # by month: previous = the month before, last year = that month a year earlier; half a
    # year is read as three ranges, a whole year as one span from a year before (_one_scan)
    half = table(admin, code, ("month",), start=date(2026, 1, 1), end=date(2026, 6, 30))
    rows = table(admin, code, ("month",), start=date(2025, 7, 1), end=date(2026, 6, 30))
    assert {k: v for k, v in rows.items() if k[0] >= "2026"} == half  # the two ways agree
    counts = {k: len(v) for k, v in direct(tickets, ("month",), kinds).items()}
    for (month,), values in rows.items():
        year, m = map(int, month.split("-"))
        before = f"{year - (m == 1)}-{12 if m == 1 else m - 1:02d}"
        if code == "handling_hours_avg":
            assert (values["previous"] is None) == (counts.get((before,), 0) == 0)
            continue
        assert values["previous"] == counts.get((before,), 0), month
        assert values["last_year"] == counts.get((f"{year - 1}-{m:02d}",), 0), month
    # no period dimension: the range of the same length right before, and a year earlier
    start, end = date(2026, 2, 10), date(2026, 5, 20)
    rows = table(admin, code, (), start=start, end=end)
    if code == "handling_hours_avg" or not rows:
        return
    length = end - start + timedelta(days=1)
    before = direct(tickets, (), kinds, start - length, end - length)
    year_ago = direct(tickets, (), kinds, date(2025, 2, 10), date(2025, 5, 20))
    assert rows[()]["previous"] == len(before.get((), []))
    assert rows[()]["last_year"] == len(year_ago.get((), []))


def test_without_compare_only_the_value_is_counted(world):
    rows = table(world.users["admin"], "received", ("month",), compare=False)
    assert rows and all(v["previous"] is None and v["last_year"] is None for v in rows.values())


@pytest.mark.parametrize("by", [("unit:2", "month"), ("category:1", "quarter"), ("handler",)], ids="+".join)
def test_drill_down_gives_exactly_the_tickets_of_the_cell(world, by):
    admin = world.users["admin"]
    tickets = list(Ticket.objects.select_related("unit", "category__parent").order_by("pk"))
    number = {t.pk: t.number for t in tickets}
    for code in COUNTS:
        expected = direct(tickets, by, VISITED if code == "visited" else [code])
        for key, values in table(admin, code, by).items():
            numbers = drill(admin, _query(code, by), MEASURES[code], list(key), now=NOW)
            assert len(numbers) == values["value"], (code, key)
            assert set(numbers) == {number[pk] for pk in expected[key]}, (code, key)


def test_a_department_head_sees_only_its_subtree(world):
    head = world.users["head"]  # 东湖区市场监督管理局
    visible = list(tickets_visible_to(head).select_related("unit", "category__parent").order_by("pk"))
    everyone = Ticket.objects.count()
    assert 0 < len(visible) < everyone
    subtree = set(
        Unit.objects.filter(path__startswith=head.memberships.get().unit.path).values_list("pk", flat=True)
    )
    for code in ("received", "closed", "returned", "overdue", "dispatched"):
        got = {k: v["value"] for k, v in table(head, code, ("unit", "month")).items()}
        expected = {k: len(v) for k, v in direct(visible, ("unit", "month"), [code]).items()}
        assert got == expected, code
    rows = table(head, "received", ("unit",))
    # a ticket assigned to one of its people that moved on still shows where it is now
    assert rows and {int(unit) for (unit,) in rows} <= subtree | {t.unit_id for t in visible}
    # the drill-down is scoped too
    numbers = drill(head, _query("received", ()), MEASURES["received"], [], now=NOW)
    assert set(numbers) == {t.number for t in visible if START <= t.received_at.astimezone(SH).date() <= END}


def test_the_fact_scope_is_the_ticket_lists_scope(world):
    """``visible_q`` (facts scoped without a join) selects what ``tickets_visible_to`` does,
    and a user whose roles cover every unit may drop it (``sees_every_unit``)."""
    for name, user in world.users.items():
        q = visible_q(user) or Q()
        if sees_every_unit(user):
            assert set(Ticket.objects.filter(q).values_list("pk", flat=True)) == set(
                Ticket.objects.values_list("pk", flat=True)
            ), name
        expected = set(tickets_visible_to(user).values_list("pk", flat=True))
        assert set(Ticket.objects.filter(q).values_list("pk", flat=True)) == expected, name
        # every ticket has its ``received`` fact
        assert set(Fact.objects.filter(q, kind="received").values_list("ticket_id", flat=True)) == expected, (
            name
        )
    assert visible_q(world.users["admin"]) is None  # a superuser
    assert sees_every_unit(world.users["leader"]) and not sees_every_unit(world.users["head"])


def test_filters_restrict_every_count(world):
    admin = world.users["admin"]
    tickets = list(Ticket.objects.select_related("unit", "category__parent").order_by("pk"))
    service = Category.objects.get(code="service")
    query = _query("received", ("type",), filters=Filters(values={"channel": "phone"}, category=service))
    got = {
        tuple(d["key"] for d in r["dimensions"]): r["values"][0]["value"]
        for r in stats(admin, query, now=NOW).rows
    }
    chosen = [
        t
        for t in tickets
        if t.channel == "phone" and t.category is not None and t.category.code.startswith("service")
    ]
    assert got == {k: len(v) for k, v in direct(chosen, ("type",), ["received"]).items()}


def test_the_rollup_equals_a_recount_after_the_random_walks(world):
    assert recount(check=True).differing == 0
    assert recount().differing == 0  # rewriting changes nothing either
    assert recount(check=True).differing == 0
