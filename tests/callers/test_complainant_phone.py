"""The complainant's number at registration: checked, stored normalised, required by channel."""

from __future__ import annotations

import pytest

from hotline.core.errors import InvalidInput
from hotline.tickets.models import Ticket, TicketEvent
from hotline.workflow.drafts import Person
from tests.factories import register
from tests.portal.conftest import submit

BAD = ["123", "12", "1" * 30, "abc", "12345", "400-123-4567", "+1 650 253 0000"]


@pytest.mark.parametrize("typed", BAD)
def test_intake_refuses_what_is_not_a_phone_number_and_writes_nothing(users, typed):
    with pytest.raises(InvalidInput) as err:
        register(users["agent"], complainant__phone=typed)
    assert (err.value.code, err.value.extra) == ("invalid_phone", {"field": "complainant.phone"})
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("132 5555 0002", "+8613255550002"),
        ("+86 132-5555-0002", "+8613255550002"),
        ("(0755)1234 5678", "+8675512345678"),
        ("010-12345678转123", "+861012345678;ext=123"),
    ],
)
def test_intake_stores_the_normalised_number(users, typed, stored):
    assert register(users["agent"], complainant__phone=typed).complainant_phone == stored


# -- when a number may be left out ------------------------------------------------------


def _person(**fields):
    return Person(**{"name": "张三", "phone": "", "email": "", "address": "", **fields})


@pytest.mark.parametrize("channel", ["phone", "sms", "visit", "internal"])
def test_spoken_channels_need_a_number_unless_anonymous(users, channel):
    with pytest.raises(InvalidInput) as err:
        register(
            users["agent"], channel=channel, complainant=_person(email="a@example.com", address="某路1号")
        )
    assert (err.value.code, err.value.extra) == ("phone_required", {"field": "complainant.phone"})
    assert "匿名" in err.value.detail
    ticket = register(users["agent"], channel=channel, type="report", complainant=_person(anonymous=True))
    assert ticket.complainant_phone == "" and ticket.anonymous


@pytest.mark.parametrize("channel", ["letter", "email", "fax", "web", "transfer", "media"])
def test_written_channels_take_an_email_or_address_instead(users, channel):
    assert register(users["agent"], channel=channel, complainant=_person(email="a@example.com")).pk
    assert register(users["agent"], channel=channel, complainant=_person(address="江州市东湖路1号")).pk
    assert register(users["agent"], channel=channel, complainant=_person(anonymous=True)).pk
    with pytest.raises(InvalidInput) as err:
        register(users["agent"], channel=channel, complainant=_person(email=" ", address=""))
    assert err.value.code == "phone_required" and "电子邮箱" in err.value.detail
    assert Ticket.objects.count() == 3


def test_a_number_given_is_checked_even_where_it_may_be_left_out(users):
    with pytest.raises(InvalidInput) as err:
        register(users["agent"], channel="letter", complainant=_person(phone="123", anonymous=True))
    assert err.value.code == "invalid_phone"


# -- every door -------------------------------------------------------------------------


def _create(api, user, phone):
    body = {
        "type": "complaint",
        "channel": "phone",
        "subject": "电饭煲不加热",
        "description": "买了一周就坏了",
        "complainant": {"name": "张三", "phone": phone},
    }
    return api(user).post("/api/v1/tickets/", body, format="json")


@pytest.mark.parametrize("typed", ["123", "1" * 30])
def test_the_api_answers_a_problem_with_the_field(users, api, typed):
    response = _create(api, users["agent"], typed)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_phone", "complainant.phone")
    assert "手机号码" in body["detail"]
    assert not Ticket.objects.exists()


def test_the_api_refuses_an_empty_phone_by_phone(users, api):
    response = _create(api, users["agent"], "")
    assert response.status_code == 400 and response.json()["code"] == "phone_required"


def test_the_intake_screen_shows_the_message_next_to_the_phone(client, users):
    client.force_login(users["agent"])
    data = {
        "complainant.phone": "123",
        "type": "complaint",
        "severity": "normal",
        "subject": "电饭煲不加热",
        "description": "买了一周就坏了",
        "complainant.name": "张三",
        "channel": "phone",
        "unit": "JZ-C",
    }
    response = client.post("/intake/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-for="complainant.phone">电话号码格式不正确' in html
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("typed", ["12", "123"])
def test_the_portal_refuses_a_short_number(org, client, typed):
    response = submit(client, phone=typed)
    assert response.status_code == 200
    assert "电话号码格式不正确" in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_portal_stores_the_normalised_number(org, client):
    assert submit(client, phone="+86 138-1234-5678").status_code == 302
    assert Ticket.objects.get().complainant_phone == "+8613812345678"


# -- the API's phone filter -------------------------------------------------------------


def _numbers(response):
    assert response.status_code == 200, response.json()
    return [t["number"] for t in response.json()["results"]]


def test_the_api_filter_finds_a_number_typed_another_way(users, api):
    ticket = register(users["agent"], complainant__phone="139 0000 0001")
    register(users["agent"], complainant__phone="13900000002")
    client = api(users["coordinator"])
    for typed in ["13900000001", "+86 139-0000-0001", "8613900000001", "0086 139 0000 0001"]:
        assert _numbers(client.get("/api/v1/tickets/", {"phone": typed})) == [ticket.number]


def test_the_api_filter_refuses_what_is_not_a_number(users, api):
    response = api(users["coordinator"]).get("/api/v1/tickets/", {"phone": "abc"})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_phone", "phone")


def test_the_api_takes_a_fixed_line_with_its_extension_as_people_write_it(users, api):
    created = api(users["agent"]).post(
        "/api/v1/tickets/",
        {
            "type": "consultation",
            "channel": "phone",
            "subject": "咨询",
            "description": "内容",
            "complainant": {"name": "王五", "phone": "010-12345678转123"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    from hotline.tickets.models import Ticket

    assert Ticket.objects.get(number=created.json()["number"]).complainant_phone == "+861012345678;ext=123"
