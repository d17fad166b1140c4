"""What each action does to a ticket, once the service has checked stage and role.

The policy pack says where an action is allowed, who may take it and where it leads;
this module says what it means. Each handler validates its own parameters, changes the
locked ticket in memory and returns what goes into the history event. The target stage
is the rule's ``to`` unless the handler picks another (``return_visit`` when dissatisfied).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.utils import timezone

from hotline.core.errors import GuardFailed, InvalidInput
from hotline.core.types import AnyUser, User
from hotline.org.models import Membership, Role, Unit
from hotline.policies.schema import AcceptanceWindow, ActionRule, Pack, TypePolicy
from hotline.tickets.models import (
    ExtensionRequest,
    ExtensionStatus,
    Satisfaction,
    Status,
    Ticket,
    TicketEvent,
)
from hotline.tickets.selectors import counted_extensions
from hotline.workflow.clocks import Clock, clock_remaining, extend_clock, new_clock
from hotline.workflow.state import refresh_dues, start_final_clock


@dataclass
class Context:
    ticket: Ticket
    pack: Pack
    type_policy: TypePolicy
    rule: ActionRule | None
    actor: AnyUser | None
    params: Mapping[str, Any]
    now: datetime


@dataclass
class Outcome:
    to_stage: str | None = None  # None: the rule's ``to`` (or stay)
    comment: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    public: bool = False  # shown to the complainant on the portal


Handler = Callable[[Context], Outcome]


def _text(ctx: Context, name: str, label: str, *, required: bool = True, max_length: int = 4000) -> str:
    value = ctx.params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"请填写{label}", code=f"{name}_required", field=name)
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{label}应为文字", code=f"invalid_{name}", field=name)
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过{max_length}字", code=f"{name}_too_long", field=name)
    return value.strip()


def _unit(ctx: Context, *, required: bool) -> Unit | None:
    code = ctx.params.get("unit")
    if code in (None, ""):
        if required:
            raise InvalidInput("请选择责任单位", code="unit_required", field="unit")
        return None
    unit = Unit.objects.filter(code=str(code), is_active=True).first()
    if unit is None:
        raise InvalidInput(f"单位“{code}”不存在或已停用", code="invalid_unit", field="unit")
    return unit


def _comment(ctx: Context) -> str:
    return _text(ctx, "comment", "说明", required=False)


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _category_codes(t: Ticket) -> set[str]:
    codes: set[str] = set()
    category = t.category if t.category_id else None
    while category is not None:
        codes.add(category.code)
        category = category.parent
    return codes


def expired_window(t: Ticket, pack: Pack, *, today: date) -> AcceptanceWindow | None:
    """The acceptance window (受理时效) the matter is outside of, or None.

    Only tickets that say when the matter happened (``occurred_on``) are checked; the
    pack's first window that applies to the ticket decides.
    """
    if t.occurred_on is None:
        return None
    window = pack.acceptance_window(ticket_type=t.type, category_codes=_category_codes(t))
    if window is None or t.occurred_on >= _months_before(today, window.months):
        return None
    return window


def accept(ctx: Context) -> Outcome:
    t = ctx.ticket
    window = expired_window(t, ctx.pack, today=timezone.localdate(ctx.now))
    if window is not None:
        label = ctx.pack.reject_reasons.get(window.reason, window.reason)
        raise GuardFailed(
            f"事项发生于{t.occurred_on:%Y-%m-%d},已超过{window.label}的受理时效,应不予受理(理由:{label})",
            code="acceptance_window_expired",
            reason=window.reason,
        )
    t.accepted_at = ctx.now
    start_final_clock(t, type_policy=ctx.type_policy, anchor="accepted", now=ctx.now)
    return Outcome(comment=_comment(ctx), public=True)


def reject(ctx: Context) -> Outcome:
    code = ctx.params.get("reason")
    reasons = ctx.pack.reject_reasons
    if not isinstance(code, str) or code not in reasons:
        allowed = "、".join(f"{k}({v})" for k, v in reasons.items())
        raise InvalidInput(f"请选择不予受理理由:{allowed}", code="reason_required", field="reason")
    return Outcome(
        comment=_comment(ctx), payload={"reason": code, "reason_label": reasons[code]}, public=True
    )


def dispatch(ctx: Context) -> Outcome:
    t = ctx.ticket
    unit = _unit(ctx, required=True)
    assert unit is not None
    t.unit, t.handler = unit, None
    if t.round == 0:
        t.round = 1
    if t.dispatched_at is None:
        t.dispatched_at = ctx.now
    t.round_dispatched_at = ctx.now
    start_final_clock(t, type_policy=ctx.type_policy, anchor="dispatched", now=ctx.now)
    return Outcome(
        comment=_comment(ctx), payload={"unit": unit.code, "unit_name": unit.name, "round": t.round}
    )


def redispatch(ctx: Context) -> Outcome:
    t = ctx.ticket
    rounds = ctx.pack.rounds
    if t.round >= rounds.max:
        raise GuardFailed(f"已达到最多派单轮次({rounds.max}),请督办或办结", code="rounds_exhausted")
    unit = _unit(ctx, required=False) or t.unit
    t.unit, t.handler = unit, None
    t.round += 1
    if t.round >= rounds.supervise_from:
        t.supervised = True
    t.round_dispatched_at = ctx.now
    start_final_clock(t, type_policy=ctx.type_policy, anchor="dispatched", now=ctx.now)
    return Outcome(
        comment=_comment(ctx),
        payload={"unit": unit.code, "unit_name": unit.name, "round": t.round, "supervised": t.supervised},
    )


def sign(ctx: Context) -> Outcome:
    return Outcome(comment=_comment(ctx))


def return_(ctx: Context) -> Outcome:
    t = ctx.ticket
    reason = _text(ctx, "reason", "退单理由")
    returned_from = t.unit
    t.unit, t.handler = t.owner_unit, None
    return Outcome(comment=reason, payload={"from_unit": returned_from.code})


def assign(ctx: Context) -> Outcome:
    t = ctx.ticket
    username = _text(ctx, "handler", "承办人", max_length=150)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    eligible = (
        user is not None
        and Membership.objects.filter(
            user=user, role__in=[Role.HANDLER, Role.DEPT_HEAD], unit__path__in=_ancestor_paths(t.unit)
        ).exists()
    )
    if not eligible:
        raise InvalidInput(f"“{username}”不是本单位的承办人", code="invalid_handler", field="handler")
    t.handler = user
    return Outcome(comment=_comment(ctx), payload={"handler": username})


def _ancestor_paths(unit: Unit) -> list[str]:
    parts = [p for p in unit.path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _goes_to_review(ctx: Context) -> bool:
    """A reply into a stage where a head approves it (审核) is not yet the complainant's."""
    target = ctx.rule.to if ctx.rule else None
    return target is not None and "approve_reply" in ctx.type_policy.stage(target).actions


