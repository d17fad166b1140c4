"""Taken messages in the admin: read-only, and a confidential reporter's number masked."""

from __future__ import annotations

import pytest

from hotline.notify.delivery import deliver_due
from hotline.smsin.models import InboundSms, Outcome
from tests.factories import PersonFactory, register
from tests.smsin.conftest import PHONE, ok, post, sms


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])  # the demo organisation's administrator
    return client


def _pages(admin_client, row):
    listing = admin_client.get("/admin/smsin/inboundsms/")
    detail = admin_client.get(f"/admin/smsin/inboundsms/{row.pk}/change/")
    assert listing.status_code == detail.status_code == 200
    return listing.content.decode(), detail.content.decode()


def test_a_message_is_listed_with_its_number_and_outcome(admin_client, provider, org):
    ok(post(provider, [sms("路灯坏了")]))
    row = InboundSms.objects.get()
    listing, detail = _pages(admin_client, row)
    for page in (listing, detail):
        assert "139 1234 5678" in page and "路灯坏了" in page and "已登记为工单" in page


def test_a_confidential_reporters_number_is_masked_on_every_row(admin_client, provider, users, gateway):
    # Given a confidential report of this number, its receipt texted to it
    report = register(users["agent"], type="report", complainant=PersonFactory(phone=PHONE))
    deliver_due()
    # When the reporter replies (correspondence on the report) and then unsubscribes
    ok(post(provider, [sms("补充一点线索")]))
    ok(post(provider, [sms("TD")]))
    rows = list(InboundSms.objects.order_by("pk"))
    assert [r.outcome for r in rows] == [Outcome.CORRESPONDENCE, Outcome.UNSUBSCRIBE]
    assert rows[0].ticket == report and rows[1].ticket is None

    for row in rows:
        for page in _pages(admin_client, row):
            assert "139****5678" in page
            assert PHONE not in page and "139 1234 5678" not in page and "+8613912345678" not in page


def test_the_admin_cannot_add_change_or_delete(admin_client, provider, org):
    ok(post(provider, [sms("路灯坏了")]))
    row = InboundSms.objects.get()
    assert admin_client.get("/admin/smsin/inboundsms/add/").status_code == 403
    assert admin_client.post(f"/admin/smsin/inboundsms/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    answer = admin_client.post(f"/admin/smsin/inboundsms/{row.pk}/change/", {"content": "改过的"})
    assert answer.status_code == 403
    row.refresh_from_db()
    assert row.content == "路灯坏了"
