"""Issue 16, defect 7: the requester of a blocklist entry never decides it (four eyes)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.callers.models import BlocklistStatus
from hotline.callers.services import blocklist_decide, blocklist_request, is_blocked
from hotline.core.errors import Forbidden


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_a_team_leader_cannot_decide_their_own_request(users, approve):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["teamlead"])

    with pytest.raises(Forbidden) as refused:
        blocklist_decide(entry=entry, approve=approve, actor=users["teamlead"])

    assert refused.value.code == "own_request"
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.REQUESTED and entry.decided_by is None
    assert list(entry.events.values_list("action", flat=True)) == ["request"]
    assert not is_blocked("13812345678")


def test_another_team_leader_or_an_administrator_decides_it(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["teamlead"])

    blocklist_decide(entry=entry, approve=True, actor=users["admin"])

    assert is_blocked("13812345678")


def test_the_admin_action_refuses_the_requester_too(users):
    admin = users["admin"]
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=admin)
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:callers_blocklistentry_changelist"),
        {"action": "approve", "_selected_action": [entry.pk]},
        follow=True,
    )

    assert "不能审批自己提交的申请" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.REQUESTED


def test_the_web_door_refuses_the_requester_with_a_readable_message(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["teamlead"])
    client = Client()
    client.force_login(users["teamlead"])

    response = client.post(reverse("web:blocklist_decide", args=[entry.pk, "approve"]))

    assert response.status_code == 403
    assert "不能审批自己提交的申请" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.REQUESTED
