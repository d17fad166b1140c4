"""Response scripts and service phrases over the API: read, suggest, walk."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.knowledge.models import Phrase
from hotline.tickets.models import Ticket, TicketEvent
from tests.api.kb_helpers import CLOSE_WORDING, DISPATCH_WORDING, interconnection_script

URL = "/api/v1/kb/scripts/"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _walk(client: Any, pk: int, answers: Any) -> Any:
    return client.post(f"{URL}{pk}/walk/", {"answers": answers}, format="json")


def test_scripts_list_and_detail_show_questions_outcomes_and_faq(users, api):
    script = interconnection_script()
    client = api(users["agent"])
    listed = client.get(URL).json()["results"]
    assert [(s["id"], s["code"], s["category"]) for s in listed] == [
        (script.pk, "interconnect", "service.quality")
    ]
    detail = client.get(f"{URL}{script.pk}/").json()
    assert [(q["key"], q["expected"]) for q in detail["questions"]] == [
        ("1", True),
        ("2", False),
        ("3", False),
    ]
    assert [(o["outcome"], o["label"]) for o in detail["outcomes"]] == [
        ("close", "互联互通问题"),
        ("dispatch", "网络故障待查"),
    ]
    assert detail["outcomes"][0]["when"] == {"all": ["1", "2", "3"]}
    assert detail["outcomes"][1]["promised"] == {"amount": 2, "unit": "working_days", "label": "2个工作日"}
    assert detail["outcomes"][1]["wording"] == DISPATCH_WORDING
    assert detail["faq"] == [{"q": "为什么打不通?", "a": "可能是运营商之间的互联互通问题。"}]


def test_a_script_of_another_pack_or_inactive_is_404(users, api):
    other = interconnection_script(code="tax", packs=["tax-12366"])
    off = interconnection_script(code="off", active=False)
    client = api(users["agent"])  # the demo organisation runs the enterprise pack
    assert client.get(URL).json()["results"] == []
    _problem(client.get(f"{URL}{other.pk}/"), 404, "not_found")
    _problem(client.get(f"{URL}{off.pk}/"), 404, "not_found")
    _problem(_walk(client, other.pk, {"1": True, "2": False, "3": False}), 404, "not_found")


def test_walk_yes_no_no_closes_on_the_spot(users, api):
    script = interconnection_script()
    response = _walk(api(users["agent"]), script.pk, {"1": True, "2": False, "3": False})
    assert response.status_code == 200, response.json()
    walk = response.json()
    assert (walk["outcome"], walk["label"], walk["wording"]) == ("close", "互联互通问题", CLOSE_WORDING)
    assert (walk["promised"], walk["category"], walk["script"]) == (None, "service.quality", script.pk)


def test_walk_yes_yes_no_dispatches_with_the_promised_time(users, api):
    script = interconnection_script()
    before = timezone.now()
    walk = _walk(api(users["agent"]), script.pk, {"1": True, "2": True, "3": False}).json()
    assert (walk["outcome"], walk["label"], walk["unit"]) == ("dispatch", "网络故障待查", "JZ-DH-SJ")
    promised = walk["promised"]
    assert (promised["amount"], promised["unit"], promised["label"]) == (2, "working_days", "2个工作日")
    due = datetime.fromisoformat(promised["due_at"])
    assert due - before > timedelta(days=1)  # two working days: after tomorrow's start
    assert walk["notes"] == [{"situation": "用户催促", "text": "请您耐心等待,我们会尽快答复。"}]


def test_a_walk_writes_nothing(users, api):
    script = interconnection_script()
    _walk(api(users["agent"]), script.pk, {"1": True, "2": True, "3": False})
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({"1": True, "2": False}, "answers_incomplete", "answers.3"),
        ({"1": True, "2": False, "3": "false"}, "answers_incomplete", "answers.3"),  # a boolean, not text
        ({"1": True, "2": False, "3": False, "9": True}, "invalid_answers", "answers"),
        (["1", "2"], "invalid_answers", "answers"),
    ],
)
def test_bad_answers_are_a_400_problem(users, api, answers, code, field):
    script = interconnection_script()
    body = _problem(_walk(api(users["agent"]), script.pk, answers), 400, code)
    assert body["field"] == field


def test_a_walk_refuses_unknown_fields(users, api):
    script = interconnection_script()
    response = api(users["agent"]).post(
        f"{URL}{script.pk}/walk/", {"answers": {"1": True, "2": False, "3": False}, "x": 1}, format="json"
    )
    assert _problem(response, 400, "unknown_field")["fields"] == ["x"]


def test_suggest_ranks_by_keyword_then_category(users, api):
    phone = interconnection_script()
    by_category = interconnection_script(code="quality", keywords=["信号"], category=phone.category)
    client = api(users["agent"])
    found = client.get(
        URL + "suggest/", {"text": "客户说异网电话打不通", "category": "service.quality"}
    ).json()
    assert [s["id"] for s in found] == [phone.pk, by_category.pk]
    assert client.get(URL + "suggest/", {"text": "无关"}).json() == []


def test_phrases_filter_by_situation(users, api):
    greet = Phrase.objects.create(situation="greeting", text="您好,很高兴为您服务", order=1)
    bye = Phrase.objects.create(situation="closing", text="感谢您的来电,再见")
    Phrase.objects.create(situation="closing", text="停用的用语", active=False)
    client = api(users["agent"])
    everything = client.get("/api/v1/kb/phrases/").json()
    assert [(p["id"], p["situation_label"]) for p in everything] == [(bye.pk, "结束语"), (greet.pk, "问候")]
    assert [p["id"] for p in client.get("/api/v1/kb/phrases/?situation=greeting").json()] == [greet.pk]
    _problem(client.get("/api/v1/kb/phrases/?situation=nope"), 400, "invalid")
    _problem(api().get("/api/v1/kb/phrases/"), 401, "not_authenticated")
