"""The call report (话务报表): the call measures of ``telephony.stats`` over a period, by one
dimension, with the period's total (000 L46 items 9–10, 004 L446).

- **Period**: the report centre's (``from``/``to``, local dates in the centre's time zone,
  ``reports.query.parse_range``: the same checks and codes); a call counts on the local
  date and hour it started (``Call.started_at``, indexed).
- **Dimensions** (``CALL_DIMENSIONS``): the hour of the day (0–23), the day, the month; the
  caller's area (归属地) at two levels — ``area`` as stored on the call (city level for a
  mainland number: what the screen pop and the routing rules show, what a city hotline
  needs) and ``province`` rolled up from it in SQL (what a provincial or 400 line needs);
  the agent (staff number and name); the queue (技能组); the hotline number dialled
  (``to_raw`` of inbound calls — an outbound call's ``to_raw`` is the other party's
  number, so outbound calls share one row and no caller's number is ever a row); the
  keypad satisfaction level; the flow (working / after hours).
- **Rows**: one grouped query (``stats.figures_by``) plus, for agents, queues and numbers,
  one query for their names; hours, days and months with no calls are shown as zeros.
  The total is ``stats.figures`` over the whole period (one query): the measures'
  definitions live in ``telephony.stats`` only.

Who may see it: the centre's roles (coordinator, leader, team leader, administrator), who
see the report centre's centre-wide figures, and whoever ``telephony.agents.may_supervise``
lets supervise the floor; for anyone else the report does not exist (``NotFound``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, DateField, F, QuerySet, Value, When
from django.db.models.functions import ExtractHour, Left, StrIndex, TruncDate, TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.errors import InvalidInput, NotFound
from hotline.core.types import AnyUser
from hotline.org.selectors import memberships_of
from hotline.reports.facts import TZ
from hotline.reports.periods import add_months, period_key, period_label
from hotline.reports.query import MAX_PARAMETER, parse_range
from hotline.telephony.agents import may_supervise
from hotline.telephony.models import SURVEY_LEVELS, Call, Direction, HotlineNumber, SkillGroup
from hotline.telephony.stats import AGGREGATES, SERVICE_SECONDS, Figures, figures, figures_by, from_row
from hotline.workflow.roles import CENTRE_ROLES

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# 004 L446: 电话接通率达 95% 以上(含 95%)
ANSWER_RATE_TARGET: Final = 0.95
SERVICE_LEVEL_SECONDS: Final = SERVICE_SECONDS

CALL_DIMENSIONS: Final[dict[str, StrPromise]] = {
    "hour": gettext_lazy("时段"),
    "day": gettext_lazy("日期"),
    "month": gettext_lazy("月份"),
    "province": gettext_lazy("归属地(省)"),
    "area": gettext_lazy("归属地(市)"),
    "agent": gettext_lazy("座席"),
    "queue": gettext_lazy("技能组"),
    "number": gettext_lazy("接入号码"),
    "satisfaction": gettext_lazy("满意度评价"),
    "flow": gettext_lazy("语音流程"),
}
PERIOD_DIMENSIONS: Final = frozenset({"hour", "day", "month"})
OUTBOUND_KEY: Final = "outbound"  # the one row of outbound calls in the ``number`` table
FLOW_LABELS: Final[dict[str, StrPromise]] = {
    "working": gettext_lazy("上班流程"),
    "after_hours": gettext_lazy("下班流程"),
}
SATISFACTION_LABELS: Final[dict[str, StrPromise]] = {
    str(digit): level.label for digit, level in SURVEY_LEVELS.items()
}
# province-level names end so; a municipality (北京市 …) is already one level
PROVINCE_ENDS: Final = ("省", "自治区", "特别行政区")


# --- who ------------------------------------------------------------------------------------


def may_view_call_stats(user: AnyUser) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in CENTRE_ROLES for m in memberships_of(user)) or may_supervise(user)


def access_call_stats(user: AnyUser) -> None:
    """Nothing for a user who may see the call report; ``NotFound`` for anyone else."""
    if not may_view_call_stats(user):
        raise NotFound(_("话务报表不存在或您无权查看"), code="not_found")


# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallQuery:
    date_from: date
    date_to: date
    by: str | None = None  # a code of ``CALL_DIMENSIONS``; None: the total only

    @property
    def dimension_label(self) -> str:
        return str(CALL_DIMENSIONS[self.by]) if self.by else ""

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: from the first day's 00:00 to the day after the last, local."""
        return (
            datetime.combine(self.date_from, time.min, TZ),
            datetime.combine(self.date_to + timedelta(days=1), time.min, TZ),
        )


