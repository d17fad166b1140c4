"""The call log (通话记录) and its filters, and the log as an export source (``calls``).

The page (``views.calls.call_list``) and the export read the same query: the calls the user
may see (``services.calls_visible_to``: an agent their own, team leaders and administrators
the centre's) narrowed by the same filters, so an export holds exactly
the rows the page pages through.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from hotline.core.errors import Forbidden, InvalidInput
from hotline.core.phones import format_phone, normalise_phone
from hotline.core.types import AnyUser
from hotline.exports.sources import CHUNK, Listing, Params, person, register_source
from hotline.exports.writers import Cell
from hotline.telephony import services
from hotline.telephony.models import Agent, Call, CallOutcome, Direction
from hotline.web import selectors

CALL_PARAMS = frozenset({"date_from", "date_to", "direction", "outcome", "agent", "number"})
CALL_HEADERS = (
    gettext_lazy("开始时间"),
    gettext_lazy("方向"),
    gettext_lazy("来电号码"),
    gettext_lazy("号码归属地"),
    gettext_lazy("主叫(原始)"),
    gettext_lazy("被叫(原始)"),
    gettext_lazy("队列"),
    gettext_lazy("座席"),
    gettext_lazy("分机号"),
    gettext_lazy("结果"),
    gettext_lazy("挂机原因"),
    gettext_lazy("等待时长(秒)"),
    gettext_lazy("通话时长(秒)"),
    gettext_lazy("话后整理(秒)"),
    gettext_lazy("录音"),
    gettext_lazy("呼叫标识"),
)


def may_view_calls(user: AnyUser) -> bool:
    """Agents (their own calls), team leaders and administrators (the centre's): the
    menu's roles (``selectors.phone_pages``), or a staff number (工号) of one's own."""
    return bool(selectors.roles_of(user) & selectors.PHONE_ROLES) or services.may_take_calls(user)


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", gettext_lazy("全部")), *choices]


class CallFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("开始日期"), required=False)
    date_to = forms.DateField(label=gettext_lazy("结束日期"), required=False)
    direction = forms.ChoiceField(
        label=gettext_lazy("方向"), required=False, choices=_blank(Direction.choices)
    )
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"), required=False, choices=_blank(CallOutcome.choices)
    )
    agent = forms.ChoiceField(label=gettext_lazy("座席"), required=False)
    number = forms.CharField(label=gettext_lazy("号码"), required=False, max_length=40)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, supervisor: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = Agent.objects.select_related("user").order_by("staff_no") if supervisor else []
        self.fields["agent"].choices = _blank(  # type: ignore[attr-defined]
            [(a.user.username, f"{a.staff_no} {person(a.user)}") for a in agents]
        )

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is dropped, as the other lists drop it)."""
        self.is_valid()
        data = self.cleaned_data
        return {name: data.get(name) or "" for name in CALL_PARAMS} | {"page": data.get("page") or 1}


def _number_q(text: str) -> Q:
    """A number as typed: the stored caller when it is a whole number, else the digits
    anywhere in the numbers as the PBX sent them."""
    digits = "".join(ch for ch in text if ch.isdigit())
    q = Q(from_raw__contains=digits) | Q(to_raw__contains=digits) | Q(caller__contains=digits)
    try:
        whole = normalise_phone(text)
    except InvalidInput:
        whole = ""
    return q | Q(caller=whole) if whole else q


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def calls_queryset(user: AnyUser, filters: Mapping[str, Any]) -> QuerySet[Call]:
    """The calls ``user`` may see narrowed by ``filters`` (``CallFilterForm.filters``), newest first."""
    qs = services.calls_visible_to(user)
    if filters.get("date_from"):
        qs = qs.filter(started_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        qs = qs.filter(started_at__lt=_day_start(filters["date_to"]) + timedelta(days=1))
    if filters.get("direction"):
        qs = qs.filter(direction=filters["direction"])
    if filters.get("outcome"):
        qs = qs.filter(outcome=filters["outcome"])
    if filters.get("agent"):
        qs = qs.filter(agent__username=filters["agent"])
    number = str(filters.get("number") or "").strip()
    if any(ch.isdigit() for ch in number):
        # a hidden number (a confidential ticket's) is not found by its digits
        qs = qs.filter(_number_q(number)).exclude(services.hidden_number_q())
    return qs.prefetch_related("ticket_links__ticket").order_by("-started_at", "-pk")


def call_row(call: Call, labels: Mapping[str, Mapping[str, str]]) -> list[Cell]:
    def local(value: datetime | None) -> datetime | None:
        return timezone.localtime(value).replace(microsecond=0) if value is not None else None

    hidden = services.number_hidden(call)
    return [
        local(call.started_at),
        labels["direction"].get(call.direction, call.direction),
        format_phone(services.shown_number(call.caller, hidden)) if call.caller else "",
        call.area,
        services.shown_number(call.from_raw, hidden and call.direction == "in"),
        services.shown_number(call.to_raw, hidden and call.direction == "out"),
        call.queue,
        person(call.agent),
        call.extension,
        labels["outcome"].get(call.outcome, call.outcome),
        call.cause,
        call.wait_seconds,
        call.talk_seconds,
        call.wrapup_seconds,
        gettext("有") if call.recording else "",
        call.call_id,
    ]


def _calls(user: AnyUser, params: Params, now: datetime) -> Listing:
    if not may_view_calls(user):
        raise Forbidden(gettext("您的角色不能查看通话记录"), code="export_forbidden")
    form = CallFilterForm(dict(params), supervisor=services.may_supervise(user))
    qs = calls_queryset(user, form.filters())

    def count(limit: int | None) -> int:
        ids = qs.order_by().values("pk")
        return ids[:limit].count() if limit is not None else ids.count()

    def rows() -> Iterator[list[Cell]]:
        labels = {
            "direction": {str(k): str(v) for k, v in Direction.choices},
            "outcome": {str(k): str(v) for k, v in CallOutcome.choices},
        }
        for call in qs.select_related("agent").iterator(chunk_size=CHUNK):
            yield call_row(call, labels)

    return Listing(title=gettext("通话记录"), headers=[str(h) for h in CALL_HEADERS], count=count, rows=rows)


register_source("calls", label=gettext_lazy("通话记录"), params=CALL_PARAMS, build=_calls)
