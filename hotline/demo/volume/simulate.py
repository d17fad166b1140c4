"""Simulation: when tickets arrive, and each ticket's walk through its intake unit's policy
pack (stages, actions, clocks), ending in its columns and events."""

from __future__ import annotations

import math
import random
from array import array
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline.calendar.counting import remaining
from hotline.demo.samples import GIVEN, SAMPLES, STREETS, SURNAMES
from hotline.demo.volume.clocks import _Clock, _Dues, _nominal_seconds
from hotline.demo.volume.common import (
    CLOSE_TEXT,
    CUSTOMER_CLASSES,
    DELAYED_CHANNELS,
    FORWARD,
    HOUR_WEIGHTS,
    ID_WEIGHTS,
    INSTRUCTION_TEXT,
    ON_THE_SPOT_TEXT,
    REPLY_TEXT,
    RETURN_REASON,
    SATISFIED,
    SEVERITIES,
    STALL_RATE,
    SUSPEND_REASON,
    TYPE_MIX,
    YEARLY_GROWTH,
    History,
    Row,
    _Weighted,
)
from hotline.demo.volume.org import _World
from hotline.demo.volume.routing import Router
from hotline.demo.volume.walk import _Plan, _Walk
from hotline.policies.schema import Limit, Stage
from hotline.tickets.models import Category, Status


class _Simulator:
    def __init__(
        self,
        world: _World,
        rng: random.Random,
        *,
        now: datetime,
        history: History,
        callers: int,
        route_seed: int = 0,
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
        self.limits: dict[tuple[str, str, str, str, str | None, str], Limit | None] = {}
        self.nominal: dict[Limit | None, float] = {}
        self.departments = {d.unit.pk: d for d in world.departments}
        self.router = Router(world.departments, route_seed=route_seed)  # its own random stream

    # -- people

    def _new_person(self) -> tuple[str, str, str]:
        rng = self.rng
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if rng.random() < 0.85:
            # stored as registration stores numbers (hotline.core.phones: E.164)
            phone = f"+861{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        else:
            phone = f"+86{rng.choice(['571', '591', '791', '731'])}{rng.randrange(2 * 10**7, 9 * 10**7)}"
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
        key = (walk.pack.code, walk.tp.type, stage, walk.severity, walk.category, walk.channel)
        if key not in self.limits:
            self.limits[key] = walk.tp.stage_limit(
                stage, severity=walk.severity, category_code=walk.category, channel=walk.channel
            )
        return self.limits[key]

    @staticmethod
    def _anchor(walk: _Walk, anchor: str, at: datetime) -> datetime:
        """``workflow.state.anchor_time`` for a walk (no reopen in generated data)."""
        moments = {
            "received": walk.received,
            "registered": walk.events[0]["created_at"] if walk.events else at,
            "accepted": walk.accepted_at,
            "dispatched": walk.round_dispatched_at,
        }
        return moments.get(anchor) or at

    def _clock(self, walk: _Walk, stage: str, at: datetime) -> _Clock | None:
        limit = self._limit(walk, stage)
        if limit is None:
            return None
        return _Clock(self._anchor(walk, limit.start, at), limit.amount, limit.unit)

    def _start_total(self, walk: _Walk, anchor: str, at: datetime) -> None:
        total = walk.tp.total_limit(severity=walk.severity, category_code=walk.category, channel=walk.channel)
        if total is not None and total.start == anchor:
            walk.final_clock = _Clock(self._anchor(walk, anchor, at), total.amount, total.unit)

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
        unexpected = world.department_picker.pick(rng)  # the simulator's draw, as it always was
        route, dept = self.router.route(
            category=sample[1], text=" ".join((sample[2], sample[3], sample[5])), fallback=unexpected
        )
        walk = _Walk(
            tp=tp,
            pack=pack,
            owner=owner,
            unit=owner,
            dept=dept,
            route=route,
            severity=self.severities.pick(rng),
            category=category.code if category else None,
            registered_by=None if public_intake or not agents else agents[rng.randrange(len(agents))],
            stage=tp.initial_stage,
            entered=registered,
            channel=channel,
            received=received,
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
        for anchor in ("received", "registered"):
            self._start_total(walk, anchor, registered)
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
            if (
                rule is not None
                and rule.to is not None
                and rule.applies_to(severity=walk.severity, channel=walk.channel)
            ):
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
        if action == "accept":
            walk.accepted_at, public = at, True
            self._start_total(walk, "accepted", at)
        elif action == "reject":
            code = next(iter(pack.reject_reasons))
            payload, public = {"reason": code, "reason_label": pack.reject_reasons[code]}, True
        elif action in ("dispatch", "redispatch"):
            if action == "dispatch":
                if walk.last_action == "return":
                    unexpected = self.world.department_picker.pick(self.rng)
                    walk.dept = walk.route.after_return(unexpected) if walk.route else unexpected
                walk.unit, walk.round, comment = walk.dept.unit, max(walk.round, 1), "请按时限办理"
            else:
                walk.round += 1
                walk.supervised = walk.supervised or walk.round >= pack.rounds.supervise_from
            walk.handler = None
            walk.dispatched_at = walk.dispatched_at or at
            walk.round_dispatched_at = at
            self._start_total(walk, "dispatched", at)
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
            to_review = to is not None and "approve_reply" in tp.stages[to].actions
            comment, payload, public = REPLY_TEXT, {"result": REPLY_TEXT}, not to_review
            if to_review:
                payload["under_review"] = True
        elif action == "interim_reply":
            comment, payload, public = REPLY_TEXT, {"result": REPLY_TEXT, "interim": True}, True
        elif action == "approve_reply":
            comment, payload, public = REPLY_TEXT, {"result": REPLY_TEXT, "review_comment": ""}, True
        elif action == "instruct":
            comment, payload = INSTRUCTION_TEXT, {"instruction": INSTRUCTION_TEXT}
            walk.instruction = INSTRUCTION_TEXT
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
        due = _binding(stage_due, final_due)
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
        due_at = None if walk.status == Status.CLOSED else (_binding(stage, final) or (None, False))[0]
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
            "region": (walk.route.region if walk.route else walk.dept.unit.region) or walk.owner.region,
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
            "round_dispatched_at": walk.round_dispatched_at,
            "reopened_at": None,
            "instruction": walk.instruction,
            "occurred_on": None,
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


def _binding(
    stage: tuple[datetime, bool] | None, final: tuple[datetime, bool] | None
) -> tuple[datetime, bool] | None:
    """The earlier of the two due times, as ``workflow.state.refresh_dues`` keeps ``due_at``."""
    if stage is None or final is None:
        return stage or final
    return stage if stage[0] <= final[0] else final
