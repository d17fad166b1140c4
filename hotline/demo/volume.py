"""Volume data for benchmarks (``hotline generate --tickets N``).

Tickets are *simulated*, not registered through the services: a million service calls
would take hours. Each ticket walks its intake unit's policy pack the way the workflow service
would move it (same stages, same order of actions, same clocks and due times computed
with the real calendar counting), with a delay drawn for every step; the walk stops
where "now" falls, so open tickets are the recent ones and old ones are closed, apart
from a few that stalled (the overdue backlog every hotline has).

What matches the real services:

* numbers ``YYYYMMDD`` + six-digit per-day sequence, reserved up front in
  ``tickets_dailysequence`` (one ``INSERT … ON CONFLICT … RETURNING`` per day), so a later
  registration — or a second run — never collides;
* ``policy`` from the intake unit, ``stage``/``status`` from the pack, ``round``,
  ``supervised``, ``handler`` (set by ``assign``, cleared by ``dispatch``/``return``),
  ``accepted_at``/``dispatched_at``/``closed_at``, ``version`` = 1 + transitions;
* ``stage_clock``/``final_clock`` in the clock format of :mod:`hotline.workflow.clocks`
  and ``due_at``/``final_due_at``/``deadline_provisional`` from
  :func:`hotline.calendar.counting.deadline` (cached per start date for day units);
* one history event per transition (``register`` is seq 1), with the payloads the
  action handlers write. ``history="minimal"`` keeps ``register`` plus the closing event.

Not simulated: extensions (``ExtensionRequest`` rows), reopening, attachments, links.

PostgreSQL loads with ``COPY … FROM STDIN`` (ids reserved from the table's sequence so
events can be written in the same pass), one transaction per batch, in writer threads
with their own connections while the next batch is simulated; inside a transaction (tests)
it writes inline. Other databases use ``bulk_create`` (there ``updated_at`` is the load
time: ``auto_now``). Numbers: ``bench/README.md``.
"""

from __future__ import annotations

import json
import math
import os
import queue
import random
import threading
import time
from array import array
from bisect import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, groupby
from typing import Any, Final, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from hotline.calendar.counting import WorkCalendar, deadline, remaining
from hotline.calendar.services import get_calendar
from hotline.demo.samples import GIVEN, SAMPLES, STREETS, SURNAMES
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.policies.registry import get_pack
from hotline.policies.schema import Limit, Pack, Stage, TypePolicy
from hotline.tickets.models import Category, DailySequence, Status, Ticket, TicketEvent

T = TypeVar("T")
History = Literal["full", "minimal"]
Row = tuple[dict[str, Any], list[dict[str, Any]]]  # a ticket's columns and its events, by attname
Batch = list[Row]
Progress = Callable[[int, int, float], None]  # (tickets done, events done, seconds)

MAX_DAILY_SEQUENCE: Final = 999_999
YEARLY_GROWTH: Final = 1.25  # this year's volume / last year's
STALL_RATE: Final = 0.002  # tickets that stop moving somewhere (the old open backlog)
FORWARD: Final = ("accept", "dispatch", "sign", "assign", "reply", "return_visit", "close")
# type: (share, rejected, answered on the spot, returned by the unit, dissatisfied, suspended)
TYPE_MIX: Final[dict[str, tuple[float, float, float, float, float, float]]] = {
    "complaint": (0.45, 0.05, 0.08, 0.05, 0.10, 0.04),
    "consultation": (0.25, 0.01, 0.75, 0.02, 0.03, 0.01),
    "help": (0.12, 0.02, 0.40, 0.04, 0.08, 0.04),
    "report": (0.08, 0.08, 0.00, 0.06, 0.08, 0.06),
    "suggestion": (0.07, 0.04, 0.20, 0.03, 0.05, 0.01),
    "praise": (0.03, 0.00, 0.70, 0.00, 0.00, 0.00),
}
CHANNELS: Final = {
    "phone": 55,
    "web": 20,
    "sms": 5,
    "email": 4,
    "letter": 4,
    "visit": 5,
    "transfer": 4,
    "media": 1,
    "fax": 0.5,
    "internal": 1.5,
}
DELAYED_CHANNELS: Final = frozenset({"letter", "fax", "email", "transfer", "media"})  # registered later
HOUR_WEIGHTS: Final = (1, 1, 0, 0, 0, 1, 2, 4, 9, 11, 11, 10, 7, 8, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1)
SEVERITIES: Final = {"normal": 88, "major": 9, "urgent": 3}
CUSTOMER_CLASSES: Final = {"": 70, "A": 4, "B": 8, "C": 10, "D": 5, "VIP": 3}
SATISFIED: Final = {"very_satisfied": 30, "satisfied": 55, "neutral": 15}
EXTRA_DEPARTMENTS: Final = (
    "教育局",
    "卫生健康局",
    "交通运输局",
    "生态环境局",
    "水利局",
    "农业农村局",
    "文化广电旅游局",
    "人力资源和社会保障局",
    "民政局",
    "自然资源和规划局",
    "应急管理局",
    "商务局",
    "医疗保障局",
    "城市管理局",
    "公安分局",
    "供电公司",
    "自来水公司",
    "燃气公司",
)
REPLY_TEXT: Final = "经核查,情况属实,已责令整改并答复诉求人,诉求人表示认可。"
CLOSE_TEXT: Final = "诉求已办结"
ON_THE_SPOT_TEXT: Final = "已当场答复"
SUSPEND_REASON: Final = "需等待检测结果"
RETURN_REASON: Final = "不属于本单位职责范围,请重新派单"
ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


