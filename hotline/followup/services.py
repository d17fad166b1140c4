"""The deadline sweep and the return-visit services (催办、升级、回访).

``run_sweep`` is one synchronous pass; the periodic task runs it every minute and
``hotline sweep`` runs it once. Each ticket is handled in its own transaction under the
ticket's row lock (the lock ``ticket_transition`` takes), and each point acted on is a
``SweepMark`` row written in the same transaction as its notification and history event:
its unique constraint makes a point happen once, however many sweeps run at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from hotline.calendar.services import get_calendar
from hotline.core.errors import HotlineError
from hotline.followup.listeners import (
    UNREACHABLE_CLOSING_CODE,
    VISIT_ACTION,
    visit_create,
)
from hotline.followup.models import (
    ACTIVE_VISIT_STATUSES,
    MarkKind,
    NextStep,
    ReturnVisit,
    SweepMark,
    SweepSchedule,
    VisitStatus,
)
from hotline.followup.points import (
    LATE_UNIT_LABELS,
    Point,
    escalation_points,
    lateness,
    reminder_points,
    send_time,
)
from hotline.followup.visits import may_record_attempt, record_attempt, site_text
from hotline.notify.services import notify_staff
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack
from hotline.tickets.models import OPEN_STATUSES, Status, Ticket, TicketEvent
from hotline.workflow.actions import HANDLERS
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record, ticket_transition
from hotline.workflow.state import binding_clock

logger = logging.getLogger(__name__)

__all__ = ["may_record_attempt", "record_attempt", "run_sweep", "schedule_open_tickets", "site_text"]

SYSTEM_LABEL = "系统(催办)"
VISIT_SYSTEM_LABEL = "系统(回访)"
BATCH_SIZE = 200
RETRY_AFTER = timedelta(minutes=5)  # a ticket whose sweep failed is looked at again then


@dataclass
class SweepReport:
    """What one sweep did (counts), for the log, the command and the tests."""

    now: datetime
    tickets: int = 0  # tickets looked at
    reminders: int = 0  # before-due reminders sent
    escalations: int = 0  # escalation steps sent
    superseded: int = 0  # points passed over (a later one was sent, or the due time passed)
    postponed: int = 0  # points reached in quiet hours or on a rest day
    messages: int = 0  # outbox rows written
    visits_created: int = 0
    visits_closed: int = 0  # unreachable complainants closed after unreachable_close_after
    redispatched: int = 0
    supervised: int = 0
    steps_dropped: int = 0  # dissatisfied visits a person had already acted on
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"检查工单 {self.tickets} 件;催办 {self.reminders} 次,升级 {self.escalations} 次,"
            f"顺延 {self.postponed} 次,跳过 {self.superseded} 个过期节点;消息 {self.messages} 条;"
            f"新建回访 {self.visits_created} 件,联系不上办结 {self.visits_closed} 件;"
            f"自动再次派单 {self.redispatched} 件,转督办 {self.supervised} 件,"
            f"已由人工处理 {self.steps_dropped} 件;错误 {len(self.errors)} 个"
        )


def run_sweep(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> SweepReport:
    """One sweep: reminders and escalation of due tickets, then the return-visit steps."""
    report = SweepReport(now=now or timezone.now())
    _sweep_tickets(report, batch_size)
    _close_unreachable(report, batch_size)
    _follow_dissatisfied(report, batch_size)
    if report.errors:
        logger.warning("sweep finished with errors: %s", report.errors)
    return report


def schedule_open_tickets(*, now: datetime, batch_size: int = 5000) -> int:
    """Put every open ticket without a schedule row on the sweep's list for ``now``.

    For tickets that arrived without events the listeners heard (bulk-generated volume data,
    a restore from before the schedule existed); the first sweep then computes their points.
    """
    scheduled = SweepSchedule.objects.values("ticket_id")
    pending = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .exclude(pk__in=scheduled)
        .values_list("pk", flat=True)
        .order_by()
    )
    added = 0
    batch: list[SweepSchedule] = []
    for pk in pending.iterator(chunk_size=batch_size):
        batch.append(SweepSchedule(ticket_id=pk, next_at=now))
        if len(batch) >= batch_size:
            added += len(SweepSchedule.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    added += len(SweepSchedule.objects.bulk_create(batch, ignore_conflicts=True))
    return added


# --- tickets: reminders, escalation, visits at the limit ---------------------------------


def _sweep_tickets(report: SweepReport, batch_size: int) -> None:
    now = report.now
    while True:
        ids = list(
            SweepSchedule.objects.filter(next_at__lte=now)
            .order_by("next_at")
            .values_list("ticket_id", flat=True)[:batch_size]
        )
        if not ids:
            return
        for pk in ids:
            try:
                _sweep_ticket(pk, report)
            except Exception as exc:  # one broken ticket must not stop the sweep
                logger.exception("sweep failed for ticket %s", pk)
                report.errors.append(f"工单 {pk}: {exc}")
                SweepSchedule.objects.filter(ticket_id=pk).update(next_at=now + RETRY_AFTER)


def _sweep_ticket(pk: int, report: SweepReport) -> None:
    with transaction.atomic():
        try:
            ticket: Ticket | None = lock_ticket(pk)
        except Ticket.DoesNotExist:
            ticket = None
        if ticket is None or ticket.status == Status.CLOSED:
            SweepSchedule.objects.filter(ticket_id=pk).delete()
            return
        report.tickets += 1
        pack = get_pack(ticket.policy)
        next_at = _remind(ticket, pack, report) if ticket.status == Status.OPEN else None
        _visit_at_limit(ticket, pack, report)
        SweepSchedule.objects.update_or_create(ticket_id=pk, defaults={"next_at": next_at})


def _clock(ticket: Ticket) -> tuple[str, datetime, datetime, str] | None:
    """The running clock: (key, start, due, unit). The key changes with an extension."""
    binding = binding_clock(ticket)
    if binding is None or ticket.due_at is None:
        return None
    name, clock = binding
    start = datetime.fromisoformat(clock["start"])
    due = ticket.due_at
    return f"{name}:{int(start.timestamp())}:{int(due.timestamp())}", start, due, str(clock["unit"])


def _remind(ticket: Ticket, pack: Pack, report: SweepReport) -> datetime | None:
    """Send what is due now; return when the ticket needs looking at again (None: never)."""
    now, rules = report.now, pack.reminders
    clock = _clock(ticket)
    if clock is None:
        return None
    key, start, due, unit = clock
    cal = get_calendar()
    before = reminder_points(cal, start=start, due=due, unit=unit, reminders=rules)
    after = list(escalation_points(cal, due=due, reminders=rules, until=now))
    done = set(SweepMark.objects.filter(ticket=ticket, clock=key).values_list("point", flat=True))
    reached_before = [p for p in before if p.at <= now and p.key not in done]
    reached_after = [p for p in after if p.at <= now and p.key not in done]
    allowed = send_time(cal, now, reminders=rules, anytime=ticket.severity in rules.anytime_severities)
    wake: list[datetime] = [p.at for p in (*before, *after) if p.at > now and p.key not in done]

    # Before the due time only the latest reached point is worth sending (after downtime or
    # an extension the earlier ones are stale); once it has passed, none of them is.
    to_send: Point | None = None
    stale = reached_before if now >= due else reached_before[:-1]
    if now < due and reached_before:
        to_send = reached_before[-1]
    # After the due time likewise the latest step only (levels and repeats alike): when a
    # sweep finds several at once (a worker outage, a restore, old data) the earlier ones
    # are recorded as skipped with it, and their people are told in its one message.
    skipped: list[Point] = []
    if reached_after:
        to_send, skipped = reached_after[-1], reached_after[:-1]

    for point in stale:
        if _mark(ticket, key, point, now=now, sent=False, note="已被后续节点取代"):
            report.superseded += 1
    if to_send is not None and allowed > now:
        # the skipped steps stay unmarked: the sweep at ``allowed`` sees them again
        report.postponed += 1
        wake.append(allowed)
    elif to_send is not None:
        _send(ticket, key, due, to_send, report, unit=unit, skipped=skipped)
    return min(wake) if wake else None


def _mark(
    ticket: Ticket, clock: str, point: Point, *, now: datetime, sent: bool, note: str = ""
) -> SweepMark | None:
    """Claim ``point`` for this sweep; None when another sweep already has it."""
    try:
        with transaction.atomic():
            return SweepMark.objects.create(
                ticket=ticket,
                clock=clock,
                point=point.key,
                kind=MarkKind.REMINDER if point.kind == "reminder" else MarkKind.ESCALATION,
                due_at=point.at,
                done_at=now,
                roles=sorted(point.roles),
                sent=sent,
                note=note,
            )
    except IntegrityError:
        return None


def _point_label(point: Point) -> str:
    kind, _, value = point.key.partition("=")
    if kind == "used":
        return f"已用时限的{float(value):.0%}"
    if kind == "left":
        left = re.fullmatch(r"(\d+)([a-z_]+)", value)  # "2working_hours"
        if left is None:
            return f"距到期还剩{value}"
        return f"距到期还剩{left[1]}{LATE_UNIT_LABELS.get(left[2], left[2])}"
    if kind == "repeat":
        return f"超期持续上报(第{value}次)"
    return f"超期升级第{point.step}级"


def _send(
    ticket: Ticket,
    clock: str,
    due: datetime,
    point: Point,
    report: SweepReport,
    *,
    unit: str,
    skipped: Sequence[Point] = (),
) -> None:
    """Send ``point``; the ``skipped`` steps reached with it are marked as passed over.

    Whoever a skipped step would have told is told in this one message (the department
    head still learns that the ticket is overdue when the sweep finds the leader's step
    due at once), and the history event says which steps were skipped."""
    roles = point.roles.union(*(p.roles for p in skipped))
    mark = _mark(ticket, clock, replace(point, roles=roles), now=report.now, sent=True)
    if mark is None:
        return
    label = _point_label(point)
    passed = [
        p
        for p in skipped
        if _mark(ticket, clock, p, now=report.now, sent=False, note=f"与{label}同时到达,未单独发送")
    ]
    report.superseded += len(passed)
    context: dict[str, Any] = {"point": label}
    if point.kind == "reminder":
        kind, action = "due_soon", "remind"
        report.reminders += 1
    else:
        kind, action = ("overdue" if point.step == 1 else "escalated"), "escalate"
        report.escalations += 1
        context["lateness"] = lateness(get_calendar(), due=due, now=report.now, unit=unit)
    comment = label
    if passed:
        context["skipped"] = "、".join(_point_label(p) for p in passed)
        comment = f"{label}(同时到达的{context['skipped']}未单独发送)"
    written = notify_staff(
        ticket=ticket,
        kind=kind,
        roles=roles,
        context=context,
        key=f"followup:{ticket.pk}:{clock}:{point.key}",
        now=report.now,
    )
    mark.messages = written
    mark.save(update_fields=["messages"])
    report.messages += written
    payload: dict[str, Any] = {
        "point": point.key,
        "point_at": point.at.isoformat(),
        "due_at": due.isoformat(),
        "roles": sorted(roles),
        "messages": written,
    }
    if passed:
        payload["skipped"] = [{"point": p.key, "point_at": p.at.isoformat()} for p in passed]
    ticket_record(
        locked=ticket,
        kind=EventKind(action),
        actor=None,
        actor_label=SYSTEM_LABEL,
        comment=comment,
        payload=payload,
        now=report.now,
    )


def _visit_at_limit(ticket: Ticket, pack: Pack, report: SweepReport) -> None:
    """``return_visit.when: limit_expired`` (12345): visit when the limit expires, replied or not."""
    if pack.return_visit.when != "limit_expired" or ticket.status != Status.OPEN:
        return
    clock = _clock(ticket)
    stage = pack.type(ticket.type).stage(ticket.stage)
    if clock is None or report.now < clock[2] or VISIT_ACTION not in stage.actions:
        return
    if ReturnVisit.objects.filter(ticket=ticket, status__in=ACTIVE_VISIT_STATUSES).exists():
        return
    point = Point(key="visit_at_limit", kind="reminder", at=clock[2], roles=frozenset())
    if _automatic_mark(ticket, clock[0], point.key, point.at, report.now) is None:
        return
    visit_create(ticket=ticket, pack=pack, now=report.now)
    report.visits_created += 1


def _automatic_mark(ticket: Ticket, clock: str, point: str, at: datetime, now: datetime) -> SweepMark | None:
    try:
        with transaction.atomic():
            return SweepMark.objects.create(
                ticket=ticket,
                clock=clock,
                point=point,
                kind=MarkKind.AUTOMATIC,
                due_at=at,
                done_at=now,
            )
    except IntegrityError:
        return None


# --- return visits: unreachable close, dissatisfied → next round or supervision ----------


def _each_visit(
    pending: QuerySet[ReturnVisit],
    *,
    order: str,
    batch_size: int,
    report: SweepReport,
    step: Callable[[int, int, SweepReport], None],
    refused: Callable[[int], object],
    crashed: Callable[[int], object],
) -> None:
    """Run ``step(visit_pk, ticket_pk, report)`` once on each visit of ``pending``, in batches.

    A refusal by the pack's rules (``HotlineError``) is reported and handed to ``refused``;
    any other error is logged, reported and handed to ``crashed``: one broken row never
    stops the sweep, and none is tried twice in one sweep."""
    seen: set[int] = set()
    while True:
        rows = list(pending.exclude(pk__in=seen).order_by(order).values_list("pk", "ticket_id")[:batch_size])
        if not rows:
            return
        for visit_pk, ticket_pk in rows:
            seen.add(visit_pk)
            try:
                step(visit_pk, ticket_pk, report)
            except HotlineError as exc:
                report.errors.append(f"回访 {visit_pk}: {exc}")
                refused(visit_pk)
            except Exception as exc:
                logger.exception("sweep failed on return visit %s", visit_pk)
                report.errors.append(f"回访 {visit_pk}: {exc}")
                crashed(visit_pk)


def _close_unreachable(report: SweepReport, batch_size: int) -> None:
    """Close tickets whose complainant stayed unreachable for ``unreachable_close_after``.

    A stage that offers no close leaves the visit to the coordinator; a row that fails
    unexpectedly is tried again ``RETRY_AFTER`` later."""
    visits = ReturnVisit.objects
    _each_visit(
        visits.filter(status=VisitStatus.UNREACHABLE, close_at__lte=report.now),
        order="close_at",
        batch_size=batch_size,
        report=report,
        step=_close_one_unreachable,
        refused=lambda pk: visits.filter(pk=pk).update(close_at=None),
        crashed=lambda pk: visits.filter(pk=pk).update(close_at=report.now + RETRY_AFTER),
    )


def _close_one_unreachable(visit_pk: int, ticket_pk: int, report: SweepReport) -> None:
    now = report.now
    with transaction.atomic():
        # the ticket first, as every transition does, then the visit
        ticket = lock_ticket(ticket_pk)
        visit = ReturnVisit.objects.get(pk=visit_pk)
        if visit.status != VisitStatus.UNREACHABLE or visit.close_at is None:
            return
        clock, at = f"visit:{visit.pk}", visit.close_at
        if _automatic_mark(ticket, clock, "close_unreachable", at, now) is None:
            return
        ticket_transition(
            ticket=ticket,
            action="close",
            actor=None,
            system=True,
            actor_label=VISIT_SYSTEM_LABEL,
            params={
                "closing_code": UNREACHABLE_CLOSING_CODE,
                "result": "回访联系不上诉求人,已短信发送评价链接,逾期未评价,自动办结",
            },
            now=now,
        )
        report.visits_closed += 1


def _follow_dissatisfied(report: SweepReport, batch_size: int) -> None:
    """Dissatisfied: the next round to the same unit, or at the last round supervision.

    A row that fails with an unexpected error stays pending for the next sweep; this sweep
    goes on with the others."""
    visits = ReturnVisit.objects
    _each_visit(
        visits.filter(next_step=NextStep.PENDING),
        order="done_at",
        batch_size=batch_size,
        report=report,
        step=_follow_one_dissatisfied,
        refused=lambda pk: visits.filter(pk=pk).update(next_step=NextStep.NOT_OFFERED),
        crashed=lambda pk: None,
    )


def _follow_one_dissatisfied(visit_pk: int, ticket_pk: int, report: SweepReport) -> None:
    with transaction.atomic():
        ticket = lock_ticket(ticket_pk)
        visit = ReturnVisit.objects.get(pk=visit_pk)
        if visit.next_step != NextStep.PENDING:
            return
        if not _untouched_since_visit(ticket, visit):
            # a person already acted (redispatch, supervise, close …): nothing left to do
            visit.next_step = NextStep.NONE
            visit.save(update_fields=["next_step"])
            report.steps_dropped += 1
            return
        at = visit.done_at or report.now
        if _automatic_mark(ticket, f"visit:{visit.pk}", "dissatisfied", at, report.now) is None:
            return
        visit.next_step = _next_round(ticket, visit, report)
        visit.save(update_fields=["next_step"])


def _untouched_since_visit(ticket: Ticket, visit: ReturnVisit) -> bool:
    """Whether the ticket is still where the dissatisfied visit left it: the same round, the
    stage the visit moved it to, and no transition since (by a person or otherwise)."""
    if ticket.status != Status.OPEN or ticket.round != visit.round:
        return False
    event = (
        TicketEvent.objects.filter(ticket=ticket, action=VISIT_ACTION)
        .order_by("-seq")
        .only("seq", "to_stage")
        .first()
    )
    if event is None or ticket.stage != event.to_stage:
        return False
    return not TicketEvent.objects.filter(ticket=ticket, seq__gt=event.seq, action__in=HANDLERS).exists()


def _last_unit_code(ticket: Ticket) -> str:
    """The unit that handled the last round (its dispatch or redispatch event)."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, action__in=("dispatch", "redispatch"))
        .order_by("-seq")
        .values_list("payload", flat=True)
        .first()
    )
    code = event.get("unit") if isinstance(event, dict) else None
    return str(code) if code else ticket.unit.code


