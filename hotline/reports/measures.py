"""Every statistics measure and dimension, defined once (docs/guide/statistics.md says the same).

A measure is one of three shapes:

- a **count** of tickets: the facts of one or more kinds (``FactKind``), each ticket at most
  once per kind, on the local date the fact counts on (``overdue`` adds the running
  tickets past their deadline, counted on the date of that deadline);
- a **rate**: the counts of ``numerator`` kinds over the counts of ``denominator`` kinds
  of the same cell (empty when the denominator is 0);
- a **duration** in working hours (``closed`` facts' value: working time from receipt to
  the close on the working-day calendar), as the mean or the 90th percentile.

A dimension groups the facts: a period (day/week/month/quarter/year, on the fact's local
date), a column of the ticket, or a tree rolled up to a level (``category:1``, ``unit:2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import InvalidInput

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class FactKind(StrEnum):
    """What a ticket did that a measure counts; each kind at most once per ticket."""

    RECEIVED = "received"  # on received_at
    REPEAT = "repeat"  # a confirmed repeat_of link from this ticket; on received_at
    ACCEPTED = "accepted"  # the first accept event
    NOT_ACCEPTED = "not_accepted"  # the first reject event
    DISPATCHED = "dispatched"  # the first dispatch event
    SIGNED_IN_TIME = "signed_in_time"  # first sign after it within its stage limit; on the dispatch date
    CLOSED = "closed"  # now closed by a close event; on closed_at; value = working hours from receipt
    CLOSED_ON_THE_SPOT = "closed_on_the_spot"  # that close was in the stage it was registered into
    CLOSED_IN_TIME = "closed_in_time"  # closed, not late
    CLOSED_LATE = "closed_late"  # closed after final_due_at, or escalated (a deadline passed) on the way
    RESOLVED = "resolved"  # closed now; on received_at (resolution rate's cohort)
    EXTENDED = "extended"  # the first approve_extension event
    RETURNED = "returned"  # the first return event (退单)
    REDISPATCHED = "redispatched"  # the first redispatch event (二次派单)
    REDISPATCHED_TWICE = "redispatched_twice"  # the second redispatch event (三次派单)
    SUPERVISED = "supervised"  # the first supervise event, or a redispatch that supervises
    REOPENED = "reopened"  # the first reopen event
    VERY_SATISFIED = "very_satisfied"  # the last return visit's level; on its date
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"


SATISFACTION_KINDS: Final = (
    FactKind.VERY_SATISFIED,
    FactKind.SATISFIED,
    FactKind.NEUTRAL,
    FactKind.DISSATISFIED,
)

Shape = Literal["count", "rate", "mean", "p90"]


# what a value is counted in, by shape (rendered in the user's language when shown)
UNITS: Final[dict[str, StrPromise | str]] = {
    "count": pgettext_lazy("measure unit", "件"),
    "rate": "%",
    "mean": _("工作小时"),
    "p90": _("工作小时"),
}


@dataclass(frozen=True)
class Measure:
    """``code`` is the API's stable name. The label and the definition are kept as lazy
    translations (defined once, at import) and read as ``label`` / ``definition``: plain
    text in the active language, the user's in a request."""

    code: str
    label_lazy: StrPromise
    shape: Shape
    definition_lazy: StrPromise
    kinds: tuple[FactKind, ...] = ()  # count: these; mean/p90: the facts whose value is used
    denominator: tuple[FactKind, ...] = ()  # rate: kinds is the numerator
    live_overdue: bool = False  # also the running tickets past due_at (overdue_q), on due_at

    @property
    def label(self) -> str:
        return str(self.label_lazy)

    @property
    def definition(self) -> str:
        return str(self.definition_lazy)

    @property
    def unit(self) -> str:
        return str(UNITS[self.shape])

    @property
    def fact_kinds(self) -> tuple[FactKind, ...]:
        return self.kinds + self.denominator


def _count(
    code: str, label: StrPromise, definition: StrPromise, *kinds: FactKind, live: bool = False
) -> Measure:
    return Measure(code, label, "count", definition, kinds=kinds, live_overdue=live)


