"""Writes of repeat and batch detection that people make (ADR 0024), each in one transaction
with its history event, under the tickets' row locks:

- ``link_confirm`` / ``link_dismiss``: a suggested link (``confirmed: false``) is confirmed
  (it then counts in the repeat rate) or dismissed (removed); ``confirm_link`` /
  ``dismiss_link`` on the ticket. Intake and coordinator roles (``LINK_ROLES``).
- ``batch_confirm``: one parent is handled; every other open member is held under it — its
  clocks stopped as by ``suspend`` (what was left is kept in ``suspension``), a ``parent``
  link to the parent, a ``join_batch`` event — so no reminder or escalation runs for it.
- ``batch_dismiss``: not one matter; the batch keeps the tickets of its key quietly.
- ``relay`` (the in-transaction listener of the parent's events): the parent's answer goes
  to every held child (``batch_reply``, told by the child's own channel through the
  outbox), and when the parent closes, each child closes with it (``close_with_parent``)
  in the parent's final stage, with the parent's whole-ticket clock — so a child is late
  exactly when the parent is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, cast

from django.db import transaction
from django.utils import timezone

from hotline.core.errors import Conflict, Forbidden, InvalidInput, NoChange, NotFound
from hotline.core.types import AnyUser, User
from hotline.notify.events import under_review
from hotline.org.models import Role
from hotline.policies.registry import get_pack
from hotline.policies.vocab import CLOSED_STAGE
from hotline.similar.detection import detection_lock
from hotline.similar.models import ACTIVE_BATCH, Batch, BatchStatus, Member, MemberState
from hotline.tickets.models import LinkKind, Status, Ticket, TicketEvent, TicketLink
from hotline.workflow.access import ticket_roles, tickets_visible_to
from hotline.workflow.clocks import Clock, clock_remaining
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.roles import INTAKE_ROLES
from hotline.workflow.services import ticket_record
from hotline.workflow.state import enter_stage

LINK_ROLES: Final = INTAKE_ROLES  # agent, coordinator, team leader, admin
BATCH_ROLES: Final = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})
# kinds this app records: the relay does not look at them
OWN_KINDS: Final = frozenset(
    {
        EventKind.FLAG_REPEAT,
        EventKind.CONFIRM_LINK,
        EventKind.DISMISS_LINK,
        EventKind.CONFIRM_BATCH,
        EventKind.JOIN_BATCH,
        EventKind.BATCH_REPLY,
        EventKind.CLOSE_WITH_PARENT,
    }
)


def _actor(user: AnyUser) -> User | None:
    return user if isinstance(user, User) else None


# --- links ---------------------------------------------------------------------------------


def may_decide_links(user: AnyUser, ticket: Ticket) -> bool:
    return bool(ticket_roles(user, ticket) & LINK_ROLES)


def _locked_link(ticket: Ticket, link_id: int, actor: AnyUser) -> tuple[Ticket, TicketLink]:
    locked = lock_ticket(ticket.pk)
    link = TicketLink.objects.select_related("target").filter(pk=link_id, ticket=locked).first()
    if link is None:
        raise NotFound("关联不存在", code="link_not_found")
    if not may_decide_links(actor, locked):
        raise Forbidden("只有受理员、协调员、班长可以确认或排除关联", code="link_forbidden")
    if link.confirmed:
        raise NoChange("该关联已确认", code="no_change")
    return locked, link


def _link_payload(link: TicketLink) -> dict[str, Any]:
    return {"link": link.pk, "kind": link.kind, "number": link.target.number}


def link_confirm(*, ticket: Ticket, link_id: int, actor: AnyUser, now: datetime | None = None) -> TicketLink:
    """Confirm a suggested link (``ticket`` is one the actor may see: ``access_ticket``)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, link = _locked_link(ticket, link_id, actor)
        link.confirmed = True
        link.save(update_fields=["confirmed"])
        ticket_record(
            locked=locked,
            kind=EventKind.CONFIRM_LINK,
            actor=actor,
            now=now,
            comment=f"{link.get_kind_display()}:{link.target.number}",
            payload=_link_payload(link),
        )
    return link