class _Weighted(Generic[T]):
    """``random.choices(items, weights)[0]`` without rebuilding the cumulative weights."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self.items = [item for item, _w in pairs]
        self.cumulative = list(accumulate(w for _i, w in pairs))

    def pick(self, rng: random.Random) -> T:
        index = bisect(self.cumulative, rng.random() * self.cumulative[-1])
        return self.items[min(index, len(self.items) - 1)]


@dataclass(frozen=True)
class GenerateResult:
    tickets: int
    events: int
    seconds: float
    seed: int

    @property
    def rows_per_second(self) -> float:
        return (self.tickets + self.events) / self.seconds if self.seconds else 0.0


# --- the organisation the tickets land in ---------------------------------------------------


@dataclass
class _Department:
    unit: Unit
    handlers: list[tuple[int, str]]  # (user id, username)
    heads: list[int]


@dataclass
class _World:
    intake: list[tuple[Unit, Pack]]  # units where tickets are registered, with their pack
    departments: list[_Department]
    department_picker: _Weighted[_Department]
    staff: dict[str, list[int]]  # centre role -> user ids
    categories: dict[str, Category]  # code -> leaf category
    calendar: WorkCalendar


def ensure_org(*, extra_units: int = 0, handlers_per_unit: int = 3, policy: str = "") -> None:
    """The demo organisation (seeded when there are no units at all), ``extra_units``
    more departments spread over the counties, and a few handlers plus a department head
    in every department. Idempotent; generated users cannot log in (no password)."""
    from hotline.demo.seed import DEFAULT_DEMO_PASSWORD, seed_org

    if not Unit.objects.exists():
        password = os.environ.get("HOTLINE_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
        seed_org(password=password, **({"policy": policy} if policy else {}))
    with transaction.atomic():
        _add_departments(extra_units)
        _add_staff(handlers_per_unit)


def _add_departments(count: int) -> None:
    parents = list(Unit.objects.filter(kind=UnitKind.COUNTY, is_active=True).order_by("path")) or list(
        Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path")
    )
    if not parents or count <= 0:
        return
    for k in range(count):
        parent = parents[k % len(parents)]
        n = k // len(parents)
        lap, suffix = divmod(n, len(EXTRA_DEPARTMENTS))
        name = parent.name.removesuffix("人民政府") + EXTRA_DEPARTMENTS[suffix]
        name += f"第{lap + 1}分局" if lap else ""
        code = f"{parent.code}-G{n + 1:03d}"
        if not Unit.objects.filter(code=code).exists():
            Unit(code=code, name=name, kind=UnitKind.DEPARTMENT, parent=parent, region=parent.region).save()


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _add_staff(handlers_per_unit: int) -> None:
    User = get_user_model()
    rng = random.Random(7)
    wanted: list[tuple[str, str, Unit, str]] = []  # username, display name, unit, role
    for unit in Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True):
        roles = list(Membership.objects.filter(unit=unit).values_list("role", flat=True))
        code = unit.code.lower()
        for k in range(roles.count(Role.HANDLER), handlers_per_unit):
            wanted.append((f"gen-{code}-h{k + 1}", _name(rng), unit, Role.HANDLER))
        if Role.DEPT_HEAD not in roles:
            wanted.append((f"gen-{code}-head", _name(rng), unit, Role.DEPT_HEAD))
    names = [w[0] for w in wanted]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    new_users = []
    for username, display, _unit, _role in wanted:
        if username not in existing:
            user = User(username=username, first_name=display)
            user.set_unusable_password()
            new_users.append(user)
    User.objects.bulk_create(new_users)
    ids = dict(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[u], unit=unit, role=role) for u, _d, unit, role in wanted],
        ignore_conflicts=True,
    )


def _load_world(rng: random.Random) -> _World:
    units = list(Unit.objects.filter(is_active=True).select_related("parent"))
    intake = [u for u in units if u.kind == UnitKind.CENTRE] or [u for u in units if u.parent_id is None]
    departments = [u for u in units if u.kind == UnitKind.DEPARTMENT] or intake
    members = list(Membership.objects.select_related("user").filter(user__is_active=True))
    staff: dict[str, list[int]] = {}
    handlers: dict[int, list[tuple[int, str]]] = {}
    heads: dict[int, list[int]] = {}
    for m in members:
        if m.role == Role.HANDLER:
            handlers.setdefault(m.unit_id, []).append((m.user_id, m.user.get_username()))
        elif m.role == Role.DEPT_HEAD:
            heads.setdefault(m.unit_id, []).append(m.user_id)
        else:
            staff.setdefault(m.role, []).append(m.user_id)
    for ids in staff.values():
        ids.sort()
    # Some departments are much busier than others (market regulation vs the water company).
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(departments))]
    rng.shuffle(weights)
    depts = [
        _Department(unit=u, handlers=sorted(handlers.get(u.pk, [])), heads=sorted(heads.get(u.pk, [])))
        for u in departments
    ]
    leaves = {c.code: c for c in Category.objects.filter(is_active=True) if c.parent_id is not None}
    return _World(
        intake=[(u, get_pack(u.effective_policy())) for u in intake],
        departments=depts,
        department_picker=_Weighted(list(zip(depts, weights, strict=True))),
        staff=staff,
        categories=leaves,
        calendar=get_calendar(),
    )


# --- deadlines ------------------------------------------------------------------------------


class _Dues:
    """``deadline()`` with a cache for the day units, whose result depends only on the start
    date (and, for "the same working day", on whether the start is before the close)."""

    def __init__(self, cal: WorkCalendar) -> None:
        self.cal = cal
        self.cache: dict[tuple[date, bool, int, str], tuple[datetime, bool]] = {}

    def due(self, start: datetime, amount: int, unit: str) -> tuple[datetime, bool]:
        if unit not in ("working_days", "natural_days"):
            result = deadline(self.cal, start, amount, unit)
            return result.due_at, result.provisional
        local = start.astimezone(self.cal.tz)
        same_day_open = unit == "working_days" and amount == 0 and local.time() < self.cal.close
        key = (local.date(), same_day_open, amount, unit)
        hit = self.cache.get(key)
        if hit is None:
            result = deadline(self.cal, start, amount, unit)
            hit = self.cache[key] = (result.due_at, result.provisional)
        return hit


def _nominal_seconds(limit: Limit | None) -> float:
    """Roughly how long a limit lasts in clock time (for drawing realistic step delays)."""
    if limit is None:
        return 1.5 * 86400
    amount = limit.amount
    return {
        "working_days": max(amount, 0.3) * 1.4 * 86400,
        "natural_days": max(amount, 0.3) * 86400,
        "working_hours": amount * 2.2 * 3600,
        "working_minutes": amount * 2.2 * 60,
        "hours": amount * 3600,
        "minutes": amount * 60,
    }.get(limit.unit, 86400)


# --- one ticket -----------------------------------------------------------------------------


@dataclass
class _Clock:
    start: datetime
    amount: int
    unit: str

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "amount": self.amount, "unit": self.unit, "extensions": []}


@dataclass
class _Plan:
    """What will happen to this ticket, drawn once (each may not apply to its workflow)."""

    reject: bool
    on_the_spot: bool
    returned: bool
    dissatisfied: bool
    suspend: bool
    stall_at: int | None  # the step after which nobody moves it any more


@dataclass
class _Walk:
    """A ticket while it walks its workflow: the fields the actions change, and its events."""

    tp: TypePolicy
    pack: Pack
    plan: _Plan
    owner: Unit
    dept: _Department
    severity: str
    category: str | None
    registered_by: int | None
    stage: str
    entered: datetime
    unit: Unit
    stage_clock: _Clock | None = None
    final_clock: _Clock | None = None
    status: str = Status.OPEN
    round: int = 0
    handler: tuple[int, str] | None = None
    supervised: bool = False
    satisfaction: str = ""
    closing_code: str = ""
    accepted_at: datetime | None = None
    dispatched_at: datetime | None = None
    closed_at: datetime | None = None
    suspension: dict[str, Any] | None = None
    last_action: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self,
        action: str,
        at: datetime,
        actor: int | None,
        from_stage: str,
        from_status: str,
        *,
        payload: dict[str, Any],
        comment: str = "",
        public: bool = False,
        label: str = "",
    ) -> None:
        """The event ``record_event`` would write, after the change."""
        self.events.append(
            {
                "seq": len(self.events) + 1,
                "actor_id": actor,
                "actor_label": label or ("" if actor else "系统"),
                "action": action,
                "from_stage": from_stage,
                "to_stage": self.stage,
                "from_status": from_status,
                "to_status": self.status,
                "comment": comment,
                "payload": payload,
                "public": public,
                "created_at": at,
            }
        )


class _Simulator:
    def __init__(
        self, world: _World, rng: random.Random, *, now: datetime, history: History, callers: int
    ) -> None:
        self.world, self.rng, self.now, self.history = world, rng, now, history
        self.dues = _Dues(world.calendar)
        self.tz = world.calendar.tz
        self.types = _Weighted([(t, mix[0]) for t, mix in TYPE_MIX.items()])
        self.severities = _Weighted(SEVERITIES)
        self.customer_classes = _Weighted(CUSTOMER_CLASSES)
        self.satisfied = _Weighted(SATISFIED)
        self.samples = {t: [s for s in SAMPLES if s[0] == t] for t in TYPE_MIX}
        self.category_list = list(world.categories.values())
        self.callers = [self._new_person() for _ in range(max(callers, 20))]
        self.limits: dict[tuple[str, str, str, str, str | None], Limit | None] = {}
        self.nominal: dict[Limit | None, float] = {}
        self.departments = {d.unit.pk: d for d in world.departments}

    # -- people

    def _new_person(self) -> tuple[str, str, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if rng.random() < 0.85:
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        else:
            phone = f"0{rng.choice(['571', '591', '791', '731'])}{rng.randrange(2 * 10**7, 9 * 10**7)}"
        address = f"江州市{rng.choice(['东湖区', '西山县'])}{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
        return name, phone, address

    def _caller(self) -> tuple[str, str, str]:
        # A third of the calls come from people who called before (3–4 times on average);
        # a few call dozens of times.
        if self.rng.random() < 0.35:
            return self.callers[int(len(self.callers) * self.rng.random() ** 1.3)]
        return self._new_person()

    def _id_number(self) -> str:
        rng = self.rng
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
        body = f"3301{rng.randrange(10, 99)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        return body + check

    # -- lookups

    def _limit(self, walk: _Walk, stage: str) -> Limit | None:
        key = (walk.pack.code, walk.tp.type, stage, walk.severity, walk.category)
        if key not in self.limits:
            self.limits[key] = walk.tp.stage_limit(stage, severity=walk.severity, category_code=walk.category)
        return self.limits[key]

    def _clock(self, walk: _Walk, stage: str, at: datetime) -> _Clock | None:
        limit = self._limit(walk, stage)
        return _Clock(at, limit.amount, limit.unit) if limit is not None else None

    def _due(self, clock: _Clock | None) -> tuple[datetime, bool] | None:
        return None if clock is None else self.dues.due(clock.start, clock.amount, clock.unit)

    def _actor(self, roles: frozenset[str], walk: _Walk) -> int | None:
        """Someone who holds one of ``roles`` for this ticket (None: the system)."""
        for role in ("handler", "dept_head", "agent", "coordinator", "leader", "team_leader", "admin"):
            if role not in roles:
                continue
            if role == "handler" and walk.handler is not None:
                return walk.handler[0]
            dept = self.departments.get(walk.unit.pk)
            if role == "dept_head" and dept is not None and dept.heads:
                return dept.heads[0]
            if role == "agent" and walk.registered_by is not None:
                return walk.registered_by
            pool = self.world.staff.get(role)
            if pool:
                return pool[self.rng.randrange(len(pool))]
        return None

    # -- the walk

    def ticket(self, *, registered: datetime, channel: str, number: str) -> Row:
        """One ticket row (by attname) and its events, as the services would have left them."""
        rng, world = self.rng, self.world
        ttype = self.types.pick(rng)
        _share, p_reject, p_spot, p_return, p_dissatisfied, p_suspend = TYPE_MIX[ttype]
        owner, pack = world.intake[rng.randrange(len(world.intake))]
        tp = pack.type(ttype)
        sample = rng.choice(self.samples[ttype])
        category = world.categories.get(sample[1])
        if (category is None or rng.random() < 0.2) and self.category_list:
            category = rng.choice(self.category_list)
        received = registered
        if channel in DELAYED_CHANNELS:
            received = registered - timedelta(hours=rng.uniform(0.5, 48))
        elif channel != "web":
            received = registered - timedelta(seconds=rng.uniform(20, 600))
        agents = world.staff.get("agent", [])
        public_intake = channel == "web" and rng.random() < 0.6
        walk = _Walk(
            tp=tp,
            pack=pack,
            owner=owner,
            unit=owner,
            dept=world.department_picker.pick(rng),
            severity=self.severities.pick(rng),
            category=category.code if category else None,
            registered_by=None if public_intake or not agents else agents[rng.randrange(len(agents))],
            stage=tp.initial_stage,
            entered=registered,
            plan=_Plan(
                reject=rng.random() < p_reject,
                on_the_spot=rng.random() < p_spot,
                returned=rng.random() < p_return,
                dissatisfied=rng.random() < p_dissatisfied,
                suspend=rng.random() < p_suspend,
                stall_at=rng.randrange(1, 8) if rng.random() < STALL_RATE else None,
            ),
        )
        walk.stage_clock = self._clock(walk, walk.stage, registered)
        if tp.total is not None and tp.total.start == "received":
            walk.final_clock = _Clock(received, tp.total.amount, tp.total.unit)
        walk.record(
            "register",
            registered,
            walk.registered_by,
            "",
            "",
            public=True,
            payload={"channel": channel, "policy": pack.code, "received_at": received.isoformat()},
            label="" if walk.registered_by else "公众(网站)",
        )
        self._run(walk)
        row = self._row(walk, sample, category, number=number, channel=channel, received=received)
        events = walk.events
        if self.history == "minimal" and len(events) > 2:
            events = [events[0], {**events[-1], "seq": 2}] if walk.status == Status.CLOSED else events[:1]
        return row, events

    def _run(self, walk: _Walk) -> None:
        rng, plan = self.rng, walk.plan
        t = walk.entered
        for step in range(24):
            stage = walk.tp.stages[walk.stage]
            if stage.final or plan.stall_at == step:
                return
            choice = self._choose(walk, stage, step)
            if choice is None:
                return
            action, to = choice
            limit = self._limit(walk, walk.stage)
            nominal = self.nominal.get(limit) or self.nominal.setdefault(limit, _nominal_seconds(limit))
            if action in ("accept", "reject") or (action == "close" and step == 0):
                nominal = min(nominal, 2 * 3600)  # the agent decides during or right after the call
            if rng.random() < 0.92:
                factor = 0.03 + 0.9 * rng.random() ** 1.7  # mostly in the first half of the limit
            else:
                factor = 1.0 + rng.expovariate(1.5)  # overdue
            at = self._office_hours(t + timedelta(seconds=max(120.0, nominal * factor)))
            if plan.suspend and "suspend" in stage.actions and "resume" in stage.actions:
                plan.suspend = False
                after = self._suspend(walk, at)
                if after is None:
                    return
                at = after
            if at > self.now:
                return
            self._apply(walk, action, to, at)
            t = at

    def _choose(self, walk: _Walk, stage: Stage, step: int) -> tuple[str, str | None] | None:
        """The next action and its target stage: the plan's detours, else the happy path."""
        acts, plan = stage.actions, walk.plan
        if step == 0 and plan.reject and "reject" in acts:
            return "reject", acts["reject"].to
        if step == 0 and plan.on_the_spot and "close" in acts:
            return "close", acts["close"].to
        if plan.returned and "return" in acts:
            plan.returned = False
            return "return", acts["return"].to
        again = walk.last_action == "return_visit" and walk.satisfaction == "dissatisfied"
        if again and "redispatch" in acts and walk.round < walk.pack.rounds.max:
            return "redispatch", acts["redispatch"].to
        visit = acts.get("return_visit")
        if visit is not None and "reply" not in acts:
            if plan.dissatisfied and visit.dissatisfied_to and walk.round < walk.pack.rounds.max:
                plan.dissatisfied = False
                return "return_visit", visit.dissatisfied_to
            return "return_visit", visit.to
        for name in FORWARD:
            rule = acts.get(name)
            if rule is not None and rule.to is not None:
                return name, rule.to
        return None

    def _office_hours(self, at: datetime) -> datetime:
        """Staff act between 08:00 and 21:00 local time; later steps wait for the morning."""
        local = at.astimezone(self.tz)
        if 8 <= local.hour < 21:
            return at
        day = local.date() + timedelta(days=1 if local.hour >= 21 else 0)
        start = datetime(day.year, day.month, day.day, 8, 30, tzinfo=self.tz)
        return (start + timedelta(minutes=self.rng.uniform(0, 120))).astimezone(UTC)

    def _apply(self, walk: _Walk, action: str, to: str | None, at: datetime) -> None:
        """What ``hotline.workflow.actions`` does for ``action``, then ``enter_stage``."""
        tp, pack = walk.tp, walk.pack
        rule = tp.stages[walk.stage].actions[action]
        actor = self._actor(rule.roles, walk)
        from_stage, from_status = walk.stage, walk.status
        payload: dict[str, Any] = {}
        comment, public = "", False
        total = tp.total
        if action == "accept":
            walk.accepted_at, public = at, True
            if total is not None and total.start == "accepted":
                walk.final_clock = _Clock(at, total.amount, total.unit)
        elif action == "reject":
            code = next(iter(pack.reject_reasons))
            payload, public = {"reason": code, "reason_label": pack.reject_reasons[code]}, True
        elif action in ("dispatch", "redispatch"):
            if action == "dispatch":
                if walk.last_action == "return":
                    walk.dept = self.world.department_picker.pick(self.rng)
                walk.unit, walk.round, comment = walk.dept.unit, max(walk.round, 1), "请按时限办理"
            else:
                walk.round += 1
                walk.supervised = walk.supervised or walk.round >= pack.rounds.supervise_from
            walk.handler = None
            walk.dispatched_at = walk.dispatched_at or at
            if total is not None and total.start == "dispatched":
                walk.final_clock = _Clock(at, total.amount, total.unit)
            payload = {"unit": walk.unit.code, "unit_name": walk.unit.name, "round": walk.round}
            if action == "redispatch":
                payload["supervised"] = walk.supervised
        elif action == "return":
            payload, comment = {"from_unit": walk.unit.code}, RETURN_REASON
            walk.unit, walk.handler = walk.owner, None
        elif action == "assign":
            dept = self.departments.get(walk.unit.pk)
            if dept is not None and dept.handlers:
                walk.handler = dept.handlers[self.rng.randrange(len(dept.handlers))]
                payload = {"handler": walk.handler[1]}
        elif action == "reply":
            comment, payload, public = REPLY_TEXT, {"result": REPLY_TEXT}, True
        elif action == "return_visit":
            unhappy = to is not None and to == rule.dissatisfied_to and rule.dissatisfied_to != rule.to
            walk.satisfaction = "dissatisfied" if unhappy else self.satisfied.pick(self.rng)
            payload = {"satisfaction": walk.satisfaction}
        elif action == "close":
            spot = from_stage == tp.initial_stage
            walk.closing_code = "on_the_spot" if spot else "handled"
            text = ON_THE_SPOT_TEXT if spot else CLOSE_TEXT
            comment, payload, public = text, {"closing_code": walk.closing_code, "result": text}, True
        walk.last_action = action
        if to is not None and (to != walk.stage or tp.stages[to].final):
            walk.stage, walk.entered = to, at
            if tp.stages[to].final:
                walk.status, walk.closed_at, walk.stage_clock = Status.CLOSED, at, None
            else:
                walk.status, walk.stage_clock = Status.OPEN, self._clock(walk, to, at)
        walk.record(
            action, at, actor, from_stage, from_status, payload=payload, comment=comment, public=public
        )

    def _suspend(self, walk: _Walk, at: datetime) -> datetime | None:
        """Suspend at ``at`` and resume days later; returns when the pending action then
        happens, or None when the ticket is still suspended now."""
        if at > self.now:
            return at
        actor = self._actor(walk.tp.stages[walk.stage].actions["suspend"].roles, walk)
        state: dict[str, Any] = {"at": at.isoformat(), "reason": SUSPEND_REASON}
        for key, clock in (("stage_clock", walk.stage_clock), ("final_clock", walk.final_clock)):
            due = self._due(clock)
            if clock is not None and due is not None:
                state[key] = list(remaining(self.world.calendar, at, due[0], clock.unit))
        walk.status, walk.suspension = Status.SUSPENDED, state
        left = {k: v for k, v in state.items() if k.endswith("clock")}
        walk.record(
            "suspend", at, actor, walk.stage, Status.OPEN, payload={"remaining": left}, comment=SUSPEND_REASON
        )
        resumed = self._office_hours(at + timedelta(days=self.rng.uniform(2, 20)))
        if resumed > self.now:
            return None
        for key in ("stage_clock", "final_clock"):
            if key in state:
                amount, unit = state[key]
                setattr(walk, key, _Clock(resumed, int(amount), str(unit)))
        walk.status, walk.suspension = Status.OPEN, None
        stage_due, final_due = self._due(walk.stage_clock), self._due(walk.final_clock)
        due = stage_due or final_due
        payload = {
            "suspended_at": state["at"],
            "due_at": due[0].isoformat() if due else None,
            "final_due_at": final_due[0].isoformat() if final_due else None,
        }
        walk.record("resume", resumed, actor, walk.stage, Status.SUSPENDED, payload=payload)
        return resumed + timedelta(hours=self.rng.uniform(1, 30))  # the pending action, after the wait

    def _row(
        self,
        walk: _Walk,
        sample: tuple[str, ...],
        category: Category | None,
        *,
        number: str,
        channel: str,
        received: datetime,
    ) -> dict[str, Any]:
        """The ticket's columns, with due times as ``refresh_dues`` computes them."""
        rng = self.rng
        final = self._due(walk.final_clock)
        stage = self._due(walk.stage_clock) if walk.status != Status.CLOSED else None
        due_at = None if walk.status == Status.CLOSED else (stage or final or (None, False))[0]
        _type, _cat, subject, description, demand, respondent = sample
        anonymous = walk.tp.type == "report" and rng.random() < 0.5  # half the reports
        name, phone, address = ("", "", "") if anonymous else self._caller()
        with_email = channel in ("web", "email") and name
        return {
            "number": number,
            "query_code": f"{rng.randrange(10**6):06d}",
            "type": walk.tp.type,
            "channel": channel,
            "policy": walk.pack.code,
            "received_at": received,
            "registered_at": walk.events[0]["created_at"],
            "registered_by_id": walk.registered_by,
            "owner_unit_id": walk.owner.pk,
            "complainant_name": name,
            "complainant_phone": phone,
            "complainant_email": f"{rng.randrange(10**7, 10**10)}@qq.com" if with_email else "",
            "complainant_id_number": self._id_number() if name and rng.random() < 0.1 else "",
            "complainant_address": address,
            "customer_class": self.customer_classes.pick(rng) if name else "",
            "anonymous": anonymous,
            "respondent_name": respondent,
            "respondent_address": _address(rng) if respondent else "",
            "respondent_licence": _licence(rng) if respondent and rng.random() < 0.3 else "",
            "unit_id": walk.unit.pk,
            "region": walk.dept.unit.region or walk.owner.region,
            "category_id": category.pk if category else None,
            "severity": walk.severity,
            "subject": subject,
            "description": description,
            "demand": demand,
            "confidential": walk.tp.confidential,
            "stage": walk.stage,
            "status": walk.status,
            "round": walk.round,
            "handler_id": walk.handler[0] if walk.handler else None,
            "supervised": walk.supervised,
            "satisfaction": walk.satisfaction,
            "closing_code": walk.closing_code,
            "stage_entered_at": walk.entered,
            "accepted_at": walk.accepted_at,
            "dispatched_at": walk.dispatched_at,
            "closed_at": walk.closed_at,
            "due_at": due_at,
            "final_due_at": final[0] if final else None,
            "deadline_provisional": bool(final and final[1]) or bool(stage and stage[1]),
            "stage_clock": walk.stage_clock.as_json() if stage and walk.stage_clock else None,
            "final_clock": walk.final_clock.as_json() if walk.final_clock else None,
            "suspension": walk.suspension,
            "version": len(walk.events),  # registration is version 1, each transition adds one
            "updated_at": walk.events[-1]["created_at"],
        }


