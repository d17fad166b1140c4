"""Scorecards (考核): who may see which, the figures of each subject and the rankings.

The figures are the statistics measures (``reports.measures``) read from the same facts
(``reports.Fact``) and counted the same way — a ticket counts for the unit and handler it is
at *now*, on the local date of its fact; ``overdue`` adds the running tickets past their
deadline whose deadline falls in the period — so a unit's card equals the statistics of
that unit's subtree (``tests/assessment`` holds them equal). Two figures are the
assessment's own: repeated problems (``repeat_problems``) and overdue rectification notices
(``rectification.selectors.counts_per_unit``). ``scoring.score`` turns them into points.

Scope: a coordinator, leader or admin sees the cards of every unit in their jurisdiction
(a centre's parent unit and below, as for rectification notices) and of its handlers; a
department head its own unit's card (and the units below it) and its handlers'; a handler
only their own card.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Literal

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.assessment.models import ScoringRule
from hotline.assessment.periods import Period
from hotline.assessment.scoring import Figures, Score, ranks, score
from hotline.core.errors import Forbidden, InvalidInput, NotFound
from hotline.core.types import AnyUser, User
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.org.selectors import memberships_of
from hotline.rectification.access import jurisdiction
from hotline.rectification.selectors import counts_per_unit
from hotline.reports.measures import MEASURES, FactKind
from hotline.reports.models import Fact
from hotline.tickets.models import LinkKind, Ticket, TicketLink
from hotline.workflow.selectors import overdue_q

# Who sees the cards of a whole jurisdiction (the supervision office and its leaders).
ASSESS_ROLES: Final = frozenset({Role.COORDINATOR, Role.LEADER, Role.ADMIN})

# Each figure of a card: the fact kinds of the statistics measure it is (one definition).
FIGURE_KINDS: Final[dict[str, tuple[FactKind, ...]]] = {
    "received": MEASURES["received"].kinds,
    "resolved": MEASURES["resolution_rate"].kinds,
    "dispatched": MEASURES["response_rate"].denominator,
    "signed_in_time": MEASURES["response_rate"].kinds,
    "closed": MEASURES["closed"].kinds,
    "closed_in_time": MEASURES["closed_in_time"].kinds,
    "visited": MEASURES["satisfaction_rate"].denominator,
    "satisfied": MEASURES["satisfaction_rate"].kinds,
    "overdue": MEASURES["overdue"].kinds,
    "dissatisfied": MEASURES["dissatisfied"].kinds,
    "returned": MEASURES["returned"].kinds,
    "repeat_tickets": MEASURES["repeat"].kinds,
}
LIVE_OVERDUE: Final = "overdue:live"

SubjectKind = Literal["unit", "handler"]


# --- scope ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    centre_roots: tuple[Unit, ...]  # rank the units below these
    head_units: tuple[Unit, ...]  # a department head's own units: their cards
    own: bool  # a handler: their own card
    unit_ids: frozenset[int]  # every unit whose card the user may see

    @property
    def any(self) -> bool:
        return bool(self.unit_ids) or self.own


def _is_superuser(user: AnyUser) -> bool:
    return bool(getattr(user, "is_superuser", False))


def _subtree(paths: Mapping[int, str], unit: Unit) -> list[int]:
    return [pk for pk, path in paths.items() if path.startswith(unit.path)]


def _paths() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "path"))


def scope_of(user: AnyUser) -> Scope:
    if not user.is_authenticated:
        return Scope((), (), False, frozenset())
    paths = _paths()
    if _is_superuser(user):
        tops = tuple(Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path"))
        return Scope(tops, (), False, frozenset(paths))
    memberships = memberships_of(user)
    centre = _distinct(jurisdiction(m) for m in memberships if m.role in ASSESS_ROLES)
    heads = _distinct(m.unit for m in memberships if m.role == Role.DEPT_HEAD)
    ids: set[int] = set()
    for unit in (*centre, *heads):
        ids.update(_subtree(paths, unit))
    own = any(m.role == Role.HANDLER for m in memberships)
    return Scope(tuple(centre), tuple(heads), own, frozenset(ids))


def _distinct(units: Iterable[Unit]) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for unit in units:
        seen.setdefault(unit.pk, unit)
    return sorted(seen.values(), key=lambda u: u.path)


def may_view(user: AnyUser) -> bool:
    """``scope_of(user).any`` from the roles alone (no query: the menu asks on every page)."""
    if not user.is_authenticated:
        return False
    if _is_superuser(user):
        return True
    roles = {m.role for m in memberships_of(user)}
    return bool(roles & (ASSESS_ROLES | {Role.DEPT_HEAD, Role.HANDLER}))


def check_may_view(user: AnyUser) -> Scope:
    scope = scope_of(user)
    if not (user.is_authenticated and scope.any):
        raise Forbidden(
            _("考核成绩仅对监控中心、分管领导、管理员、部门负责人和承办人开放"), code="assessment_forbidden"
        )
    return scope


def _not_found(what: str) -> NotFound:
    return NotFound(_("%(what)s不存在或您无权查看其考核成绩") % {"what": what}, code="assessment_not_found")


def _ranked_children(unit: Unit) -> list[Unit]:
    children = list(
        Unit.objects.filter(parent=unit, is_active=True).exclude(kind=UnitKind.CENTRE).order_by("path")
    )
    return children or [unit]


def unit_subjects(user: AnyUser, parent: Unit | None = None) -> list[Unit]:
    """The units ranked together: the units right below ``parent`` (each with its subtree),
    or by default the units right below the user's jurisdiction (a department head: their
    own unit). A 受理中心 is the assessor, not ranked. A unit without units below ranks alone."""
    scope = check_may_view(user)
    if parent is not None:
        if parent.pk not in scope.unit_ids:
            raise _not_found(_("单位“%(code)s”") % {"code": parent.code})
        return _ranked_children(parent)
    subjects: list[Unit] = []
    for root in scope.centre_roots:
        subjects += _ranked_children(root)
    subjects += scope.head_units
    return _distinct(subjects)


def _handlers_in(unit_ids: Iterable[int]) -> list[User]:
    ids = Membership.objects.filter(role=Role.HANDLER, unit_id__in=list(unit_ids)).values("user_id")
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username"))


def handler_subjects(user: AnyUser, unit: Unit | None = None) -> list[User]:
    """The handlers ranked together: those holding the handler role in ``unit`` or below
    (default: everywhere the user sees); a handler sees only themself."""
    scope = check_may_view(user)
    if unit is not None:
        if unit.pk not in scope.unit_ids:
            raise _not_found(_("单位“%(code)s”") % {"code": unit.code})
        return _handlers_in(_subtree(_paths(), unit))
    found = {u.pk: u for u in _handlers_in(scope.unit_ids)} if scope.unit_ids else {}
    if scope.own and isinstance(user, get_user_model()):
        found.setdefault(user.pk, user)
    return sorted(found.values(), key=lambda u: u.get_username())


# --- rules ----------------------------------------------------------------------------------


def _top_id(path: str) -> int:
    return int(path.strip("/").split("/")[0])


class Rules:
    """The active rule of each top unit, else the active default; loaded once per ranking."""

    def __init__(self) -> None:
        self._by_unit: dict[int | None, ScoringRule] = {
            r.unit_id: r for r in ScoringRule.objects.filter(active=True)
        }

    def for_unit(self, unit: Unit) -> ScoringRule:
        rule = self._by_unit.get(_top_id(unit.path)) or self._by_unit.get(None)
        if rule is None:
            raise InvalidInput(
                _("尚未配置启用的考核评分规则:请管理员在后台“考核评分规则”中启用一条默认规则或本单位的规则"),
                code="assessment_no_rule",
            )
        return rule


# --- figures --------------------------------------------------------------------------------


def _kind_counts(column: str, ids: Sequence[int], period: Period, now: datetime) -> dict[int, Counter[str]]:
    """Fact counts by ``column`` (unit_id / handler_id) and kind, plus the running overdue
    tickets whose deadline falls in the period — the statistics' own counting."""
    kinds = sorted({k.value for ks in FIGURE_KINDS.values() for k in ks})
    out: dict[int, Counter[str]] = defaultdict(Counter)
    if not ids:
        return out
    facts = Fact.objects.filter(
        kind__in=kinds, day__gte=period.start, day__lte=period.end, **{f"{column}__in": list(ids)}
    )
    for row in facts.values(column, "kind").annotate(n=Count("*")).order_by():
        out[row[column]][row["kind"]] += row["n"]
    lo, hi = period.bounds
    tickets = Ticket.objects.filter(
        overdue_q(now), due_at__gte=lo, due_at__lt=hi, **{f"{column}__in": list(ids)}
    )
    for row in tickets.values(column).annotate(n=Count("*")).order_by():
        out[row[column]][LIVE_OVERDUE] += row["n"]
    return out


