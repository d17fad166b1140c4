"""The telephony core: every change to calls, agents and callback tasks goes through here.

Calls and their events: ``hotline.telephony.calls`` (``apply_event``, ``reconcile``);
agents and states: ``hotline.telephony.agents``; this module adds the tickets linked to
calls, click-to-call, callback and outbound tasks, recordings and the pushes the screen
pop reads, and re-exports the rest so every door imports one module.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from hotline.core.errors import Conflict, InvalidInput, NotFound
from hotline.core.phones import normalise_phone
from hotline.core.types import AnyUser, User
from hotline.telephony import pbx
from hotline.telephony.agents import (
    agent_current,
    agent_heartbeat,
    agent_join,
    agent_leave,
    agent_of,
    agent_set_state,
    agent_sign_in,
    agent_sign_out,
    expire_wrapups,
    may_supervise,
    may_take_calls,
    sign_out_stale,
)
from hotline.telephony.calls import Applied, Incoming, apply_event, number_area, reconcile
from hotline.telephony.models import (
    Call,
    CallbackAttempt,
    CallbackTask,
    CallOutcome,
    CallRing,
    CallTicket,
    Direction,
    Push,
    Questionnaire,
    RecordingPlay,
    TaskKind,
    TaskStatus,
)
from hotline.tickets.masking import mask_phone
from hotline.tickets.models import Channel, Ticket
from hotline.workflow.access import identity_hidden, tickets_visible_to

__all__ = [
    "Applied",
    "Incoming",
    "agent_current",
    "agent_heartbeat",
    "agent_join",
    "agent_leave",
    "agent_of",
    "agent_set_state",
    "agent_sign_in",
    "agent_sign_out",
    "apply_event",
    "call_summary",
    "callback_complete",
    "callback_create",
    "callback_dial",
    "callback_from_message",
    "callback_reassign",
    "calls_visible_to",
    "click_to_call",
    "expire_wrapups",
    "hidden_number_q",
    "link_ticket",
    "may_play",
    "may_supervise",
    "may_take_calls",
    "number_hidden",
    "pushes_after",
    "reconcile",
    "recording_play",
    "shown_number",
    "sign_out_stale",
    "task_number_hidden",
    "tasks_visible_to",
]

MESSAGE_CHANNELS = frozenset({Channel.WEB, Channel.FAX, Channel.EMAIL, Channel.SMS, Channel.LETTER})
MAX_TASK_HOURS = 24 * 30
MAX_RESULT = 2000


def _uid(user: AnyUser) -> int:
    if user.pk is None:
        raise NotFound()
    return int(user.pk)


# --- calls and tickets --------------------------------------------------------------------


def calls_visible_to(user: AnyUser) -> QuerySet[Call]:
    """An agent sees their own calls — answered or made by them, or rung at them (their
    missed calls, 000 L48 item 11); a supervisor (班长, administrator) the centre's."""
    if not user.is_authenticated:
        return Call.objects.none()
    if may_supervise(user):
        return Call.objects.all()
    rung = CallRing.objects.filter(user_id=user.pk).values("call_id")
    return Call.objects.filter(Q(agent_id=user.pk) | Q(pk__in=rung))


def call_for(user: AnyUser, pk: int | str) -> Call:
    """One call the user may see; missing and forbidden are the same answer."""
    try:
        return calls_visible_to(user).select_related("agent").get(pk=int(pk))
    except (Call.DoesNotExist, ValueError, TypeError):
        raise NotFound("通话记录不存在或您无权查看", code="call_not_found") from None


def number_hidden(call: Call) -> bool:
    """A call's number is identity (ADR 0006) once a linked ticket is confidential: shown
    masked to everyone, as the ticket's own phone is, and not found by a number search.
    Reads ``ticket_links`` (prefetch ``ticket_links__ticket`` for lists)."""
    return any(link.ticket.confidential for link in call.ticket_links.all())


def hidden_number_q() -> Q:
    """The calls whose number is hidden (for excluding them from a number search)."""
    return Q(ticket_links__ticket__confidential=True)


def task_number_hidden(task: CallbackTask) -> bool:
    """A task's number is hidden when its ticket or its call's is confidential."""
    if task.ticket_id is not None and task.ticket is not None and task.ticket.confidential:
        return True
    return task.call_id is not None and task.call is not None and number_hidden(task.call)


def shown_number(number: str, hidden: bool) -> str:
    """The number as the screens show it: masked (138****5678) when hidden."""
    return mask_phone(number) if hidden and number else number


