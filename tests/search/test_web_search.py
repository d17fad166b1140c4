"""The workbench's search page: one box, tabs, filters, highlighted snippets, links."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import register


def _client(client, user):
    client.force_login(user)
    return client


def test_page_shows_hits_with_links_and_marks(users, client):
    ticket = register(users["agent"], subject="井盖缺失有安全隐患")
    html = _client(client, users["coordinator"]).get(reverse("web:search"), {"q": "井盖"}).content.decode()
    assert reverse("web:ticket", args=[ticket.number]) in html
    assert "<mark>井盖</mark>" in html


def test_other_units_ticket_is_not_on_the_page(users, client):
    register(users["agent"], subject="井盖缺失有安全隐患")
    html = _client(client, users["handler"]).get(reverse("web:search"), {"q": "井盖"}).content.decode()
    assert "井盖缺失" not in html and 'id="search-empty"' in html


def test_bad_input_is_a_message_not_an_error(users, client):
    response = _client(client, users["coordinator"]).get(reverse("web:search"), {"q": "12"})
    assert response.status_code == 200 and 'id="search-error"' in response.content.decode()


def test_articles_tab_links_to_the_article(users, client):
    from hotline.knowledge.services import ArticleInput, article_create

    article = article_create(
        actor=users["agent"], data=ArticleInput(title="噪声投诉受理范围", body="夜间施工噪声。")
    )
    html = (
        _client(client, users["agent"])
        .get(reverse("web:search"), {"q": "施工噪声", "kind": "article"})
        .content.decode()
    )
    assert "噪声投诉受理范围" in html and reverse("web:kb-article", args=[article.pk]) in html


def test_htmx_gets_the_results_only(users, client):
    register(users["agent"], subject="井盖缺失")
    response = _client(client, users["coordinator"]).get(
        reverse("web:search"), {"q": "井盖"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results"
    )
    html = response.content.decode()
    assert 'id="search-hits"' in html and '<nav class="navbar' not in html
