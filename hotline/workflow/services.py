"""The one door for state changes (``ticket_transition``).

Every action: lock the ticket row, check the pack (stage, role, guards), apply, recompute
deadlines, save, and append the history event — all in one transaction. Two conflicting
actions at the same moment serialise on the row lock; the loser finds the ticket moved
and gets a ``Conflict`` (HTTP 409). Nothing is deleted: a correction is a new event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition, NoChange
from hotline.core.types import AnyUser
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack, TypePolicy
from hotline.tickets.masking import IDENTITY_MASKS, identity_of
from hotline.tickets.models import (
    OPEN_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    Ticket,
    TicketEvent,
)
from hotline.tickets.selectors import counted_extensions
from hotline.workflow.access import ticket_roles
from hotline.workflow.actions import HANDLERS, Context
from hotline.workflow.events import record_event
from hotline.workflow.kinds import RECORDED_KINDS, EventKind, event_label
from hotline.workflow.locks import lock_ticket
from hotline.workflow.state import enter_stage, refresh_dues

ACTIONS_WHILE_SUSPENDED = frozenset({"resume"})
# Actions that only set something on the ticket: when it is already so, they change nothing,
# write nothing and tell the caller (50 repeated 督办 are one supervision, not 50 events).
UNLESS_UNCHANGED = frozenset({"supervise", "assign", "instruct"})
_UNTRACKED = frozenset({"version", "updated_at"})


def _state(ticket: Ticket) -> tuple[Any, ...]:
    return tuple(
        getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields if f.attname not in _UNTRACKED
    )


@dataclass
class TransitionResult:
    ticket: Ticket
    event: TicketEvent
    identity: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _policy(ticket: Ticket) -> tuple[Pack, TypePolicy]:
    pack = get_pack(ticket.policy)
    return pack, pack.type(ticket.type)


def _cheap_guard(action: str, ticket: Ticket, pack: Pack, requests: list[ExtensionRequest]) -> bool:
    """Guards that can be checked without parameters, for ``allowed_actions``.

    ``requests`` are the ticket's extension requests of the current round that count
    against the caps (pending or approved).
    """
    pending = any(r.status == ExtensionStatus.PENDING for r in requests)
    if action == "request_extension":
        rule = pack.extension
        return (
            rule is not None
            and not pending
            and len(requests) < rule.max_count
            and sum(r.amount for r in requests) < rule.max_total
        )
    if action in ("approve_extension", "deny_extension"):
        return pending
    if action == "redispatch":
        return ticket.round < pack.rounds.max
    return True


def allowed_actions(ticket: Ticket, user: AnyUser) -> list[str]:
    """The actions ``user`` may take on ``ticket`` now (what the UI shows as buttons)."""
    pack, type_policy = _policy(ticket)
    roles = ticket_roles(user, ticket)
    stage = type_policy.stage(ticket.stage)
    extension_actions = {"request_extension", "approve_extension", "deny_extension"}
    requests = counted_extensions(ticket) if extension_actions & set(stage.actions) else []
    result = []
    for name, rule in stage.actions.items():
        if ticket.status == Status.SUSPENDED and name not in ACTIONS_WHILE_SUSPENDED:
            continue
        if ticket.status != Status.SUSPENDED and name == "resume":
            continue
        if not rule.applies_to(severity=ticket.severity, channel=ticket.channel):
            continue
        if roles & set(rule.roles) and _cheap_guard(name, ticket, pack, requests):
            result.append(name)
    if ticket.confidential and roles & set(pack.identity_roles):
        result.append("unmask")
    return result


def ticket_transition(
    *,
    ticket: Ticket,
    action: str,
    actor: AnyUser | None,
    params: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    system: bool = False,
    actor_label: str = "",
    now: datetime | None = None,
) -> TransitionResult:
    """Take ``action`` on ``ticket`` as ``actor``.

    ``system=True`` is for the worker's automatic steps: the pack's stage rules still
    apply, the role check does not. ``expected_version`` (the version the caller saw)
    turns a silent overwrite into a ``Conflict``.
    """
    params = params or {}
    if action == "unmask":
        return ticket_unmask(ticket=ticket, actor=actor, reason=params.get("reason"))
    if action not in HANDLERS:
        raise InvalidInput(f"未知的操作“{action}”", code="unknown_action", field="action")
    with transaction.atomic():
        locked = lock_ticket(ticket.pk, expected_version=expected_version)
        now = now or timezone.now()
        pack, type_policy = _policy(locked)
        stage = type_policy.stage(locked.stage)
        rule = stage.actions.get(action)
        suspended = locked.status == Status.SUSPENDED
        if (
            rule is None
            or (suspended and action not in ACTIONS_WHILE_SUSPENDED)
            or (not suspended and action == "resume")
        ):
            raise InvalidTransition(
                f"工单当前环节“{stage.label}”{'(已中止)' if suspended else ''}"
                f"不能执行“{action}”,可能已被他人处理",
                ticket_stage=locked.stage,
                ticket_status=locked.status,
            )
        if not rule.applies_to(severity=locked.severity, channel=locked.channel):
            raise InvalidTransition(
                f"按政策包规定,{locked.get_severity_display()}工单在“{stage.label}”环节不能执行“{action}”",
                code="action_not_applicable",
                ticket_stage=locked.stage,
                ticket_status=locked.status,
            )
        if not system and not (ticket_roles(actor, locked) & set(rule.roles) if actor else False):
            raise Forbidden("您的角色不能执行此操作", code="role_not_allowed")

        from_stage, from_status = locked.stage, locked.status
        before = _state(locked)
        outcome = HANDLERS[action](
            Context(
                ticket=locked,
                pack=pack,
                type_policy=type_policy,
                rule=rule,
                actor=actor,
                params=params,
                now=now,
            )
        )
        target = outcome.to_stage or rule.to
        moves = bool(target) and (target != locked.stage or type_policy.stage(target or "").final)
        if not moves and action in UNLESS_UNCHANGED and _state(locked) == before:
            # supervising a supervised ticket, assigning the handler it has: nothing to record
            raise NoChange(
                f"工单已是此状态,无需重复“{event_label(action)}”", code="no_change", ticket_stage=locked.stage
            )
        if moves and target:
            enter_stage(locked, type_policy=type_policy, stage=target, now=now)
            # a request for more time in the stage being left has no object any more
            lapsed = ExtensionRequest.objects.filter(ticket=locked, status=ExtensionStatus.PENDING).update(
                status=ExtensionStatus.LAPSED, decided_at=now
            )
            if lapsed:
                outcome.payload["lapsed_extensions"] = lapsed
        locked.version += 1
        locked.save()
        event = record_event(
            locked,
            action=action,
            actor=actor,
            actor_label=actor_label,
            from_stage=from_stage,
            from_status=from_status,
            comment=outcome.comment,
            payload=outcome.payload,
            public=outcome.public,
            now=now,
        )
    return TransitionResult(ticket=locked, event=event)


def ticket_record(
    *,
    locked: Ticket,
    kind: EventKind,
    actor: AnyUser | None,
    now: datetime,
    actor_label: str = "",
    comment: str = "",
    payload: dict[str, Any] | None = None,
    public: bool = False,
    changed: Sequence[str] = (),
    bump_version: bool = False,
    from_stage: str | None = None,
    from_status: str | None = None,
) -> TicketEvent:
    """Record one of the core's non-pack kinds (``kinds.RECORDED_KINDS``) on a locked ticket.

    The caller holds the row lock (``lock_ticket``) inside its transaction. ``changed`` names
    the ticket fields it changed in memory: they are saved with a new ``version``, so a
    screen that showed the old state gets a conflict instead of overwriting;
    ``bump_version`` does the same for a change beside the ticket's row (a new attachment).
    A kind that changes nothing a screen shows (a reminder, a failed call-back) leaves the
    version alone, so nobody's form is refused because the sweep ran. A kind that changed
    the stage or status in memory (a batch child held or closed with its parent) passes
    what they were as ``from_stage`` / ``from_status`` (default: as they are now).
    """
    if kind not in RECORDED_KINDS:
        raise ValueError(f"{kind} is not recorded through ticket_record")
    if changed or bump_version:
        locked.version += 1
        locked.save(update_fields=[*changed, "version", "updated_at"])
    return record_event(
        locked,
        action=kind,
        actor=actor,
        actor_label=actor_label,
        from_stage=locked.stage if from_stage is None else from_stage,
        from_status=locked.status if from_status is None else from_status,
        comment=comment,
        payload=payload,
        public=public,
        now=now,
    )


def ticket_unmask(
    *,
    ticket: Ticket,
    actor: AnyUser | None,
    reason: Any,
    via: str = "",
    fields: Sequence[str] | None = None,
) -> TransitionResult:
    """Show a confidential ticket's identity to an allowed role; every unmask is logged.

    ``via`` names a door other than the ticket page (``admin``: the outbox searched by a
    phone or e-mail) and ``fields`` what it revealed (default: every identity field); both
    go into the event's payload.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("查看身份信息须填写理由", code="reason_required", field="reason")
    if len(reason) > 500:
        raise InvalidInput("理由不能超过500字", code="reason_too_long", field="reason")
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
        pack, _ = _policy(locked)
        if actor is None or not (ticket_roles(actor, locked) & set(pack.identity_roles)):
            raise Forbidden("您无权查看诉求人身份信息", code="identity_forbidden")
        event = record_event(
            locked,
            action="unmask",
            actor=actor,
            from_stage=locked.stage,
            from_status=locked.status,
            comment=reason.strip(),
            payload={"fields": list(fields or IDENTITY_MASKS), **({"via": via} if via else {})},
            now=timezone.now(),
        )
    return TransitionResult(ticket=locked, event=event, identity=identity_of(locked))


