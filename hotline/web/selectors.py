"""Reads behind the staff workbench: landing pages, worklists, the board, approvals, callbacks.

Every ticket list starts from ``tickets_visible_to(user)`` and from the open tickets only
(``status IN ('open', 'suspended')``), so the partial indexes on open tickets serve it
(``ticket_open_unit_due``, ``ticket_open_handler_due``, ``ticket_open_due``). Lists are
cut with "has more" (one row past the page) instead of an exact count over the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext, pgettext

from hotline.callers.services import may_decide_blocklist, may_request_blocklist
from hotline.core.types import AnyUser
from hotline.notify.selectors import inbox as notify_inbox
from hotline.notify.selectors import unread_count as notify_unread_count
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.policies.registry import all_packs, get_pack
from hotline.tickets.models import OPEN_STATUSES, ExtensionRequest, ExtensionStatus, Status, Ticket
from hotline.workflow.access import ticket_roles, tickets_visible_to

# A ticket is "due soon" when its stage is due within this much clock time. Clock hours,
# not working hours: a mark must be cheap to compute for every row and for the board's
# counts (one range on the indexed ``due_at``); four hours is half a working day.
DUE_SOON = timedelta(hours=4)
PAGE_SIZE = 50
TICKET_COLUMNS = ("unit", "owner_unit", "category", "handler")

# Where each role lands, by priority: a user with several roles lands on the first.
LANDING_ORDER: tuple[tuple[str, str], ...] = (
    (Role.COORDINATOR, "board"),
    (Role.LEADER, "approvals"),
    (Role.DEPT_HEAD, "worklist_unit"),
    (Role.TEAM_LEADER, "worklist_unit"),
    (Role.HANDLER, "worklist_mine"),
    (Role.AGENT, "intake"),
    (Role.ADMIN, "admin"),
)

# The leader's approvals inbox: decisions that wait on an approving role.
APPROVAL_ACTIONS = ("approve_extension", "reject", "supervise")
CENTRE_PAGES_ROLES = frozenset({Role.COORDINATOR, Role.LEADER, Role.TEAM_LEADER, Role.ADMIN})
INTAKE_ROLES = frozenset({Role.AGENT, Role.COORDINATOR, Role.TEAM_LEADER})


# --- roles and pages -------------------------------------------------------------------


def roles_of(user: AnyUser) -> set[str]:
    """Every role the user holds in any unit (a superuser is also an administrator)."""
    roles = {m.role for m in memberships_of(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


def roles_for_actions(actions: Iterable[str]) -> frozenset[str]:
    """The roles that some loaded pack lets take one of ``actions`` somewhere."""
    wanted = set(actions)
    found: set[str] = set()
    for pack in all_packs():
        for policy in pack.types.values():
            for stage in policy.stages.values():
                for name, rule in stage.actions.items():
                    if name in wanted:
                        found |= rule.roles
    return frozenset(found)


def allowed_pages(user: AnyUser) -> list[str]:
    """The workbench pages (URL names in ``web``) the user's roles may use, in menu order."""
    if not user.is_authenticated:
        return []
    roles = roles_of(user)
    pages: list[str] = []
    if roles & INTAKE_ROLES:
        pages.append("intake")
    if roles - {Role.ADMIN}:
        pages.append("worklist")
    if roles & CENTRE_PAGES_ROLES:
        pages.append("board")
    if roles & roles_for_actions(APPROVAL_ACTIONS):
        pages.append("approvals")
    if roles & roles_for_actions(["return_visit"]):
        pages.append("callbacks")
    pages.append("notifications")
    if may_request_blocklist(user) or may_decide_blocklist(user):
        pages.append("blocklist")
    if Role.ADMIN in roles or getattr(user, "is_staff", False):
        pages.append("packs")
    return pages


def landing_url(user: AnyUser) -> str | None:
    """Where ``/`` sends the user; ``None`` when they hold no role at all."""
    roles = roles_of(user)
    for role, page in LANDING_ORDER:
        if role not in roles:
            continue
        if page == "board":
            return reverse("web:board")
        if page == "approvals":
            return reverse("web:approvals")
        if page == "worklist_unit":
            return reverse("web:worklist") + "?tab=unit"
        if page == "worklist_mine":
            return reverse("web:worklist") + "?tab=mine"
        if page == "intake":
            return reverse("web:intake")
        return reverse("admin:index")
    if getattr(user, "is_staff", False):
        return reverse("admin:index")
    return None


# --- rows ------------------------------------------------------------------------------


def due_mark(ticket: Ticket, now: datetime) -> str:
    """``overdue``, ``due_soon`` or ``""`` (a suspended ticket's clock is stopped: no mark)."""
    if ticket.status != Status.OPEN or ticket.due_at is None:
        return ""
    if ticket.due_at < now:
        return "overdue"
    if ticket.due_at < now + DUE_SOON:
        return "due_soon"
    return ""


