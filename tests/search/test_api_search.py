"""``GET /api/v1/search/``: staff only, scoped, paged, bad input as problems with stable codes."""

from __future__ import annotations

import pytest

from tests.factories import PersonFactory, register

URL = "/api/v1/search/"


def test_finds_tickets_with_snippets(users, api):
    ticket = register(users["agent"], subject="燃气灶打不着火", complainant=PersonFactory(name="赵六"))
    body = api(users["coordinator"]).get(URL, {"q": "燃气灶"}).json()
    assert body["kind"] == "ticket" and body["terms"] == ["燃气灶"] and body["has_more"] is False
    [hit] = body["tickets"]
    assert hit["number"] == ticket.number and hit["complainant_name"] == "赵六" and hit["masked"] is False
    assert "<mark>燃气灶</mark>" in hit["snippets"][0]["html"] and hit["snippets"][0]["field"] == "标题"


def test_confidential_ticket_name_is_masked(users, api):
    register(
        users["agent"],
        type="report",
        confidential=True,
        subject="举报无证行医",
        complainant=PersonFactory(name="钱七"),
    )
    [hit] = api(users["coordinator"]).get(URL, {"q": "无证行医"}).json()["tickets"]
    assert hit["complainant_name"] == "钱*" and hit["masked"] is True


def test_pages_say_has_more(users, api):
    for _ in range(3):
        register(users["agent"], subject="路灯不亮")
    first = api(users["coordinator"]).get(URL, {"q": "路灯", "page_size": 2}).json()
    assert len(first["tickets"]) == 2 and first["has_more"] is True and first["next"]
    second = api(users["coordinator"]).get(URL, {"q": "路灯", "page_size": 2, "page": 2}).json()
    assert len(second["tickets"]) == 1 and second["has_more"] is False and second["previous"]


def test_articles_kind(users, api):
    from hotline.knowledge.services import ArticleInput, article_create

    article_create(actor=users["agent"], data=ArticleInput(title="医保报销比例", body="门诊报销比例为五成。"))
    body = api(users["agent"]).get(URL, {"q": "报销比例", "kind": "article"}).json()
    assert [a["title"] for a in body["articles"]] == ["医保报销比例"]


def test_anonymous_is_refused(api):
    response = api().get(URL, {"q": "路灯"})
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/problem+json")


def test_a_user_without_a_role_is_refused(db, api):
    from tests.factories import UserFactory

    assert api(UserFactory()).get(URL, {"q": "路灯"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "search_query_empty"),
        ({"q": "   "}, "search_query_empty"),
        ({"q": "x" * 101}, "search_query_too_long"),
        ({"q": "12"}, "search_term_too_short"),
        ({"q": "路灯", "kind": "faq"}, "search_kind_invalid"),
        ({"q": "路灯", "from": "2026-13-01"}, "search_date_invalid"),
        ({"q": "路灯", "from": "2026-02-01", "to": "2026-01-01"}, "search_date_invalid"),
        ({"q": "路灯", "status": "done"}, "search_filter_invalid"),
        ({"q": "路灯", "unit": "NOPE"}, "search_filter_invalid"),
        ({"q": "路灯", "type": "x"}, "search_filter_invalid"),
        ({"q": "路灯", "page": "0"}, "invalid_page"),
        ({"q": "路灯", "page_size": "1000"}, "invalid_page"),
    ],
)
def test_bad_input_is_a_problem_with_a_stable_code(users, api, params, code):
    response = api(users["coordinator"]).get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
