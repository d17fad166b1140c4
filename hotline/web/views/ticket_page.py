"""What the ticket page shows: fields, identity, deadlines, timeline, attachments, actions,
and the return visit (回访情况) for those who call back.

Reads only. The page lists exactly ``allowed_actions(ticket, user)``, each with its form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hotline.core.types import User
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit
from hotline.followup.services import may_record_attempt
from hotline.notify.selectors import messages_for_ticket
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack, TypePolicy
from hotline.policies.vocab import ACTION_LABELS, SATISFACTION_LABELS, unit_display
from hotline.tickets.masking import IDENTITY_MASKS, identity_of
from hotline.tickets.models import Attachment, ExtensionRequest, Status, Ticket, TicketEvent, TicketLink
from hotline.web.forms_ticket import CLOSING_CODES, ActionForm, AttachmentForm, UnmaskForm, VisitAttemptForm
from hotline.workflow.access import identity_hidden, ticket_roles
from hotline.workflow.services import allowed_actions

# history actions that are not pack actions
EVENT_LABELS = {
    **ACTION_LABELS,
    "register": pgettext_lazy("action", "登记"),
    "attach": pgettext_lazy("action", "上传附件"),
    "recalculate_deadline": pgettext_lazy("action", "重新计算时限"),
}
IDENTITY_LABELS = {
    "name": _("姓名"),
    "phone": _("联系电话"),
    "email": _("电子邮箱"),
    "id_number": _("证件号码"),
    "address": _("联系地址"),
}
# Stored actor labels of non-user actors (TicketEvent.actor_label), translated for display only.
ACTOR_LABELS = {"系统": _("系统"), "公众门户": _("公众门户")}


def action_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def _stage_label(policy: TypePolicy, code: str) -> str:
    return policy.stages[code].label if code in policy.stages else code


@dataclass
class EventRow:
    event: TicketEvent
    actor: str
    label: str
    from_label: str
    to_label: str
    detail: str


def actor_name(event: TicketEvent) -> str:
    if event.actor_id and event.actor:
        return event.actor.get_full_name() or event.actor.username
    label = event.actor_label or "系统"
    return str(ACTOR_LABELS.get(label, label))


def _detail(event: TicketEvent) -> str:
    """A short summary, in the user's language, of what the payload adds to the comment."""
    p: Mapping[str, Any] = event.payload or {}
    parts = []
    if p.get("unit_name"):
        parts.append(gettext("派至%(unit)s") % {"unit": p["unit_name"]})
    if p.get("round"):
        parts.append(gettext("第%(round)s轮") % {"round": p["round"]})
    if p.get("handler"):
        parts.append(gettext("承办人 %(handler)s") % {"handler": p["handler"]})
    if p.get("reason_label"):
        parts.append(str(p["reason_label"]))
    if p.get("satisfaction"):
        parts.append(str(SATISFACTION_LABELS.get(str(p["satisfaction"]), p["satisfaction"])))
    if event.action == "request_extension" and p.get("amount"):
        parts.append(unit_display(p["amount"], str(p.get("unit") or "")))
    if p.get("closing_code"):
        code = str(p["closing_code"])
        parts.append(gettext("办结类型 %(code)s") % {"code": CLOSING_CODES.get(code, code)})
    if event.action == "attach" and p.get("name"):
        parts.append(str(p["name"]))
    if p.get("due_at") and event.action in ("approve_extension", "resume", "recalculate_deadline"):
        due = datetime.fromisoformat(str(p["due_at"]))
        parts.append(gettext("新时限 %(due)s") % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")})
    return pgettext("separator", ";").join(parts)


def event_rows(ticket: Ticket, policy: TypePolicy, events: list[TicketEvent]) -> list[EventRow]:
    return [
        EventRow(
            event=e,
            actor=actor_name(e),
            label=action_label(e.action),
            from_label=_stage_label(policy, e.from_stage) if e.from_stage else "",
            to_label=_stage_label(policy, e.to_stage) if e.to_stage else "",
            detail=_detail(e),
        )
        for e in events
    ]


def shown_identity(ticket: Ticket, unmasked: Mapping[str, str] | None = None) -> dict[str, str]:
    """The identity fields as the page shows them: masked while ``identity_hidden`` and not unmasked.

    The one masking rule of the staff screens (the ticket page, the callback list).
    """
    if unmasked is not None:
        return dict(unmasked)
    raw = identity_of(ticket)
    if identity_hidden(ticket):
        return {k: IDENTITY_MASKS[k](v) for k, v in raw.items()}
    return raw


def _identity(ticket: Ticket, unmasked: Mapping[str, str] | None) -> dict[str, Any]:
    masked = identity_hidden(ticket) and unmasked is None
    fields = shown_identity(ticket, unmasked)
    return {"masked": masked, "fields": [(IDENTITY_LABELS[k], v) for k, v in fields.items()]}


def visit_panel(
    ticket: Ticket, user: User, pack: Pack, form: VisitAttemptForm | None = None
) -> dict[str, Any] | None:
    """回访情况: the active return visit, its failed calls and the 记录未接通 form; None when
    there is no active visit or the user does not call back on this ticket."""
    visit = ReturnVisit.objects.filter(ticket=ticket, status__in=ACTIVE_VISIT_STATUSES).first()
    if visit is None or not may_record_attempt(user, ticket, pack):
        return None
    if form is not None and form.data.get("visit") != str(visit.pk):
        form = None  # typed against a visit that has ended: start afresh on the current one
    return {
        "visit": visit,
        "attempts": list(visit.attempts.select_related("by").order_by("at", "pk")),
        "form": form or VisitAttemptForm(initial={"visit": visit.pk}),
    }


def _messages(ticket: Ticket, masked: bool) -> list[dict[str, Any]]:
    """Delivery status of the ticket's messages, addresses masked as the identity is."""
    rows = []
    for m in messages_for_ticket(ticket):
        address = str(getattr(m, "address", "") or "")
        if masked and address:
            address = IDENTITY_MASKS["email" if "@" in address else "phone"](address)
        rows.append({"message": m, "address": address})
    return rows


def page_context(
    *,
    ticket: Ticket,
    user: User,
    bound: Mapping[str, ActionForm] | None = None,
    unmasked: Mapping[str, str] | None = None,
    unmask_form: UnmaskForm | None = None,
    attachment_form: AttachmentForm | None = None,
    banner: Mapping[str, Any] | None = None,
    attempt_form: VisitAttemptForm | None = None,
) -> dict[str, Any]:
    """Everything the page template needs; ``bound`` are forms to show as the user typed them."""
    pack = get_pack(ticket.policy)
    policy = pack.type(ticket.type)
    now = timezone.now()
    events = list(TicketEvent.objects.filter(ticket=ticket).select_related("actor").order_by("seq"))
    allowed = allowed_actions(ticket, user)
    bound = bound or {}
    last_seq = events[-1].seq if events else 0
    forms = []
    for name in allowed:
        if name == "unmask":
            continue
        form = bound.get(name) or ActionForm(
            action=name,
            ticket=ticket,
            pack=pack,
            initial={"expected_version": ticket.version, "seen_seq": last_seq},
        )
        forms.append({"action": name, "label": action_label(name), "form": form})
    identity = _identity(ticket, unmasked)
    is_open = ticket.status == Status.OPEN
    return {
        "ticket": ticket,
        "pack": pack,
        "stage": policy.stage(ticket.stage),
        "identity": identity,
        "can_unmask": "unmask" in allowed,
        "unmask_form": unmask_form or UnmaskForm(),
        "due_overdue": bool(is_open and ticket.due_at and ticket.due_at < now),
        "final_overdue": bool(is_open and ticket.final_due_at and ticket.final_due_at < now),
        "events": event_rows(ticket, policy, events),
        "last_seq": last_seq,
        "attachments": list(Attachment.objects.filter(ticket=ticket).select_related("uploaded_by")),
        "can_attach": ticket.status != Status.CLOSED and bool(ticket_roles(user, ticket)),
        "attachment_form": attachment_form or AttachmentForm(),
        "links": list(TicketLink.objects.filter(ticket=ticket).select_related("target")),
        "linked_from": list(TicketLink.objects.filter(target=ticket).select_related("ticket")),
        "extensions": list(ExtensionRequest.objects.filter(ticket=ticket).select_related("requested_by")),
        "delivery": _messages(ticket, identity["masked"]),
        "action_forms": forms,
        "closing_codes": CLOSING_CODES,
        "banner": banner,
        "satisfaction_label": SATISFACTION_LABELS.get(ticket.satisfaction, ""),
        "visit_panel": visit_panel(ticket, user, pack, attempt_form),
    }
