"""Articles in search: drafts only for their author (and publishers), retired never, the
portal's FAQ public published ones only."""

from __future__ import annotations

from hotline.knowledge.services import ArticleInput, article_create, article_edit, article_move
from hotline.search.services import search, search_public_articles


def titles(user, q):
    return [hit.article.title for hit in search(user, q, kind="article").hits]


def _article(users, title, body, *, public=False, publish=True):
    article = article_create(actor=users["agent"], data=ArticleInput(title=title, body=body, public=public))
    if publish:
        article = article_move(actor=users["teamlead"], article=article, action="publish")
    return article


def test_a_draft_is_found_by_its_author_only(users):
    _article(users, "退费办理口径", "燃气费**多缴**部分可申请退还。", publish=False)
    assert titles(users["agent"], "燃气费") == ["退费办理口径"]
    assert titles(users["coordinator"], "燃气费") == []
    assert titles(users["teamlead"], "燃气费") == ["退费办理口径"]  # a publisher reviews drafts


def test_published_article_is_found_with_a_highlighted_snippet(users):
    _article(users, "供暖收费标准", "居民供暖费按建筑面积计收。")
    hit = search(users["coordinator"], "建筑面积", kind="article").hits[0]
    assert hit.article.title == "供暖收费标准"
    assert "<mark>建筑面积</mark>" in hit.snippet


def test_an_edit_is_searchable_at_once_and_the_old_text_is_gone(users):
    article = _article(users, "停水通知", "片区检修停水一天。", publish=False)
    article_edit(
        actor=users["agent"],
        article=article,
        data=ArticleInput(title="停水通知", body="管网改造停水两天。"),
        expected_version=article.version,
    )
    assert titles(users["agent"], "管网改造") == ["停水通知"]
    assert titles(users["agent"], "检修停水") == []


def test_a_retired_article_is_not_found(users):
    article = _article(users, "旧版补贴政策", "补贴标准每户五百元。", public=True)
    assert titles(users["coordinator"], "补贴标准") == ["旧版补贴政策"]
    article_move(actor=users["teamlead"], article=article, action="retire")
    assert titles(users["coordinator"], "补贴标准") == []
    assert titles(users["teamlead"], "补贴标准") == []
    assert search_public_articles("补贴标准") == []


def test_portal_finds_public_published_articles_only(users):
    _article(users, "如何查询工单进度", "凭查询码在门户查询办理进度。", public=True)
    _article(users, "内部转办流程", "查询码丢失时由坐席核实身份后补发。")
    _article(users, "查询码说明草稿", "查询码共八位。", public=True, publish=False)
    hits = search_public_articles("查询码")
    assert [hit.article.title for hit in hits] == ["如何查询工单进度"]
    assert "<mark>查询码</mark>" in hits[0].snippet
    assert search_public_articles("") == [] and search_public_articles("12") == []
    assert len(search_public_articles("查询", limit=0)) == 0