def call_summary(calls: QuerySet[Call]) -> dict[str, Any]:
    """The call statistics of a set of calls (000 L106–110): inbound calls, answered,
    missed, abandoned, blocked, the answer rate, mean wait before an answer, mean talk;
    outbound calls and how many were answered. One aggregate query."""
    inbound = Q(direction=Direction.INBOUND)
    outbound = Q(direction=Direction.OUTBOUND)
    answered = Q(outcome=CallOutcome.ANSWERED)
    figures = calls.order_by().aggregate(
        inbound=Count("pk", filter=inbound),
        answered=Count("pk", filter=inbound & answered),
        missed=Count("pk", filter=inbound & Q(outcome=CallOutcome.MISSED)),
        abandoned=Count("pk", filter=inbound & Q(outcome=CallOutcome.ABANDONED)),
        blocked=Count("pk", filter=inbound & Q(outcome=CallOutcome.BLOCKED)),
        wait=Avg("wait_seconds", filter=inbound & answered),
        talk=Avg("talk_seconds", filter=answered),
        outbound=Count("pk", filter=outbound),
        outbound_answered=Count("pk", filter=outbound & answered),
    )
    offered = figures["inbound"] - figures["blocked"]
    figures["answer_rate"] = round(100 * figures["answered"] / offered, 1) if offered else None
    for key in ("wait", "talk"):
        figures[key] = round(figures[key]) if figures[key] is not None else None
    return figures


def link_ticket(*, call: Call, ticket: Ticket, relation: str, by: AnyUser | None) -> bool:
    """Record that a ticket was registered (or worked on) during a call; once per pair."""
    if relation not in CallTicket.Relation.values:
        raise InvalidInput("无效的关联类型", code="invalid")
    try:
        with transaction.atomic():
            _, created = CallTicket.objects.get_or_create(
                call=call,
                ticket=ticket,
                defaults={
                    "relation": relation,
                    "by_id": by.pk if by is not None and by.is_authenticated else None,
                    "at": timezone.now(),
                },
            )
    except IntegrityError:
        return False
    return created


def linked_tickets(call: Call) -> list[Ticket]:
    return [link.ticket for link in call.ticket_links.select_related("ticket", "ticket__unit").order_by("at")]


def _play_basis(user: AnyUser, call: Call) -> tuple[bool, Ticket | None]:
    """Whether the user may play the recording, and the linked ticket they see (if any)."""
    if not user.is_authenticated or not call.recording:
        return False, None
    tickets = linked_tickets(call)
    if any(identity_hidden(t) for t in tickets):
        return False, None
    seen = tickets_visible_to(user).filter(pk__in=[t.pk for t in tickets]).first() if tickets else None
    return seen is not None or call.agent_id == user.pk or may_supervise(user), seen


def may_play(user: AnyUser, call: Call) -> bool:
    """A recording is identity: never while a linked ticket is confidential (its identity is
    masked to everyone); else the call's own agent, a supervisor, or a user who sees a
    linked ticket."""
    return _play_basis(user, call)[0]


def recording_play(*, call: Call, user: AnyUser, now: datetime | None = None) -> RecordingPlay:
    """Log one play (the caller then streams the file); not allowed → not found."""
    allowed, seen = _play_basis(user, call)
    if not allowed:
        raise NotFound("录音不存在或您无权收听", code="recording_not_found")
    return RecordingPlay.objects.create(call=call, user_id=_uid(user), ticket=seen, at=now or timezone.now())


def click_to_call(
    *, actor: AnyUser, phone: str, ticket: Ticket | None = None, task: CallbackTask | None = None
) -> Call:
    """点击外呼: an outbound call from the actor's extension, recorded now and sent to the
    PBX after commit (Originate rings the extension, then dials the number)."""
    agent = agent_of(actor)
    if agent is None or not agent.extension:
        raise InvalidInput("请先签入座席(工号、分机号)再外呼", code="agent_not_signed_in")
    number = normalise_phone(phone, field="phone")
    if not number:
        raise InvalidInput("请填写要呼叫的号码", code="invalid", field="phone")
    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            call_id=f"hotline-{uuid.uuid4().hex}",
            direction=Direction.OUTBOUND,
            from_raw=agent.extension,
            to_raw=number,
            caller=number,
            area=number_area(number),
            agent_id=agent.user_id,
            extension=agent.extension,
            started_at=now,
        )
        if ticket is not None:
            link_ticket(call=call, ticket=ticket, relation=CallTicket.Relation.TOUCHED, by=actor)
        extension, call_id = agent.extension, call.call_id
        dial = number.split(";", 1)[0].replace("+86", "0", 1) if number.startswith("+86") else number
        if dial.startswith("01") and len(dial) == 12:  # a mobile number: no trunk prefix
            dial = dial[1:]
        transaction.on_commit(lambda: pbx.originate(extension, dial, call_id, extension))
    return call


