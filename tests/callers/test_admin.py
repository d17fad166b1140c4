"""The blocklist in the admin: Chinese, read-only, decisions through the services."""

from __future__ import annotations

import pytest

from hotline.callers.models import BlocklistStatus
from hotline.callers.services import blocklist_request


@pytest.fixture
def admin_client(client, users):
    client.force_login(users["admin"])
    return client


def test_the_list_and_an_entry_render_in_chinese(admin_client, users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    html = admin_client.get("/admin/callers/blocklistentry/").content.decode()
    assert "黑名单" in html and "13812345678" in html and "待审批" in html
    assert admin_client.get(f"/admin/callers/blocklistentry/{entry.pk}/change/").status_code == 200
    assert admin_client.get("/admin/callers/blocklistentry/add/").status_code == 403


def test_approve_action_goes_through_the_service_and_is_logged(admin_client, users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    admin_client.post("/admin/callers/blocklistentry/", {"action": "approve", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.ACTIVE and entry.decided_by == users["admin"]
    assert entry.events.filter(action="approve", actor=users["admin"]).exists()
