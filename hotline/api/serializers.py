"""API shapes. Serializers only validate and present: writes go through the services.

Every input shape is a ``StrictSerializer``: a field it does not define — at the top or
inside a nested object — is refused (400 ``unknown_field``) instead of silently dropped,
and the OpenAPI schema says so (``additionalProperties: false``, ``hotline.api.schema``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.utils import html

from hotline.api.problems import UNKNOWN_FIELD
from hotline.api.serializers_exchange import UpperLevelOut, upper_level_data
from hotline.api.walk import AnswersField, WalkOut
from hotline.core.errors import InvalidInput
from hotline.core.phones import normalise_phone
from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.policies.registry import get_pack
from hotline.policies.vocab import ACTIONS as VOCAB_ACTIONS
from hotline.policies.vocab import ENGINE_ACTIONS, LIMIT_UNITS
from hotline.portal.services import occurred_on_check
from hotline.tickets.models import (
    Category,
    Channel,
    CustomerClass,
    LinkKind,
    Severity,
    Ticket,
    TicketEvent,
    TicketType,
    UpgradedVia,
)
from hotline.workflow.drafts import TicketDraft, draft_from_data
from hotline.workflow.identity import identity_for
from hotline.workflow.selectors import is_overdue
from hotline.workflow.services import TransitionResult, allowed_actions

# every action the API accepts: the packs' actions plus those governed by the engine (unmask)
ACTIONS = [*VOCAB_ACTIONS, *ENGINE_ACTIONS]


# Keys a browser's form post may add that no endpoint reads (the browsable API's CSRF field).
FORM_ONLY_KEYS = frozenset({"csrfmiddlewaretoken"})


def unknown_fields(serializer: serializers.Serializer[Any], data: Any, prefix: str = "") -> list[str]:
    """The paths of keys in ``data`` that ``serializer`` (and its nested shapes) do not define.

    JSON bodies are dicts; form bodies (``QueryDict``) spell nesting as ``complainant.name``
    and ``links[0]kind``, read here with DRF's own helpers so both agree on what is known.
    """
    fields = {name: f for name, f in serializer.fields.items() if not f.read_only}
    found: list[str] = []
    form = html.is_html_input(data)
    if form:
        heads = {key: re.split(r"[.\[]", key, maxsplit=1)[0] for key in data}
        found += [prefix + k for k, head in heads.items() if head not in fields and k not in FORM_ONLY_KEYS]
    elif isinstance(data, Mapping):
        found += [f"{prefix}{key}" for key in data if key not in fields]
    else:
        return found  # not an object: the serializer itself says so
    for name, field in fields.items():
        if isinstance(field, serializers.ListSerializer) and isinstance(field.child, serializers.Serializer):
            items = html.parse_html_list(data, prefix=name, default=[]) if form else data.get(name)
            if isinstance(items, list):
                for i, item in enumerate(items):
                    found += unknown_fields(field.child, item, f"{prefix}{name}[{i}].")
        elif isinstance(field, serializers.Serializer):
            sub = html.parse_html_dict(data, prefix=name) if form else data.get(name)
            found += unknown_fields(field, sub, f"{prefix}{name}.")
    return found


class StrictSerializer(serializers.Serializer[Any]):
    """An input shape that refuses fields it does not define, nested ones included.

    The outermost serializer checks the whole body at once, before any field is validated,
    so the answer lists every unknown field (code ``unknown_field``) and nothing else.
    """

    def to_internal_value(self, data: Any) -> Any:
        outermost = self.parent is None or (
            isinstance(self.parent, serializers.ListSerializer) and self.parent.parent is None
        )
        if outermost:
            unknown = unknown_fields(self, data)
            if unknown:
                message = "不接受此字段"
                raise serializers.ValidationError(
                    {path: [ErrorDetail(message, code=UNKNOWN_FIELD)] for path in unknown}
                )
        return super().to_internal_value(data)


class BoundedDateTime(serializers.DateTimeField):
    """A date-time within 2000–2099: year 1 or 9999 overflowed on conversion to UTC (a 500)."""

    def __init__(self, *, out_of_range_code: str = "datetime_out_of_range", **kwargs: Any) -> None:
        self.out_of_range_code = out_of_range_code
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime:
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            parsed = None
        if parsed is None or not 2000 <= parsed.year <= 2099:
            raise serializers.ValidationError("时间须在2000年至2099年之间", code=self.out_of_range_code)
        return parsed


class Text(serializers.CharField):
    """A text field: NUL characters refused, surrounding blanks trimmed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)