# --- callback and outbound tasks ---------------------------------------------------------


def tasks_visible_to(user: AnyUser) -> QuerySet[CallbackTask]:
    """A supervisor sees every task; an agent those assigned to them or to nobody."""
    if not user.is_authenticated:
        return CallbackTask.objects.none()
    if may_supervise(user):
        return CallbackTask.objects.all()
    if not may_take_calls(user):
        return CallbackTask.objects.none()
    return CallbackTask.objects.filter(Q(assignee_id=user.pk) | Q(assignee__isnull=True))


def task_for(user: AnyUser, pk: int | str) -> CallbackTask:
    try:
        return (
            tasks_visible_to(user)
            .select_related("call", "ticket", "assignee", "questionnaire")
            .get(pk=int(pk))
        )
    except (CallbackTask.DoesNotExist, ValueError, TypeError):
        raise NotFound("任务不存在或您无权查看", code="callback_task_not_found") from None


def _may_create(actor: AnyUser | None) -> bool:
    return actor is None or may_take_calls(actor) or may_supervise(actor)


def callback_create(
    *,
    kind: str,
    phone: str,
    due_at: datetime,
    actor: AnyUser | None = None,
    note: str = "",
    assignee: User | None = None,
    call: Call | None = None,
    ticket: Ticket | None = None,
    channel: str = "",
    questionnaire: Questionnaire | None = None,
) -> CallbackTask:
    if actor is not None and not _may_create(actor):
        raise NotFound("任务不存在或您无权查看", code="callback_task_not_found")
    if kind not in TaskKind.values:
        raise InvalidInput("无效的任务类型", code="invalid", field="kind")
    number = normalise_phone(phone, field="phone")
    if not number:
        raise InvalidInput("请填写号码", code="invalid", field="phone")
    now = timezone.now()
    if due_at <= now - timedelta(minutes=1):
        raise InvalidInput("最迟时间不能早于现在", code="callback_due_in_past", field="due_at")
    if len(note) > MAX_RESULT:
        raise InvalidInput(f"说明不能超过 {MAX_RESULT} 字", code="invalid", field="note")
    if assignee is not None and not may_take_calls(assignee):
        raise InvalidInput("负责人须为座席", code="callback_assignee_invalid", field="assignee")
    return CallbackTask.objects.create(
        kind=kind,
        phone=number,
        due_at=due_at,
        note=note.strip(),
        assignee=assignee,
        created_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
        created_at=now,
        call=call,
        ticket=ticket,
        channel=channel,
        questionnaire=questionnaire,
    )


def callback_from_message(
    *, ticket: Ticket, actor: AnyUser, hours: int, assignee: User | None = None
) -> CallbackTask:
    """A supervisor turns a web, fax or email message into a call to make within ``hours``."""
    if not may_supervise(actor) or not tickets_visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotFound(f"工单“{ticket.number}”不存在或您无权查看", code="ticket_not_found")
    if ticket.channel not in MESSAGE_CHANNELS:
        raise InvalidInput(
            "只有网站、短信、来信、传真、电子邮件渠道的诉求可转为外呼任务", code="invalid_channel"
        )
    if not ticket.complainant_phone:
        raise InvalidInput("该工单没有联系电话", code="callback_no_phone")
    if not 1 <= hours <= MAX_TASK_HOURS:
        raise InvalidInput(f"时限应为 1–{MAX_TASK_HOURS} 小时", code="invalid", field="hours")
    existing = CallbackTask.objects.filter(
        ticket=ticket, kind=TaskKind.MESSAGE, status=TaskStatus.OPEN
    ).first()
    if existing is not None:
        return existing
    return callback_create(
        kind=TaskKind.MESSAGE,
        phone=ticket.complainant_phone,
        due_at=timezone.now() + timedelta(hours=hours),
        actor=actor,
        assignee=assignee,
        ticket=ticket,
        channel=ticket.channel,
        note=ticket.subject,
    )


