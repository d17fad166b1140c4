"""延期 on the ticket page: the unit in words, how it is counted, what is left, and the due
time an extension would give — before the request is sent and before it is approved.

The resulting due time is computed the way ``approve_extension`` computes it: the amount
is appended to the ticket's clocks (``workflow.clocks.extend_clock``) and the due times are
derived again by the calendar functions (``workflow.state.refresh_dues``), on a copy of the
ticket that is never saved.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast

from django.utils.translation import gettext_lazy as _

from hotline.policies.schema import ExtensionRule, Pack
from hotline.tickets.models import ExtensionRequest, ExtensionStatus, Status, Ticket
from hotline.tickets.selectors import counted_extensions
from hotline.workflow.clocks import Clock, extend_clock
from hotline.workflow.state import refresh_dues

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# The unit of an extension, said so that nobody wonders whether weekends count.
UNIT_NAMES: dict[str, StrPromise] = {
    "working_days": _("工作日"),
    "natural_days": _("自然日"),
    "working_hours": _("工作小时"),
    "working_minutes": _("工作分钟"),
    "hours": _("小时"),
    "minutes": _("分钟"),
}
# How an amount of each unit is counted from the current due time (docs/guide/calendar.md).
UNIT_RULES: dict[str, StrPromise] = {
    "working_days": _("按工作日计算:从原时限的次日起数,第N个工作日的下班时间届满;周末和法定节假日不计入。"),
    "natural_days": _(
        "按自然日计算(周末、节假日也计入):从原时限往后数N日,到那一日的24:00届满;届满日是周末或节假日的,"
        "顺延至其后第一个工作日的下班时间,所以实际可能多出几天。以下方算出的时限为准。"
    ),
    "working_hours": _("按工作小时计算:只计工作日的工作时段。"),
    "working_minutes": _("按工作分钟计算:只计工作日的工作时段。"),
    "hours": _("按钟表时间计算,不看节假日。"),
    "minutes": _("按钟表时间计算,不看节假日。"),
}


AMOUNT_FORMATS: dict[str, StrPromise] = {
    "working_days": _("%(n)s个工作日"),
    "natural_days": _("%(n)s个自然日"),
    "working_hours": _("%(n)s个工作小时"),
    "working_minutes": _("%(n)s个工作分钟"),
    "hours": _("%(n)s小时"),
    "minutes": _("%(n)s分钟"),
}


def unit_name(unit: str) -> str:
    return str(UNIT_NAMES.get(unit, unit))


def amount_text(amount: int, unit: str) -> str:
    """``3, natural_days`` → ``3个自然日``: an amount that says how it is counted."""
    template = AMOUNT_FORMATS.get(unit)
    return str(template) % {"n": amount} if template is not None else f"{amount} {unit}"


def late_request_allowed(rule: ExtensionRule | None) -> bool:
    """Whether the pack takes a request after the due time has passed (逾期申请).

    Packs that say nothing refuse it (``workflow.actions.request_extension``:
    "须在办理时限届满前申请延期").
    """
    return bool(rule is not None and getattr(rule, "late_allowed", False))


@dataclass(frozen=True)
class Preview:
    """The due times now and after an extension of ``amount`` ``unit``."""

    amount: int
    unit: str
    due_at: datetime | None
    new_due_at: datetime | None
    final_due_at: datetime | None
    new_final_due_at: datetime | None
    provisional: bool

    @property
    def amount_text(self) -> str:
        return amount_text(self.amount, self.unit)


def preview(ticket: Ticket, *, amount: int, unit: str) -> Preview:
    """What ``approve_extension`` would make of the due times; nothing is saved."""
    probe = copy.copy(ticket)
    if probe.stage_clock:
        probe.stage_clock = dict(extend_clock(cast(Clock, probe.stage_clock), amount=amount, unit=unit))
    if probe.final_clock:
        probe.final_clock = dict(extend_clock(cast(Clock, probe.final_clock), amount=amount, unit=unit))
    refresh_dues(probe)
    return Preview(
        amount=amount,
        unit=unit,
        due_at=ticket.due_at,
        new_due_at=probe.due_at,
        final_due_at=ticket.final_due_at,
        new_final_due_at=probe.final_due_at,
        provisional=probe.deadline_provisional,
    )


@dataclass(frozen=True)
class RequestHelp:
    """What the request form says next to the amount."""

    unit: str
    unit_name: str
    rule: str
    count_left: int
    amount_left: int
    amount_left_text: str
    late: bool  # the due time has passed
    late_allowed: bool  # … and the pack still takes a request


def request_help(ticket: Ticket, pack: Pack, *, now: datetime) -> RequestHelp | None:
    rule = pack.extension
    if rule is None:
        return None
    requests = counted_extensions(ticket)
    late = ticket.status == Status.OPEN and ticket.due_at is not None and ticket.due_at <= now
    amount_left = max(rule.max_total - sum(r.amount for r in requests), 0)
    return RequestHelp(
        unit=rule.unit,
        unit_name=unit_name(rule.unit),
        rule=str(UNIT_RULES.get(rule.unit, "")),
        count_left=max(rule.max_count - len(requests), 0),
        amount_left=amount_left,
        amount_left_text=amount_text(amount_left, rule.unit),
        late=late,
        late_allowed=late_request_allowed(rule),
    )


@dataclass(frozen=True)
class PendingRequest:
    """The request an approver decides on, with the due time it would give."""

    request: ExtensionRequest
    preview: Preview
    rule: str


def pending_request(ticket: Ticket) -> PendingRequest | None:
    request = (
        ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionStatus.PENDING)
        .select_related("requested_by")
        .first()
    )
    if request is None:
        return None
    return PendingRequest(
        request=request,
        preview=preview(ticket, amount=request.amount, unit=request.unit),
        rule=str(UNIT_RULES.get(request.unit, "")),
    )