def stage_label(ticket: Ticket) -> str:
    try:
        return get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label
    except Exception:  # a ticket of a pack no longer loaded still shows its code
        return ticket.stage


@dataclass
class Row:
    ticket: Ticket
    mark: str
    stage_label: str
    can_sign: bool = False
    note: str = ""


@dataclass
class Page:
    rows: list[Row]
    has_more: bool
    page: int

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.has_more else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None


def _rule_allows(user: AnyUser, ticket: Ticket, action: str) -> bool:
    """Whether the pack lets the user's roles on this ticket take ``action`` in its stage now.

    The same test as ``allowed_actions`` without its parameter-free guards, which the
    callers express in SQL (a pending extension request); no query per row.
    """
    if ticket.status != Status.OPEN:
        return False
    try:
        rule = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).actions.get(action)
    except Exception:
        return False
    return rule is not None and rule.allows(ticket_roles(user, ticket))


def _page(
    qs: QuerySet[Ticket], *, page: int, now: datetime, user: AnyUser | None = None, size: int | None = None
) -> Page:
    size = size or PAGE_SIZE
    page = max(page, 1)
    start = (page - 1) * size
    tickets = list(qs[start : start + size + 1])
    rows = [
        Row(
            ticket=t,
            mark=due_mark(t, now),
            stage_label=stage_label(t),
            can_sign=user is not None and _rule_allows(user, t, "sign"),
        )
        for t in tickets[:size]
    ]
    return Page(rows=rows, has_more=len(tickets) > size, page=page)


def open_tickets(user: AnyUser) -> QuerySet[Ticket]:
    """The user's open tickets (running or suspended), with what a row shows."""
    return (
        tickets_visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related(*TICKET_COLUMNS)
        .order_by("due_at", "pk")
    )


def units_under(units: Iterable[Unit]) -> list[int]:
    """Ids of ``units`` and every unit below them."""
    match = Q(pk__in=[])
    for unit in units:
        match |= Q(path__startswith=unit.path)
    return list(Unit.objects.filter(match).values_list("pk", flat=True))


# --- worklist --------------------------------------------------------------------------


@dataclass
class WorklistFilters:
    stage: str = ""
    type: str = ""
    severity: str = ""
    category: int | None = None
    overdue: bool = False
    q: str = ""


def my_tickets_q(user: AnyUser) -> Q:
    """ "我的工单": assigned to me, at a unit I head, or (for agents) taken in by me."""
    head_units = [m.unit for m in memberships_of(user) if m.role == Role.DEPT_HEAD]
    q = Q(handler_id=user.pk)
    if head_units:
        q |= Q(unit_id__in=units_under(head_units))
    if Role.AGENT in roles_of(user):
        q |= Q(registered_by_id=user.pk)
    return q


def worklist(user: AnyUser, *, tab: str, filters: WorklistFilters, page: int, now: datetime) -> Page:
    """Open tickets of one tab ("mine" or "unit"), filtered, soonest due first."""
    qs = open_tickets(user)
    if tab == "mine":
        qs = qs.filter(my_tickets_q(user))
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.overdue:
        qs = qs.filter(status=Status.OPEN, due_at__lt=now)
    if filters.q:
        qs = qs.filter(Q(number__startswith=filters.q) | Q(subject__icontains=filters.q))
    return _page(qs, page=page, now=now, user=user)


def stage_choices() -> list[tuple[str, str]]:
    """Stage codes across the loaded packs, with the first label met (for the filter)."""
    seen: dict[str, str] = {}
    for pack in all_packs():
        for policy in pack.types.values():
            for stage in policy.stages.values():
                if not stage.final:
                    seen.setdefault(stage.code, stage.label)
    return list(seen.items())


# --- board -----------------------------------------------------------------------------


@dataclass
class StageCount:
    code: str
    label: str
    total: int = 0
    overdue: int = 0
    due_soon: int = 0
    suspended: int = 0


@dataclass
class Board:
    stages: list[StageCount]
    urgent: Page
    total: int = 0
    overdue: int = 0
    due_soon: int = 0


def board_units(user: AnyUser) -> list[Unit]:
    """Units the board can be narrowed to. A centre role follows the tickets it took in
    wherever they were dispatched, so it may pick any unit; the tickets stay scoped."""
    if roles_of(user) & CENTRE_PAGES_ROLES:
        return list(Unit.objects.filter(is_active=True))
    return list(Unit.objects.filter(pk__in=units_under(m.unit for m in memberships_of(user)), is_active=True))


