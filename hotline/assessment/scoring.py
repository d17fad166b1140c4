"""The score of one scorecard: a pure function of the figures and the rule (no database).

``docs/guide/assessment.md`` says the same in Chinese; keep the two together.

1. Four rates, each numerator ÷ denominator of the statistics measures (``reports.measures``),
   in percent rounded half up to two places: 按时办结率 (closed_in_time ÷ closed), 响应率
   (signed_in_time ÷ dispatched), 办结率 (resolved ÷ received), 满意率 ((very_satisfied +
   satisfied) ÷ visited).
2. A rate's points = its weight × rate ÷ 100, rounded to two places. The weights total 100.
   A rate whose denominator is 0 has no data: with ``reweight`` the weights of the rates that
   have data are scaled up so they still total 100 (none with data, or their weights all 0:
   the rate part is 100); with ``full`` the rate scores its whole weight.
3. Deductions: each count × its points (overdue, dissatisfied, returned, ordinary and severe
   repeated problems, overdue rectification notices); their sum, capped by ``deduction_cap``.
4. Score = rate points − deductions (two places), at least 0 with ``floor_zero``.
5. Rank: by score, highest first; equal scores share a rank and the next rank skips
   (1, 2, 2, 4); among equals the order is by name, then code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Protocol, TypeVar

from django.utils.translation import gettext_lazy as _

CENT: Final = Decimal("0.01")
HUNDRED: Final = Decimal(100)


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Rule(Protocol):
    """What scoring reads from a ``ScoringRule`` (a model instance, or any object so shaped)."""

    w_on_time: Decimal
    w_response: Decimal
    w_resolution: Decimal
    w_satisfaction: Decimal
    empty_rate: str
    d_overdue: Decimal
    d_dissatisfied: Decimal
    d_returned: Decimal
    d_repeat: Decimal
    d_repeat_severe: Decimal
    severe_times: int
    d_rectification_overdue: Decimal
    deduction_cap: Decimal | None
    floor_zero: bool


@dataclass(frozen=True)
class Figures:
    """One subject's raw numbers for the period (each from ``reports.measures``)."""

    received: int = 0
    resolved: int = 0
    dispatched: int = 0
    signed_in_time: int = 0
    closed: int = 0
    closed_in_time: int = 0
    visited: int = 0
    satisfied: int = 0  # very satisfied + satisfied
    overdue: int = 0
    dissatisfied: int = 0
    returned: int = 0
    repeat_tickets: int = 0  # the "repeat" measure: tickets registered as a repeat
    repeat_problems: int = 0  # problems repeated in a month, below the severe number of times
    repeat_severe: int = 0  # problems repeated the severe number of times or more in a month
    rectification_overdue: int | None = None  # None: not assessed (a handler's card)


# code, label, weight field, numerator, denominator (labels lazy: a score's parts carry them
# as text in the language active when it is scored, the user's in a request)
RATES: Final = (
    ("on_time_rate", _("按时办结率"), "w_on_time", "closed_in_time", "closed"),
    ("response_rate", _("响应率"), "w_response", "signed_in_time", "dispatched"),
    ("resolution_rate", _("办结率"), "w_resolution", "resolved", "received"),
    ("satisfaction_rate", _("满意率"), "w_satisfaction", "satisfied", "visited"),
)
# code, label, points field, count
DEDUCTIONS: Final = (
    ("overdue", _("超期"), "d_overdue", "overdue"),
    ("dissatisfied", _("不满意"), "d_dissatisfied", "dissatisfied"),
    ("returned", _("退单"), "d_returned", "returned"),
    ("repeat", _("重复问题"), "d_repeat", "repeat_problems"),
    ("repeat_severe", _("严重重复问题"), "d_repeat_severe", "repeat_severe"),
    ("rectification_overdue", _("整改超期"), "d_rectification_overdue", "rectification_overdue"),
)


@dataclass(frozen=True)
class RatePart:
    code: str
    label: str
    numerator: int
    denominator: int
    rate: Decimal | None  # percent, two places; None without data
    weight: Decimal  # as configured
    effective_weight: Decimal  # after reweighting (two places)
    points: Decimal


@dataclass(frozen=True)
class Deduction:
    code: str
    label: str
    count: int | None  # None: not assessed for this subject
    per: Decimal
    points: Decimal


@dataclass(frozen=True)
class Score:
    rates: list[RatePart]
    deductions: list[Deduction]
    rate_points: Decimal
    deduction_points: Decimal  # the sum, before the cap
    deducted: Decimal  # what was taken off (after the cap)
    score: Decimal
    figures: Figures = field(default_factory=Figures)


def rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return q2(Decimal(100 * numerator) / Decimal(denominator))


def score(figures: Figures, rule: Rule) -> Score:
    weights = {code: Decimal(getattr(rule, wf)) for code, _l, wf, _n, _d in RATES}
    total = sum(weights.values(), Decimal(0))
    values = {code: rate(getattr(figures, n), getattr(figures, d)) for code, _l, _w, n, d in RATES}
    with_data = sum((weights[c] for c, v in values.items() if v is not None), Decimal(0))
    parts: list[RatePart] = []
    for code, label, _wf, num, den in RATES:
        value, weight = values[code], weights[code]
        if rule.empty_rate == "full":
            effective = weight
            points = q2(weight * value / HUNDRED) if value is not None else weight
        elif not with_data:  # no rate has data (or only weightless ones): the whole rate part
            effective = weight
            points = weight
        elif value is None:
            effective, points = Decimal(0), Decimal(0)
        else:
            effective = weight * total / with_data
            points = q2(effective * value / HUNDRED)
        parts.append(
            RatePart(
                code,
                str(label),
                getattr(figures, num),
                getattr(figures, den),
                value,
                weight,
                q2(effective),
                points,
            )
        )
    deductions: list[Deduction] = []
    for code, label, pf, count_name in DEDUCTIONS:
        count: int | None = getattr(figures, count_name)
        per = Decimal(getattr(rule, pf))
        deductions.append(Deduction(code, str(label), count, per, q2(per * (count or 0))))
    rate_points = sum((p.points for p in parts), Decimal(0))
    deduction_points = sum((d.points for d in deductions), Decimal(0))
    cap = rule.deduction_cap
    deducted = min(deduction_points, Decimal(cap)) if cap is not None else deduction_points
    result = q2(rate_points - deducted)
    if rule.floor_zero and result < 0:
        result = Decimal("0.00")
    return Score(parts, deductions, rate_points, deduction_points, deducted, result, figures)


class Ranked(Protocol):
    @property
    def sort_name(self) -> str: ...
    @property
    def sort_code(self) -> str: ...
    @property
    def points(self) -> Decimal: ...


T = TypeVar("T", bound=Ranked)


def ranks(items: Sequence[T]) -> list[tuple[int, T]]:
    """``items`` ordered for the ranking with their competition ranks (1, 2, 2, 4)."""
    ordered = sorted(items, key=lambda i: (-i.points, i.sort_name, i.sort_code))
    out: list[tuple[int, T]] = []
    for index, item in enumerate(ordered):
        if index and item.points == ordered[index - 1].points:
            out.append((out[-1][0], item))
        else:
            out.append((index + 1, item))
    return out
