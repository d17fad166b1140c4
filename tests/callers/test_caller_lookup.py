"""caller_lookup: the caller's earlier tickets the user may see, and the blocklist state."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hotline.callers.services import LOOKUP_LIMIT, blocklist_decide, blocklist_request, caller_lookup
from tests.factories import register
from tests.helpers import act

PHONE = "13900001111"


def test_earlier_tickets_newest_first_without_confidential_reports(users):
    now = timezone.now()
    old = register(users["agent"], complainant__phone=PHONE, now=now - timedelta(days=3), subject="旧的")
    new = register(users["agent"], complainant__phone=PHONE, now=now - timedelta(days=1), subject="新的")
    register(users["agent"], complainant__phone=PHONE, type="report", subject="举报件")
    register(users["agent"], complainant__phone="13900002222")

    info = caller_lookup("139 0000 1111", users["agent"])

    assert [t.number for t in info.tickets] == [new.number, old.number]
    assert info.blocked is None and info.pending is None and not info.more
    assert [label for _, label in info.history] == ["待受理", "待受理"]


def test_only_tickets_the_user_may_see(users):
    ticket = register(users["agent"], complainant__phone=PHONE)
    assert caller_lookup(PHONE, users["head2"]).tickets == []  # another county's department
    act(ticket, "accept", users["agent"])
    act(ticket, "dispatch", users["agent"], unit="JZ-DH-SJ")
    assert [t.number for t in caller_lookup(PHONE, users["head"]).tickets] == [ticket.number]


def test_the_list_is_limited(users):
    for _ in range(LOOKUP_LIMIT + 1):
        register(users["agent"], complainant__phone=PHONE)
    info = caller_lookup(PHONE, users["agent"])
    assert len(info.tickets) == LOOKUP_LIMIT and info.more


def test_blocklist_state_pending_then_blocked(users):
    entry = blocklist_request(phone=PHONE, reason="骚扰", actor=users["agent"])
    assert caller_lookup(PHONE, users["agent"]).pending == entry
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    info = caller_lookup(PHONE, users["agent"])
    assert info.blocked == entry and info.pending is None


def test_a_partial_number_looks_nothing_up(users, django_assert_num_queries):
    with django_assert_num_queries(0):
        info = caller_lookup("139", users["agent"])
    assert not info.complete and info.tickets == []
