"""自动外呼转人工 (000 L46 item 5): a batch of callback tasks dialled by the PBX, each answered
call entering the ACD queue — to the task's own agent first, else a free one.

``autodial(leader=, queue=, tasks=)``: team leaders and administrators only
(``agents.may_supervise``; anyone else: ``callback_task_not_found``, as for a task they may
not see). The chosen open outbound and missed-call tasks — none chosen: the most urgent open
ones — at most ``HOTLINE_AUTODIAL_MAX`` at once. Per task, in one transaction: a ``Call``
(outbound, the queue, Hotline's ``hotline-<uuid>`` call id, as click-to-call makes it, so
the AMI listener folds the PBX's events into it), a ``CallbackAttempt`` by the leader, the
task's attempt count raised; after commit an AMI ``Originate``: Channel
``Local/<number>@<HOTLINE_AMI_CONTEXT>``, Context ``hotline-autodial``, Exten the queue,
ChannelId the call id, Variables ``HOTLINE_CALL_ID``, ``HOTLINE_TASK`` and ``HOTLINE_AGENT``
(the task's assignee's interface when they are ready, rung before the queue; else empty).
A task whose auto-dialled call is still ringing or answered is skipped; nothing left to
dial writes nothing (``NoChange``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import Conflict, InvalidInput, NoChange, NotFound
from hotline.core.phones import national_number
from hotline.core.types import AnyUser
from hotline.telephony import agents, pbx, services
from hotline.telephony.calls import number_area
from hotline.telephony.control import Sent, need_pbx, queue_named, uid
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallbackAttempt,
    CallbackTask,
    CallStatus,
    CallTicket,
    Direction,
    TaskKind,
    TaskStatus,
)

logger = logging.getLogger("hotline.telephony.control")

AUTODIAL_KINDS = frozenset({TaskKind.OUTBOUND, TaskKind.MISSED})
AUTODIAL_IN_PROGRESS = timedelta(minutes=10)  # an auto-dialled call younger than this still counts


@dataclass(frozen=True)
class Autodialled:
    dialled: list[tuple[CallbackTask, Call]]
    skipped: list[CallbackTask]  # a call of the task's own is still in progress


def autodial_limit() -> int:
    return max(1, int(settings.HOTLINE_AUTODIAL_MAX))


def _in_progress(task_ids: Sequence[int] | QuerySet[CallbackTask], now: datetime) -> set[int]:
    """Tasks with a call of theirs still ringing or answered (a recent attempt's)."""
    return set(
        CallbackAttempt.objects.filter(
            task__in=task_ids,
            call__status__in=[CallStatus.RINGING, CallStatus.ANSWERED],
            at__gte=now - AUTODIAL_IN_PROGRESS,
        ).values_list("task_id", flat=True)
    )


def _own_interface(task: CallbackTask) -> str:
    """The task's own agent's phone, rung before the queue when they are ready for a call."""
    if task.assignee_id is None:
        return ""
    own = Agent.objects.filter(user_id=task.assignee_id).first()
    if own is None or own.state != AgentState.READY or not own.extension:
        return ""
    return pbx.interface(own.extension)


def _chosen(leader: AnyUser, ids: Sequence[int], limit: int) -> list[CallbackTask]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > limit:
        raise InvalidInput(
            _("一次最多自动外呼 %(n)d 个任务") % {"n": limit}, code="autodial_too_many", field="tasks"
        )
    rows = list(services.tasks_visible_to(leader).select_for_update().filter(pk__in=wanted).order_by("pk"))
    if len(rows) != len(wanted):
        raise NotFound(_("任务不存在或您无权查看"), code="callback_task_not_found")
    for task in rows:
        if task.status != TaskStatus.OPEN:
            raise Conflict(_("任务 %(pk)d 已完成或已取消") % {"pk": task.pk}, code="callback_task_closed")
        if task.kind not in AUTODIAL_KINDS:
            raise InvalidInput(
                _("只有外呼任务和未接回呼可以自动外呼(任务 %(pk)d)") % {"pk": task.pk},
                code="autodial_task_kind",
                field="tasks",
            )
    return sorted(rows, key=lambda t: (t.due_at, t.pk))


def autodial(
    *,
    leader: AnyUser,
    queue: str,
    tasks: Sequence[int] | None = None,
    now: datetime | None = None,
) -> Autodialled:
    """自动外呼转人工: dial the chosen open outbound and missed-call tasks (none chosen: the
    most urgent ones), at most ``HOTLINE_AUTODIAL_MAX``; each answered call enters ``queue``
    (the task's own agent rung first). A task with an auto-dialled call still in progress is
    skipped; nothing to dial writes nothing (``NoChange``)."""
    if not agents.may_supervise(leader):
        raise NotFound(_("任务不存在或您无权查看"), code="callback_task_not_found")
    need_pbx()
    group = queue_named(queue)
    limit = autodial_limit()
    now = now or timezone.now()
    with transaction.atomic():
        if tasks:
            rows = _chosen(leader, tasks, limit)
        else:
            open_tasks = services.tasks_visible_to(leader).filter(
                status=TaskStatus.OPEN, kind__in=AUTODIAL_KINDS
            )
            calling = _in_progress(open_tasks, now)
            rows = list(
                open_tasks.exclude(pk__in=calling).select_for_update().order_by("due_at", "pk")[:limit]
            )
        # read once the rows are locked: a leader who dialled them a moment ago has committed
        busy = _in_progress([t.pk for t in rows], now)
        dial = [t for t in rows if t.pk not in busy]
        if not dial:
            if tasks:
                raise NoChange(_("所选任务正在呼叫中,无需重复外呼"))
            raise NoChange(_("没有可自动外呼的任务(待处理的外呼任务或未接回呼)"))
        dialled: list[tuple[CallbackTask, Call]] = []
        for task in dial:
            call = Call.objects.create(
                call_id=f"hotline-{uuid.uuid4().hex}",
                direction=Direction.OUTBOUND,
                to_raw=task.phone,
                caller=task.phone,
                area=number_area(task.phone),
                queue=group.queue,
                started_at=now,
            )
            if task.ticket_id is not None:
                CallTicket.objects.create(
                    call=call,
                    ticket_id=task.ticket_id,
                    relation=CallTicket.Relation.TOUCHED,
                    by_id=leader.pk,
                    at=now,
                )
            task.attempts += 1
            task.save(update_fields=["attempts"])
            CallbackAttempt.objects.create(
                task=task,
                call=call,
                by_id=uid(leader),
                at=now,
                result=(_("自动外呼,接通后进入队列 %(queue)s") % {"queue": group.queue})[:200],
            )
            fields = pbx.autodial_fields(
                national_number(task.phone), group.queue, call.call_id, task.pk, _own_interface(task)
            )
            transaction.on_commit(Sent("Originate", fields).send)
            dialled.append((task, call))
        logger.info(
            "自动外呼:用户 %s 队列 %s 任务 %s",
            leader.pk,
            group.queue,
            ",".join(str(t.pk) for t, _c in dialled),
        )
        return Autodialled(dialled=dialled, skipped=[t for t in rows if t.pk in busy])
