"""Statistics reads: ``stats`` (any measure by up to two dimensions, with the previous period
and the same period a year earlier beside it) and ``drill`` (the tickets behind one cell).

Both read ``reports.Fact`` (see ``models``/``facts``) with one grouped query per date range
— a year of a measure by two dimensions is an index-only scan of ``report_fact_cover`` on
PostgreSQL — plus, for ``overdue``, the running tickets past their deadline now
(``workflow.selectors.overdue_q``, the partial index on open tickets' ``due_at``). Every read
is scoped like every ticket list: ``tickets_visible_to(user)``; a user who covers every top
unit sees every ticket, so no scope condition is added for them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.fields import DateField
from django.db.models.functions import Trunc, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from hotline.core.errors import InvalidInput
from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.policies.registry import get_pack
from hotline.reports.facts import TZ
from hotline.reports.measures import COLUMNS, Dimension, FactKind, Measure, PeriodKind
from hotline.reports.models import Fact
from hotline.reports.periods import (
    parse_period_key,
    period_end,
    period_key,
    period_label,
    period_start,
    shift,
    year_earlier,
)
from hotline.reports.query import StatsQuery, check_may_view_stats
from hotline.tickets.models import Category, Channel, CustomerClass, Severity, Ticket, TicketType
from hotline.workflow.access import sees_every_unit, visible_q
from hotline.workflow.selectors import overdue_q

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

NONE_KEY: Final = ""
DRILL_LIMIT: Final = 5000
# the choices' labels stay lazy: ``labels`` renders them in the active language
CHOICE_LABELS: Final[dict[str, dict[str, Any]]] = {
    "type": {str(k): v for k, v in TicketType.choices},
    "channel": {str(k): v for k, v in Channel.choices},
    "severity": {str(k): v for k, v in Severity.choices},
    "customer_class": {str(k): v for k, v in CustomerClass.choices},
}
# the label of a group without a value (no handler, no category, no region …)
NONE_LABELS: Final[dict[str, StrPromise]] = {
    "handler": pgettext_lazy("no value", "未指派"),
    "category": pgettext_lazy("no value", "未分类"),
}
NONE_LABEL: Final = pgettext_lazy("no value", "未填写")

Key = tuple[str, ...]


class Percentile90(Aggregate):
    """PostgreSQL's ``percentile_cont(0.9)``: linear interpolation between the closest ranks."""

    function = "percentile_cont"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def p90(values: Sequence[float]) -> float | None:
    """The same as ``Percentile90`` for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    pos = 0.9 * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# --- scope --------------------------------------------------------------------------------


def scoped(qs: QuerySet[Any], user: AnyUser) -> QuerySet[Any]:
    """Facts scoped like ``tickets_visible_to`` on their own copied columns (no join to the
    tickets); a user whose roles cover every unit needs no condition at all."""
    if sees_every_unit(user):
        return qs
    q = visible_q(user)
    return qs if q is None else qs.filter(q)


# --- dimensions as SQL ----------------------------------------------------------------------


def _tree_ancestors(dim: Dimension) -> dict[int, int]:
    """Node id → its ancestor at ``dim.level`` (nodes above that level map to themselves)."""
    assert dim.level is not None
    if dim.name == "unit":
        out = {}
        for pk, path in Unit.objects.values_list("pk", "path"):
            parts = [int(p) for p in path.strip("/").split("/") if p]
            out[pk] = parts[dim.level - 1] if len(parts) >= dim.level else pk
        return out
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    out = {}
    for pk in parents:
        chain = [pk]
        while (parent := parents.get(chain[-1])) is not None and parent not in chain:
            chain.append(parent)
        chain.reverse()  # top first
        out[pk] = chain[dim.level - 1] if len(chain) >= dim.level else pk
    return out


def _rollup(column: str, ancestors: Mapping[int, int]) -> Combinable:
    groups: dict[int, list[int]] = defaultdict(list)
    for node, ancestor in ancestors.items():
        if node != ancestor:
            groups[ancestor].append(node)
    if not groups:
        return F(column)
    whens = [
        When(**{f"{column}__in": nodes}, then=Value(ancestor)) for ancestor, nodes in sorted(groups.items())
    ]
    return Case(*whens, default=F(column), output_field=IntegerField())


def sql_expression(dim: Dimension, *, on_tickets: bool) -> Combinable:
    if dim.is_period:
        kind: PeriodKind = dim.name  # type: ignore[assignment]  # is_period: one of PERIODS
        if on_tickets:  # the running overdue tickets: the local date of their deadline
            if kind == "day":
                return TruncDate("due_at", tzinfo=TZ)
            return Trunc("due_at", kind, output_field=DateField(), tzinfo=TZ)
        return F("day") if kind == "day" else Trunc("day", kind, output_field=DateField())
    if dim.name in COLUMNS:
        return F(COLUMNS[dim.name])
    column = f"{dim.name}_id"
    if dim.level is None:
        return F(column)
    return _rollup(column, _tree_ancestors(dim))


def key_part(dim: Dimension, value: Any, *, moved: int = 0, year_back: bool = False) -> str:
    """A group's value as a cell key; a comparison period is moved into the current frame."""
    if value is None:
        return NONE_KEY
    if dim.is_period:
        kind: PeriodKind = dim.name  # type: ignore[assignment]
        day = value.date() if isinstance(value, datetime) else value
        day = period_start(day, kind)
        if moved:
            day = shift(day, kind, moved)
        if year_back:  # the value is a year earlier: move it a year on
            day = shift(day, "week", 52) if kind == "week" else shift(day, "year", 1)
            day = period_start(day, kind)
        return period_key(day, kind)
    return str(value)