def _address(rng: random.Random) -> str:
    return f"江州市{rng.choice(STREETS)}{rng.randrange(1, 500)}号"


def _licence(rng: random.Random) -> str:
    return f"JY1330{rng.randrange(10**8):08d}"


# --- when tickets arrive, and their numbers -------------------------------------------------


def _arrivals(rng: random.Random, *, count: int, now: datetime, years: float, tz: ZoneInfo) -> array[float]:
    """Registration times (epoch seconds, sorted): volume grows year on year, fewer at
    weekends, most in office hours."""
    span_days = max(1, int(years * 365.25))
    g = math.log(YEARLY_GROWTH) * years
    first_day = now.astimezone(tz).date() - timedelta(days=span_days - 1)
    hours = _Weighted(list(enumerate(HOUR_WEIGHTS)))
    times = array("d")
    limit = now.timestamp()
    while len(times) < count:
        u = rng.random()
        fraction = math.log1p(u * math.expm1(g)) / g if g else u
        day = first_day + timedelta(days=min(span_days - 1, int(fraction * span_days)))
        if day.weekday() >= 5 and rng.random() < 0.45:
            continue
        hour = hours.pick(rng)
        ts = datetime(day.year, day.month, day.day, hour, tzinfo=tz).timestamp() + rng.uniform(0, 3600)
        if ts <= limit:
            times.append(ts)
    return array("d", sorted(times))


