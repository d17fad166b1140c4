"""Response scripts (规范应答): which scripts an agent may walk, the walk, and a walk → ticket.

``script_walk`` reads the answers and decides the outcome (``rules.decide``);
``register_with_script`` turns a walk into a ticket through the core in one transaction —
closed on the spot with the wording as the reply, or registered with the script's category
and, where the pack lets the agent, accepted and dispatched to the script's unit — with the
walk on the ticket's history (``answer_script``: the questions as asked, the answers, the
judgement, the unit and the promised time). ADR 0018.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.calendar.services import compute_deadline
from hotline.core.errors import InvalidInput, NotFound
from hotline.core.types import AnyUser
from hotline.knowledge.models import Script
from hotline.knowledge.rules import Outcome, decide, promise_label, read_answers
from hotline.knowledge.services import is_staff_member, user_pack_codes
from hotline.org.models import Unit
from hotline.tickets.models import Ticket
from hotline.workflow.drafts import TicketDraft
from hotline.workflow.kinds import EventKind
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import allowed_actions, ticket_record, ticket_transition


def scripts_for(user: AnyUser) -> QuerySet[Script]:
    """The active scripts an intake user may walk: those of their packs (or of every pack)."""
    if not is_staff_member(user):
        return Script.objects.none()
    qs = Script.objects.filter(active=True).select_related("category")
    if getattr(user, "is_superuser", False):
        return qs
    packs = user_pack_codes(user)
    keep = [pk for pk, codes in qs.values_list("pk", "packs") if not codes or set(codes) & packs]
    return qs.filter(pk__in=keep)


def get_script(user: AnyUser, pk: Any) -> Script:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("规范应答脚本不存在") from None
    script = scripts_for(user).filter(pk=pk).first()
    if script is None:
        raise NotFound("规范应答脚本不存在")
    return script


def suggest_scripts(user: AnyUser, *, text: str = "", category: str = "", limit: int = 5) -> list[Script]:
    """Scripts ranked for what the agent has typed: a keyword in the text, then the category."""
    scored: list[tuple[int, int, Script]] = []
    for script in scripts_for(user):
        score = sum(3 for word in script.keywords if word and word in text)
        if category and script.category is not None:
            if category == script.category.code:
                score += 2
            elif category.startswith(script.category.code + "."):
                score += 1
        if score:
            scored.append((-score, script.order, script))
    scored.sort(key=lambda item: (item[0], item[1]))
    return [s for _, _, s in scored[:limit]]


@dataclass(frozen=True)
class Walk:
    script: Script
    answers: dict[str, bool]
    decided: Outcome
    promised_at: datetime | None

    @property
    def outcome(self) -> str:
        return self.decided.outcome

    def as_dict(self) -> dict[str, Any]:
        promised = self.decided.promised
        return {
            "script": self.script.pk,
            "outcome": self.decided.outcome,
            "label": self.decided.label,
            "wording": self.decided.wording,
            "notes": [dict(n) for n in self.decided.notes],
            "category": self.script.category.code if self.script.category else None,
            "unit": self.decided.unit or None,
            "promised": (
                {
                    "amount": promised["amount"],
                    "unit": promised["unit"],
                    "label": promise_label(promised),
                    "due_at": self.promised_at.isoformat() if self.promised_at else None,
                }
                if promised
                else None
            ),
        }


def script_walk(script: Script, answers: Any, *, now: datetime | None = None) -> Walk:
    """Decide a script's outcome for the caller's answers (and when the promise falls due)."""
    read = read_answers(script.questions, answers)
    decided = decide(script.questions, script.outcomes, read)
    promised_at = None
    if decided.promised:
        promised_at = compute_deadline(
            start=now or timezone.now(), amount=decided.promised["amount"], unit=decided.promised["unit"]
        ).due_at
    return Walk(script=script, answers=read, decided=decided, promised_at=promised_at)


def read_answer_script(value: Any) -> tuple[Any, Any]:
    """``{"script": id, "answers": {...}}`` from a ticket-creation body."""
    if not isinstance(value, Mapping) or set(value) != {"script", "answers"}:
        raise InvalidInput(
            "answer_script 应为 {script, answers}", code="invalid_answers", field="answer_script"
        )
    return value["script"], value["answers"]


def register_with_script(
    *,
    draft: TicketDraft,
    actor: AnyUser,
    script: Script,
    answers: Any,
    result: str = "",
    now: datetime | None = None,
) -> tuple[Ticket, Walk]:
    """One action from a walked script to a ticket, in one transaction.

    ``close``: registered and closed on the spot, the wording (or ``result``) as the reply.
    ``dispatch``: registered with the script's category; where the pack lets ``actor``
    accept and dispatch in the first stages, the ticket goes on to the outcome's unit at
    once; otherwise it waits for the coordinator with the unit named in its history.
    The walk — answers, judgement, promised time — is the ``answer_script`` event.
    """
    now = now or timezone.now()
    walk = script_walk(script, answers, now=now)
    if not draft.category and script.category is not None:
        draft = dataclasses.replace(draft, category=script.category.code)

    def record(ticket: Ticket) -> None:
        payload: dict[str, Any] = {
            "script": script.pk,
            "code": script.code,
            "title": script.title,
            "questions": {str(q["key"]): str(q["text"]) for q in script.questions},  # as asked
            "answers": walk.answers,
            "outcome": walk.outcome,
            "label": walk.decided.label,
        }
        if walk.decided.unit:
            payload["unit"] = walk.decided.unit
            unit = Unit.objects.filter(code=walk.decided.unit).only("name").first()
            payload["unit_label"] = unit.name if unit else walk.decided.unit
        if walk.decided.promised:
            payload["promised"] = promise_label(walk.decided.promised)  # as said to the caller
            payload["promised_amount"] = walk.decided.promised["amount"]
            payload["promised_unit"] = walk.decided.promised["unit"]
        if walk.promised_at is not None:
            payload["promised_at"] = walk.promised_at.isoformat()
        ticket_record(
            locked=ticket,
            kind=EventKind.ANSWER_SCRIPT,
            actor=actor,
            now=now,
            comment=walk.decided.label,
            payload=payload,
        )

    with transaction.atomic():
        if walk.outcome == "close":
            ticket = ticket_register(
                draft=draft,
                actor=actor,
                now=now,
                then=record,
                close_on_the_spot={
                    "closing_code": "on_the_spot",  # 当场答复, as the intake screen's own close
                    "result": result.strip() or walk.decided.wording,
                },
            )
            return ticket, walk
        ticket = ticket_register(draft=draft, actor=actor, now=now, then=record)
        if walk.decided.unit:
            ticket = _dispatch_if_allowed(ticket, actor, walk.decided.unit, now)
    return ticket, walk


def _dispatch_if_allowed(ticket: Ticket, actor: AnyUser, unit: str, now: datetime) -> Ticket:
    # no comments: accept and dispatch are public steps; the judgement is internal and on
    # the answer_script event
    steps: Sequence[tuple[str, dict[str, Any]]] = (("accept", {}), ("dispatch", {"unit": unit}))
    for action, params in steps:
        if action not in allowed_actions(ticket, actor):
            return ticket
        ticket = ticket_transition(
            ticket=ticket, action=action, actor=actor, params=params, expected_version=ticket.version, now=now
        ).ticket
    return ticket