def _figure_counts(counter: Counter[str]) -> dict[str, int]:
    values = {name: sum(counter[k.value] for k in kinds) for name, kinds in FIGURE_KINDS.items()}
    values["overdue"] += counter[LIVE_OVERDUE]
    return values


@dataclass(frozen=True)
class RepeatProblem:
    """A problem (a first complaint and its repeats, 重复投诉 links) in one calendar month."""

    root_number: str  # the first complaint
    month: str  # 2026-10
    times: int  # its tickets received that month (the first one too, if it was)
    numbers: tuple[str, ...]  # those tickets
    unit_id: int  # the unit and handler of the month's latest repeat: whom it is charged to
    handler_id: int | None
    severe: bool = False


@dataclass(frozen=True)
class _ProblemMonth:
    root: int
    month: date
    tickets: list[tuple[date, int]]  # (day, ticket id) of its tickets that month, in the period
    unit_id: int
    handler_id: int | None


def _roots(ticket_ids: Iterable[int]) -> dict[int, int]:
    """Each ticket → the first complaint of its repeat chain (following ``repeat_of`` links;
    a ticket linked to several follows the earliest)."""
    ids = list(ticket_ids)
    parent: dict[int, int] = {}
    frontier: set[int] = set(ids)
    asked: set[int] = set()
    for _step in range(100):  # chains are short; the bound only guards against a cycle
        frontier -= asked
        if not frontier:
            break
        asked |= frontier
        links = TicketLink.objects.filter(
            kind=LinkKind.REPEAT_OF, confirmed=True, ticket_id__in=list(frontier)
        )
        for ticket_id, target_id in sorted(links.values_list("ticket_id", "target_id")):
            parent.setdefault(ticket_id, target_id)
        frontier = {parent[t] for t in frontier if t in parent}
    roots: dict[int, int] = {}
    for start in ids:
        current, seen = start, {start}
        while current in parent and parent[current] not in seen:
            current = parent[current]
            seen.add(current)
        roots[start] = current
    return roots


