"""A unit's and a handler's card equal a hand computation from the statistics measures of
tickets built through the core; a problem repeated three times in a month is severe."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest

from hotline.assessment.periods import parse_period
from hotline.assessment.selectors import handler_card, unit_card, unit_ranking
from hotline.org.models import Unit
from hotline.reports.measures import MEASURES
from hotline.reports.query import Filters, StatsQuery
from hotline.reports.selectors import stats
from tests.assessment.conftest import NOW, dispatched
from tests.factories import register
from tests.helpers import local

pytestmark = pytest.mark.django_db
NOVEMBER = parse_period({"period": "2026-11"})
CODES = [
    "received",
    "resolved",
    "dispatched",
    "signed_in_time",
    "closed",
    "closed_in_time",
    "visited",
    "very_satisfied",
    "satisfied",
    "overdue",
    "dissatisfied",
    "returned",
]


def measures_of(admin, unit=None, handler=None) -> dict[str, int]:
    """The statistics' own numbers for November (the admin sees every ticket)."""
    query = StatsQuery(
        tuple(MEASURES[c] for c in CODES),
        (),
        date(2026, 11, 1),
        date(2026, 11, 30),
        filters=Filters(unit=unit, values={"handler_id": handler.pk} if handler else {}),
        compare=False,
    )
    rows = stats(admin, query, now=NOW).rows
    return {v["measure"]: int(v["value"]) for v in rows[0]["values"]} if rows else dict.fromkeys(CODES, 0)


def pct(n: int, d: int) -> D:
    return (D(100 * n) / D(d)).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def hand_score(m: dict[str, int], rectification_overdue: int = 0) -> D:
    """The default rule (25 × 4; 2 per overdue, 2 per dissatisfied, 1 per return, 3 per
    overdue notice), every rate here having data."""
    rates = [
        pct(m["closed_in_time"], m["closed"]),
        pct(m["signed_in_time"], m["dispatched"]),
        pct(m["resolved"], m["received"]),
        pct(m["very_satisfied"] + m["satisfied"], m["visited"]),
    ]
    points = sum(((D(25) * r / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP) for r in rates), D(0))
    deducted = 2 * m["overdue"] + 2 * m["dissatisfied"] + m["returned"] + 3 * rectification_overdue
    return max(D(0), points - deducted)


def test_unit_card_equals_a_hand_computation_from_the_measures(org, november):
    users = org.users
    unit = Unit.objects.get(code="JZ-DH-SJ")
    m = measures_of(users["admin"], unit=unit)
    # what the four tickets did (checked, so the hand computation is not vacuous)
    assert (m["received"], m["dispatched"], m["closed"], m["visited"], m["dissatisfied"]) == (4, 4, 2, 3, 1)
    assert m["overdue"] >= 1  # ticket d ran past its deadline in November
    card = unit_card(users["coordinator"], "JZ-DH-SJ", NOVEMBER, now=NOW)
    r = card.result
    assert [(p.numerator, p.denominator) for p in r.rates] == [
        (m["closed_in_time"], m["closed"]),
        (m["signed_in_time"], m["dispatched"]),
        (m["resolved"], m["received"]),
        (m["very_satisfied"] + m["satisfied"], m["visited"]),
    ]
    assert [d.count for d in r.deductions] == [m["overdue"], m["dissatisfied"], m["returned"], 0, 0, 0]
    assert r.score == hand_score(m)
    # the county rolls its departments up: its card counts both departments' tickets
    county = unit_card(users["coordinator"], "JZ-DH", NOVEMBER, now=NOW)
    both = measures_of(users["admin"], unit=Unit.objects.get(code="JZ-DH"))
    assert county.result.figures.received == both["received"] == 5
    assert county.result.score == hand_score(both)


def test_handler_card_counts_the_handlers_tickets(org, november):
    users = org.users
    m = measures_of(users["admin"], handler=users["handler"])
    assert m["received"] == 4
    card = handler_card(users["head"], "handler", NOVEMBER, now=NOW)
    assert card.result.figures.received == 4
    assert card.result.score == hand_score(m)
    assert card.result.deductions[-1].count is None  # rectification is the unit's


def repeat_of(users, root_number: str, at: str, unit: str = "JZ-DH-CG"):
    return dispatched(users, at, unit=unit, links=[("repeat_of", root_number)])