def _next_round(ticket: Ticket, visit: ReturnVisit, report: SweepReport) -> str:
    pack = get_pack(ticket.policy)
    stage = pack.type(ticket.type).stage(ticket.stage)
    rounds = pack.rounds
    if ticket.status != Status.OPEN:
        return NextStep.NOT_OFFERED
    if ticket.round < rounds.max and "redispatch" in stage.actions:
        result = ticket_transition(
            ticket=ticket,
            action="redispatch",
            actor=None,
            system=True,
            actor_label=VISIT_SYSTEM_LABEL,
            params={
                "unit": _last_unit_code(ticket),
                "comment": f"回访不满意,自动再次派单(第{ticket.round + 1}轮)",
            },
            now=report.now,
        )
        report.redispatched += 1
        if result.ticket.supervised:
            # the redispatch event itself tells the unit and the leaders (hotline.notify.events)
            report.supervised += 1
        return NextStep.REDISPATCHED
    if ticket.round >= rounds.max:
        comment = f"已达最多派单轮次({rounds.max}),回访仍不满意,转分管领导督办"
        if "supervise" in stage.actions and not ticket.supervised:
            result = ticket_transition(
                ticket=ticket,
                action="supervise",
                actor=None,
                system=True,
                actor_label=VISIT_SYSTEM_LABEL,
                params={"comment": comment},
                now=report.now,
            )
            ticket = result.ticket
        # the supervise event tells the unit; the leader takes the matter over (督办)
        report.supervised += 1
        report.messages += notify_staff(
            ticket=ticket,
            kind="supervised",
            roles=("leader",),
            context={"comment": comment},
            key=f"followup:supervised:{ticket.pk}:visit{visit.pk}",
            now=report.now,
        )
        return NextStep.SUPERVISED
    return NextStep.NOT_OFFERED


# --- call-back attempts ------------------------------------------------------------------