def _reserve_numbers(days: Sequence[tuple[date, int]]) -> dict[date, int]:
    """Reserve ``n`` sequence numbers for each day; returns the first of each range."""
    table = connection.ops.quote_name(DailySequence._meta.db_table)
    sql = (
        f"INSERT INTO {table} (day, last) VALUES (%s, %s) "
        f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + EXCLUDED.last RETURNING last"
    )
    first: dict[date, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for day, n in days:
            cursor.execute(sql, [day, n])
            (last,) = cursor.fetchone()
            if last > MAX_DAILY_SEQUENCE:
                raise ValueError(f"{day} 的工单序号超过 {MAX_DAILY_SEQUENCE}")
            first[day] = last - n + 1
    return first


# --- writing --------------------------------------------------------------------------------


class _Columns:
    """A model's columns for ``COPY``: (attname, is JSON, default) in table order, no id."""

    def __init__(self, model: type[models.Model]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.columns = [str(f.column) for f in fields]
        self.specs = [(f.attname, isinstance(f, models.JSONField), f.get_default()) for f in fields]

    def values(self, row: dict[str, Any]) -> list[Any]:
        values = []
        for attname, is_json, default in self.specs:
            value = row.get(attname, default)
            if is_json and value is not None:
                value = json.dumps(value, ensure_ascii=False)
            values.append(value)
        return values


class _CopyWriter:
    """PostgreSQL: reserve ids from the sequence, ``COPY`` tickets then their events."""

    def __init__(self) -> None:
        self.tickets = _Columns(Ticket)
        self.events = _Columns(TicketEvent)

    @staticmethod
    def _copy_sql(model: type[models.Model], columns: list[str]) -> str:
        qn = connection.ops.quote_name
        return f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"

    def write(self, batch: Batch) -> int:
        table = connection.ops.quote_name(Ticket._meta.db_table)
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")  # generated data: durability can wait
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, len(batch)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            raw: Any = cursor.cursor  # the psycopg cursor: Django's wrapper has no COPY
            with raw.copy(self._copy_sql(Ticket, ["id", *self.tickets.columns])) as copy:
                for pk, (row, _events) in zip(ids, batch, strict=True):
                    copy.write_row([pk, *self.tickets.values(row)])
            with raw.copy(self._copy_sql(TicketEvent, self.events.columns)) as copy:
                for pk, (_row, events) in zip(ids, batch, strict=True):
                    for event in events:
                        event["ticket_id"] = pk
                        copy.write_row(self.events.values(event))
                    count += len(events)
        return count


class _OrmWriter:
    """Any other database (SQLite): ``bulk_create``. Fine for about 100k tickets."""

    def write(self, batch: Batch) -> int:
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create([Ticket(**row) for row, _e in batch], batch_size=500)
            events = [
                TicketEvent(ticket_id=t.pk, **event)
                for t, (_row, ticket_events) in zip(tickets, batch, strict=True)
                for event in ticket_events
            ]
            TicketEvent.objects.bulk_create(events, batch_size=500)
        return len(events)


class _Pipeline:
    """Writes batches in ``writers`` threads (each its own connection) while the caller
    builds the next ones.

    psycopg releases the GIL while it waits for the server, so PostgreSQL parses the COPY
    data, updates the indexes and checks the foreign keys on the other core(s) meanwhile.
    """

    def __init__(self, write: Callable[[Batch], int], *, writers: int) -> None:
        self.write = write
        self.queue: queue.Queue[Batch | None] = queue.Queue(maxsize=writers)
        self.error: BaseException | None = None
        self.threads = [
            threading.Thread(target=self._run, name=f"hotline-generate-writer-{i}", daemon=True)
            for i in range(writers)
        ]
        for thread in self.threads:
            thread.start()

    def _run(self) -> None:
        try:
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    self.write(batch)
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc
            while self.queue.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            connection.close()

    def put(self, batch: Batch) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None:
            raise self.error


def _analyze() -> None:
    """Fresh planner statistics. On PostgreSQL outside a transaction also VACUUM the two big
    tables: it sets the visibility map, without which index-only scans visit the heap."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        vacuum = "" if connection.in_atomic_block else "VACUUM "
        for table in (Ticket._meta.db_table, TicketEvent._meta.db_table):
            cursor.execute(f"{vacuum}ANALYZE {connection.ops.quote_name(table)}")
        others: list[type[models.Model]] = [DailySequence, Unit, Membership, Category, get_user_model()]
        for model in others:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- the command's entry point --------------------------------------------------------------


def _batches(order: array[float], size: int) -> Iterator[array[float]]:
    for start in range(0, len(order), size):
        yield order[start : start + size]


def generate(
    *,
    tickets: int,
    seed: int | None = None,
    batch: int = 10_000,
    years: float = 3.0,
    extra_units: int = 0,
    handlers_per_unit: int = 3,
    history: History = "full",
    policy: str = "",
    writers: int = 2,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Add ``tickets`` simulated tickets received over the last ``years`` years."""
    if tickets <= 0:
        raise ValueError("tickets must be positive")
    if not 0 < years <= 20:
        raise ValueError("years must be in (0, 20]")
    seed = random.randrange(2**31) if seed is None else seed
    rng = random.Random(seed)
    now = now or timezone.now()
    started = time.perf_counter()
    ensure_org(extra_units=extra_units, handlers_per_unit=handlers_per_unit, policy=policy)
    world = _load_world(rng)
    tz = world.calendar.tz
    times = _arrivals(rng, count=tickets, now=now, years=years, tz=tz)
    day_of = [datetime.fromtimestamp(ts, tz).date() for ts in times]
    per_day = [(day, sum(1 for _ in group)) for day, group in groupby(day_of)]
    next_seq = _reserve_numbers(per_day)
    channels = _Weighted(CHANNELS)
    sim = _Simulator(world, rng, now=now, history=history, callers=tickets // 10)
    if connection.vendor == "postgresql":
        write: Callable[[Batch], int] = _CopyWriter().write
    else:
        write = _OrmWriter().write
    # Inside a transaction (a test), another connection would not see the organisation.
    threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
    pipeline = _Pipeline(write, writers=writers) if threaded else None
    done = events = 0
    try:
        for chunk in _batches(times, max(1, batch)):
            rows: Batch = []
            for ts in chunk:
                day = day_of[done + len(rows)]
                seq = next_seq[day]
                next_seq[day] = seq + 1
                rows.append(
                    sim.ticket(
                        registered=datetime.fromtimestamp(ts, UTC),
                        channel=channels.pick(rng),
                        number=f"{day:%Y%m%d}{seq:06d}",
                    )
                )
            events += sum(len(ticket_events) for _row, ticket_events in rows)
            if pipeline is not None:
                pipeline.put(rows)
            else:
                write(rows)
            done += len(rows)
            if progress is not None:
                progress(done, events, time.perf_counter() - started)
    finally:
        if pipeline is not None:
            pipeline.close()
    _analyze()
    return GenerateResult(tickets=done, events=events, seconds=time.perf_counter() - started, seed=seed)