K = FactKind
MEASURES: Final[dict[str, Measure]] = {
    m.code: m
    for m in (
        _count("received", _("收件量"), _("收到的工单,按收到时间计。"), K.RECEIVED),
        _count("accepted", _("受理量"), _("经受理审查予以受理的工单,按首次受理时间计。"), K.ACCEPTED),
        _count("not_accepted", _("不予受理量"), _("不予受理的工单,按首次不予受理时间计。"), K.NOT_ACCEPTED),
        _count("dispatched", _("派单量"), _("派给责任单位的工单,按首次派单时间计。"), K.DISPATCHED),
        _count(
            "signed_in_time",
            _("按时签收量"),
            _("首次派单后在签收环节时限内签收的工单,按首次派单时间计。"),
            K.SIGNED_IN_TIME,
        ),
        _count("closed", _("办结量"), _("现为“办结”结束的工单,按办结时间计。"), K.CLOSED),
        _count(
            "closed_on_the_spot",
            _("当场办结量"),
            _("在登记时所处环节直接办结(未派单)的工单,按办结时间计。"),
            K.CLOSED_ON_THE_SPOT,
        ),
        _count(
            "closed_in_time",
            _("按时办结量"),
            _("办结且未超期的工单(办结时间不晚于总时限,途中未发生超期升级),按办结时间计。"),
            K.CLOSED_IN_TIME,
        ),
        _count(
            "overdue",
            _("超期量"),
            _(
                "超期办结的工单(晚于总时限办结,或途中因环节时限或总时限超期而升级),按办结时间计;"
                "加上现在仍在办理且已过当前时限(环节时限与总时限中较早者)的工单,按该时限所在日期计。"
            ),
            K.CLOSED_LATE,
            live=True,
        ),
        _count("extended", _("延期量"), _("获准延期的工单,按首次批准延期时间计。"), K.EXTENDED),
        _count("returned", _("退单量"), _("被责任单位退回(退单)的工单,按首次退单时间计。"), K.RETURNED),
        _count(
            "redispatched",
            _("二次派单量"),
            _("再次派单(第二轮)的工单,按首次再次派单时间计。"),
            K.REDISPATCHED,
        ),
        _count(
            "redispatched_twice",
            _("三次派单量"),
            _("第二次再次派单(第三轮)的工单,按该次派单时间计。"),
            K.REDISPATCHED_TWICE,
        ),
        _count(
            "supervised",
            _("督办量"),
            _("被督办的工单(督办,或督办方式再次派单),按首次督办时间计。"),
            K.SUPERVISED,
        ),
        _count("reopened", _("重新打开量"), _("办结后重新打开的工单,按首次重新打开时间计。"), K.REOPENED),
        _count(
            "repeat",
            _("重复投诉量"),
            _("关联为重复投诉(repeat_of)且已确认的工单(登记时关联,或系统识别后经人工确认),按收到时间计。"),
            K.REPEAT,
        ),
        _count(
            "visited",
            _("回访量"),
            _("有满意度评价的工单(以最近一次回访为准),按该次回访时间计。"),
            *SATISFACTION_KINDS,
        ),
        _count(
            "very_satisfied",
            _("非常满意"),
            _("最近一次回访为“非常满意”的工单,按该次回访时间计。"),
            K.VERY_SATISFIED,
        ),
        _count("satisfied", _("满意"), _("最近一次回访为“满意”的工单,按该次回访时间计。"), K.SATISFIED),
        _count("neutral", _("一般"), _("最近一次回访为“一般”的工单,按该次回访时间计。"), K.NEUTRAL),
        _count(
            "dissatisfied", _("不满意"), _("最近一次回访为“不满意”的工单,按该次回访时间计。"), K.DISSATISFIED
        ),
        Measure(
            "satisfaction_rate",
            _("满意率"),
            "rate",
            _("(非常满意 + 满意)÷ 回访量,同一单元格。"),
            kinds=(K.VERY_SATISFIED, K.SATISFIED),
            denominator=SATISFACTION_KINDS,
        ),
        Measure(
            "response_rate",
            _("响应率"),
            "rate",
            _("按时签收量 ÷ 派单量(同按首次派单时间计)。"),
            kinds=(K.SIGNED_IN_TIME,),
            denominator=(K.DISPATCHED,),
        ),
        Measure(
            "repeat_rate",
            _("重复投诉率"),
            "rate",
            _("重复投诉量 ÷ 收件量(同按收到时间计)。"),
            kinds=(K.REPEAT,),
            denominator=(K.RECEIVED,),
        ),
        _count("resolved", _("已办结收件量"), _("收到的工单中现已办结的,按收到时间计。"), K.RESOLVED),
        Measure(
            "resolution_rate",
            _("办结率"),
            "rate",
            _("已办结收件量 ÷ 收件量(同按收到时间计)。"),
            kinds=(K.RESOLVED,),
            denominator=(K.RECEIVED,),
        ),
        Measure(
            "handling_hours_avg",
            _("平均办理时长"),
            "mean",
            _("办结工单从收到到办结的工作时间(按工作日历,只计工作日的工作时段)的平均值,按办结时间计。"),
            kinds=(K.CLOSED,),
        ),
        Measure(
            "handling_hours_p90",
            _("办理时长P90"),
            "p90",
            _("同上,90% 分位数(线性插值,同 PostgreSQL percentile_cont(0.9))。"),
            kinds=(K.CLOSED,),
        ),
    )
}