def _problem_months(period: Period) -> list[_ProblemMonth]:
    repeats = list(
        Fact.objects.filter(kind=FactKind.REPEAT, day__gte=period.start, day__lte=period.end)
        .values_list("ticket_id", "day", "unit_id", "handler_id")
        .order_by()
    )
    if not repeats:
        return []
    roots = _roots([r[0] for r in repeats])
    root_days = dict(
        Fact.objects.filter(
            kind=FactKind.RECEIVED,
            ticket_id__in=set(roots.values()),
            day__gte=period.start,
            day__lte=period.end,
        ).values_list("ticket_id", "day")
    )
    grouped: dict[tuple[int, date], list[tuple[date, int, int, int | None]]] = defaultdict(list)
    for ticket_id, day, unit_id, handler_id in repeats:
        grouped[(roots[ticket_id], day.replace(day=1))].append((day, ticket_id, unit_id, handler_id))
    out = []
    for (root, month), rows in sorted(grouped.items()):
        rows.sort()
        tickets = [(day, tid) for day, tid, _u, _h in rows]
        root_day = root_days.get(root)
        if root_day is not None and root_day.replace(day=1) == month and root not in {t for _d, t in tickets}:
            tickets.insert(0, (root_day, root))
        last = rows[-1]
        out.append(_ProblemMonth(root, month, sorted(tickets), last[2], last[3]))
    return out