class Phone(Text):
    """A phone number as people type it (``13255550002``, ``+86 132-5555-0002``,
    ``010-12345678转123``): checked and stored normalised by the core
    (``hotline.core.phones``; ``invalid_phone`` names the field), so here only its length."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)


class ComplainantIn(StrictSerializer):
    name = Text(max_length=64)
    phone = Phone()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    id_number = Text(max_length=32)
    address = Text(max_length=255)
    anonymous = serializers.BooleanField(required=False, default=False)
    customer_class = serializers.ChoiceField(choices=CustomerClass.choices, required=False, default="")


class RespondentIn(StrictSerializer):
    name = Text(max_length=128)
    address = Text(max_length=255)
    licence = Text(max_length=64)


class LinkIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    number = serializers.CharField(max_length=20)


def check_occurred_on(value: date | None) -> date | None:
    """事项发生日期: not after today (Asia/Shanghai), not before 1900."""
    try:
        occurred_on_check(value)
    except InvalidInput as error:
        raise serializers.ValidationError(error.detail, code=error.code) from None
    return value


class AnswerScriptIn(StrictSerializer):
    script = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="规范应答脚本 id")
    answers = AnswersField()


class TicketCreate(StrictSerializer):
    type = serializers.ChoiceField(choices=TicketType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    policy = Text(max_length=32, help_text="政策包编码;为空时用受理单位的政策包")
    received_at = BoundedDateTime(
        required=False, allow_null=True, default=None, help_text="收到时间;为空时为登记时间"
    )
    occurred_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="事项发生日期(选填,不能晚于今天);如费用争议超过时效不予受理",
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    demand = Text(max_length=4000)
    claimed_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="索赔金额(元,选填);超过政策包规定的金额为重大投诉",
    )
    upgraded_via = serializers.ChoiceField(
        choices=UpgradedVia.choices,
        required=False,
        default="",
        help_text="越级投诉:诉求人已向何处反映(监管部门、12345、媒体、领导);空为非越级",
    )
    complainant = ComplainantIn(required=False)
    respondent = RespondentIn(required=False)
    category = Text(max_length=32, help_text="分类编码")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.NORMAL)
    unit = Text(max_length=32, help_text="受理单位编码;为空时为登记人所在单位")
    region = Text(max_length=64)
    confidential = serializers.BooleanField(required=False, default=False)
    links = LinkIn(many=True, required=False, default=list, help_text="关联工单;重复的关联只记一次")
    answer_script = AnswerScriptIn(
        required=False,
        default=None,
        allow_null=True,
        help_text="走过的规范应答脚本:按其结果当场办结,或登记并(政策包允许时)受理、派往脚本的承办单位",
    )

    def validate_occurred_on(self, value: date | None) -> date | None:
        return check_occurred_on(value)

    def to_draft(self) -> TicketDraft:
        """The draft, through the one builder (the same link twice is one link there)."""
        return draft_from_data({k: v for k, v in self.validated_data.items() if k != "answer_script"})


class UnitOut(serializers.ModelSerializer[Unit]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "region", "policy", "depth"]


class CategoryOut(serializers.ModelSerializer[Category]):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Category
        fields = ["code", "name", "parent"]


class ComplainantOut(serializers.Serializer[Any]):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    id_number = serializers.CharField()
    address = serializers.CharField()
    anonymous = serializers.BooleanField()
    customer_class = serializers.CharField()
    masked = serializers.BooleanField(help_text="身份信息是否已脱敏")


def complainant_data(
    ticket: Ticket, viewer: AnyUser, *, unmask: TransitionResult | None = None
) -> dict[str, Any]:
    """``complainant`` as ``viewer`` may see it (``workflow.identity``); ``unmask`` is the
    result of the unmask this answer is for, if any (the context key ``unmask``)."""
    return identity_for(ticket, viewer, unmask=unmask).as_dict()


class TicketOut(serializers.ModelSerializer[Ticket]):
    complainant = serializers.SerializerMethodField()
    respondent = serializers.SerializerMethodField()
    unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    owner_unit: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    handler: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    registered_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    stage_label = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "number",
            "type",
            "channel",
            "policy",
            "received_at",
            "registered_at",
            "registered_by",
            "owner_unit",
            "subject",
            "description",
            "demand",
            "claimed_amount",
            "upgraded_via",
            "complainant",
            "respondent",
            "category",
            "severity",
            "unit",
            "unit_name",
            "region",
            "occurred_on",
            "confidential",
            "status",
            "stage",
            "stage_label",
            "round",
            "handler",
            "supervised",
            "satisfaction",
            "closing_code",
            "due_at",
            "final_due_at",
            "deadline_provisional",
            "overdue",
            "closed_at",
            "version",
            "allowed_actions",
        ]
        read_only_fields = fields

    def _user(self) -> AnyUser:
        request = self.context.get("request")
        return request.user if request is not None else AnonymousUser()

    @extend_schema_field(ComplainantOut)
    def get_complainant(self, obj: Ticket) -> dict[str, Any]:
        return complainant_data(obj, self._user(), unmask=self.context.get("unmask"))

    @extend_schema_field(RespondentIn)
    def get_respondent(self, obj: Ticket) -> dict[str, str]:
        return {
            "name": obj.respondent_name,
            "address": obj.respondent_address,
            "licence": obj.respondent_licence,
        }

    def get_stage_label(self, obj: Ticket) -> str:
        return get_pack(obj.policy).type(obj.type).stage(obj.stage).label

    def get_overdue(self, obj: Ticket) -> bool:
        return is_overdue(obj, timezone.now())

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_allowed_actions(self, obj: Ticket) -> list[str]:
        return allowed_actions(obj, self._user())


class AttachmentOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class AttachmentIn(StrictSerializer):
    file = serializers.FileField(allow_empty_file=True, help_text="附件;类型和大小由平台检查")


class LinkOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="关联编号(确认或排除时用)")
    kind = serializers.CharField()
    number = serializers.CharField(source="target.number")
    confirmed = serializers.BooleanField(help_text="系统识别的关联在人工确认前为 false")


class TicketDetailOut(TicketOut):
    attachments = AttachmentOut(many=True, read_only=True)
    links = LinkOut(many=True, read_only=True)
    upper_level = serializers.SerializerMethodField(help_text="上级转办:上级工单编号与上级时限;否则为 null")

    class Meta(TicketOut.Meta):
        fields = [*TicketOut.Meta.fields, "attachments", "links", "upper_level"]
        read_only_fields = fields

    @extend_schema_field(UpperLevelOut(allow_null=True))
    def get_upper_level(self, obj: Ticket) -> dict[str, Any] | None:
        return upper_level_data(obj)


class TicketCreatedOut(TicketDetailOut):
    """What registration answers: the ticket plus the query code to read back to the caller,
    and the script's outcome when it was registered with ``answer_script`` (context ``walk``)."""

    answer_script = serializers.SerializerMethodField()

    class Meta(TicketDetailOut.Meta):
        fields = [*TicketDetailOut.Meta.fields, "query_code", "answer_script"]
        read_only_fields = fields

    @extend_schema_field(WalkOut(allow_null=True))
    def get_answer_script(self, obj: Ticket) -> dict[str, Any] | None:
        walk = self.context.get("walk")
        return WalkOut(walk).data if walk is not None else None


