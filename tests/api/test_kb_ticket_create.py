"""``answer_script`` on ticket creation: the walked script closes the matter on the spot or
registers and dispatches it, exactly as the intake screen does (``register_with_script``)."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.tickets.models import Ticket, TicketEvent
from tests.api.kb_helpers import CLOSE_WORDING, interconnection_script

URL = "/api/v1/tickets/"
# the telecom pack lets the agent close in the first stage, and accept and dispatch
NEW = {
    "type": "complaint",
    "channel": "phone",
    "policy": "telecom",
    "subject": "拨打异网电话无法接通",
    "description": "拨打某异网手机号码一直提示无法接通,本网通话正常。",
    "complainant": {"name": "张三", "phone": "13812345678"},
}
CLOSE = {"1": True, "2": False, "3": False}
DISPATCH = {"1": True, "2": True, "3": False}


def _history(number: str) -> list[str]:
    return list(
        TicketEvent.objects.filter(ticket__number=number).order_by("seq").values_list("action", flat=True)
    )


def test_a_closing_walk_registers_and_closes_on_the_spot(users, api):
    script = interconnection_script()
    body = {**NEW, "answer_script": {"script": script.pk, "answers": CLOSE}}
    response = api(users["agent"]).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    got = response.json()
    assert (got["status"], got["category"], got["query_code"] != "") == ("closed", "service.quality", True)
    assert (got["answer_script"]["outcome"], got["answer_script"]["wording"]) == ("close", CLOSE_WORDING)
    assert _history(got["number"]) == ["register", "answer_script", "close"]
    walked = TicketEvent.objects.get(ticket__number=got["number"], action="answer_script")
    assert (walked.payload["answers"], walked.payload["label"]) == (CLOSE, "互联互通问题")
    closed = TicketEvent.objects.get(ticket__number=got["number"], action="close")
    assert (closed.payload["result"], closed.public) == (CLOSE_WORDING, True)  # the wording is the reply


def test_a_dispatching_walk_ends_dispatched_to_the_scripts_unit(users, api):
    script = interconnection_script(unit="JZ-DH-SJ")
    body = {
        **NEW,
        "category": "service.attitude",
        "answer_script": {"script": script.pk, "answers": DISPATCH},
    }
    response = api(users["agent"]).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    got = response.json()
    assert (got["stage"], got["unit"], got["status"]) == ("dispatched", "JZ-DH-SJ", "open")
    assert got["category"] == "service.attitude"  # the agent's choice stands over the script's
    walk = got["answer_script"]
    assert (walk["outcome"], walk["unit"], walk["promised"]["label"]) == ("dispatch", "JZ-DH-SJ", "2个工作日")
    assert walk["promised"]["due_at"]
    assert _history(got["number"]) == ["register", "answer_script", "accept", "dispatch"]
    walked = TicketEvent.objects.get(ticket__number=got["number"], action="answer_script")
    assert (walked.payload["promised"], walked.payload["unit"]) == ("2个工作日", "JZ-DH-SJ")


def test_plain_creation_is_unchanged_and_says_no_script(users, api):
    response = api(users["agent"]).post(URL, NEW, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["answer_script"], response.json()["status"]) == (None, "open")
    assert _history(response.json()["number"]) == ["register"]


@pytest.mark.parametrize(
    ("answer_script", "status", "code", "where"),
    [
        (
            {"answers": {"1": True, "2": False}},
            400,
            "answers_incomplete",
            ("field", "answer_script.answers.3"),
        ),
        ({"answers": {**CLOSE, "9": True}}, 400, "invalid_answers", ("field", "answer_script.answers")),
        ({"answers": CLOSE, "result": "x"}, 400, "unknown_field", ("fields", ["answer_script.result"])),
        ({"answers": CLOSE, "script": 999999}, 400, "unknown_script", ("field", "answer_script.script")),
        ({"answers": CLOSE, "script": "abc"}, 400, "invalid", None),
    ],
)
def test_a_bad_answer_script_is_a_400_problem_and_registers_nothing(
    users, api, answer_script, status, code, where
):
    script = interconnection_script()
    body = {**NEW, "answer_script": {"script": script.pk, **answer_script}}
    response = api(users["agent"]).post(URL, body, format="json")
    assert response.status_code == status, response.content[:500]
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code
    if where is not None:
        assert problem[where[0]] == where[1]
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_a_script_the_agent_may_not_use_registers_nothing(users, api):
    script = interconnection_script(packs=["tax-12366"])
    body = {**NEW, "answer_script": {"script": script.pk, "answers": CLOSE}}
    response = api(users["agent"]).post(URL, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "unknown_script")
    assert Ticket.objects.count() == 0
