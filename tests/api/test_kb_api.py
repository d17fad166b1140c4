"""The knowledge base's article API: write, version, move, see, mark, cite."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.knowledge.models import Article, ArticleFeedback, ArticleVersion, KnowledgeConfig, TicketArticle
from hotline.tickets.models import TicketEvent
from tests.api.kb_helpers import article, published
from tests.factories import UserFactory, register

URL = "/api/v1/kb/articles/"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [a["id"] for a in response.json()["results"]]


# ---------------------------------------------------------------------------------------
# create


def test_create_answers_the_draft_with_markdown_rendered_and_its_first_version(users, api):
    body = "## 步骤\n\n1. 核实订单\n2. 办理退货\n\n<script>alert(1)</script>"
    response = api(users["agent"]).post(
        URL,
        {"title": "退货办理", "body": body, "category": "product.quality", "tags": ["退货"], "note": "初稿"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    got = response.json()
    assert (got["status"], got["version"], got["created_by"]) == ("draft", 1, "agent")
    assert got["body"] == body
    assert "<h2>步骤</h2>" in got["body_html"] and "<li>核实订单</li>" in got["body_html"]
    assert "<script>" not in got["body_html"] and "&lt;script&gt;" in got["body_html"]
    assert (got["category"], got["tags"], got["can_edit"]) == ("product.quality", ["退货"], True)
    assert [e["kind"] for e in got["events"]] == ["create"]
    versions = api(users["agent"]).get(f"{URL}{got['id']}/versions/").json()
    assert [(v["number"], v["note"], v["edited_by"]) for v in versions] == [(1, "初稿", "agent")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"body": "正文"}, "title_required"),
        ({"title": "标题"}, "body_required"),
        ({"title": "标题", "body": "正文", "category": "nope"}, "invalid_category"),
        ({"title": "标题", "body": "正文", "units": ["NOPE"]}, "invalid_unit"),
        (
            {"title": "标题", "body": "正文", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
            "invalid_range",
        ),
        ({"title": "标题", "body": "正文", "status": "published"}, "unknown_field"),
    ],
)
def test_a_bad_create_is_a_400_problem_and_writes_nothing(users, api, data, code):
    _problem(api(users["agent"]).post(URL, data, format="json"), 400, code)
    assert Article.objects.count() == 0


def test_only_staff_members_reach_the_knowledge_base(users, api):
    _problem(api().get(URL), 401, "not_authenticated")
    outsider = UserFactory()  # signed in, but no membership in any unit
    _problem(api(outsider).get(URL), 403, "forbidden")
    _problem(api(outsider).post(URL, {"title": "t", "body": "b"}, format="json"), 403, "forbidden")
    assert Article.objects.count() == 0


# ---------------------------------------------------------------------------------------
# edit, conflict, history, diff


def test_edit_with_the_current_version_saves_the_next_version(users, api):
    made = article(users["agent"], tags=["退货"])
    client = api(users["agent"])
    response = client.put(
        f"{URL}{made.pk}/",
        {"version": 1, "title": "退货政策(新)", "body": "十五日内无理由退货。", "note": "延长期限"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["version"], response.json()["title"], response.json()["tags"]) == (
        2,
        "退货政策(新)",
        [],  # PUT replaces the whole content
    )
    history = client.get(f"{URL}{made.pk}/versions/").json()
    assert [(v["number"], v["title"], v["note"]) for v in history] == [
        (1, "退货政策", "创建"),
        (2, "退货政策(新)", "延长期限"),
    ]
    one = client.get(f"{URL}{made.pk}/versions/1/").json()
    assert (one["body"], one["body_html"]) == ("七日内无理由退货。", "<p>七日内无理由退货。</p>\n")


def test_patch_keeps_what_it_does_not_name(users, api):
    made = article(users["agent"], tags=["退货"], category="product.quality")
    response = api(users["agent"]).patch(f"{URL}{made.pk}/", {"version": 1, "body": "新正文"}, format="json")
    assert response.status_code == 200, response.json()
    got = response.json()
    assert (got["title"], got["body"], got["tags"], got["category"], got["version"]) == (
        "退货政策",
        "新正文",
        ["退货"],
        "product.quality",
        2,
    )


def test_a_stale_version_is_a_409_kb_conflict_and_changes_nothing(users, api):
    made = article(users["agent"])
    client = api(users["agent"])
    assert (
        client.patch(f"{URL}{made.pk}/", {"version": 1, "body": "第二版"}, format="json").status_code == 200
    )
    stale = client.patch(f"{URL}{made.pk}/", {"version": 1, "body": "覆盖第二版"}, format="json")
    _problem(stale, 409, "kb_conflict")
    made.refresh_from_db()
    assert (made.version, made.body) == (2, "第二版")
    assert ArticleVersion.objects.filter(article=made).count() == 2


def test_an_edit_that_changes_nothing_is_409_no_change_and_writes_no_version(users, api):
    made = article(users["agent"])
    same = api(users["agent"]).patch(f"{URL}{made.pk}/", {"version": 1, "title": "退货政策"}, format="json")
    _problem(same, 409, "no_change")
    made.refresh_from_db()
    assert made.version == 1 and ArticleVersion.objects.filter(article=made).count() == 1


def test_an_edit_needs_the_version_it_started_from(users, api):
    made = article(users["agent"])
    body = _problem(
        api(users["agent"]).patch(f"{URL}{made.pk}/", {"body": "新"}, format="json"), 400, "invalid"
    )
    assert "version" in body["errors"]
    made.refresh_from_db()
    assert made.version == 1


def test_someone_elses_published_article_is_read_only_for_an_agent(users, api):
    made = published(users["teamlead"], users["teamlead"])
    refused = api(users["agent"]).patch(f"{URL}{made.pk}/", {"version": 1, "body": "改"}, format="json")
    _problem(refused, 403, "kb_forbidden")
    made.refresh_from_db()
    assert (made.version, made.body) == (1, "七日内无理由退货。")


def test_diff_between_two_versions(users, api):
    made = article(users["agent"], body="第一行\n第二行")
    client = api(users["agent"])
    client.patch(f"{URL}{made.pk}/", {"version": 1, "body": "第一行\n第二行(改)"}, format="json")
    client.patch(f"{URL}{made.pk}/", {"version": 2, "title": "新标题"}, format="json")
    latest = client.get(f"{URL}{made.pk}/versions/2/diff/").json()  # against 1 by default
    assert (latest["old"], latest["new"]) == (1, 2)
    assert "-第二行" in latest["diff"] and "+第二行(改)" in latest["diff"]
    whole = client.get(f"{URL}{made.pk}/versions/3/diff/?against=1").json()
    assert {"-# 退货政策", "+# 新标题", "-第二行", "+第二行(改)"} <= set(whole["diff"])
    _problem(client.get(f"{URL}{made.pk}/versions/3/diff/?against=9"), 404, "not_found")
    _problem(client.get(f"{URL}{made.pk}/versions/1/diff/"), 404, "not_found")  # nothing before 1
    _problem(client.get(f"{URL}{made.pk}/versions/3/diff/?against=x"), 400, "invalid")
    _problem(client.get(f"{URL}{made.pk}/versions/9/"), 404, "not_found")


# ---------------------------------------------------------------------------------------
# status moves and who may publish


def _move(client: Any, pk: int, move: str, comment: str = "") -> Any:
    return client.post(f"{URL}{pk}/{move}/", {"comment": comment}, format="json")


def test_an_agent_submits_and_a_team_leader_publishes_by_default(users, api):
    made = article(users["agent"])
    assert _move(api(users["agent"]), made.pk, "submit").json()["status"] == "review"
    _problem(_move(api(users["agent"]), made.pk, "publish"), 403, "kb_forbidden")
    _problem(_move(api(users["coordinator"]), made.pk, "publish"), 404, "not_found")  # not theirs, not public
    made.refresh_from_db()
    assert made.status == "review"
    done = _move(api(users["teamlead"]), made.pk, "publish")
    assert (done.json()["status"], done.json()["published_by"]) == ("published", "teamlead")
    assert [e["kind"] for e in done.json()["events"]] == ["create", "submit", "publish"]
    assert _move(api(users["admin"]), made.pk, "retire").json()["status"] == "retired"


def test_a_reviewer_publishes_the_version_they_read(users, api):
    made = article(users["agent"])
    api(users["agent"]).patch(f"{URL}{made.pk}/", {"version": 1, "body": "第二版"}, format="json")
    stale = api(users["teamlead"]).post(f"{URL}{made.pk}/publish/", {"version": 1}, format="json")
    _problem(stale, 409, "kb_conflict")
    made.refresh_from_db()
    assert made.status == "draft"
    fresh = api(users["teamlead"]).post(f"{URL}{made.pk}/publish/", {"version": 2}, format="json")
    assert (fresh.json()["status"], fresh.json()["version"]) == ("published", 2)


def test_the_publisher_roles_are_the_administrators_choice(users, api):
    config = KnowledgeConfig.current()
    config.publisher_roles = ["coordinator"]
    config.save()
    made = article(users["agent"])
    _problem(_move(api(users["teamlead"]), made.pk, "publish"), 404, "not_found")  # drafts: publishers only
    assert _move(api(users["coordinator"]), made.pk, "publish").json()["status"] == "published"
    _problem(_move(api(users["teamlead"]), made.pk, "retire"), 403, "kb_forbidden")
    made.refresh_from_db()
    assert made.status == "published"


def test_send_back_needs_a_comment_and_the_right_status(users, api):
    made = article(users["agent"])
    _problem(_move(api(users["teamlead"]), made.pk, "retire"), 409, "kb_wrong_status")  # a draft
    _move(api(users["agent"]), made.pk, "submit")
    _problem(_move(api(users["teamlead"]), made.pk, "send_back"), 400, "reason_required")
    back = _move(api(users["teamlead"]), made.pk, "send_back", "请补充办理时限")
    assert back.json()["status"] == "draft"
    assert back.json()["events"][-1]["comment"] == "请补充办理时限"
    _problem(_move(api(users["agent"]), made.pk, "retire"), 403, "kb_forbidden")
    assert _move(api(users["agent"]), made.pk, "submit").json()["status"] == "review"
    _problem(_move(api(users["agent"]), made.pk, "submit"), 409, "no_change")


# ---------------------------------------------------------------------------------------
# who sees what


def test_a_draft_of_another_agent_is_404_and_not_listed(users, api):
    mine = article(users["agent"])
    theirs = article(users["coordinator"], title="另一条草稿")
    client = api(users["agent"])
    assert _ids(client.get(URL)) == [mine.pk]
    _problem(client.get(f"{URL}{theirs.pk}/"), 404, "not_found")
    _problem(client.get(f"{URL}{theirs.pk}/versions/"), 404, "not_found")
    _problem(client.get(f"{URL}999999/"), 404, "not_found")  # missing: the same answer
    assert set(_ids(api(users["teamlead"]).get(URL))) == {mine.pk, theirs.pk}


def test_retired_articles_are_listed_for_publishers_only(users, api):
    live = published(users["teamlead"], users["teamlead"], title="在用")
    old = published(users["teamlead"], users["teamlead"], title="已停用")
    assert _move(api(users["teamlead"]), old.pk, "retire").status_code == 200
    assert _ids(api(users["agent"]).get(URL)) == [live.pk]
    _problem(api(users["agent"]).get(f"{URL}{old.pk}/"), 404, "not_found")
    assert set(_ids(api(users["teamlead"]).get(URL))) == {live.pk, old.pk}
    assert _ids(api(users["teamlead"]).get(URL + "?status=retired")) == [old.pk]


def test_list_filters(users, api):
    lead = users["teamlead"]
    a = published(lead, lead, title="价格", category="product.price", tags=["价格", "标价"], public=True)
    b = published(lead, lead, title="质量", category="product.quality", tags=["质量"])
    c = published(lead, lead, title="噪声", category="city.noise", tags=["价格签"])
    client = api(users["agent"])
    assert set(_ids(client.get(URL + "?category=product"))) == {a.pk, b.pk}
    assert _ids(client.get(URL + "?category=product.price")) == [a.pk]
    assert _ids(client.get(URL + "?tag=价格")) == [a.pk]  # a whole tag, not a part of one
    assert _ids(client.get(URL + "?public=true")) == [a.pk]
    assert set(_ids(client.get(URL + "?public=false"))) == {b.pk, c.pk}
    _problem(client.get(URL + "?status=nope"), 400, "invalid")


def test_the_list_costs_the_same_queries_however_many_articles(users, api, django_assert_max_num_queries):
    lead = users["teamlead"]
    for n in range(3):
        published(lead, lead, title=f"知识{n}", units=["JZ-C"])
    client = api(users["agent"])
    client.get(URL)  # warm the membership and config rows
    with django_assert_max_num_queries(12) as few:
        assert len(_ids(client.get(URL))) == 3
    for n in range(3, 12):
        published(lead, lead, title=f"知识{n}", units=["JZ-C"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_ids(client.get(URL))) == 12


# ---------------------------------------------------------------------------------------
# feedback and citing


def test_feedback_is_once_per_person_and_kind(users, api):
    made = published(users["teamlead"], users["teamlead"])
    client = api(users["agent"])
    first = client.post(f"{URL}{made.pk}/feedback/", {"kind": "helpful"}, format="json")
    assert (first.status_code, first.json()["helpful_count"]) == (201, 1)
    _problem(client.post(f"{URL}{made.pk}/feedback/", {"kind": "helpful"}, format="json"), 409, "no_change")
    _problem(
        client.post(f"{URL}{made.pk}/feedback/", {"kind": "outdated"}, format="json"), 400, "reason_required"
    )
    outdated = client.post(
        f"{URL}{made.pk}/feedback/", {"kind": "outdated", "comment": "期限已改"}, format="json"
    )
    assert (outdated.json()["helpful_count"], outdated.json()["outdated_count"]) == (1, 1)
    assert ArticleFeedback.objects.filter(article=made).count() == 2
    other = api(users["coordinator"]).post(f"{URL}{made.pk}/feedback/", {"kind": "helpful"}, format="json")
    assert other.json()["helpful_count"] == 2


def test_cite_records_the_article_on_the_tickets_history(users, api):
    made = published(users["teamlead"], users["teamlead"])
    ticket = register(users["agent"], policy="enterprise")
    client = api(users["agent"])
    response = client.post(f"{URL}{made.pk}/cite/", {"ticket": ticket.number}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["ticket"], response.json()["article"], response.json()["version"]) == (
        ticket.number,
        made.pk,
        1,
    )
    event = TicketEvent.objects.get(ticket=ticket, action="cite_article")
    assert event.payload == {"article": made.pk, "title": "退货政策", "version": 1}
    history = client.get(f"/api/v1/tickets/{ticket.number}/history/").json()
    assert history[-1]["action"] == "cite_article"
    _problem(client.post(f"{URL}{made.pk}/cite/", {"ticket": ticket.number}, format="json"), 409, "no_change")
    assert TicketArticle.objects.count() == 1


def test_cite_refuses_drafts_and_tickets_out_of_sight(users, api):
    draft = article(users["agent"])
    ticket = register(users["agent"], policy="enterprise")
    client = api(users["agent"])
    _problem(
        client.post(f"{URL}{draft.pk}/cite/", {"ticket": ticket.number}, format="json"),
        409,
        "kb_wrong_status",
    )
    made = published(users["teamlead"], users["teamlead"])
    _problem(
        client.post(f"{URL}{made.pk}/cite/", {"ticket": "20990101000001"}, format="json"),
        404,
        "ticket_not_found",
    )
    _problem(
        api(users["head2"]).post(f"{URL}{made.pk}/cite/", {"ticket": ticket.number}, format="json"),
        404,
        "ticket_not_found",
    )
    assert not TicketEvent.objects.filter(action="cite_article").exists()
