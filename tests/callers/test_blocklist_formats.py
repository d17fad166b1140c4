"""Issue 16.6: the blocklist is not dodged by typing the number another way."""

from __future__ import annotations

import pytest

from hotline.callers.services import (
    blocklist_decide,
    blocklist_request,
    caller_lookup,
    ensure_not_blocked,
    is_blocked,
)
from hotline.core.errors import Forbidden, InvalidInput
from hotline.tickets.models import Ticket
from tests.factories import register
from tests.portal.conftest import submit

DODGES = [
    "13255550002",
    "8613255550002",
    "86 132 5555 0002",
    "+86 132-5555-0002",
    "+0086 132 5555 0002",
    "0086-132-5555-0002",
    "１３２５５５５０００２",
    " 132 5555 0002 ",
]
WITH_EXTENSION = ["13255550002转1", "132 5555 0002-1", "13255550002 ext 9", "+8613255550002#8"]


@pytest.fixture
def blocked(users):
    entry = blocklist_request(phone="13255550002", reason="恶意骚扰", actor=users["agent"])
    return blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])


@pytest.mark.parametrize("typed", DODGES + WITH_EXTENSION)
def test_an_entry_for_a_mobile_matches_it_in_every_format(blocked, typed):
    assert is_blocked(typed)
    with pytest.raises(Forbidden):
        ensure_not_blocked(typed)


@pytest.mark.parametrize("typed", DODGES)
def test_registration_refuses_every_format_and_writes_nothing(blocked, users, typed):
    with pytest.raises(Forbidden) as err:
        register(users["agent"], complainant__phone=typed)
    assert err.value.code == "caller_blocked"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("typed", WITH_EXTENSION)
def test_a_mobile_with_an_extension_is_not_registered_either(blocked, users, typed):
    with pytest.raises(InvalidInput) as err:  # a mobile has no extension: refused before the check
        register(users["agent"], complainant__phone=typed)
    assert err.value.code == "invalid_phone"
    assert not Ticket.objects.exists()


def test_a_fixed_line_entry_blocks_every_extension(users):
    entry = blocklist_request(phone="(010)1234 5678", reason="恶意骚扰", actor=users["agent"])
    blocklist_decide(entry=entry, approve=True, actor=users["teamlead"])
    for typed in [
        "010-12345678",
        "+86 10 1234 5678",
        "010-12345678-123",
        "010-12345678转8",
        "0086 10 12345678#1",
    ]:
        assert is_blocked(typed), typed
        with pytest.raises(Forbidden):
            register(users["agent"], complainant__phone=typed)
    assert not Ticket.objects.exists()


def test_other_numbers_pass(blocked, users):
    assert not is_blocked("13255550003") and not is_blocked("010-13255550")
    assert not is_blocked("") and not is_blocked("not a number")
    register(users["agent"], complainant__phone="132 5555 0003")


def test_the_caller_panel_shows_the_block_for_any_format(blocked, users):
    for typed in DODGES:
        assert caller_lookup(typed, users["agent"]).blocked == blocked


@pytest.mark.parametrize("typed", ["8613255550002", "+0086 132 5555 0002", "86 132 5555 0002"])
def test_the_portal_refuses_every_format(blocked, client, typed):
    response = submit(client, phone=typed)
    assert response.status_code == 200
    assert "黑名单" in response.content.decode()
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("typed", ["8613255550002", "+0086 132 5555 0002", "86 132 5555 0002"])
def test_the_api_refuses_every_format(blocked, users, api, typed):
    body = {
        "type": "complaint",
        "channel": "phone",
        "subject": "s",
        "description": "d",
        "complainant": {"name": "张三", "phone": typed},
    }
    response = api(users["agent"]).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 403 and response.json()["code"] == "caller_blocked"
    assert not Ticket.objects.exists()