# --- ranges -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    start: date
    end: date


def comparison_ranges(query: StatsQuery) -> tuple[Range, Range]:
    """The previous period (by the period dimension's unit, else the range's own length right
    before it) and the same range a year earlier."""
    period = query.period
    start, end = query.date_from, query.date_to
    if period is not None:
        kind: PeriodKind = period.name  # type: ignore[assignment]
        previous = Range(shift(start, kind, -1), shift(end, kind, -1))
    else:
        days = (end - start).days + 1
        previous = Range(start - timedelta(days=days), end - timedelta(days=days))
    kind_ly: PeriodKind | None = period.name if period is not None else None  # type: ignore[assignment]
    return previous, Range(year_earlier(start, kind_ly), year_earlier(end, kind_ly))


# --- counting ---------------------------------------------------------------------------------

Cell = dict[str, float]  # fact kind → count; "<kind>:sum" / "<kind>:p90" for values


def _count(
    user: AnyUser,
    query: StatsQuery,
    span: Range,
    *,
    moved: int = 0,
    year_back: bool = False,
    now: datetime,
) -> dict[Key, Cell]:
    kinds = sorted({k.value for m in query.measures for k in m.fact_kinds})
    by = query.by
    aliases = {f"d{i}": sql_expression(dim, on_tickets=False) for i, dim in enumerate(by)}
    cells: dict[Key, Cell] = defaultdict(dict)

    def key(row: Mapping[str, Any]) -> Key:
        return tuple(
            key_part(dim, row[f"d{i}"], moved=moved, year_back=year_back) for i, dim in enumerate(by)
        )

    facts = scoped(Fact.objects.filter(kind__in=kinds, day__gte=span.start, day__lte=span.end), user)
    facts = facts.filter(query.filters.q())
    wants_p90 = any(m.shape == "p90" for m in query.measures)
    # PostgreSQL takes the percentile in the same scan (NULL values of other kinds are
    # ignored by percentile_cont); elsewhere the closed facts' values are read (below)
    in_sql = wants_p90 and connection.vendor == "postgresql"
    measures: dict[str, Any] = {"n": Count("*"), "total": Sum("value")}
    if in_sql:
        measures["p"] = Percentile90("value")
    for row in facts.values("kind", **aliases).annotate(**measures).order_by():
        cell = cells[key(row)]
        cell[row["kind"]] = cell.get(row["kind"], 0) + row["n"]
        if row["total"] is not None:
            cell[row["kind"] + ":sum"] = cell.get(row["kind"] + ":sum", 0.0) + row["total"]
        if in_sql and row["kind"] == FactKind.CLOSED and row["p"] is not None:
            cell["closed:p90"] = row["p"]
    if wants_p90 and not in_sql:
        values: dict[Key, list[float]] = defaultdict(list)
        for row in facts.filter(kind=FactKind.CLOSED).values("value", **aliases).order_by():
            if row["value"] is not None:
                values[key(row)].append(row["value"])
        for k, vs in values.items():
            cells[k]["closed:p90"] = p90(vs) or 0.0
    if any(m.live_overdue for m in query.measures):
        lo = datetime.combine(span.start, time.min, tzinfo=TZ)
        hi = datetime.combine(span.end + timedelta(days=1), time.min, tzinfo=TZ)
        tickets = scoped(Ticket.objects.filter(overdue_q(now), due_at__gte=lo, due_at__lt=hi), user)
        tickets = tickets.filter(query.filters.q())
        ticket_aliases = {f"d{i}": sql_expression(dim, on_tickets=True) for i, dim in enumerate(by)}
        overdue = (
            tickets.values(**ticket_aliases).annotate(n=Count("*")).order_by()
            if ticket_aliases
            else [tickets.aggregate(n=Count("*"))]
        )
        for row in overdue:
            cell = cells[key(row)]
            cell["overdue:live"] = cell.get("overdue:live", 0) + row["n"]
    return cells