def _problems_for(
    months: Sequence[_ProblemMonth], belongs: Mapping[int, list[int]], column: SubjectKind
) -> dict[int, list[_ProblemMonth]]:
    """Problem-months per subject: ``belongs`` maps a unit id (or a handler id) to the subjects
    it is charged to."""
    out: dict[int, list[_ProblemMonth]] = defaultdict(list)
    for pm in months:
        key = pm.unit_id if column == "unit" else pm.handler_id
        for subject in belongs.get(key, []) if key is not None else []:
            out[subject].append(pm)
    return out


# --- cards ----------------------------------------------------------------------------------


@dataclass
class Card:
    kind: SubjectKind
    code: str  # the unit's code or the handler's username
    name: str
    unit_name: str  # a handler's unit; a unit's parent
    rule: ScoringRule
    result: Score
    problems: list[RepeatProblem] = field(default_factory=list)
    rank: int = 0
    of: int = 0  # how many ranked

    @property
    def points(self) -> Decimal:
        return self.result.score

    @property
    def sort_name(self) -> str:
        return self.name

    @property
    def sort_code(self) -> str:
        return self.code


@dataclass(frozen=True)
class Ranking:
    kind: SubjectKind
    period: Period
    cards: list[Card]
    parent: Unit | None = None  # units: the ranked units' parent; handlers: the unit asked for


def _rank(cards: list[Card]) -> list[Card]:
    ordered = ranks(cards)
    out = []
    for position, card in ordered:
        card.rank, card.of = position, len(ordered)
        out.append(card)
    return out


def _numbers(ids: Iterable[int]) -> dict[int, str]:
    return dict(Ticket.objects.filter(pk__in=set(ids)).values_list("pk", "number"))


def _problem_list(
    months: Sequence[_ProblemMonth], severe_times: int, numbers: Mapping[int, str]
) -> list[RepeatProblem]:
    return [
        RepeatProblem(
            root_number=numbers.get(pm.root, ""),
            month=f"{pm.month:%Y-%m}",
            times=len(pm.tickets),
            numbers=tuple(numbers.get(t, "") for _d, t in pm.tickets),
            unit_id=pm.unit_id,
            handler_id=pm.handler_id,
            severe=len(pm.tickets) >= severe_times,
        )
        for pm in months
    ]


def _cards(
    kind: SubjectKind,
    subjects: Sequence[tuple[int, str, str, str, Unit]],  # (key id, code, name, unit name, rule unit)
    members: Mapping[int, list[int]],  # subject id → the unit ids (or handler id) it adds up
    period: Period,
    now: datetime,
) -> list[Card]:
    rules = Rules()
    column = "unit_id" if kind == "unit" else "handler_id"
    all_ids = sorted({i for ids in members.values() for i in ids})
    counts = _kind_counts(column, all_ids, period, now)
    belongs: dict[int, list[int]] = defaultdict(list)
    for subject, ids in members.items():
        for i in ids:
            belongs[i].append(subject)
    months = _problem_months(period)
    per_subject = _problems_for(months, belongs, kind)
    numbers = _numbers(
        t for pms in per_subject.values() for pm in pms for t in (pm.root, *(x for _d, x in pm.tickets))
    )
    rect: dict[int, int] = defaultdict(int)
    if kind == "unit" and all_ids:
        lo, hi = period.bounds
        units = Unit.objects.filter(pk__in=all_ids)
        for unit_id, c in counts_per_unit(start=lo, end=hi, units=units, as_of=now).items():
            for subject in belongs.get(unit_id, []):
                rect[subject] += c.overdue
    cards = []
    for pk, code, name, unit_name, rule_unit in subjects:
        rule = rules.for_unit(rule_unit)
        total: Counter[str] = Counter()
        for i in members.get(pk, []):
            total.update(counts.get(i, Counter()))
        problems = _problem_list(per_subject.get(pk, []), rule.severe_times, numbers)
        figures = Figures(
            **_figure_counts(total),
            repeat_problems=sum(1 for p in problems if not p.severe),
            repeat_severe=sum(1 for p in problems if p.severe),
            rectification_overdue=rect[pk] if kind == "unit" else None,
        )
        cards.append(Card(kind, code, name, unit_name, rule, score(figures, rule), problems))
    return cards


