"""What the ticket page shows: fields, identity, deadlines, timeline, attachments, actions,
and the return visit (回访情况) for those who call back.

Reads only. The page lists exactly ``allowed_actions(ticket, user)``, each with its form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from hotline.core.phones import format_phone
from hotline.core.prepared import INT_MARKER, INT_MARKER_2, Prepared
from hotline.core.types import User
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit
from hotline.followup.services import may_record_attempt
from hotline.notify.selectors import messages_for_ticket, unread_of
from hotline.policies.registry import get_pack
from hotline.policies.schema import Pack, TypePolicy
from hotline.policies.vocab import SATISFACTION_LABELS, unit_display
from hotline.rectification.access import may_issue, may_view
from hotline.telephony.models import Agent
from hotline.tickets.models import (
    Attachment,
    ExtensionRequest,
    Severity,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    UpgradedVia,
)
from hotline.web import extension
from hotline.web.formatting import deadline_text, person_name
from hotline.web.forms_ticket import CLOSING_CODES, ActionForm, AttachmentForm, UnmaskForm, VisitAttemptForm
from hotline.web.views.scripts import answer_script_summary
from hotline.workflow.access import ticket_roles
from hotline.workflow.identity import Identity, identity_for
from hotline.workflow.kinds import event_label
from hotline.workflow.selectors import is_overdue
from hotline.workflow.services import TransitionResult, allowed_actions

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

IDENTITY_LABELS = {
    "name": _("姓名"),
    "phone": _("联系电话"),
    "email": _("电子邮箱"),
    "id_number": _("证件号码"),
    "address": _("联系地址"),
}
# Stored actor labels of non-user actors (TicketEvent.actor_label), translated for display only.
ACTOR_LABELS = {
    "系统": _("系统"),
    "公众门户": _("公众门户"),
    "公众(网站)": _("公众(网站)"),
    "系统(日历导入)": _("系统(日历导入)"),
    "电子邮件": _("电子邮件"),  # mail in
    "短信": _("短信"),  # SMS in
    "短信评价": _("短信评价"),  # a rating by SMS reply
}


def action_label(action: str) -> str:
    """An action's or history event's label (``workflow.kinds``: the one label table)."""
    return event_label(action)


# The actions panel: groups in this order, one form open at a time; an action not named
# here goes with the first group. Tones colour the buttons by meaning.
HANDLE_ACTIONS = (
    "accept", "dispatch", "sign", "assign", "instruct", "interim_reply", "reply", "approve_reply",
    "return_visit", "redispatch", "resume", "close", "reopen", "supervise",
)  # fmt: skip
ACTION_GROUPS: tuple[tuple[str, StrPromise, tuple[str, ...]], ...] = (
    ("handle", _("办理"), HANDLE_ACTIONS),
    ("extension", _("延期"), ("request_extension", "approve_extension", "deny_extension")),
    ("negative", _("退回与中止"), ("send_back", "return", "reject", "suspend")),
)
STATUS_TONES = {Status.OPEN.value: "primary", Status.SUSPENDED.value: "warning"}  # the header's badge
NEGATIVE_ACTIONS = frozenset({"reject", "return", "deny_extension", "suspend", "send_back"})
CAUTION_ACTIONS = frozenset({"supervise"})


def action_tone(action: str) -> str:
    """``negative`` (不予受理, 退单, 驳回延期, 中止, 退回重办), ``caution`` (督办) or ``positive``."""
    if action in NEGATIVE_ACTIONS:
        return "negative"
    if action in CAUTION_ACTIONS:
        return "caution"
    return "positive"


@dataclass
class ActionItem:
    action: str
    label: str
    tone: str
    form: ActionForm
    open: bool = False


@dataclass
class ActionGroup:
    key: str
    label: str
    items: list[ActionItem]


# The form open when the page loads: the first of these the user may take (the next step
# on the main path); none of the others, negative ones least of all, opens by itself.
OPEN_FIRST = (
    "approve_extension", "approve_reply", "instruct", "accept", "sign", "dispatch", "reply",
    "return_visit", "close", "assign", "resume",
)  # fmt: skip


def action_groups(items: list[ActionItem], *, opened: str | None) -> list[ActionGroup]:
    """The items in their groups; ``opened`` (a form the user is working on) is the open one,
    else the first of ``OPEN_FIRST`` there is."""
    groups = [ActionGroup(key, str(label), []) for key, label, _names in ACTION_GROUPS]
    for item in items:
        index = next((i for i, (_k, _l, names) in enumerate(ACTION_GROUPS) if item.action in names), 0)
        groups[index].items.append(item)
    for group, (_key, _label, names) in zip(groups, ACTION_GROUPS, strict=True):
        group.items.sort(key=lambda it: names.index(it.action) if it.action in names else len(names))
    by_action = {item.action: item for group in groups for item in group.items}
    target = by_action.get(opened or "") or next((by_action[a] for a in OPEN_FIRST if a in by_action), None)
    if target is not None:
        target.open = True
    return [group for group in groups if group.items]


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

    @property
    def comment_id(self) -> str:
        return f"event-comment-{self.event.seq}"


def actor_name(event: TicketEvent) -> str:
    if event.actor_id and event.actor:
        return person_name(event.actor)
    label = event.actor_label or "系统"
    return str(ACTOR_LABELS.get(label, label))


def _people(events: list[TicketEvent]) -> dict[str, str]:
    """User name → the person's name, for the user names that payloads store (one query)."""
    usernames = {str(e.payload["handler"]) for e in events if (e.payload or {}).get("handler")}
    if not usernames:
        return {}
    users = get_user_model().objects.filter(username__in=usernames)
    return {u.username: person_name(u) for u in users}


