"""The telephony API's shapes and filters (views: ``hotline.api.cti``, ``hotline.api.calls``).

Input shapes check types only and refuse unknown fields (``StrictSerializer``) — except the
PBX's event (``CtiEventIn``, documentation only: ``hotline.api.cti`` reads it leniently, as
Zammad does). What a value means — a state the agent may not take, a task already done, a
supervisor's move — is ``hotline.telephony.services``'s to say, with its own codes.

A call's number is identity (ADR 0006) when a ticket linked to the call is confidential: it is
then shown masked (138****5678) to everyone, as the ticket's own phone is, and a search by
phone does not find the call (``number_hidden``, ``CallFilter.filter_phone``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hotline.api.filters import UtcIsoDateTimeFilter
from hotline.api.serializers import BoundedDateTime, StrictSerializer, Text
from hotline.core.phones import EXTENSION_MARK, normalise_phone
from hotline.core.types import User
from hotline.telephony import services
from hotline.telephony.models import (
    Agent,
    AgentState,
    Call,
    CallbackAttempt,
    CallbackTask,
    CallOutcome,
    CallStatus,
    Direction,
    TaskKind,
    TaskStatus,
)

RECORDING_PATH = "/calls/{id}/recording/"  # the web view that streams it (and logs the play)
# choice sets of their own, named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
CTI_EVENTS = ["newCall", "answer", "hangup", "survey"]
NEW_TASK_KINDS = [TaskKind.OUTBOUND.value, TaskKind.VISIT.value]  # what POST callbacks/ adds


def person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


_masked = services.shown_number
number_hidden = services.number_hidden


# ---------------------------------------------------------------------------------------
# the PBX's event (documentation of what ``hotline.api.cti.read_event`` reads)


class CtiEventIn(serializers.Serializer[Any]):
    """A call event as Zammad's generic CTI API defines it (JSON or form-encoded). Other
    fields are accepted and kept with the event, not refused: a PBX's call is never lost
    over a field it adds."""

    event = serializers.ChoiceField(choices=CTI_EVENTS, help_text="事件")
    callId = serializers.CharField(  # Zammad's name
        max_length=128, help_text="呼叫标识,同一通话的各事件相同(旧写法 call_id 亦可)"
    )
    direction = serializers.ChoiceField(choices=Direction.choices, help_text="in 呼入 / out 呼出")
    to = serializers.CharField(required=False, max_length=64, help_text="被叫号码")
    user = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text="振铃/接听的座席(用户名或工号);表单中写作 user[],可重复",
    )
    queue = serializers.CharField(required=False, max_length=64, help_text="队列(选填)")
    cause = serializers.CharField(
        required=False,
        max_length=64,
        help_text="挂机原因(hangup):normalClearing、busy、cancel、noAnswer、congestion、notFound、forwarded",
    )
    answeringNumber = serializers.CharField(  # Zammad's name
        required=False, max_length=32, help_text="接听的分机号或座席(answer)"
    )
    digits = serializers.CharField(
        required=False, max_length=8, help_text="survey:满意度评价按键,1 非常满意、2 满意、3 一般、4 不满意"
    )
    eventId = serializers.CharField(  # the same style as Zammad's names
        required=False,
        max_length=64,
        help_text="交换机自己的事件唯一标识(选填,非 Zammad 字段);有则按它去重,否则按事件内容去重",
    )


CtiEventIn._declared_fields["from"] = serializers.CharField(  # a keyword in Python
    required=False, max_length=64, help_text="主叫号码(或 anonymous)"
)


class CtiAnswerOut(serializers.Serializer[Any]):
    action = serializers.CharField(  # not an enum: ["reject"] is the ticket action's choice set too
        required=False, help_text="仅在拦截号码的 newCall 时出现:reject"
    )
    reason = serializers.CharField(required=False, help_text="与 action 同时出现:busy(Zammad 的写法)")


# ---------------------------------------------------------------------------------------
# calls


class CallTicketOut(serializers.Serializer[Any]):
    number = serializers.CharField(help_text="工单编号")
    relation = serializers.CharField(help_text="registered 本次来电登记 / touched 本次来电处理")


class CallOut(serializers.ModelSerializer[Call]):
    _hidden_cache: dict[int, bool]
    direction_label = serializers.CharField(source="get_direction_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    # ``from`` is a keyword: the field is declared under its API name below
    to = serializers.SerializerMethodField(help_text="被叫号码;呼出时为身份信息,可能打码")
    caller = serializers.SerializerMethodField(help_text="对方号码(E.164);身份保密时打码")
    masked = serializers.SerializerMethodField(help_text="号码是否打码:关联的工单为保密工单")
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]
    agent_name = serializers.SerializerMethodField()
    tickets = serializers.SerializerMethodField(help_text="本次通话登记或处理的工单(仅含您可查看的)")
    recording = serializers.SerializerMethodField(help_text="是否有录音")
    recording_url = serializers.SerializerMethodField(
        help_text="录音播放地址(网页,须有权查看身份;每次播放留痕)"
    )

    class Meta:
        model = Call
        fields = [
            "id",
            "call_id",
            "direction",
            "direction_label",
            "from",
            "to",
            "caller",
            "masked",
            "area",
            "queue",
            "agent",
            "agent_name",
            "extension",
            "status",
            "status_label",
            "outcome",
            "outcome_label",
            "started_at",
            "answered_at",
            "ended_at",
            "wait_seconds",
            "talk_seconds",
            "wrapup_seconds",
            "cause",
            "tickets",
            "recording",
            "recording_url",
        ]
        read_only_fields = fields

    def _hidden(self, obj: Call) -> bool:
        cache: dict[int, bool] | None = getattr(self, "_hidden_cache", None)
        if cache is None:
            cache = {}
            self._hidden_cache = cache  # one answer per call for the four fields that ask
        if obj.pk not in cache:
            cache[obj.pk] = number_hidden(obj)
        return cache[obj.pk]

    def get_from(self, obj: Call) -> str:
        return _masked(obj.from_raw, self._hidden(obj) and obj.direction == Direction.INBOUND)

    def get_to(self, obj: Call) -> str:
        return _masked(obj.to_raw, self._hidden(obj) and obj.direction == Direction.OUTBOUND)

    def get_caller(self, obj: Call) -> str:
        return _masked(obj.caller, self._hidden(obj))

    def get_masked(self, obj: Call) -> bool:
        return self._hidden(obj)

    def get_agent_name(self, obj: Call) -> str:
        return person(obj.agent)

    @extend_schema_field(CallTicketOut(many=True))
    def get_tickets(self, obj: Call) -> list[dict[str, str]]:
        visible: set[int] | None = self.context.get("visible_tickets")
        return [
            {"number": link.ticket.number, "relation": link.relation}
            for link in sorted(obj.ticket_links.all(), key=lambda link: (link.at, link.pk))
            if visible is None or link.ticket_id in visible
        ]

    def get_recording(self, obj: Call) -> bool:
        return bool(obj.recording)

    def get_recording_url(self, obj: Call) -> str | None:
        return RECORDING_PATH.format(id=obj.pk) if obj.recording else None


CallOut._declared_fields["from"] = serializers.SerializerMethodField(
    help_text="主叫号码(交换机所发);呼入时为身份信息,可能打码"
)


class CallDetailOut(CallOut):
    can_play = serializers.SerializerMethodField(help_text="当前用户能否播放录音")

    class Meta(CallOut.Meta):
        fields = [*CallOut.Meta.fields, "can_play"]
        read_only_fields = fields

    def get_can_play(self, obj: Call) -> bool:
        play = self.context.get("can_play")
        return bool(play)


class CallFilter(filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information
    direction = filters.ChoiceFilter(choices=Direction.choices)
    status = filters.ChoiceFilter(choices=CallStatus.choices)
    outcome = filters.ChoiceFilter(choices=CallOutcome.choices)
    agent = filters.CharFilter(field_name="agent__username", max_length=150, help_text="座席用户名")
    queue = filters.CharFilter(max_length=64, help_text="队列")
    started_after = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    started_before = UtcIsoDateTimeFilter(field_name="started_at", lookup_expr="lt")
    phone = filters.CharFilter(
        method="filter_phone",
        max_length=40,
        help_text="对方号码,任意写法(如 132 5555 0002、+86 13255550002);号码无效时返回 400;"
        "关联保密工单的通话不会被号码查到",
    )

    class Meta:
        model = Call
        fields: list[str] = []

    def filter_phone(self, qs: QuerySet[Call], name: str, value: str) -> QuerySet[Call]:
        number = normalise_phone(value, field="phone").split(EXTENSION_MARK)[0]  # caller IDs have none
        if not number:
            return qs
        return qs.filter(caller=number).exclude(ticket_links__ticket__confidential=True)


# ---------------------------------------------------------------------------------------
# agents


class SkillGroupOut(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    queue = serializers.CharField(help_text="交换机队列名")


class AgentStateOut(serializers.ModelSerializer[Agent]):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    since = serializers.DateTimeField(source="state_since", read_only=True, allow_null=True)
    signed_in = serializers.SerializerMethodField(help_text="是否已签入(有分机)")
    groups = serializers.SerializerMethodField(help_text="已加入的技能组")

    class Meta:
        model = Agent
        fields = [
            "staff_no",
            "state",
            "state_label",
            "since",
            "extension",
            "signed_in",
            "wrapup_until",
            "groups",
        ]
        read_only_fields = fields

    def get_signed_in(self, obj: Agent) -> bool:
        return bool(obj.extension) and obj.state != AgentState.OFFLINE

    @extend_schema_field(SkillGroupOut(many=True))
    def get_groups(self, obj: Agent) -> list[dict[str, str]]:
        return [{"code": g.code, "name": g.name, "queue": g.queue} for g in obj.groups.order_by("code")]


class AgentStateIn(StrictSerializer):
    state = serializers.CharField(
        max_length=16,
        allow_blank=True,  # the service names what is wrong with it (agent_state_invalid)
        help_text="ready 示闲 / break 小休(示忙) / mute 静音(通话中) / busy 取消静音;"
        "其他状态由通话决定,不可设置(400 agent_state_invalid)",
    )
    reason = Text(max_length=64, help_text="原因(选填,如小休的事由)")


class SignInIn(StrictSerializer):
    staff_no = serializers.CharField(max_length=16, help_text="工号")
    extension = serializers.CharField(max_length=32, help_text="分机号")
    password = serializers.CharField(max_length=128, trim_whitespace=False, help_text="登录密码")


# ---------------------------------------------------------------------------------------
# callback and outbound tasks


class AttemptOut(serializers.ModelSerializer[CallbackAttempt]):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = CallbackAttempt
        fields = ["at", "by", "call", "result"]
        read_only_fields = fields


class TaskOut(serializers.ModelSerializer[CallbackTask]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    phone = serializers.SerializerMethodField(help_text="号码;身份保密时打码(呼叫由服务器按原号码发起)")
    masked = serializers.SerializerMethodField(help_text="号码是否打码:关联的工单为保密工单")
    overdue = serializers.SerializerMethodField(help_text="未完成且已过最迟时间")
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]
    assignee_name = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)  # type: ignore[var-annotated]
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = CallbackTask
        fields = [
            "id",
            "kind",
            "kind_label",
            "phone",
            "masked",
            "status",
            "status_label",
            "due_at",
            "overdue",
            "note",
            "assignee",
            "assignee_name",
            "created_by",
            "created_at",
            "call",
            "ticket",
            "channel",
            "questionnaire",
            "answers",
            "result",
            "done_at",
            "done_by",
            "attempts",
        ]
        read_only_fields = fields

    def _hidden(self, obj: CallbackTask) -> bool:
        return services.task_number_hidden(obj)

    def get_phone(self, obj: CallbackTask) -> str:
        return _masked(obj.phone, self._hidden(obj))

    def get_masked(self, obj: CallbackTask) -> bool:
        return self._hidden(obj)

    def get_overdue(self, obj: CallbackTask) -> bool:
        return obj.status == TaskStatus.OPEN and obj.due_at < timezone.now()

    def get_assignee_name(self, obj: CallbackTask) -> str:
        return person(obj.assignee)


class QuestionnaireOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    questions = serializers.JSONField(help_text="问题:[{key, text, choices}],无 choices 为自由回答")


class TaskDetailOut(TaskOut):
    attempt_rows = AttemptOut(many=True, read_only=True, help_text="呼叫记录")
    questionnaire_detail = serializers.SerializerMethodField(help_text="外呼问卷")

    class Meta(TaskOut.Meta):
        fields = [*TaskOut.Meta.fields, "attempt_rows", "questionnaire_detail"]
        read_only_fields = fields

    @extend_schema_field(QuestionnaireOut(allow_null=True))
    def get_questionnaire_detail(self, obj: CallbackTask) -> dict[str, Any] | None:
        q = obj.questionnaire
        return None if q is None else {"id": q.pk, "name": q.name, "questions": q.questions}


class TaskIn(StrictSerializer):
    """An outbound task (外呼任务) or a return visit (回访); missed-call tasks come from the calls
    themselves, message tasks from ``from-ticket``."""

    kind = serializers.ChoiceField(
        choices=NEW_TASK_KINDS,
        required=False,
        default=TaskKind.OUTBOUND.value,
        help_text="outbound 外呼任务(默认) / visit 回访",
    )
    phone = serializers.CharField(max_length=40, help_text="号码,任意写法;无效时 400 invalid_phone")
    due_at = BoundedDateTime(help_text="最迟时间")
    note = Text(max_length=2000, help_text="说明(选填)")
    assignee = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="负责人用户名(选填;空为不指定)"
    )
    ticket = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="相关工单编号(选填)"
    )
    questionnaire = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text="外呼问卷(选填)"
    )


class CompleteIn(StrictSerializer):
    result = Text(max_length=2000, help_text="处理结果")
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        help_text="问卷答案:问题 key → 回答",
    )


class ReassignIn(StrictSerializer):
    assignee = serializers.CharField(max_length=150, help_text="新的负责人用户名")


class FromTicketIn(StrictSerializer):
    ticket = serializers.CharField(max_length=20, help_text="网上、传真、邮件来件的工单编号")
    hours = serializers.IntegerField(min_value=1, max_value=720, help_text="最迟在几小时内回电")
    assignee = serializers.CharField(
        required=False, allow_blank=True, max_length=150, help_text="负责人用户名(选填)"
    )


class DialOut(serializers.Serializer[Any]):
    task = TaskOut()
    call = CallOut()


class TaskFilter(filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information
    status = filters.ChoiceFilter(choices=TaskStatus.choices)
    kind = filters.ChoiceFilter(choices=TaskKind.choices)
    assignee = filters.CharFilter(field_name="assignee__username", max_length=150, help_text="负责人用户名")
    unassigned = filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", help_text="只看未指定负责人的"
    )
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="未完成且已过最迟时间")
    due_before = UtcIsoDateTimeFilter(field_name="due_at", lookup_expr="lt")

    class Meta:
        model = CallbackTask
        fields: list[str] = []

    def filter_overdue(
        self, qs: QuerySet[CallbackTask], name: str, value: bool | None
    ) -> QuerySet[CallbackTask]:
        if value is None:
            return qs
        late = {"status": TaskStatus.OPEN, "due_at__lt": timezone.now()}
        return qs.filter(**late) if value else qs.exclude(**late)