def reply(ctx: Context) -> Outcome:
    result = _text(ctx, "result", "答复内容")
    if _goes_to_review(ctx):
        return Outcome(comment=result, payload={"result": result, "under_review": True})
    return Outcome(comment=result, payload={"result": result}, public=True)


def interim_reply(ctx: Context) -> Outcome:
    """阶段性答复 / 临时措施: an answer on the way, with its own clock for the rest."""
    result = _text(ctx, "result", "阶段性答复内容")
    return Outcome(comment=result, payload={"result": result, "interim": True}, public=True)


def approve_reply(ctx: Context) -> Outcome:
    """审核通过: the handler's last reply becomes the reply to the complainant."""
    last = (
        TicketEvent.objects.filter(ticket=ctx.ticket, action="reply").order_by("-seq").only("payload").first()
    )
    result = str(last.payload.get("result", "")) if last is not None else ""
    if not result:
        raise GuardFailed("没有待审核的答复", code="no_reply_to_review")
    review = _comment(ctx)
    return Outcome(comment=result, payload={"result": result, "review_comment": review}, public=True)


def send_back(ctx: Context) -> Outcome:
    """退回重办: the head returns the reply to the handler with what to change."""
    reason = _text(ctx, "reason", "退回理由")
    return Outcome(comment=reason, payload={"reason": reason})


