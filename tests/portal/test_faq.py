"""The public FAQ: only public, published articles in force today; grouped, searchable, inert."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.knowledge.models import Article
from hotline.knowledge.services import article_create, article_input, article_move
from tests.security.test_headers import inline_code


def make(author: Any, publisher: Any, *, status: str = "published", **fields: Any) -> Article:
    data = {"title": "如何申请退货", "body": "购买7日内可无理由退货。", "public": True, **fields}
    article = article_create(actor=author, data=article_input(data))
    if status == "review":
        article = article_move(actor=author, article=article, action="submit")
    if status in ("published", "retired"):
        article = article_move(actor=publisher, article=article, action="publish")
    if status == "retired":
        article = article_move(actor=publisher, article=article, action="retire")
    return article


@pytest.fixture
def shelf(users) -> dict[str, Article]:
    """One article of every kind the public may or may not see."""
    lead = users["teamlead"]
    today = timezone.localdate()
    return {
        "shown": make(lead, lead, title="如何申请退货", category="product.quality"),
        "shown_other": make(
            lead, lead, title="噪声扰民找谁", body="夜间施工可拨打热线。", category="city.noise"
        ),
        "shown_plain": make(lead, lead, title="热线工作时间", body="每天8:00至20:00。"),
        "draft": make(lead, lead, status="draft", title="草稿:退货新规", body="退货草稿"),
        "review": make(lead, lead, status="review", title="审核中:退货", body="退货审核中"),
        "retired": make(lead, lead, status="retired", title="已停用:旧退货政策", body="退货旧政策"),
        "internal": make(lead, lead, title="内部口径:退货", body="退货内部口径", public=False),
        "expired": make(
            lead, lead, title="过期:退货", body="退货过期", valid_until=today - timedelta(days=1)
        ),
        "future": make(
            lead, lead, title="未生效:退货", body="退货未生效", valid_from=today + timedelta(days=1)
        ),
    }


HIDDEN = ["draft", "review", "retired", "internal", "expired", "future"]


def test_the_list_shows_only_public_published_articles_in_force(shelf):
    response = Client().get(reverse("portal:faq"))
    html = response.content.decode()
    assert response.status_code == 200
    shown = {int(pk) for pk in re.findall(r'class="faq-item" data-article="(\d+)"', html)}
    assert shown == {shelf["shown"].pk, shelf["shown_other"].pk, shelf["shown_plain"].pk}
    for name in HIDDEN:
        assert shelf[name].title not in html, name


def test_the_list_is_grouped_by_category(shelf):
    html = Client().get(reverse("portal:faq")).content.decode()
    headings = re.findall(r'<section class="mb-4 faq-group">\s*<h2 class="h5">([^<]+)</h2>', html)
    assert headings == ["产品类", "城市管理", "其他问题"]


def test_a_public_article_page(shelf):
    response = Client().get(reverse("portal:faq-article", args=[shelf["shown"].pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "如何申请退货" in html and "<p>购买7日内可无理由退货。</p>" in html
    assert "王晓敏" not in html and "孙丽" not in html  # no staff names on the public page


@pytest.mark.parametrize("name", HIDDEN)
def test_what_the_public_may_not_read_is_404(shelf, name):
    response = Client().get(reverse("portal:faq-article", args=[shelf[name].pk]))
    html = response.content.decode()
    assert response.status_code == 404 and "问题不存在" in html
    assert shelf[name].body not in html


def test_a_missing_number_is_the_same_404(db):
    response = Client().get(reverse("portal:faq-article", args=[999999]))
    assert response.status_code == 404 and "问题不存在" in response.content.decode()


def test_search_finds_only_what_the_public_may_read(shelf):
    response = Client().get(reverse("portal:faq"), {"q": "退货"})
    html = response.content.decode()
    assert response.status_code == 200
    hits = {int(pk) for pk in re.findall(r'class="mb-3 faq-hit" data-article="(\d+)"', html)}
    assert hits == {shelf["shown"].pk}
    for name in HIDDEN:
        assert shelf[name].title not in html, name


def test_search_snippets_mark_the_terms(shelf):
    html = Client().get(reverse("portal:faq"), {"q": "施工"}).content.decode()
    snippet = re.search(r'<div class="small text-muted faq-snippet">(.*?)</div>', html, re.S)
    assert snippet and "<mark>施工</mark>" in snippet.group(1)


def test_search_without_results_says_so(shelf):
    html = Client().get(reverse("portal:faq"), {"q": "火星"}).content.decode()
    assert 'id="faq-no-results"' in html


def test_search_text_is_escaped(shelf):
    html = Client().get(reverse("portal:faq"), {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_markdown_in_a_public_article_is_inert(users):
    lead = users["teamlead"]
    article = make(lead, lead, body="<script>alert(1)</script>\n\n[点这里](javascript:alert(2))")
    html = Client().get(reverse("portal:faq-article", args=[article.pk])).content.decode()
    body = html[html.index('id="faq-body"') : html.index("</article>")]
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body
    assert not re.search(r'href="\s*javascript:', body, re.I)


def test_no_faq_page_needs_unsafe_inline(shelf):
    client = Client()
    for path in (
        reverse("portal:faq"),
        reverse("portal:faq") + "?q=退货",
        reverse("portal:faq-article", args=[shelf["shown"].pk]),
    ):
        response = client.get(path)
        assert response.status_code == 200 and inline_code(response.content.decode()) == [], path
