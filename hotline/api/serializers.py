"""API shapes. Serializers only validate and present: writes go through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.policies.registry import get_pack
from hotline.policies.vocab import ACTIONS as VOCAB_ACTIONS
from hotline.policies.vocab import ENGINE_ACTIONS, LIMIT_UNITS
from hotline.tickets.masking import IDENTITY_MASKS, identity_of
from hotline.tickets.models import (
    Category,
    Channel,
    CustomerClass,
    LinkKind,
    Satisfaction,
    Severity,
    Ticket,
    TicketEvent,
    TicketType,
)
from hotline.tickets.services import Person, Respondent, TicketDraft
from hotline.workflow.access import identity_hidden
from hotline.workflow.services import allowed_actions

# every action the API accepts: the packs' actions plus those governed by the engine (unmask)
ACTIONS = [*VOCAB_ACTIONS, *ENGINE_ACTIONS]


class Text(serializers.CharField):
    """A text field: NUL characters refused, surrounding blanks trimmed."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)


class Phone(serializers.RegexField):
    """A phone number as people type it: digits, +, -, parentheses and spaces."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("error_messages", {"invalid": "电话号码格式不正确"})
        super().__init__(r"^[0-9+\-() ]{0,32}$", **kwargs)


class ComplainantIn(serializers.Serializer):
    name = Text(max_length=64)
    phone = Phone()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    id_number = Text(max_length=32)
    address = Text(max_length=255)
    anonymous = serializers.BooleanField(required=False, default=False)
    customer_class = serializers.ChoiceField(choices=CustomerClass.choices, required=False, default="")


class RespondentIn(serializers.Serializer):
    name = Text(max_length=128)
    address = Text(max_length=255)
    licence = Text(max_length=64)


class LinkIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    number = serializers.CharField(max_length=20)


class TicketCreate(serializers.Serializer):
    type = serializers.ChoiceField(choices=TicketType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    policy = Text(max_length=32, help_text="政策包编码;为空时用受理单位的政策包")
    received_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    demand = Text(max_length=4000)
    complainant = ComplainantIn(required=False)
    respondent = RespondentIn(required=False)
    category = Text(max_length=32, help_text="分类编码")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.NORMAL)
    unit = Text(max_length=32, help_text="受理单位编码;为空时为登记人所在单位")
    region = Text(max_length=64)
    confidential = serializers.BooleanField(required=False, default=False)
    links = LinkIn(many=True, required=False, default=list)

    def to_draft(self) -> TicketDraft:
        d = self.validated_data
        return TicketDraft(
            type=d["type"],
            channel=d["channel"],
            policy=d["policy"],
            received_at=d["received_at"],
            subject=d["subject"],
            description=d["description"],
            demand=d["demand"],
            complainant=Person(**d.get("complainant", {})),
            respondent=Respondent(**d.get("respondent", {})),
            category=d["category"],
            severity=d["severity"],
            unit=d["unit"],
            region=d["region"],
            confidential=d["confidential"],
            links=[(link["kind"], link["number"]) for link in d["links"]],
        )


class UnitOut(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Unit
        fields = ["code", "name", "kind", "parent", "region", "policy", "depth"]


class CategoryOut(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)  # type: ignore[assignment,var-annotated]

    class Meta:
        model = Category
        fields = ["code", "name", "parent"]


class ComplainantOut(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    id_number = serializers.CharField()
    address = serializers.CharField()
    anonymous = serializers.BooleanField()
    customer_class = serializers.CharField()
    masked = serializers.BooleanField(help_text="身份信息是否已脱敏")


def complainant_data(ticket: Ticket, *, unmasked: bool) -> dict[str, Any]:
    raw = identity_of(ticket)
    masked = identity_hidden(ticket) and not unmasked
    if masked:
        raw = {k: IDENTITY_MASKS[k](v) for k, v in raw.items()}
    return {**raw, "anonymous": ticket.anonymous, "customer_class": ticket.customer_class, "masked": masked}


class TicketOut(serializers.ModelSerializer):
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
            "complainant",
            "respondent",
            "category",
            "severity",
            "unit",
            "unit_name",
            "region",
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
        return complainant_data(obj, unmasked=bool(self.context.get("unmasked")))

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
        return bool(obj.status == "open" and obj.due_at and obj.due_at < timezone.now())

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_allowed_actions(self, obj: Ticket) -> list[str]:
        return allowed_actions(obj, self._user())


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class LinkOut(serializers.Serializer):
    kind = serializers.CharField()
    number = serializers.CharField(source="target.number")


class TicketDetailOut(TicketOut):
    attachments = AttachmentOut(many=True, read_only=True)
    links = LinkOut(many=True, read_only=True)

    class Meta(TicketOut.Meta):
        fields = [*TicketOut.Meta.fields, "attachments", "links"]
        read_only_fields = fields


class TicketCreatedOut(TicketDetailOut):
    """What registration answers: the ticket plus the query code to read back to the caller."""

    class Meta(TicketDetailOut.Meta):
        fields = [*TicketDetailOut.Meta.fields, "query_code"]
        read_only_fields = fields


class TicketListOut(TicketOut):
    class Meta(TicketOut.Meta):
        fields = [
            "number",
            "type",
            "channel",
            "policy",
            "received_at",
            "subject",
            "complainant",
            "category",
            "severity",
            "unit",
            "unit_name",
            "status",
            "stage",
            "stage_label",
            "round",
            "handler",
            "supervised",
            "due_at",
            "final_due_at",
            "deadline_provisional",
            "overdue",
            "version",
        ]
        read_only_fields = fields


class ActionIn(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="调用方看到的工单版本;与当前不符时返回409"
    )
    comment = Text(max_length=4000)
    reason = Text(max_length=4000, help_text="reject:理由编码;return/suspend/reopen/unmask/延期:理由")
    unit = Text(max_length=32, help_text="dispatch/redispatch:单位编码")
    handler = Text(max_length=150, help_text="assign:承办人用户名")
    result = Text(max_length=20000, help_text="reply/close:答复或办结内容")
    amount = serializers.IntegerField(
        required=False, min_value=1, max_value=1000, help_text="request_extension"
    )
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, help_text="return_visit"
    )
    closing_code = Text(max_length=32)


class EventOut(serializers.ModelSerializer):
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


class PublicSubmissionIn(serializers.Serializer):
    type = serializers.ChoiceField(choices=TicketType.choices)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    demand = Text(max_length=2000)
    name = Text(max_length=64)
    phone = Phone()
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    respondent_name = Text(max_length=128)
    respondent_address = Text(max_length=255)
    region = Text(max_length=64)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["anonymous"] and not (attrs["phone"] or attrs["email"]):
            raise serializers.ValidationError("实名提交请留下电话或电子邮箱,以便联系答复;也可选择匿名")
        return attrs


class PublicSubmissionCreated(serializers.Serializer):
    number = serializers.CharField()
    query_code = serializers.CharField()


class PublicReply(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    text = serializers.CharField()


class PublicStatus(serializers.Serializer):
    number = serializers.CharField()
    type = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    stage = serializers.CharField(help_text="公开的环节名称")
    closed = serializers.BooleanField()
    replies = PublicReply(many=True)


class DeadlineIn(serializers.Serializer):
    start = serializers.DateTimeField()
    amount = serializers.IntegerField(min_value=0, max_value=3650)
    unit = serializers.ChoiceField(choices=list(LIMIT_UNITS))


class DeadlineOut(serializers.Serializer):
    due_at = serializers.DateTimeField()
    provisional = serializers.BooleanField()


class DayOut(serializers.Serializer):
    date = serializers.DateField()
    is_working = serializers.BooleanField()
    note = serializers.CharField()
    provisional = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]


class TokenIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenOut(serializers.Serializer):
    token = serializers.CharField()
