"""A scorecard as plain data (the API's body, the page's table, the workbook's rows)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from hotline.assessment.selectors import Card, Ranking


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def card_data(card: Card) -> dict[str, Any]:
    result = card.result
    return {
        "kind": card.kind,
        "code": card.code,
        "name": card.name,
        "unit": card.unit_name,
        "rank": card.rank,
        "of": card.of,
        "score": float(result.score),
        "rule": {"id": card.rule.pk, "name": card.rule.name},
        "received": result.figures.received,
        "rate_points": float(result.rate_points),
        "deduction_points": float(result.deduction_points),
        "deducted": float(result.deducted),
        "rates": [
            {
                "code": p.code,
                "label": p.label,
                "numerator": p.numerator,
                "denominator": p.denominator,
                "rate": _num(p.rate),
                "weight": float(p.weight),
                "effective_weight": float(p.effective_weight),
                "points": float(p.points),
            }
            for p in result.rates
        ],
        "deductions": [
            {
                "code": d.code,
                "label": d.label,
                "count": d.count,
                "per": float(d.per),
                "points": float(d.points),
            }
            for d in result.deductions
        ],
        "repeat_problems": [
            {
                "first_ticket": p.root_number,
                "month": p.month,
                "times": p.times,
                "tickets": list(p.numbers),
                "severe": p.severe,
            }
            for p in card.problems
        ],
    }


def ranking_data(ranking: Ranking) -> dict[str, Any]:
    period = ranking.period
    return {
        "kind": ranking.kind,
        "period": {"key": period.key, "label": period.label, "from": period.start, "to": period.end},
        "parent_unit": ranking.parent.code if ranking.parent is not None else None,
        "cards": [card_data(c) for c in ranking.cards],
    }


def ranking_xlsx(ranking: Ranking) -> bytes:
    """The ranking as one sheet: rank, name, score, then each rate (raw and points) and each
    deduction (count and points) — what the page shows, so a unit can see why."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    units = ranking.kind == "unit"
    title = _("单位考核排名") if units else _("承办人考核排名")
    ws.title = title
    period = ranking.period
    ws.append(
        [
            _("%(title)s · %(period)s(%(start)s 至 %(end)s)")
            % {"title": title, "period": period.label, "start": period.start, "end": period.end}
        ]
    )
    ws["A1"].font = Font(bold=True, size=13)
    header = [
        _("名次"),
        _("单位") if units else _("承办人"),
        _("上级单位") if units else _("所在单位"),
        _("得分"),
        _("收件量"),
    ]
    cards = ranking.cards
    if cards:
        for p in cards[0].result.rates:
            header += [
                _("%(label)s(分子/分母)") % {"label": p.label},
                f"{p.label}%",
                _("%(label)s得分") % {"label": p.label},
            ]
        for d in cards[0].result.deductions:
            header += [_("%(label)s(次数)") % {"label": d.label}, _("%(label)s扣分") % {"label": d.label}]
    header += [_("比率得分"), _("扣分合计"), _("实扣"), _("评分规则")]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for card in cards:
        r = card.result
        row: list[Any] = [card.rank, card.name, card.unit_name, float(r.score), r.figures.received]
        for p in r.rates:
            row += [f"{p.numerator}/{p.denominator}", _num(p.rate), float(p.points)]
        for d in r.deductions:
            row += [d.count if d.count is not None else "—", float(d.points)]
        row += [float(r.rate_points), float(r.deduction_points), float(r.deducted), card.rule.name]
        ws.append(row)
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 20
    ws.freeze_panes = "C3"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
