"""The rectification sweep (整改催办): remind the unit's head one working day before the
deadline, escalate to the issuer's leader once it has passed without a report.

Each point is claimed by a :class:`~hotline.rectification.models.NoticeMark` row, unique per
(notice, point, deadline), written in the same transaction as its outbox messages and its
history step, under the notice's row lock: however many sweeps run, each point happens
once. A point is only for the deadline it was computed for: a new deadline given on
sending back gives new points; a reminder whose deadline has passed is not sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from hotline.calendar.services import get_calendar
from hotline.core.types import User
from hotline.rectification.models import AWAITING_REPORT, MarkPoint, Notice, NoticeMark, StepAction
from hotline.rectification.outbox import heads_of, leaders_over, send
from hotline.rectification.services import lock_notice, record_step

logger = logging.getLogger(__name__)

SYSTEM_LABEL = "系统(整改催办)"
BATCH_SIZE = 200


@dataclass
class RectificationSweepReport:
    now: datetime
    reminders: int = 0
    escalations: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"整改催办 {self.reminders} 次,超期上报 {self.escalations} 次;"
            f"消息 {self.messages} 条;错误 {len(self.errors)} 个"
        )


def _unmarked(point: MarkPoint) -> QuerySet[Notice]:
    done = NoticeMark.objects.filter(notice=OuterRef("pk"), point=point, due_at=OuterRef("due_at"))
    return Notice.objects.filter(status__in=AWAITING_REPORT).exclude(Exists(done))


def run_rectification_sweep(
    now: datetime | None = None, *, batch_size: int = BATCH_SIZE
) -> RectificationSweepReport:
    """One pass: the reminders due, then the escalations due."""
    report = RectificationSweepReport(now=now or timezone.now())
    remind = _unmarked(MarkPoint.REMIND).filter(remind_at__lte=report.now, due_at__gt=report.now)
    escalate = _unmarked(MarkPoint.ESCALATE).filter(due_at__lte=report.now)
    for point, qs in ((MarkPoint.REMIND, remind), (MarkPoint.ESCALATE, escalate)):
        for pk in list(qs.order_by("due_at").values_list("pk", flat=True)[:batch_size]):
            try:
                _act(pk, point, report)
            except Exception as exc:  # one broken notice must not stop the sweep
                logger.exception("rectification sweep failed for notice %s", pk)
                report.errors.append(f"整改通知书 {pk}: {exc}")
    return report


def _claim(notice: Notice, point: MarkPoint, now: datetime) -> NoticeMark | None:
    """The point's mark, or None when another sweep already has it."""
    try:
        with transaction.atomic():
            return NoticeMark.objects.create(notice=notice, point=point, due_at=notice.due_at, done_at=now)
    except IntegrityError:
        return None


def _act(pk: int, point: MarkPoint, report: RectificationSweepReport) -> None:
    now = report.now
    with transaction.atomic():
        notice = lock_notice(pk)
        # looked again under the lock: a report or a new deadline may have come meanwhile
        if not notice.awaiting_report:
            return
        if point == MarkPoint.REMIND and not (
            notice.remind_at is not None and notice.remind_at <= now < notice.due_at
        ):
            return
        if point == MarkPoint.ESCALATE and notice.due_at > now:
            return
        mark = _claim(notice, point, now)
        if mark is None:
            return
        key = f"{point}:{int(notice.due_at.timestamp())}"
        heads = heads_of(notice.unit)
        if point == MarkPoint.REMIND:
            label = "距整改期限还剩1个工作日"
            written = send(notice, kind="rectification_due_soon", users=heads, key=key, now=now, point=label)
            recipients: list[User] = heads
            report.reminders += 1
        else:
            late = _lateness(notice, now)
            label = "超期未报送整改报告,上报分管领导"
            leaders = leaders_over(notice.issuing_unit or notice.unit)
            above = [*leaders, *([notice.issued_by] if notice.issued_by.is_active else [])]
            written = send(
                notice, kind="rectification_overdue", users=heads, key=f"{key}:unit", now=now, lateness=late
            )
            written += send(
                notice,
                kind="rectification_escalated",
                users=above,
                key=key,
                now=now,
                lateness=late,
                point="上报分管领导" if leaders else "告知下发人",
            )
            recipients = [*heads, *above]
            report.escalations += 1
        mark.messages = written
        mark.save(update_fields=["messages"])
        report.messages += written
        record_step(
            notice,
            action=StepAction.REMIND if point == MarkPoint.REMIND else StepAction.ESCALATE,
            actor=None,
            actor_label=SYSTEM_LABEL,
            from_status=notice.status,
            now=now,
            comment=label,
            payload={
                "due_at": notice.due_at.isoformat(),
                "messages": written,
                "to": sorted({u.pk for u in recipients}),
            },
        )


def _lateness(notice: Notice, now: datetime) -> str:
    """ "已超期N个工作日" / "已超过整改期限"."""
    cal = get_calendar()
    tz = cal.tz
    first, last = notice.due_at.astimezone(tz).date(), now.astimezone(tz)
    days, day = 0, first
    while day < last.date():
        day = day.fromordinal(day.toordinal() + 1)
        if cal.is_working_day(day) and (day < last.date() or last.time() >= cal.close):
            days += 1
    return f"已超期{days}个工作日" if days else "已超过整改期限"
