"""A statistics request, checked: measures, dimensions, the date range and the filters —
from the API's query parameters or built directly — and who may ask one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from django.db.models import Q

from hotline.core.errors import Forbidden, InvalidInput
from hotline.core.types import AnyUser
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.reports.measures import Dimension, Measure, dimensions, measure
from hotline.tickets.models import Category, Channel, CustomerClass, Severity, TicketType
from hotline.workflow.access import units_under
from hotline.workflow.roles import CENTRE_ROLES

# Who may see statistics: the centre (coordinator, leader, team leader, admin) over what they
# cover, and a department head over its own subtree — each scoped like every ticket list
# (``tickets_visible_to``). Agents and handlers work tickets; they do not get the figures.
STATS_ROLES: Final = CENTRE_ROLES | {Role.DEPT_HEAD}
MAX_DAYS: Final = 5 * 366 + 1  # five years in one request
MAX_PARAMETER: Final = 1000
FILTER_CHOICES: Final[dict[str, set[str]]] = {
    "type": set(TicketType.values),
    "channel": set(Channel.values),
    "severity": set(Severity.values),
    "customer_class": set(CustomerClass.values),
}


@dataclass(frozen=True)
class Filters:
    """Restrict every count to tickets with these values; ``unit``/``category`` take the subtree."""

    values: Mapping[str, str] = field(default_factory=dict)  # column → value
    unit: Unit | None = None
    category: Category | None = None

    def q(self) -> Q:
        """The same condition on ``Ticket`` and on ``Fact`` (their columns share names)."""
        q = Q(**dict(self.values))
        if self.unit is not None:
            q &= Q(unit_id__in=units_under([self.unit]))
        if self.category is not None:
            q &= Q(category_id__in=category_subtree(self.category.pk))
        return q


@dataclass(frozen=True)
class StatsQuery:
    measures: tuple[Measure, ...]
    by: tuple[Dimension, ...]
    date_from: date
    date_to: date
    filters: Filters = Filters()
    compare: bool = True

    @property
    def period(self) -> Dimension | None:
        return next((d for d in self.by if d.is_period), None)


def category_subtree(pk: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for cid, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(cid)
    found, todo = [], [pk]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def may_view_stats(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in STATS_ROLES for m in memberships_of(user))


def check_may_view_stats(user: AnyUser) -> None:
    if not may_view_stats(user):
        raise Forbidden("统计数据仅对监控中心、领导、班长、管理员和部门负责人开放", code="stats_forbidden")


def _list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date(params: Mapping[str, str], name: str) -> date:
    value = params.get(name)
    if not value:
        raise InvalidInput(f"请提供参数 {name}(YYYY-MM-DD)", code="stats_date_required", field=name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"参数 {name} 不是有效日期(YYYY-MM-DD)", code="stats_invalid_date", field=name
        ) from None


def parse_filters(params: Mapping[str, str]) -> Filters:
    values: dict[str, str] = {}
    for name in ("type", "channel", "severity", "customer_class", "policy", "region"):
        value = params.get(name)
        if value is None or value == "":
            continue
        choices = FILTER_CHOICES.get(name)
        if choices is not None and value not in choices:
            raise InvalidInput(f"筛选条件 {name}=“{value}”无效", code="stats_invalid_filter", field=name)
        values[name] = value
    unit = category = None
    if params.get("unit"):
        unit = Unit.objects.filter(code=params["unit"]).first()
        if unit is None:
            raise InvalidInput(f"单位“{params['unit']}”不存在", code="stats_invalid_filter", field="unit")
    if params.get("category"):
        category = Category.objects.filter(code=params["category"]).first()
        if category is None:
            raise InvalidInput(
                f"诉求分类“{params['category']}”不存在", code="stats_invalid_filter", field="category"
            )
    return Filters(values=values, unit=unit, category=category)


def parse_range(params: Mapping[str, str]) -> tuple[date, date]:
    start, end = _date(params, "from"), _date(params, "to")
    if start > end:
        raise InvalidInput("开始日期不能晚于结束日期", code="invalid_range", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput("统计区间最长五年", code="range_too_long", field="to")
    if start.year < 2000 or end.year > 2099:
        raise InvalidInput("统计区间应在 2000–2099 年之间", code="invalid_range", field="from")
    return start, end


def parse_query(params: Mapping[str, str]) -> StatsQuery:
    """``measure=received,overdue&by=unit:2,month&from=2026-01-01&to=2026-12-31&type=…``."""
    for name, value in params.items():
        if "\x00" in value or len(value) > MAX_PARAMETER:
            raise InvalidInput(f"参数 {name} 含有无效字符或过长", code="stats_invalid_parameter", field=name)
    codes = _list(params.get("measure"))
    if not codes:
        raise InvalidInput("请提供统计指标 measure", code="stats_measure_required", field="measure")
    measures = tuple(dict.fromkeys(measure(code) for code in codes))
    by = tuple(dimensions(_list(params.get("by"))))
    start, end = parse_range(params)
    compare = params.get("compare", "true").lower() not in ("0", "false", "no")
    return StatsQuery(measures, by, start, end, parse_filters(params), compare)