def test_a_problem_three_times_in_a_month_is_severe(org):
    users = org.users
    # problem 1: first complaint and two repeats, all in November → 3 times: severe
    p1 = dispatched(users, "2026-11-02 09:00", unit="JZ-DH-CG")
    repeat_of(users, p1.number, "2026-11-09 09:00")
    last = repeat_of(users, p1.number, "2026-11-16 09:00")
    # problem 2: one repeat in November → twice: an ordinary repeated problem
    p2 = dispatched(users, "2026-11-03 09:00", unit="JZ-DH-CG")
    repeat_of(users, p2.number, "2026-11-10 09:00")
    # problem 3: first in October, repeats in November (a repeat of a repeat) → 2 in November
    p3 = register(users["agent"], policy="enterprise", now=local("2026-10-20 09:00"))
    r31 = repeat_of(users, p3.number, "2026-11-17 09:00")
    repeat_of(users, r31.number, "2026-11-18 09:00")
    card = unit_card(users["coordinator"], "JZ-DH-CG", NOVEMBER, now=NOW)
    problems = {p.root_number: p for p in card.problems}
    assert (problems[p1.number].times, problems[p1.number].severe) == (3, True)
    assert problems[p1.number].numbers[-1] == last.number
    assert (problems[p2.number].times, problems[p2.number].severe) == (2, False)
    assert (problems[p3.number].times, problems[p3.number].severe) == (2, False)
    deductions = {d.code: d for d in card.result.deductions}
    assert (deductions["repeat"].count, deductions["repeat"].points) == (2, D(4))
    assert (deductions["repeat_severe"].count, deductions["repeat_severe"].points) == (1, D(5))
    # the quarter counts the same problem-months; a month with fewer stays ordinary
    quarter = unit_card(users["coordinator"], "JZ-DH-CG", parse_period({"period": "2026-Q4"}), now=NOW)
    assert {p.root_number: p.severe for p in quarter.problems} == {
        p1.number: True,
        p2.number: False,
        p3.number: False,
    }
    # the other department is not charged
    sj = unit_card(users["coordinator"], "JZ-DH-SJ", NOVEMBER, now=NOW)
    assert sj.problems == []


def test_severe_threshold_is_the_rules(org):
    from hotline.assessment.models import ScoringRule

    users = org.users
    rule = ScoringRule.objects.get(unit__isnull=True, active=True)
    rule.severe_times, rule.d_repeat_severe = 2, D(8)
    rule.save()
    p = dispatched(users, "2026-11-02 09:00", unit="JZ-DH-CG")
    repeat_of(users, p.number, "2026-11-09 09:00")
    card = unit_card(users["coordinator"], "JZ-DH-CG", NOVEMBER, now=NOW)
    assert [d.points for d in card.result.deductions if d.code.startswith("repeat")] == [D(0), D(8)]


def test_overdue_rectification_is_deducted_from_the_unit(org):
    from hotline.rectification.services import notice_issue

    users = org.users
    unit = Unit.objects.get(code="JZ-DH-SJ")
    notice_issue(
        actor=users["coordinator"],
        unit=unit,
        subject="整改",
        problem="问题",
        requirement="要求",
        days=2,
        now=local("2026-11-02 09:00"),
    )
    card = unit_card(users["coordinator"], "JZ-DH-SJ", NOVEMBER, now=NOW)
    last = card.result.deductions[-1]
    assert (last.code, last.count, last.points) == ("rectification_overdue", 1, D(3))
    assert card.result.score == D(100) - D(3)
    assert unit_card(users["coordinator"], "JZ-DH", NOVEMBER, now=NOW).result.deductions[-1].count == 1


def test_ranking_order_and_ties(org, november):
    users = org.users
    ranking = unit_ranking(users["coordinator"], NOVEMBER, parent=Unit.objects.get(code="JZ-DH"), now=NOW)
    assert [c.code for c in ranking.cards] == ["JZ-DH-CG", "JZ-DH-SJ"]
    cg, sj = ranking.cards
    assert cg.result.score == D(100) and cg.rank == 1 and sj.rank == 2 and sj.result.score < cg.result.score
    # the city's units: nothing in November for three of them → 100 each, tied, by name
    top = unit_ranking(users["coordinator"], NOVEMBER, now=NOW)
    assert {c.code for c in top.cards} == {"JZ-SJ", "JZ-ZJ", "JZ-DH", "JZ-XS"}  # not the centre
    tied = [c for c in top.cards if c.code != "JZ-DH"]
    assert {c.rank for c in tied} == {1} and [c.name for c in tied] == sorted(c.name for c in tied)
    assert top.cards[-1].code == "JZ-DH" and top.cards[-1].rank == 4
