"""The phone in the admin: skill groups, agents (staff numbers) and questionnaires are set
up here; calls, events, state logs, tasks and plays are records, read-only (changes go
through ``hotline.telephony.services``).

The records grow with the calls (a million calls, several events each): their lists are
``LargeTableAdmin`` (no full count, see ``tickets/admin.py``) and newest first by id, which
the primary key serves; the models' own orderings (by time, by agent) have no index over
the whole table and would sort every row for each page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.telephony import admin_routing  # noqa: F401  routing and voice menus
from hotline.telephony.calls import KINDS
from hotline.telephony.models import (
    Agent,
    AgentStateLog,
    Call,
    CallbackTask,
    CallEvent,
    Questionnaire,
    RecordingPlay,
    SkillGroup,
    SupervisorAction,
)
from hotline.tickets.admin import LargeTableAdmin, choices_filter

# where a call event came from: the CTI API (``api/cti.py``), the AMI listener, AGI scripts
EVENT_SOURCES = ("http", "ami", "agi")

if TYPE_CHECKING:
    _Admin = admin.ModelAdmin[Any]
else:
    _Admin = admin.ModelAdmin


@admin.register(SkillGroup)
class SkillGroupAdmin(_Admin):
    list_display = ("code", "name", "queue", "active")


@admin.register(Agent)
class AgentAdmin(_Admin):
    """Staff numbers are given here; the state, extension and session are the agent's own
    (signed in and changed on the workbench), shown read-only."""

    list_display = ("staff_no", "user", "extension", "state", "state_since", "external_calls")
    fields = (
        "user",
        "staff_no",
        "groups",
        "external_calls",  # 转接/邀请外线: off by default (000 L48 item 8.3)
        "extension",
        "state",
        "state_since",
        "wrapup_until",
        "last_seen",
    )
    readonly_fields = ("extension", "state", "state_since", "wrapup_until", "last_seen")
    filter_horizontal = ("groups",)
    autocomplete_fields = ("user",)


@admin.register(Questionnaire)
class QuestionnaireAdmin(_Admin):
    list_display = ("name", "active")


class _ReadOnly(LargeTableAdmin):
    ordering = ("-pk",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Call)
class CallAdmin(_ReadOnly):
    # numbers are identity (a call may belong to a confidential ticket): the admin shows
    # none, as it shows no identity on tickets; the workbench's call log masks by the rule,
    # and plays recordings permission-checked and logged
    list_display = ("started_at", "direction", "area", "queue", "agent", "outcome", "talk_seconds")
    list_filter = ("direction", "outcome", "status")
    exclude = ("from_raw", "to_raw", "caller", "recording", "caller_channel", "agent_channel")


@admin.register(CallEvent)
class CallEventAdmin(_ReadOnly):
    list_display = ("received_at", "source", "kind", "ref", "applied", "note")
    # the sources and kinds ``calls.apply_event`` stores, not a DISTINCT over every event
    list_filter = (
        choices_filter("source", "来源", lambda: [(s, s) for s in EVENT_SOURCES]),
        choices_filter("kind", "事件", lambda: [(k, k) for k in sorted(KINDS)]),
        "applied",
    )
    exclude = ("payload",)


@admin.register(AgentStateLog)
class AgentStateLogAdmin(_ReadOnly):
    list_display = ("agent", "state", "started_at", "seconds", "reason")
    list_filter = ("state",)


@admin.register(CallbackTask)
class CallbackTaskAdmin(_ReadOnly):
    list_display = ("kind", "status", "due_at", "assignee", "attempts")
    list_filter = ("kind", "status")
    exclude = ("phone",)


@admin.register(RecordingPlay)
class RecordingPlayAdmin(_ReadOnly):
    list_display = ("at", "user", "call", "ticket")


@admin.register(SupervisorAction)
class SupervisorActionAdmin(_ReadOnly):
    # the AMI fields sent name channels, which may carry a number: left out as on calls
    list_display = ("at", "leader", "kind", "agent", "call", "note")
    list_filter = ("kind",)
    exclude = ("sent",)