class EventOut(serializers.ModelSerializer[TicketEvent]):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = [
            "seq",
            "action",
            "actor",
            "from_stage",
            "to_stage",
            "from_status",
            "to_status",
            "comment",
            "payload",
            "public",
            "created_at",
        ]

    def get_actor(self, obj: TicketEvent) -> str:
        return obj.actor.username if obj.actor_id and obj.actor else obj.actor_label


class PublicComplainantIn(StrictSerializer):
    # The staff API's ``complainant`` less the staff-only ``customer_class``. Nothing has a
    # default, so the flat fields can be checked against what was actually sent.
    name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    phone = Phone(default=serializers.empty)
    email = serializers.EmailField(required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    anonymous = serializers.BooleanField(required=False)


class PublicRespondentIn(StrictSerializer):
    name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    licence = serializers.CharField(max_length=64, required=False, allow_blank=True)


# flat field of the older public body → (nested object, key)
_FLAT_FIELDS = {
    "name": ("complainant", "name"),
    "phone": ("complainant", "phone"),
    "email": ("complainant", "email"),
    "anonymous": ("complainant", "anonymous"),
    "respondent_name": ("respondent", "name"),
    "respondent_address": ("respondent", "address"),
}


def _same(key: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        if key == "phone":  # "138 1234 5678" and "+86 13812345678" are one number
            try:
                return normalise_phone(a) == normalise_phone(b)
            except InvalidInput:
                pass  # the number itself is refused later, with its own message
        return a.strip() == b.strip()
    return bool(a == b)


class PublicSubmissionIn(StrictSerializer):
    """A public submission: the staff API's nested ``complainant`` and ``respondent`` objects,
    or the flat ``name``/``phone``/``email``/``anonymous``/``respondent_*`` fields (kept for
    older clients). Both may be sent if they agree; a disagreement is ``conflicting_fields``."""

    type = serializers.ChoiceField(choices=TicketType.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    demand = Text(max_length=2000)
    occurred_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="事项发生日期(选填,不能晚于今天)"
    )
    complainant = PublicComplainantIn(
        required=False,
        help_text="诉求人,同员工登记接口;也可用平铺的 name/phone/email/anonymous,两处都填须一致",
    )
    respondent = PublicRespondentIn(required=False, help_text="被投诉/被举报对象")
    name = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="同 complainant.name"
    )
    phone = Phone(default=serializers.empty, help_text="同 complainant.phone")
    email = serializers.EmailField(required=False, allow_blank=True, help_text="同 complainant.email")
    anonymous = serializers.BooleanField(required=False, help_text="同 complainant.anonymous")
    respondent_name = serializers.CharField(
        max_length=128, required=False, allow_blank=True, help_text="同 respondent.name"
    )
    respondent_address = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="同 respondent.address"
    )
    region = Text(max_length=64)

    def validate_occurred_on(self, value: date | None) -> date | None:
        return check_occurred_on(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        nested: dict[str, dict[str, Any]] = {
            "complainant": dict(attrs.pop("complainant", {})),
            "respondent": dict(attrs.pop("respondent", {})),
        }
        conflicts: dict[str, list[ErrorDetail]] = {}
        for flat, (obj, key) in _FLAT_FIELDS.items():
            if flat not in attrs:
                continue
            value = attrs.pop(flat)
            if key in nested[obj] and not _same(key, nested[obj][key], value):
                message = f"{flat} 与 {obj}.{key} 不一致,请只填写一处"
                conflicts[flat] = [ErrorDetail(message, code="conflicting_fields")]
            nested[obj].setdefault(key, value)
        if conflicts:
            raise serializers.ValidationError(conflicts)
        person, respondent = nested["complainant"], nested["respondent"]
        anonymous = bool(person.get("anonymous", False))
        if not anonymous and not (
            str(person.get("phone", "")).strip() or str(person.get("email", "")).strip()
        ):
            message = "实名提交请留下电话或电子邮箱(complainant.phone / email),以便联系答复;也可选择匿名"
            raise serializers.ValidationError(message, code="contact_required")
        return {
            **attrs,
            "anonymous": anonymous,
            "name": person.get("name", ""),
            "phone": person.get("phone", ""),
            "email": person.get("email", ""),
            "id_number": person.get("id_number", ""),
            "address": person.get("address", ""),
            "respondent_name": respondent.get("name", ""),
            "respondent_address": respondent.get("address", ""),
            "respondent_licence": respondent.get("licence", ""),
        }


class PublicSubmissionCreated(serializers.Serializer[Any]):
    number = serializers.CharField()
    query_code = serializers.CharField()


class PublicReply(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    text = serializers.CharField()


class PublicStepOut(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    label = serializers.CharField(help_text="这一步的名称,如“已受理”")  # type: ignore[assignment]
    text = serializers.CharField(help_text="对诉求人公开的说明或答复;可为空")


class PublicStatus(serializers.Serializer[Any]):
    number = serializers.CharField()
    type = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    stage = serializers.CharField(help_text="公开的环节名称")
    closed = serializers.BooleanField()
    replies = PublicReply(many=True)
    steps = PublicStepOut(many=True, help_text="全部公开的办理步骤,按时间先后")


class DeadlineIn(StrictSerializer):
    start = BoundedDateTime(out_of_range_code="start_out_of_range")
    amount = serializers.IntegerField(min_value=0, max_value=3650)
    unit = serializers.ChoiceField(choices=list(LIMIT_UNITS))


class DeadlineOut(serializers.Serializer[Any]):
    due_at = serializers.DateTimeField()
    provisional = serializers.BooleanField()


class DayOut(serializers.Serializer[Any]):
    date = serializers.DateField()
    is_working = serializers.BooleanField()
    note = serializers.CharField()
    provisional = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]


class TokenIn(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenOut(serializers.Serializer[Any]):
    token = serializers.CharField()