def board(user: AnyUser, *, unit: Unit | None, page: int, now: datetime) -> Board:
    """Everything in flight the user sees: counts by stage, then the overdue and due soon."""
    qs = open_tickets(user)
    if unit is not None:
        qs = qs.filter(unit_id__in=units_under([unit]))
    soon = now + DUE_SOON
    running = Q(status=Status.OPEN)
    grouped = (
        qs.order_by()
        .values("policy", "type", "stage")
        .annotate(
            total=Count("pk"),
            overdue=Count("pk", filter=running & Q(due_at__lt=now)),
            due_soon=Count("pk", filter=running & Q(due_at__gte=now, due_at__lt=soon)),
            suspended=Count("pk", filter=Q(status=Status.SUSPENDED)),
        )
    )
    by_stage: dict[str, StageCount] = {}
    order = {code: i for i, (code, _) in enumerate(stage_choices())}
    for g in grouped:
        probe = Ticket(policy=g["policy"], type=g["type"], stage=g["stage"])
        count = by_stage.setdefault(g["stage"], StageCount(code=g["stage"], label=stage_label(probe)))
        count.total += g["total"]
        count.overdue += g["overdue"]
        count.due_soon += g["due_soon"]
        count.suspended += g["suspended"]
    stages = sorted(by_stage.values(), key=lambda s: (order.get(s.code, len(order)), s.code))
    urgent = _page(qs.filter(running, due_at__lt=soon), page=page, now=now)
    return Board(
        stages=stages,
        urgent=urgent,
        total=sum(s.total for s in stages),
        overdue=sum(s.overdue for s in stages),
        due_soon=sum(s.due_soon for s in stages),
    )


# --- approvals and callbacks -----------------------------------------------------------


def stages_offering(user: AnyUser, action: str) -> Q | None:
    """A filter for tickets whose (pack, type, stage) offers ``action`` to one of the user's
    roles, or ``None`` when no pack does. Only a superset: the per-ticket role check follows."""
    roles = roles_of(user)
    terms: dict[tuple[str, str], list[str]] = {}
    for pack in all_packs():
        for type_code, policy in pack.types.items():
            for stage in policy.stages.values():
                rule = stage.actions.get(action)
                if rule is not None and rule.allows(roles):
                    terms.setdefault((pack.code, stage.code), []).append(type_code)
    if not terms:
        return None
    q = Q(pk__in=[])
    for (pack_code, stage_code), types in terms.items():
        q |= Q(policy=pack_code, stage=stage_code, type__in=types)
    return q


@dataclass
class Section:
    key: str
    title: str
    action: str
    rows: list[Row] = field(default_factory=list)
    has_more: bool = False


def _checked(
    user: AnyUser, qs: QuerySet[Ticket], action: str, now: datetime, size: int
) -> tuple[list[Row], bool]:
    tickets = list(qs[: size + 1])
    rows = [
        Row(ticket=t, mark=due_mark(t, now), stage_label=stage_label(t))
        for t in tickets[:size]
        if _rule_allows(user, t, action)
    ]
    return rows, len(tickets) > size


def approvals(user: AnyUser, *, now: datetime, size: int = PAGE_SIZE) -> list[Section]:
    """What waits on the user's decision: extension requests, non-acceptance, supervision.

    - 延期审批: a pending extension request where the user may ``approve_extension``;
    - 不予受理审核: tickets in a stage where the user may ``reject``;
    - 督办: overdue, not yet supervised tickets where the user may ``supervise``.
    """
    base = open_tickets(user).filter(status=Status.OPEN)
    sections = [
        Section("extension", gettext("延期审批"), "approve_extension"),
        Section("reject", gettext("不予受理审核"), "reject"),
        Section("supervise", pgettext("approvals", "督办"), "supervise"),
    ]
    pending = ExtensionRequest.objects.filter(ticket=OuterRef("pk"), status=ExtensionStatus.PENDING)
    for section in sections:
        where = stages_offering(user, section.action)
        if where is None:
            continue
        qs = base.filter(where)
        if section.key == "extension":
            qs = qs.filter(Exists(pending))
        elif section.key == "supervise":
            qs = qs.filter(supervised=False, due_at__lt=now)
        section.rows, section.has_more = _checked(user, qs, section.action, now, size)
    return sections


# --- notifications ------------------------------------------------------------------------


def unread_count(user: AnyUser) -> int:
    """In-app notifications not yet read (0 for an anonymous visitor)."""
    if not user.is_authenticated:
        return 0
    return int(notify_unread_count(user))


def inbox(user: AnyUser, *, size: int = PAGE_SIZE) -> tuple[list[Any], bool]:
    """A page of the user's in-app notifications, newest first, and whether there are more."""
    items = list(notify_inbox(user)[: size + 1])
    return items[:size], len(items) > size
