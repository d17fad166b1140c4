"""Reads of detection: the batches a user may see, one batch, and the intake's suggestions.

Every read starts from ``workflow.access.tickets_visible_to``: a batch is visible when one
of its tickets is, and shows only the tickets the user may see; a batch with none is the
same 404 as a missing one (``batch_not_found``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from hotline.core.errors import NotFound
from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.policies.schema import Detection
from hotline.similar.detection import (
    MAX_SUGGESTIONS,
    best_matches,
    caller_of,
    detection_of,
    repeat_candidates,
    window,
)
from hotline.similar.models import Batch, BatchStatus, Member
from hotline.similar.text import signature, ticket_words
from hotline.tickets.models import Ticket
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.identity import identity_searchable

BOARD_SIZE: Final = 20


def batches_visible_to(user: AnyUser, *, status: str = "") -> QuerySet[Batch]:
    """Batches with at least one ticket the user may see, latest first."""
    visible = Member.objects.filter(batch=OuterRef("pk"), ticket__in=tickets_visible_to(user))
    qs = Batch.objects.filter(Exists(visible)).select_related("parent")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-last_received_at", "-pk")


def access_batch(user: AnyUser, pk: int) -> Batch:
    batch = batches_visible_to(user).filter(pk=pk).first()
    if batch is None:
        raise NotFound("批量投诉不存在或您无权查看", code="batch_not_found")
    return batch


@dataclass(frozen=True)
class BatchTicket:
    member: Member
    ticket: Ticket


def batch_tickets(user: AnyUser, batch: Batch) -> list[BatchTicket]:
    """The batch's tickets the user may see, first received first."""
    visible = tickets_visible_to(user)
    members = (
        Member.objects.filter(batch=batch, ticket__in=visible)
        .select_related("ticket", "ticket__unit")
        .order_by("ticket__received_at", "ticket_id")
    )
    return [BatchTicket(m, m.ticket) for m in members]


def complainants(batch: Batch) -> int:
    return Member.objects.filter(batch=batch).values("caller").distinct().count()


def board_batches(user: AnyUser) -> list[Batch]:
    """The coordinator's board: suggested batches, and confirmed ones with new tickets."""
    qs = batches_visible_to(user).filter(status__in=[BatchStatus.SUGGESTED, BatchStatus.CONFIRMED])
    return list(qs[:BOARD_SIZE])


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    ticket: Ticket
    score: float
    matched_by: list[str]


def _rules(unit_code: str) -> Detection:
    unit = Unit.objects.filter(code=unit_code, is_active=True).first() if unit_code else None
    return detection_of(unit.effective_policy()) if unit is not None else Detection()


def intake_suggestions(
    user: AnyUser,
    *,
    phone: str,
    email: str = "",
    id_number: str = "",
    subject: str = "",
    description: str = "",
    respondent: str = "",
    unit: str = "",
    now: datetime | None = None,
) -> list[Suggestion]:
    """The caller's earlier tickets (that ``user`` may see, never confidential ones) whose
    words are alike the draft's, as registration's detection would find them: at most
    ``MAX_SUGGESTIONS``, most alike first."""
    caller = caller_of(phone=phone, email=email, id_number=id_number)
    if not caller.known:
        return []
    sig = signature(ticket_words(subject, description, respondent))
    if sig is None:
        return []
    rules = _rules(unit)
    now = now or timezone.now()
    since = now - window(rules.repeat.within)
    visible = tickets_visible_to(user).filter(identity_searchable())
    candidates = repeat_candidates(caller=caller, since=since, until=now).filter(ticket__in=visible)
    matches = best_matches(candidates, sig, threshold=rules.repeat.similarity, caller=caller)[
        :MAX_SUGGESTIONS
    ]
    tickets = Ticket.objects.in_bulk([m.ticket_id for m in matches])
    return [
        Suggestion(tickets[m.ticket_id], m.score, m.matched_by) for m in matches if m.ticket_id in tickets
    ]