def _value(m: Measure, cell: Cell | None) -> float | None:
    cell = cell or {}
    if m.shape == "count":
        total = sum(cell.get(k.value, 0) for k in m.kinds)
        if m.live_overdue:
            total += cell.get("overdue:live", 0)
        return total
    if m.shape == "rate":
        denominator = sum(cell.get(k.value, 0) for k in m.denominator)
        if not denominator:
            return None
        return round(100 * sum(cell.get(k.value, 0) for k in m.kinds) / denominator, 2)
    if m.shape == "mean":
        n = cell.get(FactKind.CLOSED.value, 0)
        return round(cell.get("closed:sum", 0.0) / n, 2) if n else None
    value = cell.get("closed:p90")
    return round(value, 2) if value is not None else None


# --- labels -----------------------------------------------------------------------------------


def labels(dim: Dimension, keys: Iterable[str]) -> dict[str, str]:
    keys = set(keys)
    if dim.is_period:
        kind: PeriodKind = dim.name  # type: ignore[assignment]
        return {k: period_label(parse_period_key(k, kind), kind) for k in keys}
    ids = [int(k) for k in keys if k.isdigit()]
    if dim.name == "unit":
        names = {str(pk): name for pk, name in Unit.objects.filter(pk__in=ids).values_list("pk", "name")}
    elif dim.name == "category":
        names = {str(pk): name for pk, name in Category.objects.filter(pk__in=ids).values_list("pk", "name")}
    elif dim.name == "handler":
        users = get_user_model().objects.filter(pk__in=ids)
        names = {str(u.pk): u.get_full_name() or u.get_username() for u in users}
    elif dim.name == "policy":
        names = {}
        for k in keys:
            try:
                names[k] = get_pack(k).name
            except InvalidInput:
                names[k] = k
    elif dim.name == "region":
        names = {k: k for k in keys}
    else:
        names = dict(CHOICE_LABELS.get(dim.name, {}))
    none = str(NONE_LABELS.get(dim.name, NONE_LABEL))
    return {k: str(names.get(k, k)) if k != NONE_KEY else none for k in keys}


def _sort_part(key: str) -> tuple[int, int, str]:
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


# --- the two reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsResult:
    query: StatsQuery
    previous: Range
    last_year: Range
    rows: list[dict[str, Any]]


def _one_scan(query: StatsQuery, previous: Range, last_year: Range) -> bool:
    """Whether the three ranges are better read as one: whole periods (so a period's cell
    is the same in every range) and the span from a year ago to the end no longer than the
    three ranges apart — a year by month reads 24 months instead of 36."""
    period = query.period
    if period is None:
        return False
    kind: PeriodKind = period.name  # type: ignore[assignment]
    start, end = query.date_from, query.date_to
    whole = start == period_start(start, kind) and end == period_end(period_start(end, kind), kind)
    days = (end - start).days + 1
    return whole and (end - last_year.start).days + 1 <= 3 * days


def _split(
    query: StatsQuery, cells: dict[Key, Cell]
) -> tuple[dict[Key, Cell], dict[Key, Cell], dict[Key, Cell]]:
    """Cells read from a year before the range to its end → the range's cells, and the
    previous period's and last year's moved onto the cells they compare with."""
    assert query.period is not None
    at = query.by.index(query.period)
    kind: PeriodKind = query.period.name  # type: ignore[assignment]
    previous, last_year = comparison_ranges(query)
    current: dict[Key, Cell] = {}
    before: dict[Key, Cell] = {}
    year_ago: dict[Key, Cell] = {}

    def moved(key: Key, start: date) -> Key:
        return (*key[:at], period_key(start, kind), *key[at + 1 :])

    for key, cell in cells.items():
        start = parse_period_key(key[at], kind)
        if query.date_from <= start <= query.date_to:
            current[key] = cell
        if previous.start <= start <= previous.end:
            before[moved(key, shift(start, kind, 1))] = cell
        if last_year.start <= start <= last_year.end:
            forward = start + timedelta(days=364) if kind == "week" else shift(start, "year", 1)
            year_ago[moved(key, period_start(forward, kind))] = cell
    return current, before, year_ago


