"""What each document contains, read through ``reports.selectors.stats`` — so every number in
a document is the number the statistics API gives for the same measure, cell and range.

A document covers one unit and everything below it (``Filters(unit=…)``) and is read as the
organisation (``organisation_viewer``: the whole subtree, whoever later opens the file; who
may open it is ``selectors.may_see``). The previous period and the same period a year
earlier are read as ranges of their own, so a cell empty now still shows what it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from django.utils import timezone

from hotline.core.types import User
from hotline.org.models import Unit
from hotline.rectification.selectors import counts_per_unit
from hotline.reports.documents.layout import Column, Layout, Section, Table, Value
from hotline.reports.documents.tables import (
    breakdown_table,
    comparison_table,
    delta,
    keys_of,
    labeller,
    prompts,
    row_fmt,
    trend,
)
from hotline.reports.facts import TZ
from hotline.reports.measures import MEASURES, PeriodKind, dimensions, measure
from hotline.reports.models import DocumentKind
from hotline.reports.periods import period_end, period_label, shift, year_earlier
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import drill, stats
from hotline.tickets.models import CustomerClass, Ticket

Key = tuple[str, ...]
Cells = dict[Key, dict[str, float | None]]


def organisation_viewer() -> User:
    """The reader a document is computed as: every ticket (the unit filter scopes it). An
    unsaved user, never logged in anywhere; ``stats`` sees a superuser and adds no scope."""
    return User(username="hotline-documents", is_superuser=True, is_active=True)


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date

    @property
    def end(self) -> date:
        return period_end(self.start, self.kind)

    @property
    def label(self) -> str:
        return period_label(self.start, self.kind)

    @property
    def previous(self) -> Period:
        return Period(self.kind, shift(self.start, self.kind, -1))

    @property
    def last_year(self) -> Period:
        return Period(self.kind, year_earlier(self.start, self.kind))

    @property
    def word(self) -> str:
        """What the previous period is called in the text: 上月, 上季度, 上周."""
        return {"month": "上月", "quarter": "上季度", "week": "上周"}.get(self.kind, "上期")


@dataclass(frozen=True)
class Reading:
    """Values of measures by cell key, and the cells' labels."""

    cells: Cells
    labels: dict[Key, str]

    def get(self, key: Key, code: str) -> float | None:
        cell = self.cells.get(key)
        if cell is None or cell.get(code) is None:
            return 0 if MEASURES[code].shape == "count" else None
        return cell[code]


class Reader:
    """Reads measures over one unit's subtree at one moment (``now``: the live overdue part)."""

    def __init__(self, unit: Unit, now: datetime) -> None:
        self.unit, self.now, self.viewer = unit, now, organisation_viewer()

    def query(self, codes: Sequence[str], by: Sequence[str], start: date, end: date) -> StatsQuery:
        return StatsQuery(
            measures=tuple(measure(c) for c in codes),
            by=tuple(dimensions(list(by))),
            date_from=start,
            date_to=end,
            filters=Filters(unit=self.unit),
            compare=False,
        )

    def read(self, codes: Sequence[str], by: Sequence[str], period: Period) -> Reading:
        result = stats(self.viewer, self.query(codes, by, period.start, period.end), now=self.now)
        cells: Cells = {}
        labels: dict[Key, str] = {}
        for row in result.rows:
            key = tuple(d["key"] for d in row["dimensions"])
            cells[key] = {v["measure"]: v["value"] for v in row["values"]}
            labels[key] = " / ".join(d["label"] for d in row["dimensions"])
        return Reading(cells, labels)

    def numbers(self, code: str, period: Period) -> list[str]:
        query = self.query([code], [], period.start, period.end)
        return drill(self.viewer, query, query.measures[0], [], now=self.now)


# --- the four documents ----------------------------------------------------------------------

OVERVIEW: Final = (
    "received",
    "accepted",
    "not_accepted",
    "dispatched",
    "closed",
    "closed_on_the_spot",
    "closed_in_time",
    "overdue",
    "extended",
    "returned",
    "redispatched",
    "supervised",
    "repeat",
    "visited",
    "satisfaction_rate",
    "response_rate",
    "resolution_rate",
    "handling_hours_avg",
)
HANDLING: Final = (
    ("当即处理", "closed_on_the_spot"),
    ("期限内处理(按时办结,含当即处理)", "closed_in_time"),
    ("超期处理", "overdue"),
    ("循环往复处理(二次派单)", "redispatched"),
    ("循环往复处理(三次派单)", "redispatched_twice"),
    ("督办", "supervised"),
)
SATISFACTION: Final = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
CLASSES: Final = ("A", "B", "C", "D")


def _class_label(key: Key) -> str:
    return str(dict(CustomerClass.choices).get(key[0], key[0]))


