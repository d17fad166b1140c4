"""The one builder from a plain mapping to a draft (``workflow.drafts.draft_from_data``), and
the doors that use it: what goes in comes out, and bad shapes are refused with a code."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from hotline.core.errors import InvalidInput
from hotline.portal.services import PublicSubmission
from hotline.web.forms_ticket import intake_draft
from hotline.workflow.drafts import Person, Respondent, TicketDraft, draft_from_data


def _error(data: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        draft_from_data(data)
    return caught.value


def test_every_field_of_the_staff_api_shape_reaches_the_draft():
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.get_current_timezone())
    draft = draft_from_data(
        {
            "type": "complaint",
            "channel": "phone",
            "subject": "电饭煲无法加热",
            "description": "使用一周后无法加热",
            "demand": "退货",
            "policy": "enterprise",
            "received_at": received,
            "occurred_on": date(2026, 10, 30),
            "complainant": {
                "name": "张三",
                "phone": "13812345678",
                "email": "z@example.com",
                "id_number": "110101199001011234",
                "address": "东湖路1号",
                "anonymous": False,
                "customer_class": "VIP",
            },
            "respondent": {"name": "某电器店", "address": "西山路2号", "licence": "L-1"},
            "category": "goods",
            "severity": "major",
            "unit": "JZ-CENTRE",
            "region": "东湖区",
            "confidential": True,
            "links": [{"kind": "related", "number": "2026110100001"}],
            "source": "<m1@mail.example>",
        }
    )
    assert draft == TicketDraft(
        type="complaint",
        channel="phone",
        subject="电饭煲无法加热",
        description="使用一周后无法加热",
        demand="退货",
        policy="enterprise",
        received_at=received,
        occurred_on=date(2026, 10, 30),
        complainant=Person(
            name="张三",
            phone="13812345678",
            email="z@example.com",
            id_number="110101199001011234",
            address="东湖路1号",
            anonymous=False,
            customer_class="VIP",
        ),
        respondent=Respondent(name="某电器店", address="西山路2号", licence="L-1"),
        category="goods",
        severity="major",
        unit="JZ-CENTRE",
        region="东湖区",
        confidential=True,
        links=(("related", "2026110100001"),),
        source="<m1@mail.example>",
    )


def test_missing_and_null_keys_take_the_drafts_defaults():
    draft = draft_from_data({"type": "consultation", "channel": "web", "subject": "s", "description": "d"})
    assert draft == TicketDraft(type="consultation", channel="web", subject="s", description="d")
    nulls = draft_from_data(
        {"type": "complaint", "complainant": None, "respondent": None, "links": None, "severity": None}
    )
    assert nulls.complainant == Person() and nulls.respondent == Respondent()
    assert nulls.links == () and nulls.severity == "normal"


def test_dates_may_come_as_iso_text():
    draft = draft_from_data({"received_at": "2026-11-02T09:30:00+08:00", "occurred_on": "2026-10-30"})
    assert draft.received_at == datetime.fromisoformat("2026-11-02T09:30:00+08:00")
    assert draft.occurred_on == date(2026, 10, 30)


def test_the_same_link_twice_is_one_link_and_pairs_are_accepted():
    draft = draft_from_data(
        {
            "links": [
                {"kind": "related", "number": "1"},
                ("related", "1"),
                {"kind": "duplicate", "number": "1"},
            ]
        }
    )
    assert draft.links == (("related", "1"), ("duplicate", "1"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": 12}, "subject"),
        ({"complainant": {"phone": 13812345678}}, "complainant.phone"),
        ({"respondent": {"name": ["某店"]}}, "respondent.name"),
        ({"complainant": {"anonymous": "false"}}, "complainant.anonymous"),  # not read as true
        ({"confidential": "no"}, "confidential"),
        ({"confidential": 1}, "confidential"),
        ({"complainant": "张三"}, "complainant"),
        ({"respondent": ["某店"]}, "respondent"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": 1700000000}, "received_at"),
        ({"occurred_on": "2026-13-01"}, "occurred_on"),
        ({"occurred_on": datetime(2026, 1, 1, 8, 0)}, "occurred_on"),  # a time is not a date
        ({"links": "2026110100001"}, "links"),
        ({"links": [{"kind": "related", "number": 2026110100001}]}, "links[0]"),
        ({"links": [{"kind": "related"}]}, "links[0]"),
        ({"links": [{"kind": "related", "number": "1"}, "1"]}, "links[1]"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_with_its_field(data, field):
    error = _error(data)
    assert error.code == "invalid_type"
    assert error.extra["field"] == field


def test_something_that_is_not_a_mapping_is_refused():
    assert _error(["complaint"]).code == "invalid_type"


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"complaint": "typo", "subjcet": "typo"}, ["complaint", "subjcet"]),
        ({"complainant": {"mobile": "138"}}, ["complainant.mobile"]),
        ({"respondent": {"licence_no": "L"}}, ["respondent.licence_no"]),
        ({"links": [{"kind": "related", "number": "1", "note": "x"}]}, ["links[0].note"]),
    ],
)
def test_a_key_no_field_takes_is_refused_not_dropped(data, fields):
    error = _error(data)
    assert error.code == "unknown_field"
    assert error.extra["fields"] == fields and error.extra["field"] == fields[0]


# The doors: each maps its own shape to the mapping and calls the builder.


def test_the_intake_forms_dotted_names_are_nested():
    draft = intake_draft(
        {
            "type": "complaint",
            "channel": "phone",
            "subject": "s",
            "description": "d",
            "result": "当场答复的内容不进草稿",
            "complainant.phone": "13812345678",
            "complainant.anonymous": False,
            "respondent.name": "某店",
            "confidential": False,
            "received_at": None,
            "occurred_on": None,
        }
    )
    assert draft.complainant == Person(phone="13812345678")
    assert draft.respondent == Respondent(name="某店")


def test_a_public_submission_comes_from_the_web_and_an_anonymous_one_keeps_no_identity():
    named = draft_from_data(
        PublicSubmission(
            type="complaint", subject="s", description="d", name="李四", phone="139"
        ).draft_data()
    )
    assert named.channel == "web" and named.complainant == Person(name="李四", phone="139")
    anonymous = draft_from_data(
        PublicSubmission(
            type="report", subject="s", description="d", name="李四", phone="139", anonymous=True
        ).draft_data()
    )
    assert anonymous.complainant == Person(anonymous=True)