PeriodKind = Literal["day", "week", "month", "quarter", "year"]
PERIODS: Final[tuple[PeriodKind, ...]] = ("day", "week", "month", "quarter", "year")
# plain columns of the ticket (and of Fact, by the same names)
COLUMNS: Final[dict[str, str]] = {
    "type": "type",
    "channel": "channel",
    "region": "region",
    "severity": "severity",
    "customer_class": "customer_class",
    "policy": "policy",
    "handler": "handler_id",
}
TREES: Final = ("category", "unit")  # rolled up to a level: ``unit:2``; bare = as stored
DIMENSION_LABELS: Final[dict[str, StrPromise]] = {
    "day": pgettext_lazy("period", "日"),  # plain 日 is the unit "days"
    "week": _("周"),
    "month": _("月"),
    "quarter": _("季度"),
    "year": _("年"),
    "type": _("诉求类型"),
    "channel": _("受理渠道"),
    "region": _("发生地区"),
    "severity": _("紧急程度"),
    "customer_class": _("客户等级"),
    "policy": _("政策包"),
    "handler": _("承办人"),
    "category": _("诉求分类"),
    "unit": _("责任单位"),
}
MAX_DIMENSIONS: Final = 2
MAX_LEVEL: Final = 9


@dataclass(frozen=True)
class Dimension:
    """One grouping: ``code`` as asked (``unit:2``), its ``name`` and, for trees, ``level``."""

    code: str
    name: str
    level: int | None = None  # trees: 1 = the top; None = as stored (leaf / the ticket's unit)

    @property
    def is_period(self) -> bool:
        return self.name in PERIODS

    @property
    def label(self) -> str:
        text = str(DIMENSION_LABELS[self.name])
        if self.level is None:
            return text
        return gettext("%(label)s(第%(level)s级)") % {"label": text, "level": self.level}


def measure(code: str) -> Measure:
    try:
        return MEASURES[code]
    except KeyError:
        raise InvalidInput(
            f"未知的统计指标“{code}”;可用:{'、'.join(MEASURES)}",
            code="stats_unknown_measure",
            field="measure",
            measure=code,
        ) from None


def dimension(code: str) -> Dimension:
    name, _sep, level = code.partition(":")
    if name in TREES and level:
        if not (level.isascii() and level.isdigit()) or not 1 <= int(level) <= MAX_LEVEL:
            raise InvalidInput(
                f"维度“{code}”的层级应为 1–{MAX_LEVEL}",
                code="stats_unknown_dimension",
                field="by",
                dimension=code,
            )
        return Dimension(code, name, int(level))
    if not _sep and (name in PERIODS or name in COLUMNS or name in TREES):
        return Dimension(code, name)
    raise InvalidInput(
        f"未知的统计维度“{code}”;可用:{'、'.join(DIMENSION_LABELS)}(分类、单位可加层级,如 unit:2)",
        code="stats_unknown_dimension",
        field="by",
        dimension=code,
    )


def dimensions(codes: list[str]) -> list[Dimension]:
    """One or two dimensions, at most one of them a period, none twice."""
    if len(codes) > MAX_DIMENSIONS:
        raise InvalidInput(
            f"最多按 {MAX_DIMENSIONS} 个维度统计", code="stats_too_many_dimensions", field="by"
        )
    dims = [dimension(code) for code in codes]
    names = [d.name for d in dims]
    if len(set(names)) != len(names) or sum(d.is_period for d in dims) > 1:
        raise InvalidInput(
            "同一维度(或两个时间维度)不能同时使用", code="stats_duplicate_dimension", field="by"
        )
    return dims
