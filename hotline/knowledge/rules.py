"""Judgement rules of a response script (判断定位) — data, never code.

A script asks numbered questions, each with the answer that *holds* for the typical case
(``004_…txt``: "1, 被叫方是否属异网电话 答:是"). A rule names questions and combines them:

- ``"2"`` — question 2's answer holds (the caller's answer equals the expected one);
- ``{"all": [r, ...]}``, ``{"any": [r, ...]}``, ``{"none": [r, ...]}`` — all, at least one,
  or none of the nested rules hold;
- ``{"not": r}`` — ``r`` does not hold.

Rules nest (at most :data:`MAX_DEPTH` deep). A script's outcomes are tried in order and the
first whose ``when`` holds decides; the last has no ``when`` ("otherwise"), so every set of
answers has exactly one outcome. ``check_script`` refuses anything else on save, with a
message that names the place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from django.utils.translation import npgettext

from hotline.core.errors import InvalidInput

OUTCOMES: Final = ("close", "dispatch")
PROMISE_UNITS: Final[dict[str, str]] = {
    "working_days": "个工作日",
    "natural_days": "个自然日",
    "working_hours": "个工作小时",
    "hours": "小时",
}
MAX_DEPTH: Final = 8
MAX_QUESTIONS: Final = 30
OPERATORS: Final = ("all", "any", "none", "not")


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_script", field="outcomes")


def check_rule(rule: Any, keys: set[str], *, where: str, depth: int = 0) -> None:
    """Refuse a rule that names an unknown question, an unknown operator or nests too deep."""
    if depth > MAX_DEPTH:
        raise _bad(f"{where}:判断规则嵌套超过{MAX_DEPTH}层")
    if isinstance(rule, str):
        if rule not in keys:
            raise _bad(f"{where}:判断规则引用了不存在的询问要点“{rule}”")
        return
    if not isinstance(rule, Mapping) or len(rule) != 1:
        raise _bad(f"{where}:判断规则应为询问要点编号,或只含 all/any/none/not 之一的对象")
    ((op, operand),) = rule.items()
    if op not in OPERATORS:
        raise _bad(f"{where}:未知的判断运算“{op}”,应为 all、any、none、not 之一")
    if op == "not":
        check_rule(operand, keys, where=where, depth=depth + 1)
        return
    if not isinstance(operand, list) or not operand:
        raise _bad(f"{where}:“{op}”后应为非空列表")
    for item in operand:
        check_rule(item, keys, where=where, depth=depth + 1)


def holds(rule: Any, held: Mapping[str, bool]) -> bool:
    """Whether ``rule`` holds, given for each question whether its answer held."""
    if isinstance(rule, str):
        return held[rule]
    ((op, operand),) = rule.items()
    if op == "not":
        return not holds(operand, held)
    results = [holds(item, held) for item in operand]
    if op == "all":
        return all(results)
    if op == "any":
        return any(results)
    return not any(results)  # none


def _text(value: Any, *, where: str, required: bool = True, limit: int = 4000) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _bad(f"{where}:应填写文字")
    if len(value) > limit:
        raise _bad(f"{where}:不能超过{limit}字")
    return value


def check_questions(questions: Any) -> list[str]:
    if not isinstance(questions, list):
        raise _bad("询问要点应为列表")
    if len(questions) > MAX_QUESTIONS:
        raise _bad(f"询问要点不能超过{MAX_QUESTIONS}条")
    keys: list[str] = []
    for n, q in enumerate(questions, 1):
        where = f"第{n}条询问要点"
        if not isinstance(q, Mapping) or set(q) - {"key", "text", "expected"}:
            raise _bad(f"{where}:只能有 key、text、expected 三项")
        key = q.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 8:
            raise _bad(f"{where}:编号应为1–8个字符")
        if key in keys:
            raise _bad(f"{where}:编号“{key}”重复")
        _text(q.get("text"), where=where, limit=500)
        if not isinstance(q.get("expected"), bool):
            raise _bad(f"{where}:应写明符合情形的回答(是/否)")
        keys.append(key)
    return keys


def check_promise(promised: Any, *, where: str) -> None:
    if not isinstance(promised, Mapping) or set(promised) != {"amount", "unit"}:
        raise _bad(f"{where}:承诺时限应为 {{amount, unit}}")
    amount = promised["amount"]
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= 365:
        raise _bad(f"{where}:承诺时限应为1–365的整数")
    if promised["unit"] not in PROMISE_UNITS:
        raise _bad(f"{where}:承诺时限单位应为 {'、'.join(PROMISE_UNITS)} 之一")


OUTCOME_KEYS: Final = frozenset({"when", "outcome", "label", "wording", "unit", "promised", "notes"})


def check_script(
    questions: Any, outcomes: Any, faq: Any = (), *, unit_exists: Callable[[str], bool] | None = None
) -> None:
    """Refuse a script whose questions, rules, outcomes or FAQ are not well-formed."""
    keys = set(check_questions(questions))
    if not isinstance(outcomes, list) or not outcomes:
        raise _bad("至少应有一个判断结果")
    for n, o in enumerate(outcomes, 1):
        where = f"第{n}个判断结果"
        if not isinstance(o, Mapping) or set(o) - OUTCOME_KEYS:
            raise _bad(f"{where}:只能有 {'、'.join(sorted(OUTCOME_KEYS))}")
        last = n == len(outcomes)
        when = o.get("when")
        if when is None and not last:
            raise _bad(f"{where}:只有最后一个结果可以不写条件(其他情形)")
        if when is not None:
            check_rule(when, keys, where=where)
        if last and when is not None:
            raise _bad(f"{where}:最后一个结果应不写条件,作为“其他情形”")
        if o.get("outcome") not in OUTCOMES:
            raise _bad(f"{where}:结果应为 close(直接办结)或 dispatch(派单)")
        _text(o.get("label"), where=f"{where}的判断定位", limit=200)
        _text(o.get("wording"), where=f"{where}的解释口径")
        unit = o.get("unit", "")
        if not isinstance(unit, str):
            raise _bad(f"{where}:承办单位应为单位编码")
        if unit and unit_exists is not None and not unit_exists(unit):
            raise _bad(f"{where}:承办单位“{unit}”不存在")
        if o.get("promised") is not None:
            check_promise(o["promised"], where=where)
        if o["outcome"] == "dispatch" and o.get("promised") is None:
            raise _bad(f"{where}:派单时应写明承诺答复时限")
        notes = o.get("notes", [])
        if not isinstance(notes, list):
            raise _bad(f"{where}:补充口径应为列表")
        for note in notes:
            if not isinstance(note, Mapping) or set(note) != {"situation", "text"}:
                raise _bad(f"{where}:补充口径应为 {{situation, text}}")
            _text(note["situation"], where=where, limit=200)
            _text(note["text"], where=where)
    if not isinstance(faq, (list, tuple)):
        raise _bad("常见问答应为列表")
    for item in faq:
        if not isinstance(item, Mapping) or set(item) != {"q", "a"}:
            raise _bad("常见问答每条应为 {q, a}")
        _text(item["q"], where="常见问答", limit=500)
        _text(item["a"], where="常见问答")


@dataclass(frozen=True)
class Outcome:
    index: int
    outcome: str  # close | dispatch
    label: str
    wording: str
    unit: str = ""
    promised: Mapping[str, Any] | None = None
    notes: Sequence[Mapping[str, str]] = field(default_factory=tuple)


def read_answers(questions: Sequence[Mapping[str, Any]], answers: Any) -> dict[str, bool]:
    """The caller's answer to every question, as booleans; refuses missing and unknown keys."""
    if not isinstance(answers, Mapping):
        raise InvalidInput("answers 应为“要点编号 → 是/否”的对象", code="invalid_answers", field="answers")
    keys = [str(q["key"]) for q in questions]
    unknown = sorted(str(k) for k in answers if str(k) not in keys)
    if unknown:
        raise InvalidInput(
            f"没有编号为“{'、'.join(unknown)}”的询问要点", code="invalid_answers", field="answers"
        )
    out: dict[str, bool] = {}
    for key in keys:
        value = answers.get(key)
        if not isinstance(value, bool):
            raise InvalidInput(
                f"请回答第{key}条询问要点(是或否)", code="answers_incomplete", field=f"answers.{key}"
            )
        out[key] = value
    return out


