"""Rows of the workbench's ticket lists: what a row reads and shows, and a page of them.

A page reads the columns its rows show as tuples into ``TicketRow``s (``row_tickets``),
not full model objects: building a Ticket with its unit, owner unit and handler was most of
a worklist's time (issue 17). ``RowRules`` works labels and the 可签收 check out once per
distinct key of a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.db.models import QuerySet

from hotline.core.types import AnyUser
from hotline.policies.registry import get_pack
from hotline.tickets.models import Severity, Status, Ticket, TicketType
from hotline.workflow.access import ticket_roles


def stage_label(ticket: Ticket | TicketRow) -> str:
    try:
        return get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label
    except Exception:  # a ticket of a pack no longer loaded still shows its code
        return ticket.stage


@dataclass
class Row:
    ticket: Ticket | TicketRow
    mark: str
    stage_label: str
    can_sign: bool = False
    note: str = ""


# What a row of a ticket list reads (web/work/_rows.html, ``_rule_allows``). A page reads
# these columns as tuples into ``TicketRow``s, not full model objects: building a Ticket
# with its unit, owner unit and handler was most of a worklist's time (issue 17).
ROW_COLUMNS: tuple[str, ...] = (
    "pk", "number", "version", "type", "severity", "supervised", "subject", "policy", "stage",
    "status", "channel", "due_at", "unit_id", "owner_unit_id", "handler_id",
    "unit__name", "unit__path", "owner_unit__path",
    "handler__username", "handler__first_name", "handler__last_name",
)  # fmt: skip
_TYPE_LABELS = dict(TicketType.choices)
_SEVERITY_LABELS = dict(Severity.choices)


@dataclass(slots=True)
class UnitRef:
    """The unit of a row: its name to show, its path for ``Unit.covers``."""

    pk: int
    name: str
    path: str


@dataclass(slots=True)
class PersonRef:
    """The handler of a row, as ``person_name`` names people."""

    pk: int
    username: str
    first_name: str
    last_name: str

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:
        return self.username


@dataclass(slots=True)
class TicketRow:
    """A ticket as a list row shows it: the columns of ``ROW_COLUMNS`` and the names of
    its unit and handler. Duck-types the parts of ``Ticket`` the rows and the role checks
    read (``ticket_roles``: ``unit``, ``owner_unit``, ``handler_id``)."""

    pk: int
    number: str
    version: int
    type: str
    severity: str
    supervised: bool
    subject: str
    policy: str
    stage: str
    status: str
    channel: str
    due_at: datetime | None
    unit_id: int
    owner_unit_id: int
    handler_id: int | None
    unit: UnitRef
    owner_unit: UnitRef
    handler: PersonRef | None

    def get_type_display(self) -> str:
        return str(_TYPE_LABELS.get(self.type, self.type))

    def get_severity_display(self) -> str:
        return str(_SEVERITY_LABELS.get(self.severity, self.severity))


def row_tickets(qs: QuerySet[Ticket], start: int, stop: int) -> list[TicketRow]:
    """``qs[start:stop]`` as rows: one query, three joins, the row's columns only."""
    units: dict[int, UnitRef] = {}
    rows: list[TicketRow] = []
    for values in qs.select_related(None).values_list(*ROW_COLUMNS)[start:stop]:
        (pk, number, version, type_, severity, supervised, subject, policy, stage, status, channel,
         due_at, unit_id, owner_id, handler_id, unit_name, unit_path, owner_path,
         username, first_name, last_name) = values  # fmt: skip
        unit = units.get(unit_id) or units.setdefault(unit_id, UnitRef(unit_id, unit_name, unit_path))
        owner = units.get(owner_id) or units.setdefault(owner_id, UnitRef(owner_id, "", owner_path))
        handler = PersonRef(handler_id, username, first_name, last_name) if handler_id else None
        rows.append(
            TicketRow(pk, number, version, type_, severity, supervised, subject, policy, stage, status,
                      channel, due_at, unit_id, owner_id, handler_id, unit, owner, handler)
        )  # fmt: skip
    return rows


class RowRules:
    """Stage labels and "may the user take this action" for a page of rows, each worked out
    once per distinct key instead of once per row (a page has a few stages and units)."""

    def __init__(self, user: AnyUser | None) -> None:
        self.user = user
        self._labels: dict[tuple[str, str, str], str] = {}
        self._allows: dict[tuple[Any, ...], bool] = {}

    def label(self, ticket: Ticket | TicketRow) -> str:
        key = (ticket.policy, ticket.type, ticket.stage)
        found = self._labels.get(key)
        if found is None:
            found = self._labels[key] = stage_label(ticket)
        return found

    def allows(self, ticket: Ticket | TicketRow, action: str) -> bool:
        if self.user is None:
            return False
        key = (
            action, ticket.status, ticket.policy, ticket.type, ticket.stage, ticket.severity,
            ticket.channel, ticket.unit_id, ticket.owner_unit_id, ticket.handler_id == self.user.pk,
        )  # fmt: skip
        found = self._allows.get(key)
        if found is None:
            found = self._allows[key] = _rule_allows(self.user, ticket, action)
        return found


def _rule_allows(user: AnyUser, ticket: Ticket | TicketRow, action: str) -> bool:
    """Whether the pack lets the user's roles on this ticket take ``action`` in its stage now.

    The same test as ``allowed_actions`` without its parameter-free guards, which the
    callers express in SQL (a pending extension request); no query per row.
    """
    if ticket.status != Status.OPEN:
        return False
    try:
        rule = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).actions.get(action)
    except Exception:
        return False
    return (
        rule is not None
        and rule.applies_to(severity=ticket.severity, channel=ticket.channel)
        and rule.allows(ticket_roles(user, cast(Ticket, ticket)))  # a row has what it reads
    )
