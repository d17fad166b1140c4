"""Registration (接收登记): the one way a ticket comes into existence."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hotline.callers.services import ensure_not_blocked
from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from hotline.core.phones import normalise_phone
from hotline.core.types import AnyUser, User
from hotline.org.models import Role, Unit, UnitKind
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.tickets.models import (
    Attachment,
    Category,
    Channel,
    CustomerClass,
    LinkKind,
    Severity,
    Status,
    Ticket,
    TicketLink,
    TicketType,
)
from hotline.tickets.numbering import new_query_code, next_ticket_number
from hotline.workflow.events import record_event
from hotline.workflow.state import enter_stage, start_final_clock

INTAKE_ROLES = (Role.AGENT, Role.COORDINATOR, Role.ADMIN, Role.TEAM_LEADER)


@dataclass
class Person:
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    address: str = ""
    anonymous: bool = False
    customer_class: str = ""


@dataclass
class Respondent:
    name: str = ""
    address: str = ""
    licence: str = ""


@dataclass
class TicketDraft:
    type: str
    channel: str
    subject: str
    description: str
    demand: str = ""
    policy: str = ""
    received_at: datetime | None = None
    complainant: Person = field(default_factory=Person)
    respondent: Respondent = field(default_factory=Respondent)
    category: str = ""
    severity: str = Severity.NORMAL
    unit: str = ""
    region: str = ""
    occurred_on: date | None = None  # when the matter happened (受理时效 guards)
    confidential: bool = False
    links: Sequence[tuple[str, str]] = ()  # (kind, number)


def _choice(value: str, choices: type[Any], field_name: str, label: str) -> str:
    if value not in choices.values:
        allowed = "、".join(choices.values)
        raise InvalidInput(
            f"{label}“{value}”无效,可选值:{allowed}", code=f"invalid_{field_name}", field=field_name
        )
    return value


def _intake_unit(actor: AnyUser | None, unit_code: str) -> Unit:
    if unit_code:
        unit = Unit.objects.filter(code=unit_code, is_active=True).first()
        if unit is None:
            raise InvalidInput(f"单位“{unit_code}”不存在或已停用", code="invalid_unit", field="unit")
        return unit
    if actor is not None:
        for m in memberships_of(actor):
            if m.role in INTAKE_ROLES:
                return m.unit
        raise Forbidden("您没有受理登记的角色", code="no_intake_role")
    public_code = settings.HOTLINE_PUBLIC_UNIT
    active = Unit.objects.filter(is_active=True).order_by("path")
    unit = (
        active.filter(code=public_code).first()
        if public_code
        else active.filter(kind=UnitKind.CENTRE).first() or active.filter(parent__isnull=True).first()
    )
    if unit is None:
        raise NotFound("尚未配置受理单位", code="no_intake_unit")
    return unit


# Channels where a matter arrives in writing: the answer can go to an e-mail or postal
# address, so a phone number is optional when one of those is given. By phone, SMS, visit or
# from staff the number is there to take; only anonymity (匿名) leaves it out.
WRITTEN_CHANNELS = frozenset(
    {Channel.WEB, Channel.EMAIL, Channel.LETTER, Channel.FAX, Channel.TRANSFER, Channel.MEDIA}
)


def _complainant_phone(draft: TicketDraft) -> str:
    """The complainant's number as stored (``hotline.core.phones``), or "" where allowed."""
    c = draft.complainant
    phone = normalise_phone(c.phone, field="complainant.phone")
    if phone or c.anonymous:
        return phone
    if draft.channel in WRITTEN_CHANNELS:
        if c.email.strip() or c.address.strip():
            return ""
        raise InvalidInput(
            "请填写联系电话,或留下电子邮箱、通信地址,以便答复;不愿留下联系方式时可选择匿名",
            code="phone_required",
            field="complainant.phone",
        )
    raise InvalidInput(
        "请填写联系电话;诉求人不愿留下号码时可选择匿名", code="phone_required", field="complainant.phone"
    )