def parse_dimension(value: str | None) -> str | None:
    codes = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not codes:
        return None
    if len(codes) > 1:
        raise InvalidInput(_("话务报表一次按一个维度统计"), code="stats_too_many_dimensions", field="by")
    if codes[0] not in CALL_DIMENSIONS:
        raise InvalidInput(
            _("未知的话务统计维度“%(code)s”;可用:%(choices)s")
            % {
                "code": codes[0][:40],
                "choices": "、".join(f"{code}({label})" for code, label in CALL_DIMENSIONS.items()),
            },
            code="stats_unknown_dimension",
            field="by",
            dimension=codes[0][:40],
        )
    return codes[0]


def parse_call_query(params: Mapping[str, str]) -> CallQuery:
    """``by=hour&from=2026-03-01&to=2026-03-31``: the report centre's period and its codes
    (``stats_date_required``, ``stats_invalid_date``, ``invalid_range``, ``range_too_long``),
    one dimension (``stats_unknown_dimension``, ``stats_too_many_dimensions``)."""
    for name, value in params.items():
        if "\x00" in value or len(value) > MAX_PARAMETER:
            raise InvalidInput(
                _("参数 %(name)s 含有无效字符或过长") % {"name": name[:40]},
                code="stats_invalid_parameter",
                field=name[:40],
            )
    by = parse_dimension(params.get("by"))
    start, end = parse_range(params)
    return CallQuery(start, end, by)


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    key: str  # stable: "08", "2026-03-05", "2026-03", an area, the agent's user id, a queue …; "" none
    label: str
    figures: Figures


@dataclass(frozen=True)
class CallReport:
    query: CallQuery
    rows: list[CallRow]
    total: Figures


def calls_in(query: CallQuery) -> QuerySet[Call]:
    """The calls that started in the period (``started_at``'s index)."""
    start, end = query.bounds()
    return Call.objects.filter(started_at__gte=start, started_at__lt=end)


def province_expression() -> Case:
    """``area``'s first level in SQL: up to 省/自治区/特别行政区, else the area itself (a
    municipality such as 北京市, or 中国 for a number without a known place)."""
    whens = [
        When(area__contains=end, then=Left("area", StrIndex("area", Value(end)) + len(end) - 1))
        for end in PROVINCE_ENDS
    ]
    return Case(*whens, default=F("area"), output_field=CharField())


def number_expression() -> Case:
    return Case(
        When(direction=Direction.OUTBOUND, then=Value(OUTBOUND_KEY)),
        default=F("to_raw"),
        output_field=CharField(),
    )


