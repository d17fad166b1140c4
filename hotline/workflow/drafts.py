"""Input → draft: the one builder every door uses (API, workbench, portal, mail, demo).

A door turns what it received into a plain mapping with the field names of the staff API
(nested ``complainant`` and ``respondent``, ``links`` as ``[{"kind", "number"}]``) and calls
:func:`draft_from_data`; ``ticket_register`` does every check that needs the database (the
choices, the phone number, units, links in scope).

The builder checks the shape only, so that what a door hands over is never silently lost
or misread: a key it does not know is refused (``unknown_field``), and a value of the wrong
kind is refused (``invalid_type``), each with the field's path (``complainant.phone``,
``links[1]``). Dates may be ``date``/``datetime`` objects or ISO 8601 text (a JSON push).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
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
    claimed_amount: Decimal | None = None  # 索赔金额 (元), as the complainant claims it
    upgraded_via: str = ""  # 越级投诉: tickets.models.UpgradedVia ("" = not upgraded)
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


# The keys a mapping may hold: the fields of the dataclasses, nothing else.
DRAFT_KEYS = frozenset(f.name for f in fields(TicketDraft))
PERSON_KEYS = frozenset(f.name for f in fields(Person))
RESPONDENT_KEYS = frozenset(f.name for f in fields(Respondent))
LINK_KEYS = frozenset({"kind", "number"})


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_type", field=name)


def _known(data: Mapping[Any, Any], allowed: frozenset[str], *, path: str = "") -> None:
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        names = [f"{path}{key}" for key in unknown]
        raise InvalidInput(
            f"不接受字段“{'、'.join(names)}”", code="unknown_field", field=names[0], fields=names
        )


def _text(data: Mapping[str, Any], key: str, *, path: str = "") -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _invalid(f"{path}{key}", f"字段“{path}{key}”应为文字")
    return value


def _flag(data: Mapping[str, Any], key: str, *, path: str = "") -> bool:
    value = data.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):  # "false" is not False: refused, not read as true
        raise _invalid(f"{path}{key}", f"字段“{path}{key}”应为真或假")
    return value


def _object(data: Mapping[str, Any], key: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _invalid(key, f"字段“{key}”应为对象")
    _known(value, allowed, path=f"{key}.")
    return value


def _received_at(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _invalid("received_at", "收到时间格式不正确")


def _occurred_on(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _invalid("occurred_on", "事项发生日期格式不正确")


def _amount(value: Any) -> Decimal | None:
    """An amount as a number or numeric text (``"50000"``, ``50000.5``); ``None``/"" = none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise _invalid("claimed_amount", "索赔金额应为数字") from None
    else:
        raise _invalid("claimed_amount", "索赔金额应为数字")
    if not amount.is_finite():
        raise _invalid("claimed_amount", "索赔金额应为数字")
    return amount


def _links(raw: Any) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise _invalid("links", "关联工单应为列表")
    links: dict[tuple[str, str], None] = {}
    for i, item in enumerate(raw):
        name = f"links[{i}]"
        if isinstance(item, Mapping):
            _known(item, LINK_KEYS, path=f"{name}.")
            pair = (item.get("kind"), item.get("number"))
        elif isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
            pair = (item[0], item[1])
        else:
            raise _invalid(name, "关联工单应为 {kind, number}")
        kind, number = pair
        if not isinstance(kind, str) or not isinstance(number, str):
            raise _invalid(name, "关联工单的类型和编号应为文字")
        links.setdefault((kind, number), None)  # the same link twice is one link
    return tuple(links)


def draft_from_data(data: Mapping[str, Any]) -> TicketDraft:
    """The draft for ``data``, a mapping with the staff API's field names.

    Refuses keys it does not know (``unknown_field``) and values of the wrong kind
    (``invalid_type``); missing keys take the draft's defaults. Whether the values are
    allowed (choices, phone numbers, units, dates in range) is ``ticket_register``'s to say.
    """
    if not isinstance(data, Mapping):
        raise _invalid("", "登记内容应为对象")
    _known(data, DRAFT_KEYS)
    person = _object(data, "complainant", PERSON_KEYS)
    respondent = _object(data, "respondent", RESPONDENT_KEYS)
    return TicketDraft(
        type=_text(data, "type"),
        channel=_text(data, "channel"),
        subject=_text(data, "subject"),
        description=_text(data, "description"),
        demand=_text(data, "demand"),
        claimed_amount=_amount(data.get("claimed_amount")),
        upgraded_via=_text(data, "upgraded_via"),
        policy=_text(data, "policy"),
        received_at=_received_at(data.get("received_at")),
        complainant=Person(
            name=_text(person, "name", path="complainant."),
            phone=_text(person, "phone", path="complainant."),
            email=_text(person, "email", path="complainant."),
            id_number=_text(person, "id_number", path="complainant."),
            address=_text(person, "address", path="complainant."),
            anonymous=_flag(person, "anonymous", path="complainant."),
            customer_class=_text(person, "customer_class", path="complainant."),
        ),
        respondent=Respondent(
            name=_text(respondent, "name", path="respondent."),
            address=_text(respondent, "address", path="respondent."),
            licence=_text(respondent, "licence", path="respondent."),
        ),
        category=_text(data, "category"),
        severity=_text(data, "severity") or Severity.NORMAL,
        unit=_text(data, "unit"),
        region=_text(data, "region"),
        occurred_on=_occurred_on(data.get("occurred_on")),
        confidential=_flag(data, "confidential"),
        links=_links(data.get("links")),
        source=_text(data, "source"),
    )
