"""Changes and their commentary, and the comparison and breakdown tables the documents are made of."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Final

from hotline.reports.documents.layout import Column, Fmt, Table, Value
from hotline.reports.measures import MEASURES, Measure

if TYPE_CHECKING:  # annotations only: figures imports this module
    from hotline.reports.documents.figures import Key, Reading

# --- changes and commentary ------------------------------------------------------------------


def delta(value: float | None, previous: float | None) -> float | None:
    if value is None or previous is None:
        return None
    return round(value - previous, 2)


def relative(value: float | None, previous: float | None) -> float | None:
    if value is None or not previous:
        return None
    return round(100 * (value - previous) / previous, 1)


def trend(m: Measure, value: float | None, previous: float | None, word: str) -> str:
    """One sentence: the value and how it moved against the previous period."""
    if m.shape == "count":
        now, before = value or 0, previous or 0
        if now == before:
            return f"{m.label} {now:.0f} 件,与{word}持平。"
        change = "增加" if now > before else "减少"
        pct = (
            f",{'增长' if now > before else '下降'} {abs(now - before) / before * 100:.1f}%" if before else ""
        )
        return f"{m.label} {now:.0f} 件,较{word}{change} {abs(now - before):.0f} 件{pct}。"
    if value is None:
        return f"{m.label}:本期无可计算的数据。"
    text = f"{value:.1f}%" if m.shape == "rate" else f"{value:.1f} 工作小时"
    if previous is None:
        return f"{m.label} {text}({word}无可比数据)。"
    d = value - previous
    if abs(d) < 0.05:
        return f"{m.label} {text},与{word}持平。"
    if m.shape == "rate":
        return f"{m.label} {text},较{word}{'上升' if d > 0 else '下降'} {abs(d):.1f} 个百分点。"
    return f"{m.label} {text},较{word}{'延长' if d > 0 else '缩短'} {abs(d):.1f} 工作小时。"


# measure → (worse when it rises?, the prompt when it got worse)
PROMPTS: Final[dict[str, tuple[bool, str]]] = {
    "overdue": (
        True,
        "超期量上升:请各责任单位对照超期工单逐件分析原因,监控中心加强到期前催办,对超期较多的单位发出整改通知。",
    ),
    "returned": (True, "退单量上升:请监控中心复核分类与派单规则,减少错派、误派。"),
    "redispatched": (
        True,
        "二次派单增加:请责任单位答复前与诉求人充分沟通,确保问题实际解决,避免循环往复处理。",
    ),
    "repeat": (True, "重复投诉增加:请对反复反映的问题查找根源,从源头整改。"),
    "dissatisfied": (True, "不满意工单增加:请对不满意工单逐件复核,改进服务态度与答复质量。"),
    "satisfaction_rate": (False, "满意率下降:请分析不满意原因,加强回访后的跟踪整改。"),
    "response_rate": (False, "响应率下降:请责任单位在签收时限内及时签收工单。"),
    "resolution_rate": (False, "办结率下降:请对在办工单加强督办,按时办结。"),
    "handling_hours_avg": (True, "平均办理时长延长:请优化办理流程,缩短办理时间。"),
}


def prompts(values: dict[str, tuple[float | None, float | None]]) -> list[str]:
    """Improvement prompts for the measures that got worse against the previous period."""
    out = []
    for code, (worse_up, text) in PROMPTS.items():
        if code not in values:
            continue
        d = delta(*values[code])
        if d is not None and d != 0 and (d > 0) == worse_up:
            out.append(text)
    return out


# --- building blocks -------------------------------------------------------------------------


def comparison_table(
    key: str, title: str, codes: Sequence[str], now: Reading, before: Reading, year: Reading, cell: Key = ()
) -> Table:
    """One row per measure: this period, the previous and the change, a year ago and the change
    (counts: also the change in per cent; rates: the change in percentage points)."""
    table = Table(
        key,
        title,
        [
            Column("指标", "text"),
            Column("单位", "text"),
            Column("本期", "value"),
            Column("上期", "value"),
            Column("环比增减", "change"),
            Column("环比", "pct"),
            Column("去年同期", "value"),
            Column("同比增减", "change"),
            Column("同比", "pct"),
        ],
    )
    for code in codes:
        m = MEASURES[code]
        value, previous, last = now.get(cell, code), before.get(cell, code), year.get(cell, code)
        counted = m.shape == "count"
        table.rows.append(
            [
                m.label,
                m.unit,
                value,
                previous,
                delta(value, previous),
                relative(value, previous) if counted else None,
                last,
                delta(value, last),
                relative(value, last) if counted else None,
            ]
        )
        table.row_formats.append(row_fmt(code))
    table.note = "环比、同比(%)只对计数类指标计算;率类指标的增减为百分点。"
    return table


def row_fmt(code: str) -> Fmt:
    m = MEASURES[code]
    return "rate" if m.shape == "rate" else ("hours" if m.shape in ("mean", "p90") else "count")


def breakdown_table(
    key: str,
    title: str,
    head: str,
    codes: Sequence[str],
    now: Reading,
    order: Iterable[Key],
    label: Callable[[Key], str],
    *,
    before: Reading | None = None,
    total: Reading | None = None,
) -> Table:
    """Rows per dimension key (``order``), a column per measure, and optionally the
    previous period's first measure and a total row."""
    columns = [Column(head, "text")] + [Column(MEASURES[c].label, row_fmt(c)) for c in codes]
    if before is not None:
        columns += [Column(f"上期{MEASURES[codes[0]].label}", "count"), Column("环比增减", "delta")]
    table = Table(key, title, columns)
    for k in order:
        row: list[Value] = [label(k)] + [now.get(k, c) for c in codes]
        if before is not None:
            row += [before.get(k, codes[0]), delta(now.get(k, codes[0]), before.get(k, codes[0]))]
        table.rows.append(row)
    if total is not None:
        row = ["合计"] + [total.get((), c) for c in codes]
        if before is not None:
            row += [None, None]
        table.rows.append(row)
    return table


def keys_of(*readings: Reading) -> list[Key]:
    found: dict[Key, None] = {}
    for r in readings:
        found.update(dict.fromkeys(r.cells))
    return sorted(found, key=lambda k: tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in k))


def labeller(*readings: Reading) -> Callable[[Key], str]:
    labels: dict[Key, str] = {}
    for r in reversed(readings):
        labels.update(r.labels)
    return lambda k: labels.get(k, "/".join(k) or "未填写")
