"""The public submission takes the staff API's nested ``complainant`` (and ``respondent``) too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from hotline.tickets.models import Ticket

URL = "/api/v1/public/submissions/"
BASE = {"type": "complaint", "subject": "超市出售过期酸奶", "description": "酸奶已过期两天。"}
PERSON = {
    "name": "李四",
    "phone": "13900001111",
    "email": "lisi@example.com",
    "id_number": "110101199003074514",
    "address": "江州市东湖区东湖路1号",
}


def _post(body: dict) -> tuple[int, dict, Ticket | None]:
    response = APIClient().post(URL, body, format="json")
    ticket = Ticket.objects.filter(number=response.json().get("number", "-")).first()
    return response.status_code, response.json(), ticket


def test_the_nested_complainant_of_the_staff_api_is_accepted(org):
    status, body, ticket = _post({**BASE, "complainant": PERSON, "respondent": {"name": "东湖路超市"}})

    assert status == 201, body
    assert ticket is not None and not ticket.anonymous
    stored = (ticket.complainant_name, ticket.complainant_email, ticket.complainant_id_number)
    assert stored == ("李四", "lisi@example.com", "110101199003074514")
    assert ticket.complainant_address == "江州市东湖区东湖路1号"
    assert ticket.complainant_phone.endswith("13900001111")
    assert ticket.respondent_name == "东湖路超市"


def test_a_nested_anonymous_report_stores_no_identity(org):
    status, body, ticket = _post(
        {**BASE, "type": "report", "complainant": {"anonymous": True, "name": "王五"}}
    )

    assert status == 201, body
    assert ticket is not None and ticket.anonymous and ticket.complainant_name == ""


def test_the_flat_form_still_works(org):
    flat = {**BASE, "name": "李四", "phone": "13900001111", "respondent_name": "东湖路超市"}
    status, body, ticket = _post(flat)

    assert status == 201, body
    assert ticket is not None and (ticket.complainant_name, ticket.respondent_name) == ("李四", "东湖路超市")


def test_flat_and_nested_may_both_be_sent_when_they_agree(org):
    status, body, ticket = _post(
        {**BASE, "phone": "139 0000 1111", "complainant": {"name": "李四", "phone": "13900001111"}}
    )

    assert status == 201, body
    assert ticket is not None and ticket.complainant_name == "李四"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"phone": "13700002222", "complainant": {"phone": "13900001111"}}, "phone"),
        ({"anonymous": True, "complainant": {"anonymous": False, "phone": "13900001111"}}, "anonymous"),
        (
            {"respondent_name": "西湖路超市", "respondent": {"name": "东湖路超市"}, "phone": "13900001111"},
            "respondent_name",
        ),
    ],
    ids=["phone", "anonymous", "respondent"],
)
def test_flat_and_nested_that_disagree_are_a_clear_400(org, extra, field):
    status, body, _ = _post({**BASE, **extra})

    assert status == 400
    assert (body["code"], body["field"]) == ("conflicting_fields", field)
    assert "不一致" in body["detail"]
    assert Ticket.objects.count() == 0


def test_a_named_submission_without_contact_is_refused_with_its_code(org):
    status, body, _ = _post({**BASE, "complainant": {"name": "李四"}})

    assert (status, body["code"]) == (400, "contact_required")
    assert Ticket.objects.count() == 0


def test_the_date_the_matter_happened_is_taken(org):
    day = timezone.localdate() - timedelta(days=3)
    status, body, ticket = _post({**BASE, "complainant": PERSON, "occurred_on": day.isoformat()})

    assert status == 201, body
    assert ticket is not None and ticket.occurred_on == day


@pytest.mark.parametrize(
    ("day", "code"),
    [(timedelta(days=1), "occurred_in_future"), (-timedelta(days=365 * 200), "occurred_out_of_range")],
    ids=["tomorrow", "two-centuries-ago"],
)
def test_an_impossible_date_is_refused(org, day, code):
    when = timezone.localdate() + day
    status, body, _ = _post({**BASE, "complainant": PERSON, "occurred_on": when.isoformat()})

    assert (status, body["code"], body["field"]) == (400, code, "occurred_on")
    assert Ticket.objects.count() == 0