def _detail(event: TicketEvent, people: Mapping[str, str] | None = None) -> str:
    """A short summary, in the user's language, of what the payload adds to the comment."""
    p: Mapping[str, Any] = event.payload or {}
    if event.action == "answer_script":
        return answer_script_summary(p)
    people = people or {}
    parts = []
    if p.get("unit_name"):
        parts.append(gettext("派至%(unit)s") % {"unit": p["unit_name"]})
    if p.get("round"):
        parts.append(gettext("第%(round)s轮") % {"round": p["round"]})
    if p.get("handler"):
        handler = str(p["handler"])
        parts.append(gettext("承办人 %(handler)s") % {"handler": people.get(handler, handler)})
    if p.get("reason_label"):
        parts.append(str(p["reason_label"]))
    if p.get("satisfaction"):
        parts.append(str(SATISFACTION_LABELS.get(str(p["satisfaction"]), p["satisfaction"])))
    if event.action == "request_extension" and p.get("amount"):
        parts.append(unit_display(p["amount"], str(p.get("unit") or "")))
    if p.get("closing_code"):
        code = str(p["closing_code"])
        parts.append(gettext("办结类型 %(code)s") % {"code": CLOSING_CODES.get(code, code)})
    if event.action == "mark_major":
        old, new = str(p.get("from_severity") or ""), str(p.get("severity") or "")
        if old in Severity.values and new in Severity.values and old != new:
            parts.append(
                gettext("紧急程度 %(old)s→%(new)s") % {"old": Severity(old).label, "new": Severity(new).label}
            )
        if str(p.get("upgraded_via") or "") in UpgradedVia.values and p.get("upgraded_via"):
            parts.append(gettext("越级来源 %(via)s") % {"via": UpgradedVia(str(p["upgraded_via"])).label})
    if event.action == "attach" and p.get("name"):
        parts.append(str(p["name"]))
    if p.get("due_at") and event.action in (
        "approve_extension",
        "resume",
        "recalculate_deadline",
        "mark_major",
    ):
        due = datetime.fromisoformat(str(p["due_at"]))
        parts.append(gettext("新时限 %(due)s") % {"due": deadline_text(due)})
    return pgettext("separator", ";").join(parts)


def event_rows(ticket: Ticket, policy: TypePolicy, events: list[TicketEvent]) -> list[EventRow]:
    people = _people(events)
    return [
        EventRow(
            event=e,
            actor=actor_name(e),
            label=action_label(e.action),
            from_label=_stage_label(policy, e.from_stage) if e.from_stage else "",
            to_label=_stage_label(policy, e.to_stage) if e.to_stage else "",
            detail=_detail(e, people),
        )
        for e in events
    ]


def shown_identity(identity: Identity) -> dict[str, str]:
    """The identity fields as the staff screens show them (the ticket page, the callback
    list): what ``workflow.identity.identity_for`` allows, a phone shown in full formatted."""
    fields = identity.fields()
    if "phone" not in identity.hidden:
        fields["phone"] = format_phone(fields["phone"])
    return fields


def _identity(identity: Identity) -> dict[str, Any]:
    fields = shown_identity(identity)
    return {"masked": identity.masked, "fields": [(IDENTITY_LABELS[k], v) for k, v in fields.items()]}