def instruct(ctx: Context) -> Outcome:
    """领导批示: the leader's instruction, kept on the ticket for everyone who handles it."""
    text = _text(ctx, "instruction", "批示内容")
    ctx.ticket.instruction = text
    return Outcome(comment=text, payload={"instruction": text})


def _extension_amount(ctx: Context) -> int:
    raw = ctx.params.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidInput("请填写延期天数", code="amount_required", field="amount")
    try:
        amount = int(raw)
    except ValueError:
        raise InvalidInput("延期数量应为整数", code="invalid_amount", field="amount") from None
    if amount <= 0 or amount > 1000:
        raise InvalidInput("延期数量应为正整数", code="invalid_amount", field="amount")
    return amount


def request_extension(ctx: Context) -> Outcome:
    t, rule = ctx.ticket, ctx.pack.extension
    if rule is None:
        raise GuardFailed("本政策包不允许延期", code="extension_not_allowed")
    amount = _extension_amount(ctx)
    reason = _text(ctx, "reason", "延期理由")
    requests = counted_extensions(t)
    if any(r.status == ExtensionStatus.PENDING for r in requests):
        raise GuardFailed("已有待审批的延期申请", code="extension_pending")
    if len(requests) >= rule.max_count:
        raise GuardFailed(f"延期次数已达上限({rule.max_count}次)", code="extension_count_exceeded")
    used = sum(r.amount for r in requests)
    if used + amount > rule.max_total:
        raise GuardFailed(
            f"延期总量不能超过{rule.max_total}({rule.unit}),已用{used}", code="extension_total_exceeded"
        )
    if t.due_at is not None and ctx.now >= t.due_at:
        raise GuardFailed("须在办理时限届满前申请延期", code="extension_too_late")
    assert isinstance(ctx.actor, User)
    req = ExtensionRequest.objects.create(
        ticket=t,
        round=t.round,
        amount=amount,
        unit=rule.unit,
        reason=reason,
        requested_by=ctx.actor,
        requested_at=ctx.now,
    )
    return Outcome(comment=reason, payload={"extension": req.pk, "amount": amount, "unit": rule.unit})


def _pending_extension(t: Ticket) -> ExtensionRequest:
    req = ExtensionRequest.objects.filter(ticket=t, status=ExtensionStatus.PENDING).first()
    if req is None:
        raise GuardFailed("没有待审批的延期申请", code="no_pending_extension")
    return req


def approve_extension(ctx: Context) -> Outcome:
    t = ctx.ticket
    req = _pending_extension(t)
    req.status, req.decided_at = ExtensionStatus.APPROVED, ctx.now
    req.decided_by = ctx.actor if isinstance(ctx.actor, User) else None
    req.save(update_fields=["status", "decided_at", "decided_by"])
    old_due, old_final = t.due_at, t.final_due_at
    if t.stage_clock:
        t.stage_clock = dict(extend_clock(cast(Clock, t.stage_clock), amount=req.amount, unit=req.unit))
    if t.final_clock:
        t.final_clock = dict(extend_clock(cast(Clock, t.final_clock), amount=req.amount, unit=req.unit))
    refresh_dues(t)
    return Outcome(
        comment=_comment(ctx),
        payload={
            "extension": req.pk,
            "amount": req.amount,
            "unit": req.unit,
            "old_due_at": old_due.isoformat() if old_due else None,
            "due_at": t.due_at.isoformat() if t.due_at else None,
            "old_final_due_at": old_final.isoformat() if old_final else None,
            "final_due_at": t.final_due_at.isoformat() if t.final_due_at else None,
        },
        public=True,
    )