def monthly(reader: Reader, period: Period) -> Layout:
    """《客户投诉处理统计分析报告》(001 L110–112): by customer class, content, handling and
    satisfaction, with the changes against last month and improvement prompts."""
    word = period.word
    now, before, year = (reader.read(OVERVIEW, [], p) for p in (period, period.previous, period.last_year))
    overview = comparison_table("总体情况", "表1 总体情况", OVERVIEW, now, before, year)
    headline = [
        trend(MEASURES[c], now.get((), c), before.get((), c), word)
        for c in (
            "received",
            "closed",
            "closed_in_time",
            "overdue",
            "returned",
            "satisfaction_rate",
            "handling_hours_avg",
        )
    ]

    class_codes = ("received", "closed", "overdue", "dissatisfied")
    by_class = reader.read(class_codes, ["customer_class"], period)
    order = [(c,) for c in CLASSES] + [k for k in keys_of(by_class) if k[0] not in CLASSES]
    classes = breakdown_table(
        "按客户等级",
        "表2 按投诉客户分类",
        "客户等级",
        class_codes,
        by_class,
        order,
        _class_label,
        total=reader.read(class_codes, [], period),
    )

    content_codes = ("received", "closed", "overdue", "dissatisfied")
    by_content = reader.read(content_codes, ["category:1"], period)
    by_content_before = reader.read(content_codes, ["category:1"], period.previous)
    content = breakdown_table(
        "按投诉内容",
        "表3 按投诉内容分类(诉求分类第一级)",
        "投诉内容",
        content_codes,
        by_content,
        keys_of(by_content, by_content_before),
        labeller(by_content, by_content_before),
        before=by_content_before,
    )
    growth = [
        (row[-1], str(row[0])) for row in content.rows if isinstance(row[-1], int | float) and row[-1] > 0
    ]

    handling_codes = [code for _label, code in HANDLING]
    h_now, h_before = (reader.read(handling_codes, [], p) for p in (period, period.previous))
    handling = Table(
        "按处理情况",
        "表4 按投诉处理情况",
        [
            Column("处理情况", "text"),
            Column("本期", "count"),
            Column("上期", "count"),
            Column("环比增减", "delta"),
        ],
    )
    for label, code in HANDLING:
        handling.rows.append(
            [
                label,
                h_now.get((), code),
                h_before.get((), code),
                delta(h_now.get((), code), h_before.get((), code)),
            ]
        )
    handling.note = (
        "各项为统计指标(见《统计指标》),互有包含:按时办结含当即处理,循环往复处理的工单也计入其办结情况。"
    )

    s_codes = (*SATISFACTION, "visited", "satisfaction_rate")
    s_now, s_before = (reader.read(s_codes, [], p) for p in (period, period.previous))
    visited = s_now.get((), "visited") or 0
    satisfaction = Table(
        "按满意度",
        "表5 按客户满意情况",
        [
            Column("满意情况", "text"),
            Column("件数", "count"),
            Column("占比", "rate"),
            Column("上期件数", "count"),
        ],
    )
    for code in SATISFACTION:
        n = s_now.get((), code) or 0
        satisfaction.rows.append(
            [
                MEASURES[code].label,
                n,
                round(100 * n / visited, 1) if visited else None,
                s_before.get((), code),
            ]
        )
    satisfaction.rows.append(
        ["合计(回访量)", visited, 100.0 if visited else None, s_before.get((), "visited")]
    )
    rate = MEASURES["satisfaction_rate"]
    rates = (s_now.get((), rate.code), s_before.get((), rate.code))
    satisfaction.note = "满意率 =(非常满意 + 满意)÷ 回访量。" + trend(rate, *rates, word)

    values = {c: (now.get((), c), before.get((), c)) for c in OVERVIEW}
    values["dissatisfied"] = (s_now.get((), "dissatisfied"), s_before.get((), "dissatisfied"))
    advice = prompts(values)
    if growth:
        n, name = max(growth)
        advice.append(f"“{name}”类诉求较{word}增加 {n:.0f} 件,增幅最大,建议列为下期重点关注问题。")
    if not advice:
        advice.append("各项指标总体平稳,请继续保持。")
    return Layout(
        title="客户投诉处理统计分析报告",
        subtitle=f"{reader.unit.name} · {period.label}",
        sections=[
            Section("一、总体情况", headline, [overview]),
            Section("二、按投诉客户分类", [], [classes]),
            Section("三、按投诉内容分类", [], [content]),
            Section("四、按投诉处理情况", [], [handling]),
            Section("五、按客户满意情况", [], [satisfaction]),
            Section("六、分析与改进建议", [f"{i}. {text}" for i, text in enumerate(advice, 1)]),
        ],
    )


QUARTERLY: Final = (
    "received",
    "accepted",
    "not_accepted",
    "closed",
    "closed_in_time",
    "overdue",
    "visited",
    "satisfaction_rate",
    "resolution_rate",
)


