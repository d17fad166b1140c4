"""Return-visit call-backs recorded by staff (回访未接通): the failed call, and the
complainant counted unreachable after the pack's limit (ADR 0011). The sweep's automatic
steps on visits are in ``followup.services``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from hotline.calendar.services import compute_deadline
from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition
from hotline.core.types import AnyUser, User
from hotline.followup.listeners import (
    visit_roles,
)
from hotline.followup.models import (
    AttemptOutcome,
    ReturnVisit,
    ReturnVisitAttempt,
    VisitStatus,
)
from hotline.notify.services import notify_complainant
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack
from hotline.tickets.models import Ticket
from hotline.workflow.access import ticket_roles
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record


def site_text(label: Any) -> str:
    """A (lazy) label as stored text: in the site's language, not the current screen's."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def may_record_attempt(user: AnyUser, ticket: Ticket, pack: Pack) -> bool:
    """Whether the user may record a call-back on the ticket: a role of theirs on the ticket
    that the pack's visit rule names (``listeners.visit_roles``)."""
    return isinstance(user, User) and bool(ticket_roles(user, ticket) & visit_roles(pack, ticket))


def record_attempt(
    *, visit: ReturnVisit, user: AnyUser, outcome: str, note: str = "", now: datetime | None = None
) -> ReturnVisitAttempt:
    """Record a call-back that did not reach the complainant (回访未接通).

    After an ``unreachable`` outcome, or ``return_visit.max_attempts`` (default 3) failed
    calls, the complainant counts as unreachable: they get the survey link by SMS, and the
    sweep closes the ticket after ``return_visit.unreachable_close_after`` unless they rate.
    """
    if outcome not in AttemptOutcome.values:
        allowed = "、".join(f"{v}({label})" for v, label in AttemptOutcome.choices)
        raise InvalidInput(f"请选择回访结果:{allowed}", code="invalid_outcome", field="outcome")
    if len(note) > 500:
        raise InvalidInput("备注不能超过500字", code="note_too_long", field="note")
    now = now or timezone.now()
    with transaction.atomic():
        ticket = lock_ticket(visit.ticket_id)
        locked = ReturnVisit.objects.get(pk=visit.pk)
        pack = get_pack(ticket.policy)
        if not isinstance(user, User) or not may_record_attempt(user, ticket, pack):
            raise Forbidden("您的角色不能回访此工单", code="role_not_allowed")
        if not locked.is_active:
            raise InvalidTransition("回访任务已结束", code="visit_closed")
        attempt = ReturnVisitAttempt.objects.create(visit=locked, at=now, by=user, outcome=outcome, note=note)
        failed = locked.attempts.count()
        max_attempts = pack.return_visit.max_attempts
        became_unreachable = locked.status == VisitStatus.OPEN and (
            outcome == AttemptOutcome.UNREACHABLE or failed >= max_attempts
        )
        payload: dict[str, Any] = {"visit": locked.pk, "outcome": outcome, "attempts": failed}
        if became_unreachable:
            _visit_unreachable(ticket, locked, pack, now)
            payload["unreachable"] = True
            payload["close_at"] = locked.close_at.isoformat() if locked.close_at else None
        ticket_record(
            locked=ticket,
            kind=EventKind.RETURN_VISIT_ATTEMPT,
            actor=user,
            comment=f"{site_text(AttemptOutcome(outcome).label)}{':' + note if note else ''}",
            payload=payload,
            now=now,
        )
    return attempt


def _visit_unreachable(ticket: Ticket, visit: ReturnVisit, pack: Pack, now: datetime) -> None:
    after = pack.return_visit.unreachable_close_after
    visit.status = VisitStatus.UNREACHABLE
    visit.unreachable_at = now
    visit.close_at = None
    if after is not None:
        visit.close_at = compute_deadline(start=now, amount=after.amount, unit=after.unit).due_at
    visit.save(update_fields=["status", "unreachable_at", "close_at"])
    close_at = timezone.localtime(visit.close_at).strftime("%Y-%m-%d %H:%M") if visit.close_at else ""
    notify_complainant(
        ticket=ticket,
        kind="survey_link",
        context={"due": close_at},
        key=f"followup:visit:{visit.pk}:survey_link",
        now=now,
    )