def deny_extension(ctx: Context) -> Outcome:
    req = _pending_extension(ctx.ticket)
    req.status, req.decided_at = ExtensionStatus.DENIED, ctx.now
    req.decided_by = ctx.actor if isinstance(ctx.actor, User) else None
    req.save(update_fields=["status", "decided_at", "decided_by"])
    return Outcome(comment=_comment(ctx), payload={"extension": req.pk})


def suspend(ctx: Context) -> Outcome:
    t = ctx.ticket
    reason = _text(ctx, "reason", "中止理由")
    state: dict[str, Any] = {"at": ctx.now.isoformat(), "reason": reason}
    for key in ("stage_clock", "final_clock"):
        clock = getattr(t, key)
        if clock:
            amount, unit = clock_remaining(cast(Clock, clock), at=ctx.now)
            state[key] = [amount, unit]
    t.suspension = state
    t.status = Status.SUSPENDED
    return Outcome(
        comment=reason, payload={"remaining": {k: v for k, v in state.items() if k.endswith("clock")}}
    )


def resume(ctx: Context) -> Outcome:
    t = ctx.ticket
    state = t.suspension or {}
    for key in ("stage_clock", "final_clock"):
        if key in state:
            amount, unit = state[key]
            setattr(t, key, dict(new_clock(start=ctx.now, amount=int(amount), unit=str(unit))))
    t.suspension = None
    t.status = Status.OPEN
    refresh_dues(t)
    return Outcome(
        comment=_comment(ctx),
        payload={
            "suspended_at": state.get("at"),
            "due_at": t.due_at.isoformat() if t.due_at else None,
            "final_due_at": t.final_due_at.isoformat() if t.final_due_at else None,
        },
    )


def return_visit(ctx: Context) -> Outcome:
    t = ctx.ticket
    value = ctx.params.get("satisfaction")
    if value not in Satisfaction.values:
        allowed = "、".join(f"{v}({label})" for v, label in Satisfaction.choices)
        raise InvalidInput(f"请选择满意度:{allowed}", code="satisfaction_required", field="satisfaction")
    t.satisfaction = str(value)
    target = ctx.rule.dissatisfied_to if value == Satisfaction.DISSATISFIED and ctx.rule else None
    return Outcome(to_stage=target, comment=_comment(ctx), payload={"satisfaction": value})


def supervise(ctx: Context) -> Outcome:
    ctx.ticket.supervised = True
    return Outcome(comment=_comment(ctx), payload={"supervised": True})


def close(ctx: Context) -> Outcome:
    t = ctx.ticket
    code = _text(ctx, "closing_code", "办结类型", required=False, max_length=32)
    result = _text(ctx, "result", "办结说明", required=False)
    t.closing_code = code or "handled"
    return Outcome(
        comment=result, payload={"closing_code": t.closing_code, "result": result}, public=bool(result)
    )


def reopen(ctx: Context) -> Outcome:
    t = ctx.ticket
    reason = _text(ctx, "reason", "重新打开理由")
    t.closing_code = ""
    t.reopened_at = ctx.now
    # the matter is received anew: totals anchored at receipt or registration start again
    t.final_clock = None
    for anchor in ("received", "registered"):
        start_final_clock(t, type_policy=ctx.type_policy, anchor=anchor, now=ctx.now)
    return Outcome(comment=reason)


HANDLERS: dict[str, Handler] = {
    "accept": accept,
    "reject": reject,
    "dispatch": dispatch,
    "sign": sign,
    "return": return_,
    "assign": assign,
    "reply": reply,
    "interim_reply": interim_reply,
    "approve_reply": approve_reply,
    "send_back": send_back,
    "instruct": instruct,
    "request_extension": request_extension,
    "approve_extension": approve_extension,
    "deny_extension": deny_extension,
    "suspend": suspend,
    "resume": resume,
    "return_visit": return_visit,
    "redispatch": redispatch,
    "supervise": supervise,
    "close": close,
    "reopen": reopen,
}