def quarterly(reader: Reader, period: Period) -> Layout:
    """The quarterly table for the regulator (004 L498): by type, by content, by month."""
    by_type = reader.read(QUARTERLY, ["type"], period)
    total = reader.read(QUARTERLY, [], period)
    types = breakdown_table(
        "按诉求类型",
        "表1 按诉求类型",
        "诉求类型",
        QUARTERLY,
        by_type,
        keys_of(by_type),
        labeller(by_type),
        total=total,
    )
    codes = ("received", "closed", "overdue")
    c_now, c_before, c_year = (
        reader.read(codes, ["category:1"], p) for p in (period, period.previous, period.last_year)
    )
    content = breakdown_table(
        "按诉求内容",
        "表2 按诉求内容(诉求分类第一级)",
        "诉求内容",
        codes,
        c_now,
        keys_of(c_now, c_before, c_year),
        labeller(c_now, c_before, c_year),
        before=c_before,
    )
    content.columns.append(Column("去年同期收件量", "count"))
    for row, key in zip(content.rows, keys_of(c_now, c_before, c_year), strict=True):
        row.append(c_year.get(key, "received"))
    months_codes = ("received", "closed", "overdue", "satisfaction_rate")
    by_month = reader.read(months_codes, ["month"], period)
    months = [(f"{shift(period.start, 'month', i):%Y-%m}",) for i in range(3)]
    monthly_table = breakdown_table(
        "按月", "表3 按月", "月份", months_codes, by_month, months, lambda k: k[0]
    )
    before = reader.read(QUARTERLY, [], period.previous)
    text = [
        trend(MEASURES[c], total.get((), c), before.get((), c), period.word)
        for c in ("received", "closed", "overdue", "satisfaction_rate")
    ]
    return Layout(
        title="诉求受理处理统计季报",
        subtitle=f"{reader.unit.name} · {period.label}",
        sections=[
            Section("一、总体情况", text, [types]),
            Section("二、按诉求内容", [], [content]),
            Section("三、按月", [], [monthly_table]),
        ],
    )


def weekly(reader: Reader, period: Period) -> Layout:
    """The weekly return-visit summary (002 L29): levels, by unit, the dissatisfied tickets."""
    codes = ("visited", *SATISFACTION, "satisfaction_rate")
    now, before = reader.read(codes, [], period), reader.read(codes, [], period.previous)
    summary = Table(
        "回访汇总",
        "表1 回访汇总",
        [Column("项目", "text"), Column("本周", "value"), Column("上周", "value"), Column("增减", "change")],
        note="满意率 =(非常满意 + 满意)÷ 回访量,增减为百分点。",
    )
    for code in codes:
        summary.rows.append(
            [
                MEASURES[code].label,
                now.get((), code),
                before.get((), code),
                delta(now.get((), code), before.get((), code)),
            ]
        )
        summary.row_formats.append(row_fmt(code))
    by_unit = reader.read(codes, ["unit"], period)
    units = breakdown_table(
        "按责任单位",
        "表2 按责任单位",
        "责任单位",
        codes,
        by_unit,
        keys_of(by_unit),
        labeller(by_unit),
        total=now,
    )
    numbers = reader.numbers("dissatisfied", period)
    tickets = Ticket.objects.filter(number__in=numbers).select_related("unit", "category").order_by("number")
    listing = Table(
        "不满意工单",
        "表3 不满意工单",
        [
            Column("工单编号", "text"),
            Column("诉求分类", "text"),
            Column("责任单位", "text"),
            Column("标题", "text"),
        ],
    )
    for t in tickets:
        subject = "(保密件)" if t.confidential else t.subject
        listing.rows.append([t.number, t.category.name if t.category else "未分类", t.unit.name, subject])
    text = [
        trend(MEASURES[c], now.get((), c), before.get((), c), period.word)
        for c in ("visited", "dissatisfied", "satisfaction_rate")
    ]
    if numbers:
        text.append("不满意工单请责任单位逐件复核,监控中心按规定二次派单或督办。")
    return Layout(
        title="回访情况周汇总",
        subtitle=f"{reader.unit.name} · {period.label}({period.start:%m月%d日}–{period.end:%m月%d日})",
        sections=[
            Section("一、回访汇总", text, [summary]),
            Section("二、按责任单位", [], [units]),
            Section("三、不满意工单", [], [listing]),
        ],
    )


RANKING: Final = (
    "dispatched",
    "closed",
    "closed_in_time",
    "overdue",
    "returned",
    "visited",
    "satisfaction_rate",
)


def on_time_rate(closed_in_time: float | None, closed: float | None) -> float | None:
    """按时办结率 = 按时办结量 ÷ 办结量 (the two measures of ``measures``, same cell)."""
    return round(100 * (closed_in_time or 0) / closed, 2) if closed else None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TZ)