def link_dismiss(*, ticket: Ticket, link_id: int, actor: AnyUser, now: datetime | None = None) -> None:
    """Dismiss a suggested link: it is removed; the history keeps what it was."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, link = _locked_link(ticket, link_id, actor)
        payload = _link_payload(link)
        label = link.get_kind_display()
        link.delete()
        ticket_record(
            locked=locked,
            kind=EventKind.DISMISS_LINK,
            actor=actor,
            now=now,
            comment=f"不是{label}:{payload['number']}",
            payload=payload,
        )


# --- batches -------------------------------------------------------------------------------


def _members(batch: Batch) -> list[Member]:
    return list(Member.objects.filter(batch=batch).select_related("ticket").order_by("ticket_id"))


def _check_batch(batch: Batch, actor: AnyUser, members: list[Member], expected_version: int | None) -> None:
    visible = set(
        tickets_visible_to(actor).filter(pk__in=[m.ticket_id for m in members]).values_list("pk", flat=True)
    )
    if not visible:
        raise NotFound("批量投诉不存在或您无权查看", code="batch_not_found")
    if len(visible) < len(members) or any(not (ticket_roles(actor, m.ticket) & BATCH_ROLES) for m in members):
        raise Forbidden(
            "只有协调员、分管领导可以确认或排除批量投诉(须能办理其中每件工单)", code="batch_forbidden"
        )
    if expected_version is not None and expected_version != batch.version:
        raise Conflict("批量投诉已有变化,请刷新后重试", code="stale_version", current_version=batch.version)
    if batch.status not in ACTIVE_BATCH:
        raise Conflict(f"批量投诉{batch.get_status_display()},不能再确认或排除", code="batch_wrong_status")


def _parent(batch: Batch, members: list[Member], number: str) -> Member:
    if batch.parent_id is not None:
        if number and number != batch.parent.number:  # type: ignore[union-attr]
            raise InvalidInput("批量投诉已确认,主工单不能更换", code="batch_parent_fixed", field="parent")
        return next(m for m in members if m.ticket_id == batch.parent_id)
    if number:
        chosen = next((m for m in members if m.ticket.number == number), None)
        if chosen is None:
            raise InvalidInput(f"工单“{number}”不在这批投诉中", code="batch_parent_invalid", field="parent")
        if chosen.ticket.status == Status.CLOSED:
            raise InvalidInput("已结束的工单不能作为主工单", code="batch_parent_closed", field="parent")
        return chosen
    running = [m for m in members if m.ticket.status != Status.CLOSED]
    if not running:
        raise Conflict("这批投诉都已结束,无需合并办理", code="batch_wrong_status")
    return min(running, key=lambda m: (m.ticket.received_at, m.ticket_id))  # the first complaint


def batch_confirm(
    *,
    batch: Batch,
    actor: AnyUser,
    parent: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Batch:
    """Confirm ``batch``: the parent (``parent``: a member's number; default the earliest
    open one) is handled, every other open member is held under it. A confirmed batch that
    took new tickets since is confirmed again for those. Nothing new → ``no_change``."""
    now = now or timezone.now()
    with transaction.atomic():
        detection_lock()
        batch = Batch.objects.select_for_update().get(pk=batch.pk)  # bare row (no outer join)
        members = _members(batch)
        _check_batch(batch, actor, members, expected_version)
        chosen = _parent(batch, members, parent.strip())
        fresh = [m for m in members if m.state == MemberState.SUGGESTED and m.pk != chosen.pk]
        if batch.status == BatchStatus.CONFIRMED and not fresh:
            raise NoChange("批量投诉已确认,没有新的工单", code="no_change")
        head = lock_ticket(chosen.ticket_id)
        held: list[str] = []
        for m in fresh:
            child = lock_ticket(m.ticket_id)
            if child.status != Status.OPEN:
                m.state = MemberState.LEFT  # closed, or suspended for its own reason
            else:
                _hold(child, head, batch, actor, now)
                m.state = MemberState.HELD
                held.append(child.number)
            m.save(update_fields=["state"])
        if chosen.state != MemberState.PARENT:
            chosen.state = MemberState.PARENT
            chosen.save(update_fields=["state"])
        ticket_record(
            locked=head,
            kind=EventKind.CONFIRM_BATCH,
            actor=actor,
            now=now,
            comment=f"确认为批量投诉“{batch.label}”的主工单,并办 {len(held)} 件:{'、'.join(held)}"[:4000],
            payload={"batch": batch.pk, "basis": batch.basis, "label": batch.label, "children": held},
        )
        batch.status = BatchStatus.CONFIRMED
        batch.parent = head
        batch.decided_at, batch.decided_by = now, _actor(actor)
        batch.version += 1
        batch.save(update_fields=["status", "parent", "decided_at", "decided_by", "version"])
    return batch


def _hold(child: Ticket, head: Ticket, batch: Batch, actor: AnyUser, now: datetime) -> None:
    """Stop the child's clocks as ``suspend`` does and link it to the parent."""
    state: dict[str, Any] = {"at": now.isoformat(), "reason": f"并入批量投诉,随主工单 {head.number} 办理"}
    for key in ("stage_clock", "final_clock"):
        clock = getattr(child, key)
        if clock:
            amount, unit = clock_remaining(cast(Clock, clock), at=now)
            state[key] = [amount, unit]
    state["batch"] = batch.pk
    state["parent"] = head.number
    child.suspension = state
    child.status = Status.SUSPENDED
    TicketLink.objects.get_or_create(ticket=child, target=head, kind=LinkKind.PARENT)
    ticket_record(
        locked=child,
        kind=EventKind.JOIN_BATCH,
        actor=actor,
        now=now,
        changed=("status", "suspension"),
        from_status=Status.OPEN,
        comment=state["reason"],
        payload={
            "batch": batch.pk,
            "basis": batch.basis,
            "label": batch.label,
            "parent": head.number,
            "remaining": {k: v for k, v in state.items() if k.endswith("clock")},
        },
    )