# The page's reads by ticket id, compiled once (core.prepared): the same querysets as before.
_EVENTS = Prepared(
    lambda ticket_id: TicketEvent.objects.filter(ticket_id=ticket_id).select_related("actor").order_by("seq"),
    marker=INT_MARKER,
    name="ticket_page_events",
)
_ATTACHMENTS = Prepared(
    lambda ticket_id: Attachment.objects.filter(ticket_id=ticket_id).select_related("uploaded_by"),
    marker=INT_MARKER,
)
_EXTENSIONS = Prepared(
    lambda ticket_id: ExtensionRequest.objects.filter(ticket_id=ticket_id).select_related("requested_by"),
    marker=INT_MARKER,
)
_MESSAGES = Prepared(messages_for_ticket, marker=INT_MARKER)
_ACTIVE_VISIT = Prepared(
    lambda ticket_id: ReturnVisit.objects.filter(ticket_id=ticket_id, status__in=ACTIVE_VISIT_STATUSES),
    marker=INT_MARKER,
)


# a link and the numbers of its two tickets: all the page shows of them
_LINKS = Prepared(
    lambda ticket_id: (
        TicketLink.objects.filter(Q(ticket_id=ticket_id) | Q(target_id=ticket_id))
        .select_related("ticket", "target")
        .only(
            "id",
            "ticket_id",
            "target_id",
            "kind",
            "confirmed",
            "created_at",
            "ticket__number",
            "target__number",
        )
        .order_by("pk")
    ),
    marker=INT_MARKER,
)


def _present_query(ticket_id: int, user_id: int) -> Any:
    """Which of the page's side panels have rows (most tickets have none in most of them),
    whether the user is an agent signed in at an extension, and the user's unread count
    (the menu's badge): one statement, so that only the panels with something to show are
    read. Each panel's condition is its read's own query (``_ATTACHMENTS`` …
    ``_ACTIVE_VISIT``), the count ``notify.selectors.unread_of``'s."""
    ticket = OuterRef("pk")
    unread = unread_of(user_id).order_by().values("user_id").annotate(n=Count("pk")).values("n")
    return (
        Ticket.objects.filter(pk=ticket_id)
        .order_by()
        .annotate(
            has_attachments=Exists(_ATTACHMENTS.build(ticket)),
            has_links=Exists(_LINKS.build(ticket)),
            has_extensions=Exists(_EXTENSIONS.build(ticket)),
            has_messages=Exists(_MESSAGES.build(ticket)),
            has_visit=Exists(_ACTIVE_VISIT.build(ticket)),
            signed_in=Exists(Agent.objects.filter(user_id=user_id).exclude(extension="")),
            unread=Coalesce(Subquery(unread), 0),
        )
        .values_list(
            "has_attachments",
            "has_links",
            "has_extensions",
            "has_messages",
            "has_visit",
            "signed_in",
            "unread",
        )
    )


_PRESENT: Prepared[tuple[Any, ...]] = Prepared(
    _present_query, marker=(INT_MARKER, INT_MARKER_2), name="ticket_page_present"
)


@dataclass(frozen=True)
class Present:
    """What ``_PRESENT`` found: the panels with rows, the user's extension, the unread count."""

    attachments: bool = True
    links: bool = True
    extensions: bool = True
    messages: bool = True
    visit: bool = True
    signed_in: bool = False
    unread: int | None = None  # None: not read (the menu counts itself)

    @classmethod
    def of(cls, ticket: Ticket, user: User) -> Present:
        row = _PRESENT.first((ticket.pk, user.pk))
        return cls(*row) if row is not None else cls()


def visit_panel(
    ticket: Ticket, user: User, pack: Pack, form: VisitAttemptForm | None = None, *, present: bool = True
) -> dict[str, Any] | None:
    """回访情况: the active return visit, its failed calls and the 记录未接通 form; None when
    there is no active visit (``present`` False: known not to be) or the user does not call
    back on this ticket."""
    visit = _ACTIVE_VISIT.first(ticket.pk) if present else None
    if visit is None or not may_record_attempt(user, ticket, pack):
        return None
    if form is not None and form.data.get("visit") != str(visit.pk):
        form = None  # typed against a visit that has ended: start afresh on the current one
    return {
        "visit": visit,
        "attempts": list(visit.attempts.select_related("by").order_by("at", "pk")),
        "form": form or VisitAttemptForm(initial={"visit": visit.pk}),
    }


