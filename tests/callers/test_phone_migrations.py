"""The data migrations that normalise stored numbers: tickets (0006) and blocklist rows."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.utils import timezone

from hotline.callers.models import BlocklistEntry, BlocklistStatus
from hotline.tickets.models import Ticket
from tests.factories import register

tickets_0006 = importlib.import_module("hotline.tickets.migrations.0006_normalise_phones")
callers_0002 = importlib.import_module("hotline.callers.migrations.0002_blocklist_phone_e164")
EDITOR = SimpleNamespace(connection=connection)

# as typed before numbers were checked → stored by 0006 → back by its reverse
TICKET_PHONES = [
    ("138 1234 5678", "+8613812345678", "13812345678"),
    ("+86-138-1234-5679", "+8613812345679", "13812345679"),
    ("0571-8888 1234", "+8657188881234", "057188881234"),
    ("010-12345678转123", "+861012345678;ext=123", "01012345678-123"),
    ("call me", "call me", "call me"),  # cannot be parsed: kept as it is
    ("12345", "12345", "12345"),
    ("123", "123", "123"),
    ("", "", ""),
]


def _phones(tickets):
    return [Ticket.objects.get(pk=t.pk).complainant_phone for t in tickets]


def test_0006_normalises_ticket_phones_in_batches_and_keeps_what_it_cannot_read(users, monkeypatch):
    monkeypatch.setattr(tickets_0006, "BATCH", 3)  # several batches
    tickets = [register(users["agent"]) for _ in TICKET_PHONES]
    for ticket, (raw, _, _) in zip(tickets, TICKET_PHONES, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(complainant_phone=raw)
    versions = list(Ticket.objects.order_by("pk").values_list("version", flat=True))

    tickets_0006.forwards(apps, EDITOR)
    assert _phones(tickets) == [stored for _, stored, _ in TICKET_PHONES]
    tickets_0006.forwards(apps, EDITOR)  # again: nothing changes
    assert _phones(tickets) == [stored for _, stored, _ in TICKET_PHONES]

    tickets_0006.backwards(apps, EDITOR)
    assert _phones(tickets) == [national for _, _, national in TICKET_PHONES]
    tickets_0006.forwards(apps, EDITOR)
    assert _phones(tickets) == [stored for _, stored, _ in TICKET_PHONES]
    # a data fix, not an event in the tickets' lives
    assert list(Ticket.objects.order_by("pk").values_list("version", flat=True)) == versions


def _entry(users, phone, status):
    return BlocklistEntry.objects.create(
        phone=phone, status=status, reason="骚扰", requested_by=users["agent"], requested_at=timezone.now()
    )


def test_blocklist_rows_become_lines_and_a_duplicate_keeps_its_old_value(users):
    first = _entry(users, "13812345678", BlocklistStatus.ACTIVE)
    same_line = _entry(users, "8613812345678", BlocklistStatus.ACTIVE)  # the old code's blind spot
    request = _entry(users, "057188881234", BlocklistStatus.REQUESTED)
    revoked = _entry(users, "13812345678", BlocklistStatus.REVOKED)
    unreadable = _entry(users, "12345", BlocklistStatus.REJECTED)

    callers_0002.forwards(apps, EDITOR)

    def phones():
        return [
            BlocklistEntry.objects.get(pk=e.pk).phone
            for e in (first, same_line, request, revoked, unreadable)
        ]

    assert phones() == ["+8613812345678", "8613812345678", "+8657188881234", "+8613812345678", "12345"]
    callers_0002.backwards(apps, EDITOR)
    assert phones() == ["13812345678", "8613812345678", "057188881234", "13812345678", "12345"]
