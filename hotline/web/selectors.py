"""Reads behind the staff workbench: landing pages, worklists, the board, approvals, callbacks.

Every ticket list starts from ``tickets_visible_to(user)`` and from the open tickets only
(``status IN ('open', 'suspended')``), so the partial indexes on open tickets serve it
(``ticket_open_unit_due``, ``ticket_open_handler_due``, ``ticket_open_due``). Lists are
cut with "has more" (one row past the page) instead of an exact count over the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext

from hotline.assessment.selectors import may_view as may_view_assessment
from hotline.callers.services import may_decide_blocklist, may_request_blocklist
from hotline.core.types import AnyUser
from hotline.followup.models import ACTIVE_VISIT_STATUSES, ReturnVisit, VisitStatus
from hotline.followup.services import may_record_attempt
from hotline.notify.selectors import inbox as notify_inbox
from hotline.notify.selectors import unread_count as notify_unread_count
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of, policies_in_use
from hotline.policies.registry import all_packs, get_pack
from hotline.policies.schema import Pack
from hotline.rectification.access import may_view as may_view_rectification
from hotline.reports.query import may_view_stats
from hotline.tickets.models import (
    OPEN_STATUSES,
    ExtensionRequest,
    ExtensionStatus,
    Status,
    Ticket,
)
from hotline.web.extension import amount_text
from hotline.web.rows import (  # noqa: F401 - Row, stage_label, … are the selectors' API too
    Row,
    RowRules,
    TicketRow,
    _rule_allows,
    row_tickets,
    stage_label,
)
from hotline.workflow.access import covered_units, tickets_visible_to, units_q, units_under
from hotline.workflow.counts import open_counts
from hotline.workflow.roles import CENTRE_ROLES, INTAKE_ROLES
from hotline.workflow.selectors import (
    DUE_SOON,
    due_mark,  # noqa: F401 - part of this module's reads (tests call selectors.due_mark)
    mark_for,
    open_tickets,  # noqa: F401 - part of this module's reads (tests call selectors.open_tickets)
    overdue_q,
    search_q,
)

SCAN_FACTOR = 4  # callbacks: rows read per page shown, at most
VISIT_ACTION = "return_visit"
PHONE_ROLES = frozenset({Role.AGENT, Role.TEAM_LEADER, Role.ADMIN})

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


# --- roles and pages -------------------------------------------------------------------


def roles_of(user: AnyUser) -> set[str]:
    """Every role the user holds in any unit (a superuser is also an administrator)."""
    roles = {m.role for m in memberships_of(user)}
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMIN)
    return roles


def packs_in_use(user: AnyUser) -> list[Pack]:
    """The packs this installation's units use (and the default), cached on the user for
    the request: the menu follows the rules people work under, not every pack shipped."""
    cached: list[Pack] | None = getattr(user, "_hotline_packs_in_use", None)
    if cached is None:
        codes = policies_in_use(user)
        codes.add(str(settings.HOTLINE_DEFAULT_POLICY))
        loaded = {pack.code: pack for pack in all_packs()}
        cached = [loaded[code] for code in sorted(codes) if code in loaded]
        if user.is_authenticated:
            user._hotline_packs_in_use = cached  # type: ignore[attr-defined]
    return cached


def roles_for_actions(user: AnyUser, actions: Iterable[str]) -> frozenset[str]:
    """The roles that a pack in use lets take one of ``actions`` somewhere."""
    wanted = set(actions)
    found: set[str] = set()
    for pack in packs_in_use(user):
        for policy in pack.types.values():
            for stage in policy.stages.values():
                for name, rule in stage.actions.items():
                    if name in wanted:
                        found |= rule.roles
    return frozenset(found)


def callback_roles(user: AnyUser) -> frozenset[str]:
    """The roles that call back (回访) under a pack in use: those of its ``return_visit``
    action, and the pack's ``return_visit.roles`` (``followup.listeners.visit_roles``)."""
    roles = set(roles_for_actions(user, [VISIT_ACTION]))
    for pack in packs_in_use(user):
        roles |= pack.return_visit.roles
    return frozenset(roles)


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
    if roles & CENTRE_ROLES:
        pages.append("board")
    if roles & roles_for_actions(user, APPROVAL_ACTIONS):
        pages.append("approvals")
    if roles & callback_roles(user):
        pages.append("callbacks")
    pages += phone_pages(user)
    if may_view_stats(user):
        pages.append("reports")
    if roles:
        pages += ["kb-list", "search", "export-list"]
    if may_view_rectification(user):
        pages.append("rectification-list")
    if may_view_assessment(user):
        pages.append("assessment")
    pages.append("notifications")
    if may_request_blocklist(user) or may_decide_blocklist(user):
        pages.append("blocklist")
    if Role.ADMIN in roles or getattr(user, "is_staff", False):
        pages.append("packs")
    return pages


