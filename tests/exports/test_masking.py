"""Identity in exports is what the viewer sees on screen (``identity_for``, ADR 0006): in full
where the ticket page shows it, masked for everyone on a confidential ticket — also right
after that viewer unmasked it: an export never unmasks."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.exports.sources import get_source
from hotline.web.views.ticket_page import shown_identity
from hotline.workflow.identity import identity_for
from hotline.workflow.services import ticket_unmask
from tests.factories import PersonFactory, register

pytestmark = pytest.mark.django_db


def _rows_by_number(user, source="tickets", params=None):
    listing = get_source(source).listing(user, params or {}, now=timezone.now())
    name_at, phone_at = listing.headers.index("诉求人"), listing.headers.index("联系电话")
    return {row[0]: (row[name_at], row[phone_at]) for row in listing.rows()}


@pytest.fixture
def pair(users):
    plain = register(users["agent"], complainant=PersonFactory(name="王小明", phone="13812345678"))
    report = register(
        users["agent"],
        type="report",
        confidential=True,
        subject="举报餐馆使用地沟油",
        complainant=PersonFactory(name="李四维", phone="13912345678"),
    )
    return plain, report


@pytest.mark.parametrize("role", ["agent", "coordinator"])
@pytest.mark.parametrize("source", ["tickets", "worklist"])
def test_each_row_shows_the_identity_as_the_ticket_page_shows_it(users, client, pair, role, source):
    user = users[role]
    rows = _rows_by_number(user, source, {"tab": "unit"} if source == "worklist" else None)
    client.force_login(user)
    for ticket in pair:
        shown = shown_identity(identity_for(ticket, user))
        assert rows[ticket.number] == (shown["name"], shown["phone"])
        page = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()
        assert shown["name"] in page and shown["phone"] in page
    plain, report = pair
    assert rows[plain.number] == ("王小明", "138 1234 5678")
    assert rows[report.number] == ("李**", "139****5678")


def test_a_confidential_ticket_stays_masked_for_everyone_who_exports_it(users, pair):
    _plain, report = pair
    for role in ("agent", "coordinator", "leader", "teamlead", "admin"):
        rows = _rows_by_number(users[role])
        assert rows[report.number] == ("李**", "139****5678"), role


def test_an_export_never_unmasks_even_right_after_the_viewer_unmasked(users, pair):
    _plain, report = pair
    coordinator = users["coordinator"]
    result = ticket_unmask(ticket=report, actor=coordinator, reason="核实举报线索")
    assert identity_for(report, coordinator, unmask=result).name == "李四维"  # the unmask itself shows it
    assert _rows_by_number(coordinator)[report.number] == ("李**", "139****5678")


def test_no_cell_of_a_confidential_row_holds_the_identity(users, pair):
    _plain, report = pair
    listing = get_source("tickets").listing(users["coordinator"], {}, now=timezone.now())
    row = next(r for r in listing.rows() if r[0] == report.number)
    text = " ".join(str(c) for c in row)
    assert "李四维" not in text and "13912345678" not in text and "139 1234 5678" not in text
