"""Input → draft: the one builder every door uses (API, workbench, portal, mail, demo).

A door turns what it received into a plain mapping with the field names of the staff API
(nested ``complainant`` and ``respondent``, ``links`` as ``[{"kind", "number"}]``) and calls
:func:`draft_from_data`; ``ticket_register`` does every check that needs the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hotline.core.errors import InvalidInput
from hotline.tickets.models import Severity


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
    # where it came from outside, for idempotent registration: the door's id of the matter
    # (a mail's Message-ID, a call id, an upper level's ticket number); "" = none
    source: str = ""


def _text(data: Mapping[str, Any], key: str, *, path: str = "") -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        name = f"{path}{key}"
        raise InvalidInput(f"字段“{name}”应为文字", code="invalid_type", field=name)
    return value


def _person(data: Mapping[str, Any]) -> Person:
    anonymous = data.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise InvalidInput(
            "字段“complainant.anonymous”应为真或假", code="invalid_type", field="complainant.anonymous"
        )
    return Person(
        name=_text(data, "name", path="complainant."),
        phone=_text(data, "phone", path="complainant."),
        email=_text(data, "email", path="complainant."),
        id_number=_text(data, "id_number", path="complainant."),
        address=_text(data, "address", path="complainant."),
        anonymous=anonymous,
        customer_class=_text(data, "customer_class", path="complainant."),
    )


def _links(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput("关联工单应为列表", code="invalid_type", field="links")
    links: dict[tuple[str, str], None] = {}
    for item in raw:
        if isinstance(item, Mapping):
            pair = (str(item.get("kind", "")), str(item.get("number", "")))
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            pair = (str(item[0]), str(item[1]))
        else:
            raise InvalidInput("关联工单应为 {kind, number}", code="invalid_type", field="links")
        links.setdefault(pair, None)  # the same link twice is one link
    return tuple(links)


def draft_from_data(data: Mapping[str, Any]) -> TicketDraft:
    """The draft for ``data`` (already validated for shape by the door, or trusted)."""
    complainant = data.get("complainant") or {}
    respondent = data.get("respondent") or {}
    if not isinstance(complainant, Mapping) or not isinstance(respondent, Mapping):
        raise InvalidInput("诉求人、被诉对象应为对象", code="invalid_type", field="complainant")
    received_at = data.get("received_at")
    occurred_on = data.get("occurred_on")
    if received_at is not None and not isinstance(received_at, datetime):
        raise InvalidInput("收到时间格式不正确", code="invalid_type", field="received_at")
    if occurred_on is not None and not isinstance(occurred_on, date):
        raise InvalidInput("事项发生日期格式不正确", code="invalid_type", field="occurred_on")
    return TicketDraft(
        type=_text(data, "type"),
        channel=_text(data, "channel"),
        subject=_text(data, "subject"),
        description=_text(data, "description"),
        demand=_text(data, "demand"),
        policy=_text(data, "policy"),
        received_at=received_at,
        complainant=_person(complainant),
        respondent=Respondent(
            name=_text(respondent, "name", path="respondent."),
            address=_text(respondent, "address", path="respondent."),
            licence=_text(respondent, "licence", path="respondent."),
        ),
        category=_text(data, "category"),
        severity=_text(data, "severity") or Severity.NORMAL,
        unit=_text(data, "unit"),
        region=_text(data, "region"),
        occurred_on=occurred_on,
        confidential=bool(data.get("confidential", False)),
        links=_links(data.get("links")),
        source=_text(data, "source"),
    )