def _unit_cards(units: Sequence[Unit], period: Period, now: datetime) -> list[Card]:
    paths = _paths()
    parents = dict(
        Unit.objects.filter(pk__in={u.parent_id for u in units if u.parent_id}).values_list("pk", "name")
    )
    subjects = [(u.pk, u.code, u.name, parents.get(u.parent_id or 0, ""), u) for u in units]
    return _cards("unit", subjects, {u.pk: _subtree(paths, u) for u in units}, period, now)


def _handler_home(users: Sequence[User]) -> dict[int, Unit]:
    """Each handler's unit (their first handler membership, by the tree's order)."""
    homes: dict[int, Unit] = {}
    for m in (
        Membership.objects.filter(user__in=list(users), role=Role.HANDLER)
        .select_related("unit")
        .order_by("unit__path")
    ):
        homes.setdefault(m.user_id, m.unit)
    return homes


def _handler_cards(users: Sequence[User], period: Period, now: datetime) -> list[Card]:
    homes = _handler_home(users)
    subjects = []
    for u in users:
        home = homes.get(u.pk)
        if home is None:  # a handler card needs a handler's unit for its rule
            continue
        subjects.append((u.pk, u.get_username(), u.get_full_name() or u.get_username(), home.name, home))
    return _cards("handler", subjects, {u.pk: [u.pk] for u in users}, period, now)


def unit_ranking(
    user: AnyUser, period: Period, *, parent: Unit | None = None, now: datetime | None = None
) -> Ranking:
    units = unit_subjects(user, parent)
    cards = _rank(_unit_cards(units, period, now or timezone.now()))
    return Ranking("unit", period, cards, parent)


def handler_ranking(
    user: AnyUser, period: Period, *, unit: Unit | None = None, now: datetime | None = None
) -> Ranking:
    users = handler_subjects(user, unit)
    cards = _rank(_handler_cards(users, period, now or timezone.now()))
    return Ranking("handler", period, cards, unit)


def unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise _not_found(_("单位“%(code)s”") % {"code": code[:32]})
    return unit


def unit_card(user: AnyUser, code: str, period: Period, *, now: datetime | None = None) -> Card:
    """One unit's card, ranked among the units it is ranked with (its siblings in the
    user's view; alone when its parent is outside it)."""
    scope = check_may_view(user)
    unit = unit_by_code(code)
    if unit.pk not in scope.unit_ids:
        raise _not_found(_("单位“%(code)s”") % {"code": code[:32]})
    parent = unit.parent if unit.parent_id is not None and unit.parent_id in scope.unit_ids else None
    peers = _ranked_children(parent) if parent is not None else [unit]
    if unit not in peers:
        peers = [unit]
    cards = _rank(_unit_cards(peers, period, now or timezone.now()))
    return next(c for c in cards if c.code == unit.code)


def handler_card(user: AnyUser, username: str, period: Period, *, now: datetime | None = None) -> Card:
    """One handler's card, ranked among the handlers of their unit the user sees."""
    check_may_view(user)
    allowed = {u.get_username(): u for u in handler_subjects(user)}
    target = allowed.get(username)
    if target is None:
        raise _not_found(_("承办人“%(code)s”") % {"code": username[:32]})
    home = _handler_home([target]).get(target.pk)
    peers = (
        [u for u in handler_subjects(user, home)] if home is not None and _visible(user, home) else [target]
    )
    cards = _rank(_handler_cards(peers, period, now or timezone.now()))
    found = next((c for c in cards if c.code == username), None)
    if found is None:
        raise _not_found(_("承办人“%(code)s”") % {"code": username[:32]})
    return found


def _visible(user: AnyUser, unit: Unit) -> bool:
    return unit.pk in scope_of(user).unit_ids