def stats(user: AnyUser, query: StatsQuery, *, now: datetime | None = None) -> StatsResult:
    """Rows of ``query.measures`` by ``query.by`` over the range, scoped to what ``user`` sees.

    Each row: its ``dimensions`` (dimension, key, label) and per measure ``value``,
    ``previous`` and ``last_year`` (the same cell in the comparison ranges; ``None`` without
    ``compare``). Rows are the cells with any fact in the range.
    """
    check_may_view_stats(user)
    now = now or timezone.now()
    current = Range(query.date_from, query.date_to)
    previous, last_year = comparison_ranges(query)
    before: dict[Key, Cell] = {}
    year_ago: dict[Key, Cell] = {}
    if query.compare and _one_scan(query, previous, last_year):
        cells, before, year_ago = _split(
            query, _count(user, query, Range(last_year.start, current.end), now=now)
        )
    else:
        cells = _count(user, query, current, now=now)
        if query.compare:
            before = _count(user, query, previous, moved=1, now=now)
            year_ago = _count(user, query, last_year, year_back=True, now=now)
    return StatsResult(query, previous, last_year, result_rows(query, cells, before, year_ago))


def result_rows(
    query: StatsQuery, cells: dict[Key, Cell], before: dict[Key, Cell], year_ago: dict[Key, Cell]
) -> list[dict[str, Any]]:
    """The rows of ``stats`` from the cells of the range and of the two comparison ranges."""
    names = [labels(dim, (k[i] for k in cells)) for i, dim in enumerate(query.by)]
    rows = []
    for key in sorted(cells, key=lambda k: tuple(_sort_part(part) for part in k)):
        rows.append(
            {
                "dimensions": [
                    {"dimension": dim.code, "key": key[i], "label": names[i][key[i]]}
                    for i, dim in enumerate(query.by)
                ],
                "values": [
                    {
                        "measure": m.code,
                        "value": _value(m, cells[key]),
                        "previous": _value(m, before.get(key)) if query.compare else None,
                        "last_year": _value(m, year_ago.get(key)) if query.compare else None,
                    }
                    for m in query.measures
                ],
            }
        )
    return rows


def _cell_filter(query: StatsQuery, cell: Sequence[str]) -> tuple[Q, Range]:
    """The condition selecting one cell, and the date range it covers."""
    if len(cell) != len(query.by):
        raise InvalidInput(
            _("cell 应依次给出 %(n)s 个维度的取值(与 by 相同顺序)") % {"n": len(query.by)},
            code="stats_invalid_cell",
            field="cell",
        )
    q = Q()
    span = Range(query.date_from, query.date_to)
    for dim, key in zip(query.by, cell, strict=True):
        if dim.is_period:
            kind: PeriodKind = dim.name  # type: ignore[assignment]
            start = parse_period_key(key, kind)
            span = Range(max(span.start, start), min(span.end, period_end(start, kind)))
            continue
        column = COLUMNS.get(dim.name, f"{dim.name}_id")
        if key == NONE_KEY:
            q &= Q(**{f"{column}__isnull": True}) if column.endswith("_id") else Q(**{column: ""})
            continue
        if column.endswith("_id"):
            if not (key.isascii() and key.isdigit() and len(key) <= 9):
                raise InvalidInput(
                    _("“%(key)s”不是有效的%(dimension)s取值") % {"key": key, "dimension": dim.label},
                    code="stats_invalid_cell",
                    field="cell",
                )
            if dim.level is not None:
                ancestors = _tree_ancestors(dim)
                q &= Q(**{f"{column}__in": [n for n, a in ancestors.items() if a == int(key)]})
                continue
            q &= Q(**{column: int(key)})
            continue
        q &= Q(**{column: key})
    return q, span


def drill(
    user: AnyUser, query: StatsQuery, measure: Measure, cell: Sequence[str], *, now: datetime | None = None
) -> list[str]:
    """The numbers of the tickets behind one cell of ``measure`` (a rate: its numerator; a
    duration: the closed tickets it is taken over), scoped like ``stats``; at most
    ``DRILL_LIMIT``. For a count their number equals the cell's value."""
    check_may_view_stats(user)
    now = now or timezone.now()
    q, span = _cell_filter(query, cell)
    if span.start > span.end:
        return []
    facts = Fact.objects.filter(q, query.filters.q(), kind__in=[k.value for k in measure.kinds])
    facts = scoped(facts.filter(day__gte=span.start, day__lte=span.end), user)
    numbers = set(facts.values_list("ticket__number", flat=True)[:DRILL_LIMIT])
    if measure.live_overdue:
        lo = datetime.combine(span.start, time.min, tzinfo=TZ)
        hi = datetime.combine(span.end + timedelta(days=1), time.min, tzinfo=TZ)
        tickets = Ticket.objects.filter(q, query.filters.q(), overdue_q(now), due_at__gte=lo, due_at__lt=hi)
        numbers |= set(scoped(tickets, user).values_list("number", flat=True)[:DRILL_LIMIT])
    return sorted(numbers)[:DRILL_LIMIT]
