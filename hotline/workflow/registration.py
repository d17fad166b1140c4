"""Registration (接收登记): the one way a ticket comes into existence, from every door.

``ticket_register`` validates the draft, picks the pack, takes a number, puts the ticket in
its first stage with its clocks (counted from receipt: ADR 0013) and writes the ``register``
event — in one transaction. With a ``source`` (channel + external id: a mail's Message-ID, a
call's id, an upper level's ticket id) it is idempotent: the same source registers once, and
a retry gets the ticket it already made. With ``close_on_the_spot`` the pack's closing action
is taken in the same transaction (当场答复). Blocklist and other checks subscribe through
``registration_guards``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput, NotFound
from hotline.core.phones import normalise_phone
from hotline.core.prepared import in_hand
from hotline.core.types import AnyUser, User
from hotline.org.models import Unit, UnitKind
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.tickets.models import (
    Category,
    Channel,
    CustomerClass,
    LinkKind,
    Severity,
    Ticket,
    TicketLink,
    TicketType,
)
from hotline.tickets.numbering import new_query_code, next_ticket_number
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.drafts import TicketDraft
from hotline.workflow.events import record_event
from hotline.workflow.kinds import EventKind
from hotline.workflow.major import (
    checked_claimed_amount,
    checked_upgraded_via,
    major_at_registration,
    record_major,
)
from hotline.workflow.roles import INTAKE_ROLES
from hotline.workflow.services import ticket_transition
from hotline.workflow.state import enter_stage, start_final_clock

# Checks a feature adds to every registration (the blocklist: ``callers``). Each gets the
# normalised phone number and the time, and raises a HotlineError to refuse.
RegistrationGuard = Callable[[str, datetime], None]
registration_guards: list[RegistrationGuard] = []


def on_registration(guard: RegistrationGuard) -> RegistrationGuard:
    """Subscribe a check to every registration (idempotent)."""
    if guard not in registration_guards:
        registration_guards.append(guard)
    return guard


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


def _find_source(draft: TicketDraft) -> Ticket | None:
    if not draft.source:
        return None
    # the index is partial (source <> ''): SQLite uses it only when the query repeats that term
    return Ticket.objects.filter(channel=draft.channel, source=draft.source).exclude(source="").first()


def ticket_register(
    *,
    draft: TicketDraft,
    actor: AnyUser | None,
    actor_label: str = "",
    now: datetime | None = None,
    close_on_the_spot: Mapping[str, Any] | None = None,
    then: Callable[[Ticket], None] | None = None,
) -> Ticket:
    """Register a matter from any channel; returns the saved ticket in its initial stage.

    ``actor`` is the staff member who took it (first-contact ownership, 首问负责), or None
    for the public portal and other systems (then ``actor_label`` names the source).
    ``now`` is for data generation and tests; it defaults to the current time.
    ``close_on_the_spot`` — the ``close`` action's parameters — answers the matter at once
    (当场答复) in the same transaction; the pack must offer ``close`` in the first stage.
    ``then(ticket)`` runs in the same transaction right after the ``register`` event and
    before the on-the-spot close, for a new ticket only: a feature's own record of how the
    matter was taken (the response script walked: ``knowledge``) commits with it or not at
    all. A draft with a ``source`` that was registered before returns that ticket unchanged.
    """
    existing = _find_source(draft)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _register(
                draft=draft,
                actor=actor,
                actor_label=actor_label,
                now=now,
                close_on_the_spot=close_on_the_spot,
                then=then,
            )
    except IntegrityError:
        # the same source registered at the same moment by another process: theirs won
        existing = _find_source(draft)
        if existing is None:
            raise
        return existing


def _staff_intake_unit(actor: AnyUser, unit_code: str) -> Unit:
    """The unit a staff member takes the matter in for: one where they hold an intake role."""
    if not unit_code:
        return _intake_unit(actor, "")
    unit = _intake_unit(actor, unit_code)
    if getattr(actor, "is_superuser", False):
        return unit
    if not any(m.role in INTAKE_ROLES and m.unit.covers(unit) for m in memberships_of(actor)):
        raise Forbidden("您没有以该单位名义受理登记的角色", code="unit_out_of_scope")
    return unit


def _link_targets(draft: TicketDraft, actor: AnyUser | None) -> list[tuple[str, Ticket]]:
    """Linked tickets the actor may see; missing and hidden get the same answer."""
    targets: list[tuple[str, Ticket]] = []
    seen: set[tuple[str, str]] = set()
    for kind, number in draft.links:
        _choice(kind, LinkKind, "link_kind", "关联类型")
        if (kind, number) in seen:
            continue
        seen.add((kind, number))
        visible = tickets_visible_to(actor) if actor is not None else Ticket.objects.none()
        target = visible.filter(number=number).first()
        if target is None:
            raise InvalidInput(f"关联工单“{number}”不存在或您无权查看", code="invalid_link", field="links")
        targets.append((kind, target))
    return targets


def _register(
    *,
    draft: TicketDraft,
    actor: AnyUser | None,
    actor_label: str,
    now: datetime | None,
    close_on_the_spot: Mapping[str, Any] | None,
    then: Callable[[Ticket], None] | None,
) -> Ticket:
    now = now or timezone.now()
    _choice(draft.type, TicketType, "type", "诉求类型")
    _choice(draft.channel, Channel, "channel", "受理渠道")
    _choice(draft.severity, Severity, "severity", "紧急程度")
    _choice(draft.complainant.customer_class, CustomerClass, "customer_class", "客户等级")
    upgraded_via = checked_upgraded_via(draft.upgraded_via)
    claimed_amount = checked_claimed_amount(draft.claimed_amount)
    if not draft.subject.strip():
        raise InvalidInput("请填写标题", code="subject_required", field="subject")
    if not draft.description.strip():
        raise InvalidInput("请填写诉求内容", code="description_required", field="description")
    if len(draft.source) > 200:
        raise InvalidInput("来源编号不能超过200字", code="source_too_long", field="source")
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
    for guard in registration_guards:
        guard(phone, now)

    if actor is not None and actor.is_authenticated:
        owner_unit = _staff_intake_unit(actor, draft.unit)
    else:
        owner_unit = _intake_unit(None, draft.unit)
    links = _link_targets(draft, actor if actor is not None and actor.is_authenticated else None)

    pack = get_pack(draft.policy or owner_unit.effective_policy())
    type_policy = pack.type(draft.type)
    category = None
    if draft.category:
        category = Category.objects.filter(code=draft.category, is_active=True).first()
        if category is None:
            raise InvalidInput(f"诉求分类“{draft.category}”不存在", code="invalid_category", field="category")
    if close_on_the_spot is not None and "close" not in type_policy.stage(type_policy.initial_stage).actions:
        raise InvalidInput(
            f"政策包“{pack.name}”不允许{type_policy.label}当场办结", code="no_on_the_spot_close", field="type"
        )

    c = draft.complainant
    ticket = Ticket(
        number=next_ticket_number(timezone.localdate(now)),
        registered_at=now,
        query_code=new_query_code(),
        type=draft.type,
        channel=draft.channel,
        source=draft.source,
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
        claimed_amount=claimed_amount,
        upgraded_via=upgraded_via,
        confidential=draft.confidential or type_policy.confidential,
        stage=type_policy.initial_stage,
        stage_entered_at=now,
    )
    # 重大投诉: a pack rule that matches makes the ticket major before its clocks are set
    major = major_at_registration(ticket, pack)
    # the first stage counts from receipt unless the pack anchors it elsewhere (art. 14:
    # 自收到投诉之日起); so does a total anchored at receipt or registration
    enter_stage(ticket, type_policy=type_policy, stage=type_policy.initial_stage, now=now)
    for anchor in ("received", "registered"):
        start_final_clock(ticket, type_policy=type_policy, anchor=anchor, now=now)
    ticket.save()
    # the new ticket's links are all it has: in hand (``ticket.links.all()`` without a read)
    # for its register event's listeners (reports: is it a repeat?) and the API's answer
    in_hand(
        ticket,
        "links",
        TicketLink.objects.bulk_create(TicketLink(ticket=ticket, target=t, kind=k) for k, t in links),
    )

    payload: dict[str, Any] = {
        "channel": ticket.channel,
        "policy": pack.code,
        "received_at": received_at.isoformat(),
    }
    if draft.source:
        payload["source"] = draft.source
    record_event(
        ticket,
        action=EventKind.REGISTER,
        actor=actor,
        actor_label=actor_label,
        from_stage="",
        from_status="",
        comment="",
        payload=payload,
        public=True,
        now=now,
    )
    if major is not None:
        record_major(ticket, major, pack=pack, now=now)
    if then is not None:
        then(ticket)
    if close_on_the_spot is not None:
        result = ticket_transition(
            ticket=ticket,
            action="close",
            actor=actor,
            actor_label=actor_label,
            params=close_on_the_spot,
            expected_version=ticket.version,
            now=now,
        )
        return result.ticket
    return ticket
