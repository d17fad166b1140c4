"""重大投诉 (major complaints): the pack's ``major`` rules, applied by the core.

- At registration, ``major_at_registration`` reads the new ticket before its clocks are set:
  when a rule matches, a ``normal`` ticket becomes ``major``, so its first clocks are the
  major limits; ``record_major`` then writes a ``mark_major`` event right after ``register``
  with every reason (which rule, which word, class, channel or amount).
- Later, ``ticket_mark_major`` (a person of the pack's ``major.raise_roles``, with a reason,
  and where the complainant went over our heads if that is why) and the batch rule
  (``on_batch_confirmed``: a ``confirm_batch`` on a parent that now heads at least
  ``min_complainants`` tickets) raise an open ticket: its running clocks take the major
  limits counted from that moment, and never fall due later than they already did.
- A rule never lowers: an ``urgent`` ticket stays urgent (its limits are the shortest); its
  reasons are recorded and the leaders told all the same.

Telling the leaders is the outbox's: ``notify.events`` writes a message for every
``mark_major`` event to the pack's ``major.notify`` roles, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition, NoChange
from hotline.core.types import AnyUser
from hotline.policies.registry import get_pack
from hotline.policies.schema import MajorReason, MajorRules, Pack, TypePolicy
from hotline.policies.vocab import SEVERITY_LABELS
from hotline.tickets.models import LinkKind, Severity, Status, Ticket, TicketEvent, TicketLink, UpgradedVia
from hotline.workflow.access import ticket_roles
from hotline.workflow.clocks import Clock, clock_due, new_clock
from hotline.workflow.events import record_event
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import TransitionResult, ticket_record
from hotline.workflow.state import refresh_dues

# Ticket.claimed_amount: 14 digits, 2 after the point.
AMOUNT_MAX = Decimal("999999999999.99")
REASON_MAX = 500
# what a raise may change on the ticket (saved with a new version)
_RAISED_FIELDS = ("severity", "stage_clock", "final_clock", "due_at", "final_due_at", "deadline_provisional")


@dataclass(frozen=True)
class MajorMark:
    """What the rules found on a ticket being registered, and its severity before."""

    reasons: tuple[MajorReason, ...]
    from_severity: str


def checked_claimed_amount(value: Decimal | None) -> Decimal | None:
    """The claimed amount as stored (two decimals), or ``InvalidInput``."""
    if value is None:
        return None
    if value < 0:
        raise InvalidInput("索赔金额不能为负数", code="invalid_claimed_amount", field="claimed_amount")
    if value > AMOUNT_MAX:
        raise InvalidInput("索赔金额过大", code="invalid_claimed_amount", field="claimed_amount")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput("索赔金额最多两位小数", code="invalid_claimed_amount", field="claimed_amount")
    return value.quantize(Decimal("0.01"))


def checked_upgraded_via(value: str) -> str:
    if value not in UpgradedVia.values:
        allowed = "、".join(v for v in UpgradedVia.values if v)
        raise InvalidInput(
            f"越级来源“{value}”无效,可选值:{allowed}", code="invalid_upgraded_via", field="upgraded_via"
        )
    return value


def rule_reasons(
    ticket: Ticket, rules: MajorRules, *, complainants: int | None = None
) -> tuple[MajorReason, ...]:
    """Every rule of ``rules`` the ticket matches (words in its subject, description, demand)."""
    return rules.reasons(
        ticket_type=ticket.type,
        customer_class=ticket.customer_class,
        channel=ticket.channel,
        upgraded_via=ticket.upgraded_via,
        claimed_amount=ticket.claimed_amount,
        text="\n".join((ticket.subject, ticket.description, ticket.demand)),
        complainants=complainants,
    )


def major_reasons(ticket: Ticket) -> tuple[MajorReason, ...]:
    """What the ticket's pack rules find on it now (the intake's read-back shows them)."""
    return rule_reasons(ticket, get_pack(ticket.policy).major)


def major_at_registration(ticket: Ticket, pack: Pack) -> MajorMark | None:
    """Before the first clocks: a ``normal`` ticket a rule matches becomes ``major``."""
    reasons = rule_reasons(ticket, pack.major)
    if not reasons:
        return None
    mark = MajorMark(reasons=reasons, from_severity=ticket.severity)
    if ticket.severity == Severity.NORMAL:
        ticket.severity = Severity.MAJOR
    return mark


def _comment(reasons: tuple[MajorReason, ...], *, severity: str, from_severity: str) -> str:
    manual = [r.value for r in reasons if r.rule == "manual"]
    found = [r.text for r in reasons if r.rule != "manual"]
    parts = []
    if manual:
        parts.append("认定为重大投诉:" + ";".join(manual))
    if found:
        parts.append("符合重大投诉规则:" + ";".join(found))
    if severity == from_severity and severity != Severity.MAJOR:
        parts.append(f"紧急程度保持“{SEVERITY_LABELS.get(severity, severity)}”")
    return "。".join(parts)[:4000]


def _payload(
    ticket: Ticket, pack: Pack, reasons: tuple[MajorReason, ...], from_severity: str
) -> dict[str, Any]:
    return {
        "severity": ticket.severity,
        "from_severity": from_severity,
        "reasons": [r.as_payload() for r in reasons],
        "notify": sorted(pack.major.notify),
    }


def record_major(ticket: Ticket, mark: MajorMark, *, pack: Pack, now: datetime) -> TicketEvent:
    """The ``mark_major`` event of a ticket being registered (right after ``register``).

    The pack's rules decided, not the person registering: the event is the system's."""
    payload = _payload(ticket, pack, mark.reasons, mark.from_severity)
    payload["at_registration"] = True
    if ticket.upgraded_via:
        payload["upgraded_via"] = ticket.upgraded_via
    return record_event(
        ticket,
        action=EventKind.MARK_MAJOR,
        actor=None,
        from_stage=ticket.stage,
        from_status=ticket.status,
        comment=_comment(mark.reasons, severity=ticket.severity, from_severity=mark.from_severity),
        payload=payload,
        now=now,
    )


# --- later: a person, or a confirmed batch --------------------------------------------------


def _earlier(old: dict[str, Any] | None, candidate: Clock) -> dict[str, Any]:
    """The clock that falls due first (the old one when they tie)."""
    if old is None or clock_due(candidate).at < clock_due(cast(Clock, old)).at:
        return dict(candidate)
    return old


def _category_code(ticket: Ticket) -> str | None:
    return ticket.category.code if ticket.category_id and ticket.category else None


def _tighten(ticket: Ticket, type_policy: TypePolicy, *, now: datetime) -> None:
    """Put a running ticket under the major limits, counted from ``now``: each clock becomes
    the earlier of what it was and the major limit from now."""
    category = _category_code(ticket)
    limit = type_policy.stage_limit(
        ticket.stage, severity=Severity.MAJOR, category_code=category, channel=ticket.channel
    )
    if limit is not None:
        ticket.stage_clock = _earlier(
            ticket.stage_clock, new_clock(start=now, amount=limit.amount, unit=limit.unit)
        )
    total = type_policy.total_limit(severity=Severity.MAJOR, category_code=category, channel=ticket.channel)
    started = {
        "received": True,
        "registered": True,
        "accepted": ticket.accepted_at is not None,
        "dispatched": ticket.round_dispatched_at is not None,
    }
    if total is not None and (ticket.final_clock or started.get(total.start, False)):
        ticket.final_clock = _earlier(
            ticket.final_clock, new_clock(start=now, amount=total.amount, unit=total.unit)
        )
    refresh_dues(ticket)


def _raise(
    locked: Ticket,
    *,
    pack: Pack,
    reasons: tuple[MajorReason, ...],
    actor: AnyUser | None,
    now: datetime,
    actor_label: str = "",
    changed: tuple[str, ...] = (),
) -> TicketEvent:
    """Make a locked, running ticket major and record why (one ``mark_major`` event)."""
    from_severity = locked.severity
    old_due, old_final = locked.due_at, locked.final_due_at
    if locked.severity == Severity.NORMAL:
        locked.severity = Severity.MAJOR
        # a suspended ticket's clocks are rebuilt from what was left when it resumes
        if locked.status == Status.OPEN:
            _tighten(locked, pack.type(locked.type), now=now)
    payload = _payload(locked, pack, reasons, from_severity)
    if "upgraded_via" in changed:
        payload["upgraded_via"] = locked.upgraded_via
    payload.update(
        old_due_at=old_due.isoformat() if old_due else None,
        due_at=locked.due_at.isoformat() if locked.due_at else None,
        old_final_due_at=old_final.isoformat() if old_final else None,
        final_due_at=locked.final_due_at.isoformat() if locked.final_due_at else None,
    )
    return ticket_record(
        locked=locked,
        kind=EventKind.MARK_MAJOR,
        actor=actor,
        actor_label=actor_label,
        now=now,
        comment=_comment(reasons, severity=locked.severity, from_severity=from_severity),
        payload=payload,
        changed=(*_RAISED_FIELDS, *changed),
    )


def may_mark_major(user: AnyUser, ticket: Ticket) -> bool:
    """Whether ``user`` may make ``ticket`` major by hand (the pack's ``major.raise_roles``)."""
    if ticket.status == Status.CLOSED or not user.is_authenticated:
        return False
    return bool(ticket_roles(user, ticket) & get_pack(ticket.policy).major.raise_roles)


def ticket_mark_major(
    *,
    ticket: Ticket,
    actor: AnyUser,
    reason: Any,
    upgraded_via: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TransitionResult:
    """认定重大投诉: ``actor`` (one of the pack's ``major.raise_roles`` on the ticket) makes a
    running ticket major, with ``reason``; ``upgraded_via`` also marks it 越级 (where the
    complainant went: ``tickets.models.UpgradedVia``). A ticket already major (or urgent)
    with nothing new to mark is ``no_change``."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("请填写认定为重大投诉的理由", code="reason_required", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"理由不能超过{REASON_MAX}字", code="reason_too_long", field="reason")
    if not isinstance(upgraded_via, str):
        raise InvalidInput("越级来源应为文字", code="invalid_upgraded_via", field="upgraded_via")
    upgraded_via = checked_upgraded_via(upgraded_via.strip())
    with transaction.atomic():
        locked = lock_ticket(ticket.pk, expected_version=expected_version)
        now = now or timezone.now()
        pack = get_pack(locked.policy)
        if not (ticket_roles(actor, locked) & pack.major.raise_roles):
            raise Forbidden("您的角色不能认定重大投诉", code="role_not_allowed")
        if locked.status == Status.CLOSED:
            raise InvalidTransition(
                "工单已结束,不能认定为重大投诉",
                code="ticket_closed",
                ticket_stage=locked.stage,
                ticket_status=locked.status,
            )
        reasons = [MajorReason("manual", reason.strip())]
        changed: tuple[str, ...] = ()
        if upgraded_via and upgraded_via != locked.upgraded_via:
            locked.upgraded_via = upgraded_via
            reasons.append(MajorReason("upgraded_via", upgraded_via))
            changed = ("upgraded_via",)
        elif locked.severity != Severity.NORMAL:
            raise NoChange(
                f"工单已是“{locked.get_severity_display()}”,无需重复认定",
                code="no_change",
                ticket_stage=locked.stage,
            )
        event = _raise(locked, pack=pack, reasons=tuple(reasons), actor=actor, now=now, changed=changed)
    return TransitionResult(ticket=locked, event=event)


def on_batch_confirmed(ticket: Ticket, event: TicketEvent) -> None:
    """批量客户投诉: a parent that now heads ``min_complainants`` tickets (itself and those
    held under it) becomes major, in the confirmation's transaction (an ``on_event``
    subscriber; the caller holds the parent's row lock)."""
    if event.action != EventKind.CONFIRM_BATCH or ticket.severity != Severity.NORMAL:
        return
    if ticket.status == Status.CLOSED:
        return
    rules = get_pack(ticket.policy).major
    if rules.min_complainants is None or not rules.applies_to(ticket.type):
        return
    count = 1 + TicketLink.objects.filter(target=ticket, kind=LinkKind.PARENT).count()
    found = tuple(r for r in rule_reasons(ticket, rules, complainants=count) if r.rule == "complainants")
    if found:
        _raise(ticket, pack=get_pack(ticket.policy), reasons=found, actor=None, now=event.created_at)