@transaction.atomic
def ticket_register(
    *, draft: TicketDraft, actor: AnyUser | None, actor_label: str = "", now: datetime | None = None
) -> Ticket:
    """Register a matter from any channel; returns the saved ticket in its initial stage.

    ``actor`` is the staff member who took it (first-contact ownership, 首问负责), or None
    for the public portal and other systems (then ``actor_label`` names the source).
    ``now`` is for data generation and tests; it defaults to the current time.
    """
    now = now or timezone.now()
    _choice(draft.type, TicketType, "type", "诉求类型")
    _choice(draft.channel, Channel, "channel", "受理渠道")
    _choice(draft.severity, Severity, "severity", "紧急程度")
    _choice(draft.complainant.customer_class, CustomerClass, "customer_class", "客户等级")
    if not draft.subject.strip():
        raise InvalidInput("请填写标题", code="subject_required", field="subject")
    if not draft.description.strip():
        raise InvalidInput("请填写诉求内容", code="description_required", field="description")
    received_at = draft.received_at or now
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now + timedelta(minutes=5):
        raise InvalidInput("收到时间不能晚于当前时间", code="received_in_future", field="received_at")
    if received_at < now - timedelta(days=366):
        raise InvalidInput("收到时间不能早于一年前", code="received_too_old", field="received_at")
    if draft.occurred_on is not None and draft.occurred_on > timezone.localdate(now):
        raise InvalidInput("事项发生日期不能晚于今天", code="occurred_in_future", field="occurred_on")
    phone = _complainant_phone(draft)
    ensure_not_blocked(phone, now)

    if actor is not None and actor.is_authenticated and draft.unit:
        # staff choose the intake unit only among units they work for
        owner_unit = _intake_unit(actor, draft.unit)
        if not any(m.unit.covers(owner_unit) for m in memberships_of(actor)) and not getattr(
            actor, "is_superuser", False
        ):
            raise Forbidden("您不能以该单位名义受理", code="unit_out_of_scope")
    else:
        owner_unit = _intake_unit(actor, draft.unit if actor is None else "")

    pack = get_pack(draft.policy or owner_unit.effective_policy())
    type_policy = pack.type(draft.type)
    category = None
    if draft.category:
        category = Category.objects.filter(code=draft.category, is_active=True).first()
        if category is None:
            raise InvalidInput(f"诉求分类“{draft.category}”不存在", code="invalid_category", field="category")

    c = draft.complainant
    ticket = Ticket(
        number=next_ticket_number(timezone.localdate(now)),
        registered_at=now,
        query_code=new_query_code(),
        type=draft.type,
        channel=draft.channel,
        policy=pack.code,
        received_at=received_at,
        registered_by=actor if isinstance(actor, User) else None,
        owner_unit=owner_unit,
        unit=owner_unit,
        complainant_name=c.name.strip(),
        complainant_phone=phone,
        complainant_email=c.email.strip(),
        complainant_id_number=c.id_number.strip(),
        complainant_address=c.address.strip(),
        customer_class=c.customer_class,
        anonymous=c.anonymous,
        respondent_name=draft.respondent.name.strip(),
        respondent_address=draft.respondent.address.strip(),
        respondent_licence=draft.respondent.licence.strip(),
        region=draft.region.strip() or owner_unit.region,
        occurred_on=draft.occurred_on,
        category=category,
        severity=draft.severity,
        subject=draft.subject.strip(),
        description=draft.description,
        demand=draft.demand,
        confidential=draft.confidential or type_policy.confidential,
        stage=type_policy.initial_stage,
        stage_entered_at=now,
    )
    # the first stage counts from receipt unless the pack anchors it elsewhere (art. 14:
    # 自收到投诉之日起); so does a total anchored at receipt or registration
    enter_stage(ticket, type_policy=type_policy, stage=type_policy.initial_stage, now=now)
    for anchor in ("received", "registered"):
        start_final_clock(ticket, type_policy=type_policy, anchor=anchor, now=now)
    ticket.save()

    for kind, number in draft.links:
        _choice(kind, LinkKind, "link_kind", "关联类型")
        target = Ticket.objects.filter(number=number).first()
        if target is None:
            raise InvalidInput(f"关联工单“{number}”不存在", code="invalid_link", field="links")
        TicketLink.objects.create(ticket=ticket, target=target, kind=kind)

    record_event(
        ticket,
        action="register",
        actor=actor,
        actor_label=actor_label,
        from_stage="",
        from_status="",
        comment="",
        payload={"channel": ticket.channel, "policy": pack.code, "received_at": received_at.isoformat()},
        public=True,
        now=now,
    )
    return ticket


def attachment_add(*, ticket: Ticket, upload: UploadedFile, actor: AnyUser | None) -> Attachment:
    """Attach a file within the size and type limits; the upload is recorded in history."""
    name = os.path.basename(upload.name or "file")[:200]
    ext = os.path.splitext(name)[1].lower()
    allowed: dict[str, str] = settings.HOTLINE_ATTACHMENT_TYPES
    if ext not in allowed:
        raise InvalidInput(
            f"不支持的附件类型“{ext or name}”,允许:{'、'.join(sorted(allowed))}",
            code="attachment_type",
            field="file",
        )
    size = upload.size or 0
    if size > settings.HOTLINE_ATTACHMENT_MAX_BYTES:
        limit_mb = settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput(f"附件超过大小限制({limit_mb} MB)", code="attachment_too_large", field="file")
    if size == 0:
        raise InvalidInput("附件为空文件", code="attachment_empty", field="file")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Status.CLOSED:
            raise InvalidTransition("工单已结束,不能再上传附件", code="ticket_closed")
        attachment = Attachment(
            ticket=locked,
            name=name,
            size=size,
            content_type=allowed[ext],
            uploaded_by=actor if isinstance(actor, User) else None,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_event(
            locked,
            action="attach",
            actor=actor,
            from_stage=locked.stage,
            from_status=locked.status,
            payload={"attachment": attachment.pk, "name": name, "size": size},
            now=timezone.now(),
        )
    return attachment