def circular(reader: Reader, period: Period) -> Layout:
    """The circular (通报, 001 L34): units one level below the scope ranked by on-time rate,
    then satisfaction, then fewest overdue; with returned and rectification counts."""
    unit = reader.unit
    level = len([p for p in unit.path.split("/") if p]) + 1
    rows = reader.read(RANKING, [f"unit:{level}"], period)
    # rectification notices issued in the period to each unit, rolled up to the same level
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=unit.path)}
    notices = counts_per_unit(
        start=_local_midnight(period.start),
        end=_local_midnight(period.end + timedelta(days=1)),
        units=units.values(),
        as_of=reader.now,
    )
    issued: dict[str, int] = {}
    late: dict[str, int] = {}
    for unit_id, counts in notices.items():
        parts = [p for p in units[unit_id].path.split("/") if p]
        key = parts[level - 1] if len(parts) >= level else str(unit_id)
        issued[key] = issued.get(key, 0) + counts.issued
        late[key] = late.get(key, 0) + counts.overdue
    keys = sorted(set(keys_of(rows)) | {(k,) for k in issued})
    names = dict(
        Unit.objects.filter(pk__in=[int(k[0]) for k in keys if k[0].isdigit()]).values_list("pk", "name")
    )
    entries = []
    for k in keys:
        closed, in_time = rows.get(k, "closed"), rows.get(k, "closed_in_time")
        entries.append(
            [
                names.get(int(k[0]), k[0]) if k[0].isdigit() else k[0],
                rows.get(k, "dispatched"),
                closed,
                in_time,
                on_time_rate(in_time, closed),
                rows.get(k, "overdue"),
                rows.get(k, "returned"),
                rows.get(k, "visited"),
                rows.get(k, "satisfaction_rate"),
                issued.get(k[0], 0),
                late.get(k[0], 0),
            ]
        )

    def rank_key(e: list[Value]) -> tuple[float, float, float, str]:
        rate, sat, overdue = e[4], e[8], e[5]
        return (
            -(rate if isinstance(rate, int | float) else -1.0),
            -(sat if isinstance(sat, int | float) else -1.0),
            float(overdue) if isinstance(overdue, int | float) else 0.0,
            str(e[0]),
        )

    entries.sort(key=rank_key)
    table = Table(
        "单位排名",
        "表1 各单位办理情况排名",
        [
            Column("排名", "count"),
            Column("单位", "text"),
            Column("派单量", "count"),
            Column("办结量", "count"),
            Column("按时办结量", "count"),
            Column("按时办结率", "rate"),
            Column("超期量", "count"),
            Column("退单量", "count"),
            Column("回访量", "count"),
            Column("满意率", "rate"),
            Column("整改通知", "count"),
            Column("整改超期", "count"),
        ],
        [[i, *e] for i, e in enumerate(entries, 1)],
        note="按按时办结率、满意率从高到低,超期量从少到多排名;按时办结率 = 按时办结量 ÷ 办结量。"
        "整改通知为本期向该单位(含下级)发出的整改通知书,整改超期为其中逾期未报或逾期报告的。",
    )
    text: list[str] = []
    ranked = [e for e in entries if isinstance(e[4], int | float)]
    if ranked:
        text.append(
            "按时办结率较高的单位:"
            + "、".join(f"{e[0]}({e[4]:.1f}%)" for e in ranked[:3])
            + ",予以通报表扬。"
        )
    late_counts = [(float(e[5]), e) for e in entries if isinstance(e[5], int | float) and e[5] > 0]
    worst = [e for _n, e in sorted(late_counts, key=lambda pair: -pair[0])]
    if worst:
        text.append(
            "超期较多的单位:"
            + "、".join(f"{e[0]}({e[5]:.0f} 件)" for e in worst[:3])
            + ",请分析原因、限期整改。"
        )
    owing = [e for e in entries if isinstance(e[10], int) and e[10] > 0]
    if owing:
        text.append(
            "整改超期的单位:" + "、".join(str(e[0]) for e in owing) + ",请按整改通知书要求尽快报送整改报告。"
        )
    if not text:
        text.append("本期无可排名的办理数据。")
    return Layout(
        title="投诉处理情况通报",
        subtitle=f"{unit.name} · {period.label}",
        sections=[Section("一、通报情况", text, [table])],
    )


BUILDERS: Final[dict[str, Callable[[Reader, Period], Layout]]] = {
    DocumentKind.MONTHLY: monthly,
    DocumentKind.QUARTERLY: quarterly,
    DocumentKind.WEEKLY: weekly,
    DocumentKind.CIRCULAR: circular,
}


def build(kind: str, unit: Unit, period: Period, *, now: datetime | None = None) -> Layout:
    return BUILDERS[kind](Reader(unit, now or timezone.now()), period)