def _open_task(task: CallbackTask, actor: AnyUser) -> CallbackTask:
    locked = CallbackTask.objects.select_for_update().get(pk=task.pk)
    if not tasks_visible_to(actor).filter(pk=locked.pk).exists():
        raise NotFound("任务不存在或您无权查看", code="callback_task_not_found")
    if locked.status != TaskStatus.OPEN:
        raise Conflict("该任务已完成或已取消", code="callback_task_closed")
    return locked


def callback_dial(*, task: CallbackTask, actor: AnyUser) -> Call:
    """Click-to-call for a task: one attempt, the call linked to the task's ticket."""
    with transaction.atomic():
        locked = _open_task(task, actor)
        call = click_to_call(actor=actor, phone=locked.phone, ticket=locked.ticket, task=locked)
        locked.attempts += 1
        if locked.assignee_id is None:
            locked.assignee_id = actor.pk
        locked.save(update_fields=["attempts", "assignee"])
        CallbackAttempt.objects.create(task=locked, call=call, by_id=_uid(actor), at=call.started_at)
        return call


def _answers(task: CallbackTask, answers: Mapping[str, Any] | None) -> dict[str, str]:
    if not answers:
        return {}
    if task.questionnaire is None:
        raise InvalidInput("该任务没有问卷", code="invalid", field="answers")
    questions = {str(q.get("key")): q for q in task.questionnaire.questions if isinstance(q, dict)}
    clean: dict[str, str] = {}
    for key, value in answers.items():
        question = questions.get(str(key))
        if question is None:
            raise InvalidInput(f"问卷中没有问题“{key}”", code="invalid", field="answers")
        text = str(value).strip()[:500]
        choices = question.get("choices") or []
        if choices and text and text not in choices:
            raise InvalidInput(
                f"问题“{question.get('text', key)}”的答案须为:{'、'.join(choices)}",
                code="invalid",
                field="answers",
            )
        clean[str(key)] = text
    return clean


def callback_complete(
    *, task: CallbackTask, actor: AnyUser, result: str, answers: Mapping[str, Any] | None = None
) -> CallbackTask:
    if task.kind == TaskKind.VISIT:
        # a visit's result is the ticket's (satisfaction, next step): recorded there through
        # the core, after which this task is done by itself (``telephony.listeners``)
        raise InvalidInput(
            "回访结果请在工单页“回访”中登记,登记后任务自动完成", code="callback_visit_on_ticket"
        )
    result = (result or "").strip()
    if not result:
        raise InvalidInput("请填写处理结果", code="invalid_result", field="result")
    if len(result) > MAX_RESULT:
        raise InvalidInput(f"处理结果不能超过 {MAX_RESULT} 字", code="result_too_long", field="result")
    with transaction.atomic():
        locked = _open_task(task, actor)
        locked.answers = _answers(locked, answers)
        locked.result = result
        locked.status = TaskStatus.DONE
        locked.done_at = timezone.now()
        locked.done_by_id = actor.pk
        locked.save(update_fields=["answers", "result", "status", "done_at", "done_by"])
        return locked


def callback_reassign(*, task: CallbackTask, actor: AnyUser, assignee: User | None) -> CallbackTask:
    """A supervisor gives a task (an overdue one, typically) to another agent."""
    if not may_supervise(actor):
        raise NotFound("任务不存在或您无权查看", code="callback_task_not_found")
    if assignee is not None and not may_take_calls(assignee):
        raise InvalidInput("负责人须为座席", code="callback_assignee_invalid", field="assignee")
    with transaction.atomic():
        locked = _open_task(task, actor)
        new = assignee.pk if assignee is not None else None
        if locked.assignee_id == new:
            return locked
        locked.assignee_id = new
        locked.save(update_fields=["assignee"])
        return locked


# --- pushes (the screen pop) --------------------------------------------------------------


def pushes_after(user: AnyUser, after_id: int, limit: int = 50) -> list[Push]:
    if not user.is_authenticated:
        return []
    return list(Push.objects.filter(user_id=user.pk, pk__gt=max(0, after_id)).order_by("pk")[:limit])


PUSH_KEEP = timedelta(days=1)


def prune_pushes(now: datetime | None = None) -> int:
    """Pushes are for the browser now: a day later they are read or will never be."""
    deleted, _ = Push.objects.filter(created_at__lt=(now or timezone.now()) - PUSH_KEEP).delete()
    return deleted
