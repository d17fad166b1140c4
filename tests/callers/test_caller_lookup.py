"""caller_lookup: the caller's earlier tickets the user may see, and the blocklist state."""

from __future__ import annotations

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hotline.callers.services import (
    HISTORY_READ,
    LOOKUP_LIMIT,
    blocklist_decide,
    blocklist_request,
    caller_lookup,
)
from hotline.workflow.access import tickets_visible_to
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


def test_a_ticket_typed_with_spaces_is_found_by_any_format(users):
    ticket = register(users["agent"], complainant__phone="139 0000 1111")
    assert ticket.complainant_phone == "+8613900001111"  # stored normalised
    for typed in ["13900001111", "+86 139-0000-1111", "8613900001111", "0086 139 0000 1111"]:
        info = caller_lookup(typed, users["agent"])
        assert info.phone == "+8613900001111" and [t.number for t in info.tickets] == [ticket.number]


def test_one_lookup_on_the_normalised_number(users):
    register(users["agent"], complainant__phone=PHONE)
    with CaptureQueriesContext(connection) as queries:
        caller_lookup("+86 139 0000 1111", users["agent"])
    phone_queries = [q["sql"] for q in queries if "complainant_phone" in q["sql"]]
    assert len(phone_queries) == 1
    # no "try both": one equality on the stored form
    assert re.findall(r'"complainant_phone" (\S+)', phone_queries[0]) == ["="]
    assert "+8613900001111" in phone_queries[0]


def test_an_extension_is_part_of_the_callers_number(users):
    ticket = register(users["agent"], complainant__phone="010-12345678转123")
    assert ticket.complainant_phone == "+861012345678;ext=123"
    assert [t.number for t in caller_lookup("010 1234 5678 分机 123", users["agent"]).tickets] == [
        ticket.number
    ]
    # the switchboard's number alone is not this caller
    assert caller_lookup("010-12345678", users["agent"]).tickets == []


def test_an_invalid_number_looks_nothing_up(users, django_assert_num_queries):
    register(users["agent"], complainant__phone=PHONE)
    for typed in ["12345", "1390000111", "139000011112", "abc"]:
        with django_assert_num_queries(0):
            info = caller_lookup(typed, users["agent"])
        assert not info.complete and info.tickets == [] and info.phone == ""


def test_the_scope_checked_in_hand_gives_what_the_scoped_query_gives(users):
    """The number's newest tickets are read for everyone and checked against the scope in
    hand; a user who may see only older ones (past the first read) still gets them."""
    now = timezone.now()
    seen_by_head = act(
        act(
            register(users["agent"], complainant__phone=PHONE, now=now - timedelta(days=30)),
            "accept",
            users["agent"],
        ),
        "dispatch",
        users["agent"],
        unit="JZ-DH-SJ",
    )
    for i in range(HISTORY_READ):  # newer ones the head may not see
        register(users["agent"], complainant__phone=PHONE, now=now - timedelta(hours=i + 1))
    for role in ("agent", "coordinator", "head", "head2", "handler"):
        user = users[role]
        expected = list(
            tickets_visible_to(user)
            .filter(complainant_phone="+86" + PHONE, confidential=False)
            .order_by("-received_at")
            .values_list("number", flat=True)
        )
        info = caller_lookup(PHONE, user)
        assert [t.number for t in info.tickets] == expected[:LOOKUP_LIMIT], role
        assert info.more == (len(expected) > LOOKUP_LIMIT), role
    assert [t.number for t in caller_lookup(PHONE, users["head"]).tickets] == [seen_by_head.number]
