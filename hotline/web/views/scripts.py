"""规范应答 on the intake screen: the script picker, the walk panel and the service phrases.

The agent walks a response script while the caller is on the line: the picker suggests
scripts from the category and the words typed (``knowledge.walks.suggest_scripts``),
the walk panel asks the script's questions, each answered with one key, and shows the
outcome live (``script_walk``): the judgement, the wording to read, the notes for special
situations and, for a dispatch, the reply time promised with its date. Its button posts
the intake form with the script and the answers; the intake view reads it back to the
caller and saves it through ``register_with_script``.

Every input of these panels belongs to the intake form (``form="intake-form"``), so the
screen works without JavaScript: a suggestion or the list's 打开 posts the form and comes
back with the panel; htmx only swaps the panels in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from hotline.core.errors import Forbidden, HotlineError, InvalidInput
from hotline.core.formatting import deadline_text
from hotline.core.types import User
from hotline.knowledge.models import Phrase, Script, Situation
from hotline.knowledge.rules import promise_label
from hotline.knowledge.walks import Walk, get_script, script_walk, scripts_for, suggest_scripts
from hotline.org.models import Unit
from hotline.web.forms_ticket import ANSWER_NO, ANSWER_YES, intake_units, script_answers
from hotline.web.views.ticket_common import page_status

# what the agent typed, as much as the suggestions read of it
SUGGEST_TEXT_LIMIT = 2000


# ---------------------------------------------------------------------------------------
# service phrases


@dataclass(frozen=True)
class PhraseGroup:
    situation: str
    label: str
    phrases: list[Phrase]


def phrase_groups() -> list[PhraseGroup]:
    """The active phrases per situation, in the order of a call (greeting … closing)."""
    by_situation: dict[str, list[Phrase]] = {}
    for phrase in Phrase.objects.filter(active=True).order_by("order", "pk"):
        by_situation.setdefault(phrase.situation, []).append(phrase)
    return [
        PhraseGroup(situation=str(value), label=str(label), phrases=by_situation[value])
        for value, label in Situation.choices
        if value in by_situation
    ]


# ---------------------------------------------------------------------------------------
# the walk


@dataclass
class QuestionRow:
    key: str
    text: str
    expected: bool
    answer: bool | None  # None: not answered yet

    @property
    def value(self) -> str:
        return "" if self.answer is None else (ANSWER_YES if self.answer else ANSWER_NO)


@dataclass
class WalkState:
    """A script as far as the agent has walked it: the answers so far and, once every
    question is answered, the outcome."""

    script: Script
    questions: list[QuestionRow]
    walk: Walk | None = None
    error: str = ""  # a refusal of the walk, in Chinese
    error_key: str = ""  # the question it names
    unit_name: str = ""
    notes: list[Mapping[str, str]] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [q.key for q in self.questions if q.answer is None]

    @property
    def closes(self) -> bool:
        return self.walk is not None and self.walk.outcome == "close"

    @property
    def promised(self) -> str:
        return promise_label(self.walk.decided.promised) if self.walk else ""

    @property
    def promised_at(self) -> datetime | None:
        return self.walk.promised_at if self.walk else None

    @property
    def promised_at_text(self) -> str:
        return deadline_text(self.promised_at)

    @property
    def answered(self) -> dict[str, bool]:
        return {q.key: q.answer for q in self.questions if q.answer is not None}


def walk_state(script: Script, data: Mapping[str, Any], *, now: datetime | None = None) -> WalkState:
    """The panel's state for the answers posted as ``answer.<key>`` (yes/no)."""
    answers = script_answers(data, script.questions)
    rows = [
        QuestionRow(
            key=str(q["key"]),
            text=str(q["text"]),
            expected=bool(q["expected"]),
            answer=answers.get(str(q["key"])),
        )
        for q in script.questions
    ]
    state = WalkState(script=script, questions=rows)
    if state.missing:
        return state
    walk = script_walk(script, answers, now=now)  # complete answers: decides, never refuses
    state.walk = walk
    state.notes = list(walk.decided.notes)
    if walk.decided.unit:
        unit = Unit.objects.filter(code=walk.decided.unit).only("name").first()
        state.unit_name = unit.name if unit else walk.decided.unit
    return state


def refuse_walk(state: WalkState, err: HotlineError) -> WalkState:
    """Mark the question a refusal names (``answers.2`` → question 2)."""
    state.error = err.detail
    name = str(err.extra.get("field", ""))
    state.error_key = name.partition(".")[2] if name.startswith("answers.") else ""
    return state


def chosen_script(user: User, data: Mapping[str, Any]) -> Script | None:
    """The script the intake form carries (``script``), or ``None``; refuses one not the user's."""
    value = str(data.get("script") or "").strip()
    return get_script(user, value) if value else None


