"""The knowledge base in the admin: articles read-only with their versions, moves through the
service, the publishing roles named by the administrator, scripts checked before saving."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.knowledge.models import Article, ArticleEvent, ArticleStatus, KnowledgeConfig, Phrase, Script
from hotline.knowledge.services import article_create, article_edit, article_input, can_publish

CLOSE = {"when": None, "outcome": "close", "label": "可直接解答", "wording": "请重启光猫。"}


def admin_client(users: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(users["admin"])
    return client


def test_an_article_shows_every_version_read_only(users):
    article = article_create(actor=users["agent"], data=article_input({"title": "标题一", "body": "正文一"}))
    article_edit(
        actor=users["agent"],
        article=article,
        data=article_input({"title": "标题二", "body": "正文二"}),
        expected_version=1,
        note="改标题",
    )
    client = admin_client(users)
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "标题一" in html and "标题二" in html and "改标题" in html
    assert 'name="title"' not in html and 'name="versions-0-title"' not in html  # nothing editable
    assert reverse("web:kb-article", args=[article.pk]) in html
    refused = client.post(reverse("admin:knowledge_article_change", args=[article.pk]), {"title": "改掉"})
    assert refused.status_code == 403 and Article.objects.get(pk=article.pk).title == "标题二"
    assert client.get(reverse("admin:knowledge_article_add")).status_code == 403


def test_publish_from_the_admin_goes_through_the_service(users):
    article = article_create(actor=users["agent"], data=article_input({"title": "标题", "body": "正文"}))
    response = admin_client(users).post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
        follow=True,
    )
    assert "已发布 1 条" in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_by == users["admin"]
    assert ArticleEvent.objects.filter(article=article, kind="publish", actor=users["admin"]).exists()


def test_the_administrator_names_the_publishing_roles(users):
    client = admin_client(users)
    assert client.get(reverse("admin:knowledge_knowledgeconfig_changelist")).status_code == 200
    config = KnowledgeConfig.objects.get()
    assert can_publish(users["teamlead"]) and not can_publish(users["coordinator"])
    response = client.post(
        reverse("admin:knowledge_knowledgeconfig_change", args=[config.pk]),
        {"publisher_roles": ["coordinator"]},
    )
    assert response.status_code == 302
    assert KnowledgeConfig.objects.get().publisher_roles == ["coordinator"]
    fresh = {name: type(u).objects.get(pk=u.pk) for name, u in users.items()}  # no cached memberships
    assert can_publish(fresh["coordinator"]) and not can_publish(fresh["teamlead"])
    bad = client.post(
        reverse("admin:knowledge_knowledgeconfig_change", args=[config.pk]), {"publisher_roles": ["pope"]}
    )
    assert bad.status_code == 200 and KnowledgeConfig.objects.get().publisher_roles == ["coordinator"]
    assert client.get(reverse("admin:knowledge_knowledgeconfig_add")).status_code == 403  # one row
    assert KnowledgeConfig.objects.count() == 1


def _script_form(**fields: Any) -> dict[str, Any]:
    data = {
        "code": "broadband-down",
        "title": "宽带断网",
        "symptom": "用户反映无法上网",
        "questions": json.dumps([{"key": "1", "text": "光猫灯是否正常?", "expected": True}]),
        "outcomes": json.dumps([CLOSE]),
        "faq": "[]",
        "keywords": json.dumps(["断网"]),
        "order": 0,
        "active": "on",
    }
    data.update(fields)
    return data


def test_a_well_formed_script_is_saved(users):
    response = admin_client(users).post(reverse("admin:knowledge_script_add"), _script_form())
    assert response.status_code == 302
    assert Script.objects.get(code="broadband-down").outcomes == [CLOSE]


@pytest.mark.parametrize(
    "fields",
    [
        {"outcomes": "[]"},
        {"outcomes": json.dumps([{**CLOSE, "outcome": "maybe"}])},
        {"outcomes": json.dumps([{**CLOSE, "when": {"all": ["9"]}}, CLOSE])},
        {"outcomes": json.dumps([{**CLOSE, "unit": "NO-SUCH-UNIT"}])},
        {"outcomes": '"not a list"'},
        {"questions": json.dumps({"key": "1"})},
        {"keywords": json.dumps({"a": 1})},
    ],
)
def test_a_malformed_script_is_shown_on_the_form_not_saved(users, fields):
    response = admin_client(users).post(reverse("admin:knowledge_script_add"), _script_form(**fields))
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not Script.objects.exists()


def test_phrases_are_listed(users):
    Phrase.objects.create(situation="greeting", text="您好,12345热线,请问有什么可以帮您?")
    html = admin_client(users).get(reverse("admin:knowledge_phrase_changelist")).content.decode()
    assert "您好,12345热线" in html