def recompute_provisional_deadlines(*, years: Iterable[int] | None = None) -> int:
    """After a calendar import: recompute every open ticket whose deadline was provisional.

    Each change is recorded in the ticket's history (action ``recalculate_deadline``).
    Returns how many tickets changed. Safe to run again (idempotent).
    """
    changed = 0
    candidates = Ticket.objects.filter(status__in=OPEN_STATUSES, deadline_provisional=True).values_list(
        "pk", flat=True
    )
    for pk in list(candidates.iterator()):
        with transaction.atomic():
            t = lock_ticket(pk)
            old = (t.due_at, t.final_due_at, t.deadline_provisional)
            refresh_dues(t)
            if (t.due_at, t.final_due_at, t.deadline_provisional) == old:
                continue
            ticket_record(
                locked=t,
                kind=EventKind.RECALCULATE_DEADLINE,
                actor=None,
                actor_label="系统(日历导入)",
                changed=("due_at", "final_due_at", "deadline_provisional"),
                comment="导入法定节假日安排后重新计算时限",
                now=timezone.now(),
                payload={
                    "years": sorted(years) if years is not None else None,
                    "old_due_at": old[0].isoformat() if old[0] else None,
                    "due_at": t.due_at.isoformat() if t.due_at else None,
                    "old_final_due_at": old[1].isoformat() if old[1] else None,
                    "final_due_at": t.final_due_at.isoformat() if t.final_due_at else None,
                    "provisional": t.deadline_provisional,
                },
            )
            changed += 1
    return changed