def phone_pages(user: AnyUser) -> list[str]:
    """The phone's pages (issue 12), by role, with no query of their own: 座席 for agents
    (the page itself needs the agent's staff number, 工号), the call log and the callback
    tasks for agents, team leaders and administrators (``telephony.services``'s readers)."""
    roles = roles_of(user)
    pages = ["agent"] if Role.AGENT in roles else []
    if roles & PHONE_ROLES:
        pages += ["calls", "call-tasks"]
    if roles & {Role.TEAM_LEADER, Role.ADMIN}:  # telephony.agents.may_supervise
        pages.append("floor")  # 班长席 and 大屏 (issue 13)
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


PAGE_SIZE = 50
TOTAL_CAP = 1000  # lists count their rows up to here and then say "1000+"


@dataclass
class Page:
    rows: list[Row]
    has_more: bool
    page: int
    total: int | None = None  # counted up to TOTAL_CAP + 1 (None: not counted)
    size: int = PAGE_SIZE

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.has_more else None

    @property
    def previous_page(self) -> int | None:
        return self.page - 1 if self.page > 1 else None

    @property
    def total_capped(self) -> bool:
        return self.total is not None and self.total > TOTAL_CAP

    @property
    def total_text(self) -> str:
        """``37``, or ``1000+`` past the cap."""
        if self.total is None:
            return ""
        return f"{TOTAL_CAP}+" if self.total_capped else str(self.total)

    @property
    def page_numbers(self) -> list[int | None]:
        """Page links around the current page (``None`` is a gap): 1 … 4 5 [6] 7 8 … 20."""
        if self.total is None:
            return []
        last = max(1, -(-min(self.total, TOTAL_CAP) // self.size))
        if self.total_capped:
            last = max(last, self.page + (1 if self.has_more else 0))
        shown = {1, last, *range(max(1, self.page - 2), min(last, self.page + 2) + 1)}
        numbers: list[int | None] = []
        for n in sorted(shown):
            previous = numbers[-1] if numbers else None
            if previous is not None and n - previous > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def _page(
    qs: QuerySet[Ticket],
    *,
    page: int,
    now: datetime,
    user: AnyUser | None = None,
    size: int | None = None,
    count: bool = False,
) -> Page:
    """One page of ``qs``; with ``count``, the total too, counted no further than the cap."""
    size = size or PAGE_SIZE
    page = max(page, 1)
    start = (page - 1) * size
    tickets = row_tickets(qs, start, start + size + 1)
    rules = RowRules(user)
    rows = [
        Row(
            ticket=t,
            mark=mark_for(t.due_at, now) if t.status == Status.OPEN else "",  # as due_mark
            stage_label=rules.label(t),
            can_sign=rules.allows(t, "sign"),
        )
        for t in tickets[:size]
    ]
    total = capped_count(qs) if count else None
    return Page(rows=rows, has_more=len(tickets) > size, page=page, total=total, size=size)


def capped_count(qs: QuerySet[Ticket]) -> int:
    """How many rows ``qs`` has, counting no further than ``TOTAL_CAP + 1``: one bounded
    query (``SELECT COUNT(*) FROM (… LIMIT 1001)``), never a count over the whole table."""
    return qs.order_by().values("pk")[: TOTAL_CAP + 1].count()


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
    """ "我的工单": assigned to me, at a unit I head, or taken in by me (首问负责: the agent
    who registered a matter follows it to the end). "本单位" is everything the user's units
    see, so for an agent the two differ by the colleagues' and the portal's tickets."""
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    head_units = [m.unit for m in memberships if m.role == Role.DEPT_HEAD]
    q = Q(pk__in=[])
    if roles & {Role.HANDLER, Role.DEPT_HEAD}:
        q |= Q(handler_id=user.pk)
    if roles & INTAKE_ROLES:
        q |= Q(registered_by_id=user.pk)
    if head_units:
        q |= Q(unit_id__in=covered_units(user, head_units))
    return q


def mine_means(user: AnyUser) -> list[str]:
    """What "我的工单" holds for this user, in words for the tab's hint."""
    roles = roles_of(user)
    parts = [gettext("指派给我承办的")] if Role.HANDLER in roles else []
    if Role.DEPT_HEAD in roles:
        parts.append(gettext("在我负责的部门的"))
    if roles & INTAKE_ROLES:
        parts.append(gettext("我登记的(首问负责)"))
    return parts or [gettext("指派给我承办的"), gettext("我登记的(首问负责)")]


def worklist(user: AnyUser, *, tab: str, filters: WorklistFilters, page: int, now: datetime) -> Page:
    """Open tickets of one tab ("mine" or "unit"), filtered, soonest due first, with a
    total counted up to ``TOTAL_CAP``."""
    # each tab on its own terms, which the scope contains (``my_tickets_q`` and
    # ``units_q`` are parts of ``visible_q``): one index a tab, not an OR of the scope's
    # terms ANDed with the tab's (issue 17)
    scope = my_tickets_q(user) if tab == "mine" else units_q(user)
    qs = Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    if scope is not None:
        qs = qs.filter(scope)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.category:
        qs = qs.filter(Q(category_id=filters.category) | Q(category__parent_id=filters.category))
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    if filters.q:
        qs = qs.filter(search_q(filters.q))
    return _page(qs, page=page, now=now, user=user, count=True)


def stage_choices(packs: Iterable[Pack] | None = None) -> list[tuple[str, str]]:
    """Open stage codes of ``packs`` (default: every loaded pack) for the stage filter, each
    with every label it has there (``待派单 / 待领导批示``: one code, two workflows)."""
    seen: dict[str, dict[str, None]] = {}
    for pack in all_packs() if packs is None else packs:
        for policy in pack.types.values():
            for stage in policy.stages.values():
                if not stage.final:
                    seen.setdefault(stage.code, {}).setdefault(stage.label, None)
    return [(code, " / ".join(labels)) for code, labels in seen.items()]


# --- board -----------------------------------------------------------------------------


@dataclass
class StageCount:
    code: str
    label: str
    total: int = 0
    overdue: int = 0
    due_soon: int = 0
    suspended: int = 0
    dom_id: str = ""


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
    if roles_of(user) & CENTRE_ROLES:
        return list(Unit.objects.filter(is_active=True))
    return list(Unit.objects.filter(pk__in=units_under(m.unit for m in memberships_of(user)), is_active=True))


def board(user: AnyUser, *, unit: Unit | None, page: int, now: datetime) -> Board:
    """Everything in flight the user sees: counts by stage, then the overdue and due soon."""
    narrowed = units_under([unit]) if unit is not None else None
    soon = now + DUE_SOON
    running = Q(status=Status.OPEN)
    # from the counts the triggers keep (ADR 0026), not a scan of every open ticket
    grouped, _from_counts = open_counts(user, now=now, units=narrowed)
    # one row per stage as people see it: a code whose workflows label it differently
    # (enterprise: ``accepted`` is 待派单, for reports 待领导批示) gives one row per label
    by_stage: dict[tuple[str, str], StageCount] = {}
    order = {code: i for i, (code, _) in enumerate(stage_choices())}
    for g in grouped:
        label = stage_label(Ticket(policy=g["policy"], type=g["type"], stage=g["stage"]))
        count = by_stage.setdefault((g["stage"], label), StageCount(code=g["stage"], label=label))
        count.total += g["total"]
        count.overdue += g["overdue"]
        count.due_soon += g["due_soon"]
        count.suspended += g["suspended"]
    stages = sorted(by_stage.values(), key=lambda s: (order.get(s.code, len(order)), s.code, s.label))
    rows_of_code: dict[str, int] = {}
    for stage in stages:
        n = rows_of_code[stage.code] = rows_of_code.get(stage.code, 0) + 1
        stage.dom_id = f"stage-{stage.code}" if n == 1 else f"stage-{stage.code}-{n}"
    # overdue and due soon, soonest first: the page's ids by walking ``ticket_open_due`` in
    # due order on the ticket table alone, stopping at the page (a subquery with its own
    # LIMIT, planned apart, which holds the scope), then those rows with their joins.
    # Without ``open_tickets``'s ``status IN (…)``: with ``status = 'open'`` as well the
    # planner multiplied the two, expected a handful of rows, and joined and sorted every
    # overdue ticket before the LIMIT (215 ms at 30,000 open)
    walk = tickets_visible_to(user).filter(running, due_at__lt=soon)
    if narrowed is not None:
        walk = walk.filter(unit_id__in=narrowed)
    walked = walk.order_by("due_at", "pk").values("pk")[: max(page, 1) * PAGE_SIZE + 1]
    urgent = _page(Ticket.objects.filter(pk__in=walked).order_by("due_at", "pk"), page=page, now=now)
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
    # packs that offer it in the same stage to the same types share one term: a short OR the
    # planner estimates well (one term per pack made it expect a single row and read them all)
    packs: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (pack_code, stage_code), types in terms.items():
        packs.setdefault((stage_code, tuple(sorted(types))), []).append(pack_code)
    q = Q(pk__in=[])
    for (stage_code, type_codes), pack_codes in packs.items():
        q |= Q(stage=stage_code, policy__in=sorted(pack_codes), type__in=list(type_codes))
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
    """The first ``size`` tickets of ``qs`` (soonest due first) the user may take ``action``
    on, and whether there are more.

    The ids first, from the ticket table alone (a bitmap of a few stages of
    ``ticket_open_stage``, sorted, cut at ``size + 1``: a subquery with its own LIMIT,
    planned apart), then those rows with what they show (``row_tickets``: the row's
    columns, not five model objects a row). With the joins in the same query, the planner,
    misjudging the filter, joined every candidate before the LIMIT (200 ms at 30,000 open
    tickets).
    """
    walked = qs.order_by("due_at", "pk").values("pk")[: size + 1]
    # the subquery holds the scope and the filter: the outer query only fetches its rows
    tickets = row_tickets(Ticket.objects.filter(pk__in=walked).order_by("due_at", "pk"), 0, size + 1)
    rules = RowRules(user)
    rows = [
        Row(
            ticket=t,
            mark=mark_for(t.due_at, now) if t.status == Status.OPEN else "",
            stage_label=rules.label(t),
        )
        for t in tickets[:size]
        if rules.allows(t, action)
    ]
    return rows, len(tickets) > size


def approvals(user: AnyUser, *, now: datetime, size: int = PAGE_SIZE) -> list[Section]:
    """What waits on the user's decision: extension requests, non-acceptance, supervision.

    - 延期审批: a pending extension request where the user may ``approve_extension``
      (from the pending requests: ``extension_pending``);
    - 不予受理审核: tickets in a stage where the user may ``reject`` (``ticket_open_stage``);
    - 督办: overdue, not yet supervised tickets where the user may ``supervise``
      (``ticket_open_stage`` again, its due times before now).

    Each reads a few stages' open tickets by index, not every open ticket. The scope is
    ``tickets_visible_to`` with ``status = 'open'`` alone: ``open_tickets``'s
    ``status IN (…)`` as well made the planner multiply the two and misjudge every plan.
    """
    base = tickets_visible_to(user).filter(status=Status.OPEN)
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
            qs = qs.filter(overdue_q(now), supervised=False)
        section.rows, section.has_more = _checked(user, qs, section.action, now, size)
        if section.key == "extension":
            _note_requests(section.rows)
    return sections


def _note_requests(rows: list[Row]) -> None:
    """延期审批 rows say what is asked: ``申请延期3个工作日:需送检`` (one query)."""
    asked = {
        r.ticket_id: r
        for r in ExtensionRequest.objects.filter(
            ticket_id__in=[row.ticket.pk for row in rows], status=ExtensionStatus.PENDING
        )
    }
    for row in rows:
        request = asked.get(row.ticket.pk)
        if request is not None:
            row.note = gettext("申请延期%(amount)s:%(reason)s") % {
                "amount": amount_text(request.amount, request.unit),
                "reason": Truncator(request.reason).chars(60),
            }


@dataclass
class CallbackRow:
    visit: ReturnVisit
    mark: str  # overdue / due_soon / "" (a visit waiting for the survey has no mark)


def visit_mark(visit: ReturnVisit, now: datetime) -> str:
    # a visit waiting for the survey (联系不上) has no call-back deadline to mark
    return mark_for(visit.due_at, now) if visit.status == VisitStatus.OPEN else ""


def callbacks(user: AnyUser, *, now: datetime, size: int = PAGE_SIZE) -> tuple[list[CallbackRow], bool]:
    """Open return-visit tasks (待回访, 联系不上) the user calls back on, soonest due first.

    "Calls back" is the pack's word, not a fixed role: a role of the user's on the ticket
    that the ticket's ``return_visit`` rule names (``followup.services.may_record_attempt``).
    The few tasks of other roles among the first rows are skipped in Python; at most
    ``SCAN_FACTOR`` pages are read for one page.
    """
    if not user.is_authenticated or not (roles_of(user) & callback_roles(user)):
        return [], False
    qs = (
        ReturnVisit.objects.filter(status__in=ACTIVE_VISIT_STATUSES, ticket__in=tickets_visible_to(user))
        .select_related("ticket", "ticket__unit", "ticket__owner_unit")
        .annotate(attempt_count=Count("attempts"))
        .order_by(F("due_at").asc(nulls_last=True), "created_at", "pk")
    )
    limit = size * SCAN_FACTOR
    visits = list(qs[: limit + 1])
    rows = [
        CallbackRow(visit=v, mark=visit_mark(v, now))
        for v in visits[:limit]
        if may_record_attempt(user, v.ticket, get_pack(v.ticket.policy))
    ]
    return rows[:size], len(rows) > size or len(visits) > limit


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
