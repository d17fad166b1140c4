"""Issue 16, defect 10: nobody can lock the rightful holder out of tracking, and guessing a
query code stays infeasible (each address's wrong codes are limited, before any comparison)."""

from __future__ import annotations

import pytest

from hotline.core.errors import NotFound, TooManyRequests
from hotline.portal.selectors import (
    CODE_FAILURES_PER_CLIENT,
    CODE_FAILURES_PER_NUMBER,
    CODE_FAILURES_PER_NUMBER_AND_CLIENT,
    public_ticket,
)
from tests.factories import register


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_wrong_codes_from_many_addresses_do_not_lock_out_the_right_code(org, client):
    ticket = register(org.users["agent"])
    for i in range(CODE_FAILURES_PER_NUMBER + 5):
        response = client.post(
            "/public/track/",
            {"number": ticket.number, "code": _wrong(ticket.query_code)},
            REMOTE_ADDR=f"10.1.0.{i}",
        )
        assert response.status_code == 200 and response.context["progress"] is None

    page = client.post(
        "/public/track/", {"number": ticket.number, "code": ticket.query_code}, REMOTE_ADDR="10.2.0.1"
    )
    assert page.status_code == 200 and page.context["progress"].number == ticket.number
    api = client.get(
        f"/api/v1/public/submissions/{ticket.number}/", {"code": ticket.query_code}, REMOTE_ADDR="10.2.0.2"
    )
    assert api.status_code == 200 and api.json()["number"] == ticket.number


def test_one_address_gets_a_few_wrong_codes_per_number_then_no_comparison_at_all(org):
    ticket = register(org.users["agent"])
    for _ in range(CODE_FAILURES_PER_NUMBER_AND_CLIENT):
        with pytest.raises(NotFound):
            public_ticket(ticket.number, _wrong(ticket.query_code), client="10.3.0.1")

    # now even the right code from this address is refused: a guesser learns nothing more
    with pytest.raises(TooManyRequests) as refused:
        public_ticket(ticket.number, ticket.query_code, client="10.3.0.1")
    assert refused.value.code == "too_many_code_failures"
    # ... while the holder, elsewhere, is not affected
    assert public_ticket(ticket.number, ticket.query_code, client="10.3.0.2") == ticket


def test_one_address_gets_a_limited_number_of_wrong_codes_over_all_numbers(org):
    for i in range(CODE_FAILURES_PER_CLIENT):
        with pytest.raises(NotFound):
            public_ticket(f"2099010100{i:04d}", "123456", client="10.4.0.1")
    ticket = register(org.users["agent"])
    with pytest.raises(TooManyRequests):
        public_ticket(ticket.number, ticket.query_code, client="10.4.0.1")


def test_an_ipv6_guesser_cannot_rotate_addresses_inside_one_64(org):
    ticket = register(org.users["agent"])
    for i in range(CODE_FAILURES_PER_NUMBER_AND_CLIENT):
        with pytest.raises(NotFound):
            public_ticket(ticket.number, _wrong(ticket.query_code), client=f"2001:db8:1:2::{i + 1:x}")
    with pytest.raises(TooManyRequests):
        public_ticket(ticket.number, ticket.query_code, client="2001:db8:1:2:ffff::9")
    assert public_ticket(ticket.number, ticket.query_code, client="2001:db8:1:3::1") == ticket


def test_the_right_code_does_not_use_up_the_budget(org):
    ticket = register(org.users["agent"])
    for _ in range(CODE_FAILURES_PER_NUMBER_AND_CLIENT * 3):
        assert public_ticket(ticket.number, ticket.query_code, client="10.5.0.1") == ticket
