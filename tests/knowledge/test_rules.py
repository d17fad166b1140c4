"""Judgement rules are data: checked on save, decided the same way every time."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.core.errors import InvalidInput
from hotline.knowledge.rules import check_script, decide, holds, read_answers

QUESTIONS = [
    {"key": "1", "text": "被叫是否为其他运营商号码", "expected": True},
    {"key": "2", "text": "此前是否一直打不通该号码", "expected": False},
    {"key": "3", "text": "串线时被叫是否设了呼叫转移", "expected": False},
]
OUTCOMES = [
    {
        "when": {"all": ["1", "2", "3"]},
        "outcome": "close",
        "label": "互联互通问题",
        "wording": "网间通路繁忙",
    },
    {
        "outcome": "dispatch",
        "label": "非互联互通问题",
        "wording": "已为您派单",
        "promised": {"amount": 2, "unit": "working_days"},
    },
]


def test_the_interconnection_script_decides_as_the_source_says() -> None:
    check_script(QUESTIONS, OUTCOMES)
    # 004 L41–45: (1–3) all hold → interconnection problem, closed at the front desk
    for answers in itertools.product([True, False], repeat=3):
        given_answers = read_answers(QUESTIONS, dict(zip("123", answers, strict=True)))
        decided = decide(QUESTIONS, OUTCOMES, given_answers)
        expected_close = answers == (True, False, False)
        assert decided.outcome == ("close" if expected_close else "dispatch"), answers
        assert decided.label == ("互联互通问题" if expected_close else "非互联互通问题")


@pytest.mark.parametrize(
    ("outcomes", "message"),
    [
        ([{"when": "9", "outcome": "close", "label": "x", "wording": "y"}], "不存在的询问要点"),
        (OUTCOMES[:1], "最后一个结果应不写条件"),
        ([{**OUTCOMES[1], "when": None}, OUTCOMES[1]], "只有最后一个结果可以不写条件"),
        (
            [{"when": {"some": ["1"]}, **OUTCOMES[0]} | {"when": {"some": ["1"]}}, OUTCOMES[1]],
            "未知的判断运算",
        ),
        ([{**OUTCOMES[0], "when": {"all": []}}, OUTCOMES[1]], "非空列表"),
        ([{**OUTCOMES[0], "when": {"all": ["1"], "any": ["2"]}}, OUTCOMES[1]], "只含 all/any/none/not 之一"),
        ([OUTCOMES[0], {**OUTCOMES[1], "promised": None}], "承诺答复时限"),
        ([OUTCOMES[0], {**OUTCOMES[1], "promised": {"amount": 0, "unit": "working_days"}}], "1–365"),
        ([OUTCOMES[0], {**OUTCOMES[1], "promised": {"amount": 2, "unit": "fortnights"}}], "单位"),
        ([OUTCOMES[0], {**OUTCOMES[1], "outcome": "escalate"}], "close(直接办结)或 dispatch"),
        ([OUTCOMES[0], {**OUTCOMES[1], "wording": " "}], "解释口径"),
        ([OUTCOMES[0], {**OUTCOMES[1], "code": "x"}], "只能有"),
    ],
)
def test_a_malformed_script_is_refused_with_the_place_named(outcomes: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_script(QUESTIONS, outcomes)
    assert caught.value.code == "invalid_script"
    assert message in caught.value.detail


def test_rules_nest_no_deeper_than_the_limit() -> None:
    rule: Any = "1"
    for _ in range(9):
        rule = {"not": rule}
    with pytest.raises(InvalidInput, match="嵌套"):
        check_script(QUESTIONS, [{**OUTCOMES[0], "when": rule}, OUTCOMES[1]])


def test_questions_are_checked_too() -> None:
    with pytest.raises(InvalidInput, match="重复"):
        check_script([QUESTIONS[0], QUESTIONS[0]], [OUTCOMES[1]])
    with pytest.raises(InvalidInput, match="是/否"):
        check_script([{"key": "1", "text": "x", "expected": "是"}], [OUTCOMES[1]])
    with pytest.raises(InvalidInput, match="承办单位“NOPE”不存在"):
        check_script(QUESTIONS, [{**OUTCOMES[1], "unit": "NOPE"}], unit_exists=lambda code: False)


def test_answers_must_cover_every_question_and_nothing_else() -> None:
    with pytest.raises(InvalidInput) as missing:
        read_answers(QUESTIONS, {"1": True, "2": False})
    assert missing.value.code == "answers_incomplete"
    with pytest.raises(InvalidInput) as unknown:
        read_answers(QUESTIONS, {"1": True, "2": False, "3": False, "4": True})
    assert unknown.value.code == "invalid_answers"
    with pytest.raises(InvalidInput):
        read_answers(QUESTIONS, {"1": "yes", "2": False, "3": False})
    with pytest.raises(InvalidInput):
        read_answers(QUESTIONS, ["1"])


# A random rule over three questions, and its meaning computed independently.
rules = st.recursive(
    st.sampled_from(["1", "2", "3"]),
    lambda inner: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda xs: {"none": xs}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, inner),
    ),
    max_leaves=8,
)


def meaning(rule: Any, held: dict[str, bool]) -> bool:
    if isinstance(rule, str):
        return held[rule]
    op, operand = next(iter(rule.items()))
    if op == "not":
        return not meaning(operand, held)
    values = [meaning(r, held) for r in operand]
    return {"all": all(values), "any": any(values), "none": not any(values)}[op]


def depth(rule: Any) -> int:
    if isinstance(rule, str):
        return 0
    operand = next(iter(rule.values()))
    return 1 + (depth(operand) if isinstance(operand, str | dict) else max(depth(r) for r in operand))


@given(rule=rules, answers=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_any_valid_rule_decides_by_its_meaning(rule: Any, answers: tuple[bool, bool, bool]) -> None:
    outcomes = [{**OUTCOMES[0], "when": rule}, OUTCOMES[1]]
    if depth(rule) > 8:
        with pytest.raises(InvalidInput):
            check_script(QUESTIONS, outcomes)
        return
    check_script(QUESTIONS, outcomes)
    read = read_answers(QUESTIONS, dict(zip("123", answers, strict=True)))
    held = {q["key"]: read[q["key"]] == q["expected"] for q in QUESTIONS}
    assert holds(rule, held) == meaning(rule, held)
    assert decide(QUESTIONS, outcomes, read).outcome == ("close" if meaning(rule, held) else "dispatch")