def picked_script_id(data: Mapping[str, Any]) -> str:
    """The script a suggestion (``pick_script=<id>``) or the list (``script_choice``) opened."""
    picked = str(data.get("pick_script") or "").strip()
    if picked in ("", "choice"):
        picked = str(data.get("script_choice") or "").strip()
    return picked


def suggestion_text(data: Mapping[str, Any]) -> str:
    return f"{data.get('subject') or ''}\n{data.get('description') or ''}"[:SUGGEST_TEXT_LIMIT]


def picker_context(user: User, data: Mapping[str, Any], *, chosen: Script | None) -> dict[str, Any]:
    """The suggestions for what is typed, and every script the user may walk."""
    category = str(data.get("category") or "")[:64]
    text = suggestion_text(data)
    typed = bool(category or text.strip())  # nothing typed yet: nothing to rank
    return {
        "suggested": suggest_scripts(user, text=text, category=category) if typed else [],
        "all_scripts": list(scripts_for(user).select_related(None).only("pk", "title", "order", "code")),
        "chosen": chosen,
    }


# ---------------------------------------------------------------------------------------
# the walk on the ticket's history (the ``answer_script`` event)

OUTCOME_LABELS = {"close": _lazy("当场办结"), "dispatch": _lazy("派单")}


def promised_at_text(payload: Mapping[str, Any]) -> str:
    value = payload.get("promised_at")
    if not value:
        return ""
    try:
        return deadline_text(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def answer_script_summary(payload: Mapping[str, Any]) -> str:
    """The ``answer_script`` event in words: the script, each answer, the outcome, the unit
    and the reply time promised (the judgement itself is the event's comment)."""
    parts: list[str] = []
    if payload.get("title"):
        parts.append(_("脚本《%(title)s》") % {"title": payload["title"]})
    answers = payload.get("answers")
    if isinstance(answers, Mapping) and answers:
        said = " ".join(f"{key}:{_('是') if value else _('否')}" for key, value in answers.items())
        parts.append(_("询问要点 %(answers)s") % {"answers": said})
    outcome = str(payload.get("outcome") or "")
    if outcome:
        parts.append(str(OUTCOME_LABELS.get(outcome, outcome)))
    if payload.get("unit"):
        parts.append(_("承办单位 %(unit)s") % {"unit": payload.get("unit_label") or payload["unit"]})
    if payload.get("promised"):
        promised = payload["promised"]
        if payload.get("promised_amount") and payload.get("promised_unit"):  # in today's language
            promised = promise_label({"amount": payload["promised_amount"], "unit": payload["promised_unit"]})
        promise = {"promised": promised, "due": promised_at_text(payload)}
        if promise["due"]:
            parts.append(_("承诺%(promised)s内答复(%(due)s前)") % promise)
        else:
            parts.append(_("承诺%(promised)s内答复") % promise)
    return pgettext("separator", ";").join(parts)


# ---------------------------------------------------------------------------------------
# the htmx partials


def _intake_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not intake_units(user):
        raise Forbidden(_("您没有受理登记的角色"), code="no_intake_role")
    return user


def _fragment_error(request: HttpRequest, err: HotlineError) -> HttpResponse:
    return render(request, "web/scripts/_error.html", {"error": err}, status=page_status(request, err.status))


@login_required
@require_GET
def script_suggest(request: HttpRequest) -> HttpResponse:
    """The picker, for the category, subject and description typed so far."""
    try:
        user = _intake_user(request)
        chosen = chosen_script(user, request.GET)
    except HotlineError as err:
        return _fragment_error(request, err)
    return render(request, "web/scripts/_suggest.html", picker_context(user, request.GET, chosen=chosen))


@login_required
@require_GET
def script_walk_panel(request: HttpRequest) -> HttpResponse:
    """The walk panel of the script picked, its questions not yet answered."""
    try:
        user = _intake_user(request)
        picked = picked_script_id(request.GET)
        if not picked:
            raise InvalidInput(_("请先选择规范应答脚本"), code="script_required", field="script")
        script = get_script(user, picked)
    except HotlineError as err:
        return _fragment_error(request, err)
    return render(request, "web/scripts/_walk.html", {"state": walk_state(script, {})})


@login_required
@require_GET
def script_outcome(request: HttpRequest) -> HttpResponse:
    """The outcome for the answers given so far (the panel's live part)."""
    try:
        user = _intake_user(request)
        script = chosen_script(user, request.GET)
        if script is None:
            raise InvalidInput(_("请先选择规范应答脚本"), code="script_required", field="script")
        state = walk_state(script, request.GET)
    except HotlineError as err:
        return _fragment_error(request, err)
    return render(request, "web/scripts/_outcome.html", {"state": state})
