"""派单建议: on a small made-up history of dispatched and closed tickets, the category, the
region, the respondent and a similar text each move the top unit; every suggestion carries
its evidence; no history is an empty list; the API answers only those who may dispatch
(the same 404 for missing and forbidden); the dispatch form loads the suggestions (htmx),
a click fills the unit, and without JavaScript the page dispatches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from hotline.demo.journey import advance
from hotline.similar.dispatch import Matter, access_for_dispatch, suggest_units, ticket_suggestions
from hotline.tickets.models import Category, Status, Ticket
from hotline.workflow.drafts import Respondent
from tests.helpers import act

FOOD, NOISE = "product.food", "city.noise"
DH_SJ, XS_ZJ, DH_CG = "JZ-DH-SJ", "JZ-XS-ZJ", "JZ-DH-CG"
HANDLERS = {DH_SJ: "handler", XS_ZJ: "handler2", DH_CG: "handler3"}
DH, XS = "江州市东湖区", "江州市西山县"
# texts that share no words with each other, so only the source a test means matches
PLAIN = [
    ("自行车棚顶棚破损", "车棚顶棚被风吹坏漏雨"),
    ("楼道堆放杂物", "邻居长期在楼道堆放纸箱"),
    ("路灯夜里不亮", "小区门口两盏路灯坏了一周"),
    ("公交站牌字迹模糊", "站牌褪色看不清线路"),
    ("井盖松动异响", "车辆经过井盖哐当作响"),
    ("广场舞音响太吵", "晚上广场舞音响声音很大"),
    ("快递柜收费", "快递柜超时收取保管费"),
    ("电梯频繁故障", "单元电梯本月停运三次"),
]
MILK = ("超市出售过期牛奶", "华联超市冷柜里的盒装牛奶已经过期仍在销售,店员拒绝退换")
SITE = ("工地夜间施工噪声", "建筑工地每晚十一点后打桩施工,噪声震耳无法入睡")


@pytest.fixture
def closed(users: dict[str, Any], registered: Callable[..., Ticket]) -> Callable[..., Ticket]:
    """``closed(unit, subject=…, …)``: a ticket registered, dispatched to ``unit`` and walked to
    its close by the demo users, through the services."""
    staff = [users[name] for name in ("agent", "coordinator", "head", "head2", "head3", "leader")]
    staff += [users[name] for name in ("handler", "handler2", "handler3")]
    count = iter(range(1000))

    def make(
        unit: str, *, category: str = FOOD, region: str = "", respondent: str = "", text: Any = None
    ) -> Ticket:
        subject, description = text or PLAIN[next(count) % len(PLAIN)]
        ticket = registered(
            users["agent"],
            subject=subject,
            description=description,
            category=category,
            region=region,
            respondent=Respondent(name=respondent),
        )
        advance(ticket, staff, steps=14, handler=HANDLERS[unit], unit=unit)
        done = Ticket.objects.select_related("unit").get(pk=ticket.pk)
        assert done.status == Status.CLOSED and done.unit.code == unit, (done.stage, done.unit.code)
        return done

    return make


def _top(**matter: Any) -> str:
    if "category" in matter:
        category = Category.objects.get(code=matter.pop("category"))
        matter |= {"category_id": category.pk, "category_name": category.name}
    suggestions = suggest_units(Matter(**matter))
    assert suggestions, matter
    return suggestions[0].unit.code


def test_the_category_moves_the_top_unit(closed):
    for _ in range(2):
        closed(DH_SJ, category=FOOD)
        closed(DH_CG, category=NOISE)
    assert _top(category=FOOD) == DH_SJ
    assert _top(category=NOISE) == DH_CG


def test_the_region_moves_the_top_unit(closed):
    for _ in range(2):
        closed(DH_SJ, region=DH)
        closed(XS_ZJ, region=XS)
    assert _top(category=FOOD, region=DH) == DH_SJ
    assert _top(category=FOOD, region=XS) == XS_ZJ


def test_the_respondent_moves_the_top_unit(closed):
    for _ in range(2):
        closed(DH_CG, respondent="老王烧烤(东湖路店)")
        closed(DH_SJ, respondent="华联超市")
    assert _top(category=FOOD, respondent="老王烧烤 东湖路店") == DH_CG  # normalised like detection
    assert _top(category=FOOD, respondent="华联超市") == DH_SJ


def test_a_similar_text_moves_the_top_unit_and_names_the_earlier_ticket(closed):
    milk = closed(DH_SJ, text=MILK)
    site = closed(DH_CG, text=SITE)
    closed(DH_SJ)
    closed(DH_CG)
    assert _top(category=FOOD, subject="投诉超市过期牛奶", description=MILK[1]) == DH_SJ
    [first, *_rest] = suggest_units(Matter(subject="工地噪声扰民", description=SITE[1]))
    assert first.unit.code == DH_CG
    [similar] = [e for e in first.evidence if e.source == "similar"]
    assert similar.numbers == (site.number,) and site.number in similar.text
    assert milk.number not in similar.text


def test_each_suggestion_carries_its_evidence(closed):
    ticket = closed(DH_SJ, category=FOOD, region=DH, respondent="华联超市", text=MILK)
    closed(DH_SJ, category=FOOD, region=DH)
    closed(XS_ZJ, category=FOOD, region=XS)
    suggestions = suggest_units(
        Matter(
            category_id=ticket.category_id,
            category_name="食品安全",
            region=DH,
            respondent="华联超市",
            subject=MILK[0],
            description=MILK[1],
        )
    )
    assert [s.unit.code for s in suggestions] == [DH_SJ, XS_ZJ]
    assert suggestions[0].score > suggestions[1].score and abs(sum(s.score for s in suggestions) - 1) < 0.01
    top = {e.source: e for e in suggestions[0].evidence}
    assert set(top) == {"category", "category_region", "respondent", "similar"}
    assert top["category"].count == 2 and top["category"].total == 3
    assert "食品安全" in top["category"].text and "东湖区市场监督管理局" in top["category"].text
    assert DH in top["category_region"].text and "华联超市" in top["respondent"].text
    assert [e.source for e in suggestions[1].evidence] == ["category"]


def test_no_history_is_an_empty_list(users, registered):
    ticket = registered(users["agent"], category=FOOD, region=DH, respondent=Respondent(name="华联超市"))
    assert ticket_suggestions(ticket) == []
    assert suggest_units(Matter()) == []


def test_a_unit_that_returned_the_ticket_is_not_suggested_again(users, closed, registered):
    closed(DH_SJ, category=FOOD)
    closed(DH_SJ, category=FOOD)
    closed(DH_CG, category=FOOD)
    ticket = registered(users["agent"], category=FOOD)
    assert [s.unit.code for s in ticket_suggestions(ticket)] == [DH_SJ, DH_CG]
    ticket = act(ticket, "accept", users["agent"])
    ticket = act(ticket, "dispatch", users["coordinator"], unit=DH_SJ)
    ticket = act(ticket, "return", users["head"], reason="不属于本单位职责")
    assert [s.unit.code for s in ticket_suggestions(ticket)] == [DH_CG]


def test_the_suggestion_reads_a_bounded_number_of_queries(
    closed, users, registered, django_assert_max_num_queries
):
    for unit in (DH_SJ, DH_CG, DH_SJ):
        closed(unit, category=FOOD, region=DH, respondent="华联超市", text=MILK)
    number = registered(
        users["agent"], category=FOOD, region=DH, respondent=Respondent(name="华联超市")
    ).number
    coordinator = users["coordinator"]
    ticket = access_for_dispatch(coordinator, number)  # as the API and the page do: the scope is known
    with django_assert_max_num_queries(6):  # four sources, which similar ones to name, the units
        assert ticket_suggestions(ticket, viewer=coordinator)


# --- the API --------------------------------------------------------------------------------


def _url(number: str) -> str:
    return f"/api/v1/tickets/{number}/dispatch-suggestion/"


def test_the_api_answers_those_who_may_dispatch(users, closed, registered, api):
    history = closed(DH_SJ, category=FOOD, text=MILK)
    ticket = registered(users["agent"], category=FOOD, subject=MILK[0], description=MILK[1])
    answer = api(users["coordinator"]).get(_url(ticket.number))
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == ticket.number
    [suggestion] = body["suggestions"]
    assert suggestion["unit"] == DH_SJ and suggestion["unit_name"] == "东湖区市场监督管理局"
    assert suggestion["score"] == 1.0
    sources = {e["source"]: e for e in suggestion["evidence"]}
    assert sources["similar"]["numbers"] == [history.number] and sources["category"]["count"] == 1
    assert api(users["leader"]).get(_url(ticket.number)).status_code == 200  # 再次派单 is the leader's


def test_the_api_is_the_same_404_for_missing_and_forbidden(users, closed, registered, api):
    dispatched = closed(DH_CG, category=NOISE)  # head3 sees it (it is at their unit) but may not dispatch
    hidden = registered(users["agent"], category=FOOD)  # head2 does not see it at all
    missing = api(users["coordinator"]).get(_url("20990101000001"))
    for user, number in (("head3", dispatched.number), ("head2", hidden.number), ("handler", hidden.number)):
        answer = api(users[user]).get(_url(number))
        assert answer.status_code == missing.status_code == 404, user
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == missing.json()["code"] == "ticket_not_found"
    assert api(users["head3"]).get(f"/api/v1/tickets/{dispatched.number}/").status_code == 200
    assert api(None).get(_url(hidden.number)).status_code in (401, 403)


def test_no_history_is_an_empty_list_in_the_api(users, registered, api):
    ticket = registered(users["agent"], category=FOOD)
    answer = api(users["coordinator"]).get(_url(ticket.number))
    assert answer.status_code == 200 and answer.json() == {"number": ticket.number, "suggestions": []}


def test_the_schema_describes_the_endpoint(users, api):
    schema = api(users["coordinator"]).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/tickets/{number}/dispatch-suggestion/"]["get"]
    assert operation["operationId"] == "ticket_dispatch_suggestion"
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    out = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(out["properties"]) == {"number", "suggestions"}
    item = schema["components"]["schemas"]["UnitSuggestionOut"]["properties"]
    assert {"unit", "unit_name", "score", "evidence"} <= set(item)
    evidence = schema["components"]["schemas"]["EvidenceOut"]["properties"]
    assert {"source", "text", "count", "total", "numbers"} <= set(evidence)


# --- the dispatch form ----------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dispatch_form_loads_the_suggestions_and_a_click_fills_the_unit(users, closed, registered):
    closed(DH_SJ, category=FOOD, text=MILK)
    ticket = registered(users["agent"], category=FOOD, subject=MILK[0], description=MILK[1])
    ticket = act(ticket, "accept", users["agent"])
    coordinator = _client(users["coordinator"])
    page = coordinator.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="dispatch-suggestion"' in page and f"/tickets/{ticket.number}/dispatch-suggestion/" in page
    assert 'hx-select="#dispatch-suggestion"' in page  # not the form's #ticket-body (inherited)
    partial = coordinator.get(f"/tickets/{ticket.number}/dispatch-suggestion/", HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in html
    assert 'data-unit="JZ-DH-SJ"' in html and "东湖区市场监督管理局" in html and "相似工单" in html
    assert 'hx-target="#id_dispatch_unit" hx-select="#id_dispatch_unit"' in html and "choose=JZ-DH-SJ" in html
    chosen = coordinator.get(
        f"/tickets/{ticket.number}/dispatch-suggestion/", {"choose": DH_SJ}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert chosen.startswith("<select") and 'id="id_dispatch_unit"' in chosen
    assert f'<option value="{DH_SJ}" selected>' in chosen
    assert Ticket.objects.get(pk=ticket.pk).unit.code == "JZ-C"  # a click fills, nothing is sent


def test_without_javascript_the_page_dispatches_to_the_chosen_unit(users, closed, registered):
    closed(DH_SJ, category=FOOD)
    closed(DH_CG, category=FOOD)
    ticket = act(registered(users["agent"], category=FOOD), "accept", users["agent"])
    coordinator = _client(users["coordinator"])
    page = coordinator.get(f"/tickets/{ticket.number}/dispatch-suggestion/", {"choose": DH_CG})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="dispatch-suggestion-form"' in html
    assert f'<option value="{DH_CG}" selected>' in html and f"?choose={DH_SJ}" in html
    form = {"expected_version": ticket.version, "seen_seq": ticket.version, "unit": DH_CG}
    done = coordinator.post(f"/tickets/{ticket.number}/act/dispatch/", form)
    assert done.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).unit.code == DH_CG


def test_the_partial_is_the_404_page_for_those_who_may_not_dispatch(users, registered):
    ticket = registered(users["agent"], category=FOOD)
    answer = _client(users["head2"]).get(
        f"/tickets/{ticket.number}/dispatch-suggestion/", HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 404 and "东湖区" not in answer.content.decode()