def batch_dismiss(
    *, batch: Batch, actor: AnyUser, expected_version: int | None = None, now: datetime | None = None
) -> Batch:
    """Not one matter: only a suggested batch (a confirmed one has held tickets)."""
    now = now or timezone.now()
    with transaction.atomic():
        detection_lock()
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        _check_batch(batch, actor, _members(batch), expected_version)
        if batch.status != BatchStatus.SUGGESTED:
            raise Conflict("已确认的批量投诉不能排除", code="batch_wrong_status")
        batch.status = BatchStatus.DISMISSED
        batch.decided_at, batch.decided_by = now, _actor(actor)
        batch.version += 1
        batch.save(update_fields=["status", "decided_at", "decided_by", "version"])
    return batch


# --- the parent's events reach its children ----------------------------------------------


def _answer(parent: Ticket, event: TicketEvent) -> str:
    """What the parent's complainant is told as the result by this event (notify's rules)."""
    payload = event.payload or {}
    if event.action == EventKind.REPLY and not under_review(parent, event):
        return str(payload.get("result") or event.comment)
    if event.action in (EventKind.APPROVE_REPLY, EventKind.CLOSE):
        return str(payload.get("result") or "")
    if event.action == EventKind.REJECT:
        return f"不予受理:{payload.get('reason_label') or event.comment}"
    return ""


def _last_answer(parent: Ticket) -> str:
    for e in TicketEvent.objects.filter(
        ticket=parent, action__in=[EventKind.REPLY, EventKind.APPROVE_REPLY, EventKind.CLOSE]
    ).order_by("-seq"):
        text = _answer(parent, e)
        if text:
            return text
    return ""


def relay(parent: Ticket, event: TicketEvent) -> None:
    """In the parent's event transaction (``listeners``): its answer to each held child,
    and its close to each of them."""
    batch = Batch.objects.filter(parent=parent, status=BatchStatus.CONFIRMED).first()
    if batch is None:
        return
    closing = parent.status == Status.CLOSED
    answer = _answer(parent, event)
    if not closing and not answer:
        return
    now = event.created_at
    members = list(Member.objects.filter(batch=batch, state=MemberState.HELD).order_by("ticket_id"))
    common = {"batch": batch.pk, "basis": batch.basis, "label": batch.label, "parent": parent.number}
    for m in members:
        child = lock_ticket(m.ticket_id)
        if not closing:
            ticket_record(
                locked=child,
                kind=EventKind.BATCH_REPLY,
                actor=None,
                actor_label=f"主工单 {parent.number}",
                now=now,
                comment=answer,
                payload={**common, "result": answer},
                public=True,
            )
            continue
        told = TicketEvent.objects.filter(ticket=child, action=EventKind.BATCH_REPLY).exists()
        result = answer or ("" if told else _last_answer(parent))
        _close_child(child, parent, now=now, payload={**common, "result": result})
        m.state = MemberState.CLOSED
        m.save(update_fields=["state"])
    if closing:
        batch.status = BatchStatus.CLOSED
        batch.version += 1
        batch.save(update_fields=["status", "version"])


CLOSED_FIELDS: Final = (
    "stage",
    "stage_entered_at",
    "status",
    "closed_at",
    "closing_code",
    "stage_clock",
    "final_clock",
    "suspension",
    "due_at",
    "final_due_at",
    "deadline_provisional",
)


def _close_child(child: Ticket, parent: Ticket, *, now: datetime, payload: dict[str, Any]) -> None:
    type_policy = get_pack(child.policy).type(child.type)
    final = (
        parent.stage if parent.stage in type_policy.stages and type_policy.stages[parent.stage].final else ""
    )
    from_stage, from_status = child.stage, child.status
    child.suspension = None
    child.closing_code = parent.closing_code or "handled"
    child.final_clock = parent.final_clock  # the parent's clock: late exactly when the parent is
    enter_stage(child, type_policy=type_policy, stage=final or CLOSED_STAGE, now=now)
    ticket_record(
        locked=child,
        kind=EventKind.CLOSE_WITH_PARENT,
        actor=None,
        actor_label=f"主工单 {parent.number}",
        now=now,
        changed=CLOSED_FIELDS,
        from_stage=from_stage,
        from_status=from_status,
        comment=payload["result"] or f"随主工单 {parent.number} 办结",
        payload={**payload, "closing_code": child.closing_code},
        public=True,
    )