def _messages(ticket: Ticket, identity: Identity) -> list[dict[str, Any]]:
    """Delivery status of the ticket's messages, addresses masked as the identity is."""
    rows = []
    for m in _MESSAGES.all(ticket.pk):
        address = str(getattr(m, "address", "") or "")
        if address and "@" not in address and "phone" not in identity.hidden:
            address = format_phone(address)
        else:
            address = identity.contact(address)
        rows.append({"message": m, "address": address})
    return rows


def page_context(
    *,
    ticket: Ticket,
    user: User,
    bound: Mapping[str, ActionForm] | None = None,
    unmask: TransitionResult | None = None,
    unmask_form: UnmaskForm | None = None,
    attachment_form: AttachmentForm | None = None,
    banner: Mapping[str, Any] | None = None,
    attempt_form: VisitAttemptForm | None = None,
    extension_preview: extension.Preview | None = None,
    preview_error: str = "",
) -> dict[str, Any]:
    """Everything the page template needs; ``bound`` are forms to show as the user typed them
    (the first of them is the open one in the actions panel)."""
    pack = get_pack(ticket.policy)
    policy = pack.type(ticket.type)
    now = timezone.now()
    events = _EVENTS.all(ticket.pk)
    allowed = allowed_actions(ticket, user)
    bound = bound or {}
    last_seq = events[-1].seq if events else 0
    items = []
    for name in allowed:
        if name == "unmask":
            continue
        form = bound.get(name) or ActionForm(
            action=name,
            ticket=ticket,
            pack=pack,
            initial={"expected_version": ticket.version, "seen_seq": last_seq},
        )
        items.append(ActionItem(action=name, label=action_label(name), tone=action_tone(name), form=form))
    groups = action_groups(items, opened=next(iter(bound), None))
    shown = identity_for(ticket, user, unmask=unmask)
    identity = _identity(shown)
    is_open = ticket.status == Status.OPEN
    present = Present.of(ticket, user)
    return {
        "ticket": ticket,
        "pack": pack,
        "stage": policy.stage(ticket.stage),
        "status_tone": STATUS_TONES.get(ticket.status, "secondary"),
        "identity": identity,
        "can_unmask": "unmask" in allowed,
        # 外呼: a signed-in agent calls the complainant from the ticket (telephony)
        "may_dial": bool(ticket.complainant_phone) and present.signed_in,
        "may_issue_rectification": may_issue(user),
        "may_view_rectification": may_view(user),
        "unmask_form": unmask_form or UnmaskForm(),
        "due_overdue": is_overdue(ticket, now),
        "final_overdue": bool(is_open and ticket.final_due_at and ticket.final_due_at < now),
        "events": event_rows(ticket, policy, events),
        "last_seq": last_seq,
        "attachments": _ATTACHMENTS.all(ticket.pk) if present.attachments else [],
        "can_attach": ticket.status != Status.CLOSED and bool(ticket_roles(user, ticket)),
        "attachment_form": attachment_form or AttachmentForm(),
        **(_links(ticket) if present.links else {"links": [], "linked_from": []}),
        "extensions": _EXTENSIONS.all(ticket.pk) if present.extensions else [],
        "delivery": _messages(ticket, shown) if present.messages else [],
        "action_groups": groups,
        "has_actions": bool(items),
        "extension_help": (
            extension.request_help(ticket, pack, now=now) if "request_extension" in allowed else None
        ),
        "extension_pending": (
            extension.pending_request(ticket)
            if {"approve_extension", "deny_extension"} & set(allowed)
            else None
        ),
        "extension_preview": extension_preview,
        "preview_error": preview_error,
        "closing_codes": CLOSING_CODES,
        "banner": banner,
        "satisfaction_label": SATISFACTION_LABELS.get(ticket.satisfaction, ""),
        "visit_panel": visit_panel(ticket, user, pack, attempt_form, present=present.visit),
        "unread_count": present.unread,  # the menu's badge (templatetags.workbench)
    }


def _links(ticket: Ticket) -> dict[str, list[TicketLink]]:
    """``links`` (this ticket's, to others) and ``linked_from`` (others' to this one), in
    one statement compiled once."""
    rows = _LINKS.all(ticket.pk)
    return {
        "links": [link for link in rows if link.ticket_id == ticket.pk],
        "linked_from": [link for link in rows if link.target_id == ticket.pk],
    }
