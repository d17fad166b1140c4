"""The blocklist: an agent requests, a team leader decides; every step is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hotline.callers.models import BlocklistEntry, BlocklistEvent, BlocklistStatus
from hotline.callers.services import (
    blocklist_decide,
    blocklist_request,
    blocklist_revoke,
    ensure_not_blocked,
    is_blocked,
)
from hotline.core.errors import Conflict, Forbidden, InvalidInput


def test_an_entry_stores_the_line_in_e164_whatever_was_typed(users):
    assert blocklist_request(phone="+86 138-1234 5678", reason="骚扰", actor=users["agent"]).phone == (
        "+8613812345678"
    )
    assert blocklist_request(phone="0571-8888 1234", reason="骚扰", actor=users["agent"]).phone == (
        "+8657188881234"
    )
    # the line, not the extension: a call shows the line only
    assert blocklist_request(phone="010-12345678转123", reason="骚扰", actor=users["agent"]).phone == (
        "+861012345678"
    )


def test_a_request_is_not_in_force_until_a_team_leader_approves(users):
    entry = blocklist_request(phone="138 1234 5678", reason="反复骚扰坐席", actor=users["agent"])
    assert entry.status == BlocklistStatus.REQUESTED and entry.phone == "+8613812345678"
    assert not is_blocked("13812345678")

    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"], note="同意")

    assert is_blocked("+86 13812345678")
    entry.refresh_from_db()
    assert entry.decided_by == users["teamlead"] and entry.decided_at is not None
    assert list(entry.events.values_list("action", "actor__username")) == [
        ("request", "agent"),
        ("approve", "teamlead"),
    ]


def test_an_agent_cannot_decide_and_nothing_changes(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    with pytest.raises(Forbidden):
        blocklist_decide(entry=entry, approve=True, actor=users["agent"])
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.REQUESTED and entry.events.count() == 1


def test_a_handler_cannot_request(users):
    with pytest.raises(Forbidden):
        blocklist_request(phone="13812345678", reason="骚扰", actor=users["handler"])
    assert not BlocklistEntry.objects.exists()


def test_a_rejected_request_blocks_nothing(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=False, actor=users["admin"], note="理由不足")
    assert not is_blocked("13812345678")
    with pytest.raises(Conflict):  # decided once only
        blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])


def test_one_pending_request_and_one_active_entry_per_number(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    with pytest.raises(Conflict) as pending:
        blocklist_request(phone="+8613812345678", reason="再次申请", actor=users["coordinator"])
    assert pending.value.code == "blocklist_request_pending"
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    with pytest.raises(Conflict) as active:
        blocklist_request(phone="13812345678", reason="再次申请", actor=users["agent"])
    assert active.value.code == "blocklist_already_active"


def test_revoke_lifts_the_block_and_is_logged(users):
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    blocklist_revoke(entry=entry, actor=users["teamlead"], note="已核实为误报")
    assert not is_blocked("13812345678")
    assert BlocklistEvent.objects.filter(entry=entry, action="revoke", note="已核实为误报").exists()


def test_an_expired_entry_no_longer_blocks_and_gives_way_to_a_new_one(users):
    soon = timezone.now() + timedelta(hours=1)
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"], expires_at=soon)
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    assert is_blocked("13812345678")
    later = soon + timedelta(minutes=1)
    assert not is_blocked("13812345678", at=later)

    BlocklistEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    again = blocklist_request(phone="13812345678", reason="又来骚扰", actor=users["agent"])
    blocklist_decide(entry=again, approve=True, actor=users["teamlead"])
    entry.refresh_from_db()
    assert entry.status == BlocklistStatus.REVOKED and is_blocked("13812345678")


def test_ensure_not_blocked_refuses_in_chinese(users):
    ensure_not_blocked("13812345678")  # nothing on the list: no error
    entry = blocklist_request(phone="13812345678", reason="骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    with pytest.raises(Forbidden) as err:
        ensure_not_blocked("138-1234-5678")
    assert err.value.code == "caller_blocked" and "黑名单" in err.value.detail
    ensure_not_blocked("")  # an anonymous letter has no number


def test_a_request_needs_a_valid_number_and_a_reason(users):
    for phone, code in [("12", "invalid_phone"), ("12345", "invalid_phone"), ("", "phone_required")]:
        with pytest.raises(InvalidInput) as err:
            blocklist_request(phone=phone, reason="骚扰", actor=users["agent"])
        assert (err.value.code, err.value.extra["field"]) == (code, "phone")
    with pytest.raises(InvalidInput):
        blocklist_request(phone="13812345678", reason=" ", actor=users["agent"])
    assert not BlocklistEntry.objects.exists()