def decide(
    questions: Sequence[Mapping[str, Any]], outcomes: Sequence[Mapping[str, Any]], answers: Mapping[str, bool]
) -> Outcome:
    """The first outcome whose rule holds for ``answers`` (already read by ``read_answers``)."""
    held = {str(q["key"]): answers[str(q["key"])] == q["expected"] for q in questions}
    for index, o in enumerate(outcomes):
        when = o.get("when")
        if when is None or holds(when, held):
            return Outcome(
                index=index,
                outcome=o["outcome"],
                label=o["label"],
                wording=o["wording"],
                unit=o.get("unit", ""),
                promised=o.get("promised"),
                notes=tuple(o.get("notes", ())),
            )
    raise AssertionError("check_script guarantees an otherwise outcome")  # pragma: no cover


def promise_label(promised: Mapping[str, Any] | None) -> str:
    """ "2个工作日" — in the language of the request (the history keeps amount and unit)."""
    if not promised:
        return ""
    n = promised["amount"]
    unit = promised["unit"]
    if unit == "working_days":
        text = npgettext("promised time", "%(n)s个工作日", "%(n)s个工作日", n)
    elif unit == "natural_days":
        text = npgettext("promised time", "%(n)s个自然日", "%(n)s个自然日", n)
    elif unit == "working_hours":
        text = npgettext("promised time", "%(n)s个工作小时", "%(n)s个工作小时", n)
    else:
        text = npgettext("promised time", "%(n)s小时", "%(n)s小时", n)
    return text % {"n": n}