def grouping(by: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """``figures_by``'s arguments for a dimension: field names, or ``key=expression``."""
    expressions: dict[str, Callable[[], Any]] = {
        "hour": lambda: ExtractHour("started_at", tzinfo=TZ),
        "day": lambda: TruncDate("started_at", tzinfo=TZ),
        "month": lambda: TruncMonth("started_at", tzinfo=TZ, output_field=DateField()),
        "province": province_expression,
        "number": number_expression,
    }
    fields = {
        "area": "area",
        "agent": "agent_id",
        "queue": "queue",
        "satisfaction": "survey_score",
        "flow": "flow",
    }
    if by in fields:
        return (fields[by],), {}
    return (), {"key": expressions[by]()}


def _key(by: str, value: Any) -> str:
    if value is None:
        return ""
    if by == "hour":
        return f"{int(value):02d}"
    if by == "day":
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if by == "month":
        return f"{value:%Y-%m}" if isinstance(value, date) else str(value)[:7]
    return str(value)


ZERO: Final = from_row(dict.fromkeys(AGGREGATES))


def _period_keys(query: CallQuery) -> list[str]:
    """Every hour, day or month of the period, so that one without calls shows as zeros."""
    if query.by == "hour":
        return [f"{h:02d}" for h in range(24)]
    if query.by == "day":
        days = (query.date_to - query.date_from).days + 1
        return [(query.date_from + timedelta(days=n)).isoformat() for n in range(days)]
    keys, at = [], query.date_from.replace(day=1)
    while at <= query.date_to:
        keys.append(period_key(at, "month"))
        at = add_months(at, 1)
    return keys


def _person(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _labels(by: str, keys: list[str]) -> dict[str, str]:
    """Each key as the screens name it (one query for agents, queues, numbers)."""
    present = [k for k in keys if k]
    out: dict[str, str] = {}
    if by == "hour":
        out = {k: f"{k}:00–{int(k) + 1:02d}:00" for k in keys}
    elif by == "day":
        out = {k: period_label(date.fromisoformat(k), "day") for k in present}
    elif by == "month":
        out = {k: period_label(date.fromisoformat(k + "-01"), "month") for k in present}
    elif by in ("province", "area"):
        out = {k: k for k in present}
    elif by == "agent":
        users = get_user_model().objects.filter(pk__in=present)
        for pk, username, first, last, staff_no in users.values_list(
            "pk", "username", "first_name", "last_name", "agent__staff_no"
        ):
            name = _person(first, last, username)
            out[str(pk)] = f"{staff_no} {name}" if staff_no else name
    elif by == "queue":
        names = dict(SkillGroup.objects.filter(queue__in=present).values_list("queue", "name"))
        out = {k: f"{names[k]}({k})" if k in names else k for k in present}
    elif by == "number":
        names = dict(HotlineNumber.objects.filter(number__in=present).values_list("number", "name"))
        out = {k: f"{k} {names[k]}" if k in names else k for k in present}
        out[OUTBOUND_KEY] = _("呼出(不分号码)")
    elif by == "satisfaction":
        out = {k: str(SATISFACTION_LABELS.get(k, k)) for k in present}
    elif by == "flow":
        out = {k: str(FLOW_LABELS.get(k, k)) for k in present}
    none = {
        "agent": _("未分配座席"),
        "queue": _("未进队列"),
        "number": _("未知号码"),
        "satisfaction": _("未评价"),
        "flow": _("未经语音导航"),
    }
    out.setdefault("", str(none.get(by, _("未知"))))
    return out


def _order(by: str, rows: list[CallRow]) -> list[CallRow]:
    """Periods in time order; satisfaction by level; agents by staff number (their label
    starts with it); the rest by calls offered, most first; the row without a value last."""
    if by in PERIOD_DIMENSIONS or by == "satisfaction":
        return sorted(rows, key=lambda r: (r.key == "", r.key))
    if by == "flow":
        order = {"working": 0, "after_hours": 1}
        return sorted(rows, key=lambda r: (r.key == "", order.get(r.key, 2), r.key))
    if by == "agent":
        return sorted(rows, key=lambda r: (r.key == "", r.label, r.key))
    return sorted(
        rows,
        key=lambda r: (r.key in ("", OUTBOUND_KEY), -r.figures.offered, -r.figures.outbound, r.key),
    )


def call_report(query: CallQuery) -> CallReport:
    """The rows of ``query.by`` and the period's total (two queries, three with names)."""
    calls = calls_in(query)
    total = figures(calls)
    if query.by is None:
        return CallReport(query, [], total)
    by = query.by
    fields, expressions = grouping(by)
    name = fields[0] if fields else "key"
    grouped = {_key(by, group[name]): f for group, f in figures_by(calls, *fields, **expressions)}
    if by in PERIOD_DIMENSIONS:
        for key in _period_keys(query):
            grouped.setdefault(key, ZERO)
    labels = _labels(by, list(grouped))
    rows = [CallRow(key, labels.get(key, key), f) for key, f in grouped.items()]
    return CallReport(query, _order(by, rows), total)


# --- the table as shown and exported ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    code: str  # a name of ``Figures.as_dict()``
    label: StrPromise
    kind: str  # "count", "rate" (0–1) or "seconds"

    def value(self, f: Figures) -> float | int | None:
        value: float | int | None = getattr(f, self.code)
        return value


COLUMNS: Final = (
    Column("offered", gettext_lazy("呼入量"), "count"),
    Column("answered", gettext_lazy("接通量"), "count"),
    Column("abandoned", gettext_lazy("排队放弃"), "count"),
    Column("missed", gettext_lazy("振铃未接"), "count"),
    Column("lost", gettext_lazy("呼损量"), "count"),
    Column("answer_rate", gettext_lazy("接通率"), "rate"),
    Column("service_level", gettext_lazy("服务水平(15秒)"), "rate"),
    Column("wait_avg", gettext_lazy("平均等待"), "seconds"),
    Column("talk_avg", gettext_lazy("平均通话"), "seconds"),
    Column("handle_avg", gettext_lazy("平均处理"), "seconds"),
    Column("talk_total", gettext_lazy("通话总时长"), "seconds"),
    Column("surveyed", gettext_lazy("评价数"), "count"),
    Column("satisfied_rate", gettext_lazy("满意率"), "rate"),
    Column("blocked", gettext_lazy("黑名单拦截"), "count"),
    Column("outbound", gettext_lazy("呼出量"), "count"),
    Column("outbound_connected", gettext_lazy("呼出接通"), "count"),
)
# the agent table gives the talk time in total (000 L46 item 10: 坐席的通话、处理时间); a
# blocked call never reaches an agent, so that column is left out there
_ONLY: Final[dict[str, frozenset[str]]] = {
    "talk_total": frozenset({"agent", ""}),
    "blocked": frozenset({"hour", "day", "month", "province", "area", "number", "flow", ""}),
}


def columns(by: str | None) -> list[Column]:
    """The table's columns for a dimension (``None``: the total alone)."""
    return [c for c in COLUMNS if c.code not in _ONLY or (by or "") in _ONLY[c.code]]


def in_target(rate: float | None) -> bool | None:
    """Whether an answer rate meets 004 L446's 95 % (None: no call to rate)."""
    return None if rate is None else rate >= ANSWER_RATE_TARGET


def as_minutes(seconds: float | int | None) -> str:
    """Seconds as m:ss (a mean rounded to the second); 1 h or more as h:mm:ss; "—" for none."""
    if seconds is None:
        return "—"
    whole = round(float(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def as_percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"
