"""Return visits (回访) as callback tasks: the lifecycle's visits use the agents' task list.

``followup`` opens a ``ReturnVisit`` when the answer reaches the complainant and closes it
when the visit is recorded (or the ticket moves on). This listener runs after followup's,
in the same event transaction, and keeps one open ``CallbackTask(kind=visit)`` beside each
active visit: agents see it among their callback tasks, dial it (the call is linked to the
ticket), and it is done when the visit is recorded on the ticket — the visit's result
(satisfaction, through the core's ``return_visit`` action) is the task's result — or
cancelled when the ticket moves on without one. A ticket without a phone has no task.
"""

from __future__ import annotations

from django.utils import translation

from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit, VisitStatus
from hotline.telephony.models import CallbackTask, TaskKind, TaskStatus
from hotline.tickets.models import Satisfaction, Ticket, TicketEvent


def on_ticket_event(ticket: Ticket, event: TicketEvent) -> None:
    if event.action == "register":
        return  # a ticket just registered has had no visit, so no visit task
    # one indexed query for most events: a ticket that never had a visit has no task either
    last = ReturnVisit.objects.filter(ticket=ticket).order_by("-pk").first()
    if last is None:
        return
    open_tasks = CallbackTask.objects.filter(ticket=ticket, kind=TaskKind.VISIT, status=TaskStatus.OPEN)
    if last.status in ACTIVE_VISIT_STATUSES:
        if ticket.complainant_phone and not open_tasks.exists():
            CallbackTask.objects.create(
                kind=TaskKind.VISIT,
                phone=ticket.complainant_phone,
                due_at=last.due_at or event.created_at,
                note=ticket.subject[:200],
                created_at=event.created_at,
                ticket=ticket,
                channel=ticket.channel,
            )
        return
    task = open_tasks.first()
    if task is None:
        return
    if last.status == VisitStatus.DONE:
        task.status = TaskStatus.DONE
        with translation.override("zh-hans"):  # a record, in the language of the records
            label = (
                str(Satisfaction(last.satisfaction).label) if last.satisfaction in Satisfaction.values else ""
            )
        task.result = f"回访已登记:{label}" if label else "回访已登记"
        task.done_by_id = last.done_by_id
    else:
        task.status = TaskStatus.CANCELLED
        task.result = "工单已不在回访环节"
    task.done_at = event.created_at
    task.save(update_fields=["status", "result", "done_at", "done_by"])
