"""The score as ``scoring.score`` computes it, against arithmetic done by hand, and ranks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal as D

from hotline.assessment.models import ScoringRule
from hotline.assessment.scoring import Figures, ranks, score


def rule(**kw: object) -> ScoringRule:
    return ScoringRule(name="测试", **kw)  # the model's defaults: 25 × 4; 2, 2, 1, 2, 5, 3


def test_rates_and_deductions_by_hand():
    f = Figures(
        received=10,
        resolved=8,
        dispatched=9,
        signed_in_time=6,
        closed=8,
        closed_in_time=7,
        visited=5,
        satisfied=4,
        overdue=2,
        dissatisfied=1,
        returned=3,
        repeat_problems=1,
        repeat_severe=1,
        rectification_overdue=1,
    )
    s = score(f, rule())
    # 87.5% × 25, 66.67% × 25, 80% × 25, 80% × 25
    assert [p.rate for p in s.rates] == [D("87.50"), D("66.67"), D("80.00"), D("80.00")]
    assert [p.points for p in s.rates] == [D("21.88"), D("16.67"), D("20.00"), D("20.00")]
    assert s.rate_points == D("78.55")
    # 2×2 + 1×2 + 3×1 + 1×2 + 1×5 + 1×3
    assert [d.points for d in s.deductions] == [D(4), D(2), D(3), D(2), D(5), D(3)]
    assert s.deducted == D(19)
    assert s.score == D("59.55")


def test_a_rate_without_data_reweights_the_others():
    f = Figures(received=4, resolved=4, closed=4, closed_in_time=2)  # nothing dispatched, no visit
    s = score(f, rule())
    # two rates with data, each weight 25 → 50 each: 50% × 50 + 100% × 50
    assert [p.effective_weight for p in s.rates] == [D(50), D(0), D(50), D(0)]
    assert s.score == D("75.00")
    full = score(f, rule(empty_rate="full"))  # the missing two score their whole weight
    assert full.score == D("12.50") + D(25) + D(25) + D(25)


def test_nothing_to_judge_is_full_marks_and_deductions_are_capped_and_floored():
    assert score(Figures(), rule()).score == D(100)
    heavy = Figures(overdue=60)
    assert score(heavy, rule()).score == D(0)  # 100 − 120, floored
    assert score(heavy, rule(floor_zero=False)).score == D(-20)
    capped = score(heavy, rule(deduction_cap=D(30)))
    assert (capped.deduction_points, capped.deducted, capped.score) == (D(120), D(30), D(70))


def test_handlers_are_not_charged_for_rectification():
    s = score(Figures(rectification_overdue=None), rule())
    assert s.deductions[-1].count is None and s.deductions[-1].points == 0


@dataclass
class Item:
    sort_name: str
    sort_code: str
    points: D


def test_ties_share_a_rank_and_the_next_rank_skips():
    items = [Item("丙", "c", D(90)), Item("甲", "a", D(95)), Item("乙", "b", D(90)), Item("丁", "d", D(80))]
    got = [(rank, item.sort_code) for rank, item in ranks(items)]
    # ties by name: 丙 (U+4E19) before 乙 (U+4E59)
    assert got == [(1, "a"), (2, "c"), (2, "b"), (4, "d")]
