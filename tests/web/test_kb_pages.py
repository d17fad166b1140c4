"""The knowledge base pages: list, article, edit → versions → history → diff, review, feedback,
citing a ticket, attachments, and Markdown rendered inert."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleFeedback,
    ArticleStatus,
    ArticleVersion,
    TicketArticle,
)
from hotline.knowledge.services import article_create, article_input, article_move
from tests.factories import MembershipFactory, UserFactory, register
from tests.security.test_headers import inline_code

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
    b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def make_article(author: Any, *, publisher: Any = None, **fields: Any) -> Article:
    data = {
        "title": "电饭煲不加热的处理口径",
        "body": "先问购买时间。\n\n- 7日内:退货\n- 15日内:换货",
        **fields,
    }
    article = article_create(actor=author, data=article_input(data))
    if publisher is not None:
        article = article_move(actor=publisher, article=article, action="publish")
    return article


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"web:{name}", args=args)


@pytest.fixture
def agent2(org):
    user = UserFactory(username="agent2", first_name="钱多多")
    MembershipFactory(user=user, unit=org.units["JZ-C"], role="agent")
    return user


def form_of(article: Article, **changes: Any) -> dict[str, Any]:
    data = {
        "title": article.title,
        "body": article.body,
        "category": article.category.code if article.category else "",
        "tags": ", ".join(article.tags),
        "valid_from": "",
        "valid_until": "",
        "note": "",
        "version": article.version,
    }
    data.update(changes)
    return data


def diff_lines(html: str, kind: str) -> list[str]:
    """The text of the diff rows of ``kind`` (add, del), as the page has it (escaped)."""
    rows = re.findall(rf'kb-diff-{kind}[^"]*" role="row">(.*?)</div>', html)
    return [re.sub(r"^<span[^>]*>[^<]*</span><span[^>]*>(.*)</span>$", r"\1", row) for row in rows]


def diff_signs(html: str, kind: str) -> set[str]:
    rows = re.findall(
        rf'kb-diff-{kind}[^"]*" role="row"><span class="kb-diff-sign" role="cell">([^<]*)<', html
    )
    return set(rows)


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["kb-list", "kb-new", "kb-review"])
def test_anonymous_goes_to_login(db, name):
    response = Client().get(url(name))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_anonymous_cannot_read_an_article(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    response = Client().get(url("kb-article", article.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_user_without_a_role_is_refused(db):
    response = logged_in(UserFactory()).get(url("kb-list"))
    assert response.status_code == 403 and "知识库" in response.content.decode()


def test_another_agents_draft_is_404(users, agent2):
    draft = make_article(users["agent"])
    response = logged_in(agent2).get(url("kb-article", draft.pk))
    assert response.status_code == 404 and "知识不存在或您无权查看" in response.content.decode()
    assert logged_in(agent2).get(url("kb-history", draft.pk)).status_code == 404
    assert logged_in(agent2).get(url("kb-edit", draft.pk)).status_code == 404
    listed = logged_in(agent2).get(url("kb-list")).content.decode()
    assert draft.title not in listed


def test_a_non_publisher_cannot_publish(users):
    article = make_article(users["agent"])
    client = logged_in(users["agent"])
    response = client.post(url("kb-move", article.pk, "publish"), {"comment": "", "version": 1})
    assert response.status_code == 403 and "您无权审核或发布知识" in response.content.decode()
    article.refresh_from_db()
    assert article.status == ArticleStatus.DRAFT and article.published_at is None
    assert not ArticleEvent.objects.filter(article=article, kind="publish").exists()
    page = client.get(url("kb-article", article.pk)).content.decode()
    assert 'id="kb-move-submit"' in page and 'id="kb-move-publish"' not in page


def test_the_review_queue_is_for_publishers(users):
    article = make_article(users["agent"])
    article_move(actor=users["agent"], article=article, action="submit", comment="请审核")
    assert logged_in(users["agent"]).get(url("kb-review")).status_code == 403
    page = logged_in(users["teamlead"]).get(url("kb-review"))
    html = page.content.decode()
    assert page.status_code == 200 and article.title in html and "王晓敏" in html and "请审核" in html


def test_a_reviewer_publishes_only_the_version_they_read(users):
    article = make_article(users["agent"])
    article_move(actor=users["agent"], article=article, action="submit")
    lead = logged_in(users["teamlead"])
    page = lead.get(url("kb-article", article.pk)).content.decode()
    assert re.search(r'id="kb-move-publish".*?name="version" value="1"', page, re.S)
    edited = logged_in(users["agent"]).post(url("kb-edit", article.pk), form_of(article, body="审核中又改了"))
    assert edited.status_code == 302

    response = lead.post(url("kb-move", article.pk, "publish"), {"comment": "", "version": 1})
    html = response.content.decode()
    assert response.status_code == 409 and "又被修改(当前第2版)" in html
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW
    assert lead.post(url("kb-move", article.pk, "publish"), {"version": 2}).status_code == 302
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_a_move_without_the_version_is_refused(users):
    article = make_article(users["agent"])
    response = logged_in(users["teamlead"]).post(url("kb-move", article.pk, "publish"), {"comment": ""})
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.DRAFT


# --- new, submit, review ------------------------------------------------------------------


def test_new_article_submit_send_back_and_publish(users):
    agent, lead = logged_in(users["agent"]), logged_in(users["teamlead"])
    response = agent.post(
        url("kb-new"),
        {
            "title": "发票遗失怎么办",
            "body": "## 步骤\n\n1. 登记",
            "tags": "发票, 税务",
            "category": "service",
        },
    )
    article = Article.objects.get(title="发票遗失怎么办")
    assert response.status_code == 302 and response["Location"] == url("kb-article", article.pk)
    assert article.status == ArticleStatus.DRAFT and article.tags == ["发票", "税务"]
    assert agent.post(url("kb-move", article.pk, "submit"), {"comment": "", "version": 1}).status_code == 302

    refused = lead.post(url("kb-move", article.pk, "send_back"), {"comment": " ", "version": 1})
    assert refused.status_code == 400 and "退回时请写明修改意见" in refused.content.decode()
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.REVIEW

    sent_back = lead.post(url("kb-move", article.pk, "send_back"), {"comment": "补充办理时限", "version": 1})
    assert sent_back.status_code == 302
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.DRAFT
    agent.post(url("kb-move", article.pk, "submit"), {"version": 1})
    assert (
        lead.post(url("kb-move", article.pk, "publish"), {"comment": "同意", "version": 1}).status_code == 302
    )
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED and article.published_by == users["teamlead"]
    html = agent.get(url("kb-article", article.pk)).content.decode()
    assert "补充办理时限" in html and "同意" in html and "<h2>步骤</h2>" in html


def test_new_article_with_bad_input_comes_back_with_the_message(users):
    response = logged_in(users["agent"]).post(
        url("kb-new"),
        {"title": "有效期", "body": "正文", "valid_from": "2026-05-01", "valid_until": "2026-04-01"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and "失效日期不能早于生效日期" in html and "有效期" in html
    assert not Article.objects.exists()


# --- edit → versions → history → diff -----------------------------------------------------


def test_every_edit_is_a_version_in_the_history_and_the_diff(users):
    article = make_article(users["agent"])
    agent, lead = logged_in(users["agent"]), logged_in(users["teamlead"])
    r1 = agent.post(
        url("kb-edit", article.pk), form_of(article, body="先问购买时间。\n\n- 7日内:退货", note="删去换货")
    )
    assert r1.status_code == 302
    article.refresh_from_db()
    r2 = lead.post(
        url("kb-edit", article.pk),
        form_of(article, body="先问购买时间。\n\n- 7日内:退货\n- <script>alert(1)</script>", note="补充"),
    )
    assert r2.status_code == 302
    article.refresh_from_db()
    assert article.version == 3 and ArticleVersion.objects.filter(article=article).count() == 3

    history = agent.get(url("kb-history", article.pk)).content.decode()
    rows = re.findall(r'class="kb-version" data-version="(\d+)"', history)
    assert rows == ["3", "2", "1"]
    for text in ("王晓敏", "孙丽", "删去换货", "补充", "创建"):
        assert text in history, text

    diff = agent.get(url("kb-diff", article.pk), {"old": 1, "new": 3})
    html = diff.content.decode()
    assert diff.status_code == 200
    removed = diff_lines(html, "del")
    added = diff_lines(html, "add")
    assert removed == ["- 15日内:换货"]
    assert added == ["- &lt;script&gt;alert(1)&lt;/script&gt;"]
    assert diff_signs(html, "del") == {"−"} and diff_signs(html, "add") == {"+"}
    assert "<script>alert(1)" not in html
    # no parameters: the last change
    latest = agent.get(url("kb-diff", article.pk)).content.decode()
    assert "比较第2版与第3版" in latest


def test_a_diff_of_a_missing_version_is_404(users):
    article = make_article(users["agent"])
    response = logged_in(users["agent"]).get(url("kb-diff", article.pk), {"old": 1, "new": 9})
    assert response.status_code == 404 and "版本不存在" in response.content.decode()
    bad = logged_in(users["agent"]).get(url("kb-diff", article.pk), {"old": "x", "new": 1})
    assert bad.status_code == 400


def test_a_stale_edit_is_a_readable_conflict_and_keeps_the_text(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    seen = form_of(article)
    lead, admin = logged_in(users["teamlead"]), logged_in(users["admin"])
    assert (
        lead.post(url("kb-edit", article.pk), {**seen, "body": "班长的修改", "note": "班长改"}).status_code
        == 302
    )

    response = admin.post(url("kb-edit", article.pk), {**seen, "body": "管理员的修改稿"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "这条知识已被孙丽修改(当前第2版)" in html and "管理员的修改稿" in html
    assert 'name="version" value="2"' in html  # saving again is an informed choice
    assert "old=1&amp;new=2" in html
    article.refresh_from_db()
    assert article.version == 2 and article.body == "班长的修改"
    assert ArticleVersion.objects.filter(article=article).count() == 2


def test_an_edit_without_the_version_is_refused(users):
    article = make_article(users["agent"])
    data = form_of(article, body="新的")
    data.pop("version")
    response = logged_in(users["agent"]).post(url("kb-edit", article.pk), data)
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert Article.objects.get(pk=article.pk).version == 1


def test_an_unchanged_save_writes_no_version(users):
    article = make_article(users["agent"])
    response = logged_in(users["agent"]).post(url("kb-edit", article.pk), form_of(article), follow=True)
    assert "内容没有变化" in response.content.decode()
    assert ArticleVersion.objects.filter(article=article).count() == 1


def test_the_author_cannot_edit_a_published_article(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    client = logged_in(users["agent"])
    assert client.get(url("kb-edit", article.pk)).status_code == 403
    response = client.post(url("kb-edit", article.pk), form_of(article, body="偷偷改"))
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).body != "偷偷改"


# --- feedback -----------------------------------------------------------------------------


def test_helpful_counts_once_per_person(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    client = logged_in(users["coordinator"])
    assert client.post(url("kb-feedback", article.pk), {"kind": "helpful"}).status_code == 302
    again = client.post(url("kb-feedback", article.pk), {"kind": "helpful"})
    assert again.status_code == 409 and "您已标记过" in again.content.decode()
    article.refresh_from_db()
    assert article.helpful_count == 1 and ArticleFeedback.objects.filter(article=article).count() == 1


def test_outdated_needs_a_comment_and_htmx_swaps_the_box(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    client = logged_in(users["coordinator"])
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "kb-feedback"}
    empty = client.post(url("kb-feedback", article.pk), {"kind": "outdated", "comment": ""}, **headers)
    assert empty.status_code == 200 and "标记过时请说明哪里需要更新" in empty.content.decode()
    assert Article.objects.get(pk=article.pk).outdated_count == 0
    done = client.post(
        url("kb-feedback", article.pk), {"kind": "outdated", "comment": "时限已改为5天"}, **headers
    )
    html = done.content.decode()
    assert done.status_code == 200 and html.startswith('<section class="card mb-3" id="kb-feedback">')
    assert 'id="kb-outdated-count">1<' in html
    # the editors see what is wrong
    page = logged_in(users["teamlead"]).get(url("kb-article", article.pk)).content.decode()
    assert "时限已改为5天" in page


# --- citing on a ticket -------------------------------------------------------------------


def test_cite_writes_a_cite_article_event_on_the_ticket(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    ticket = register(users["agent"])
    client = logged_in(users["agent"])
    response = client.post(url("kb-cite", article.pk), {"number": ticket.number})
    assert response.status_code == 302
    event = ticket.events.get(action="cite_article")
    assert event.actor == users["agent"] and event.payload["article"] == article.pk
    assert TicketArticle.objects.filter(ticket=ticket, article=article).count() == 1

    twice = client.post(url("kb-cite", article.pk), {"number": ticket.number})
    assert twice.status_code == 409 and "这条知识已引用" in twice.content.decode()
    assert ticket.events.filter(action="cite_article").count() == 1


def test_cite_refuses_a_ticket_out_of_sight_and_a_draft(users):
    article = make_article(users["agent"], publisher=users["teamlead"])
    ticket = register(users["agent"])
    missing = logged_in(users["agent"]).post(url("kb-cite", article.pk), {"number": "NOPE"})
    assert missing.status_code == 404 and "引用未完成" in missing.content.decode()
    hidden = logged_in(users["handler2"]).post(url("kb-cite", article.pk), {"number": ticket.number})
    assert hidden.status_code == 404
    draft = make_article(users["agent"], title="草稿")
    refused = logged_in(users["agent"]).post(url("kb-cite", draft.pk), {"number": ticket.number})
    assert refused.status_code == 409
    assert not ticket.events.filter(action="cite_article").exists()


# --- attachments --------------------------------------------------------------------------


def test_attachment_upload_refuses_a_disguised_file(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(users["agent"])
    client = logged_in(users["agent"])
    fake = SimpleUploadedFile(
        "photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg"
    )
    response = client.post(url("kb-attach", article.pk), {"file": fake})
    assert response.status_code == 400 and "附件内容与文件类型“.jpg”不符" in response.content.decode()
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    assert "不支持的附件类型" in client.post(url("kb-attach", article.pk), {"file": exe}).content.decode()
    assert not ArticleAttachment.objects.exists()


def test_attachment_upload_and_permission_checked_download(users, agent2, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(users["agent"])
    client = logged_in(users["agent"])
    png = SimpleUploadedFile("流程图.png", PNG, content_type="image/png")
    assert client.post(url("kb-attach", article.pk), {"file": png}).status_code == 302
    attachment = ArticleAttachment.objects.get(article=article)
    assert attachment.content_type == "image/png" and attachment.uploaded_by == users["agent"]
    download = client.get(url("kb-attachment", article.pk, attachment.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Cache-Control"] == "private, no-store"
    assert logged_in(agent2).get(url("kb-attachment", article.pk, attachment.pk)).status_code == 404
    assert Client().get(url("kb-attachment", article.pk, attachment.pk)).status_code == 302


def test_only_an_editor_uploads(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(users["agent"], publisher=users["teamlead"])
    png = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = logged_in(users["coordinator"]).post(url("kb-attach", article.pk), {"file": png})
    assert response.status_code == 403 and not ArticleAttachment.objects.exists()


# --- Markdown -----------------------------------------------------------------------------


def test_markdown_script_and_javascript_links_are_inert(users):
    body = (
        "<script>alert('x')</script>\n\n"
        "[点我](javascript:alert(1)) [也点我](JaVaScRiPt:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n**加粗**'
    )
    article = make_article(users["agent"], body=body)
    html = logged_in(users["agent"]).get(url("kb-article", article.pk)).content.decode()
    body_html = html[html.index('id="kb-body"') : html.index("</section>", html.index('id="kb-body"'))]
    assert "<script>" not in body_html and "&lt;script&gt;" in body_html
    assert not re.search(r'href="\s*javascript:', body_html, re.I)
    assert "<img" not in body_html and "<strong>加粗</strong>" in body_html


# --- the list -----------------------------------------------------------------------------


def test_list_filters_by_category_tag_and_status(users):
    lead = users["teamlead"]
    a = make_article(lead, title="退货流程", category="product.quality", tags="退货, 质量", publisher=lead)
    b = make_article(lead, title="噪声投诉口径", category="city.noise", tags="噪声")
    c = make_article(lead, title="服务态度致歉", category="service.attitude", tags="致歉", publisher=lead)
    client = logged_in(lead)

    def titles(**query: str) -> set[str]:
        html = client.get(url("kb-list"), query).content.decode()
        found = re.findall(r'<tr class="kb-row" data-article="(\d+)">', html)
        return {Article.objects.get(pk=int(pk)).title for pk in found}

    assert titles() == {a.title, b.title, c.title}
    assert titles(category="product") == {a.title}
    assert titles(tag="噪声") == {b.title}
    assert titles(status="published") == {a.title, c.title}
    assert titles(status="draft", tag="噪声") == {b.title}
    assert titles(status="nonsense") == {a.title, b.title, c.title}  # a bad filter is dropped


def test_an_agent_lists_published_articles_and_their_own(users, agent2):
    published = make_article(users["teamlead"], title="已发布的", publisher=users["teamlead"])
    own = make_article(agent2, title="我的草稿")
    other = make_article(users["agent"], title="别人的草稿")
    html = logged_in(agent2).get(url("kb-list")).content.decode()
    assert published.title in html and own.title in html and other.title not in html


def test_the_list_reads_a_page_in_a_fixed_number_of_queries(users):
    lead = users["teamlead"]
    make_article(lead, title="一", category="service", tags="甲")
    client = logged_in(lead)
    client.get(url("kb-list"))  # warm caches (config row, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(url("kb-list"))
    for i in range(6):
        make_article(lead, title=f"第{i}条", category="city.noise", tags="乙", publisher=lead)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("kb-list")).status_code == 200
    assert len(many) == len(few)


def test_htmx_filters_get_the_results_only(users):
    make_article(users["teamlead"], title="只要结果")
    response = logged_in(users["teamlead"]).get(
        url("kb-list"), {"status": "draft"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kb-results"
    )
    html = response.content.decode()
    assert "只要结果" in html and "<html" not in html and 'id="kb-table"' in html


def test_no_kb_page_needs_unsafe_inline(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(users["agent"])
    logged_in(users["agent"]).post(url("kb-edit", article.pk), form_of(article, body="第二版"))
    article_move(actor=users["agent"], article=article, action="submit")
    client = logged_in(users["teamlead"])
    pages = ["kb-list", "kb-new", "kb-review"]
    paths = [url(name) for name in pages] + [
        url(name, article.pk) for name in ("kb-article", "kb-edit", "kb-history", "kb-diff")
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert inline_code(response.content.decode()) == [], path


def test_units_packs_and_validity_round_trip_through_the_form(users):
    client = logged_in(users["teamlead"])
    data = {
        "title": "东湖区退货口径",
        "body": "正文",
        "units": ["JZ-XS", "JZ-DH"],
        "packs": ["enterprise"],
        "valid_from": "2026-01-01",
        "public": "on",
    }
    assert client.post(url("kb-new"), data).status_code == 302
    article = Article.objects.get(title="东湖区退货口径")
    assert sorted(article.units.values_list("code", flat=True)) == ["JZ-DH", "JZ-XS"]
    assert article.packs == ["enterprise"] and article.public and str(article.valid_from) == "2026-01-01"
    page = client.get(url("kb-article", article.pk)).content.decode()
    assert "东湖区人民政府" in page and "西山县人民政府" in page
    form = client.get(url("kb-edit", article.pk)).content.decode()
    assert re.search(r'<option value="JZ-DH" selected>', form) and re.search(
        r'<option value="JZ-XS" selected>', form
    )
    assert 'value="2026-01-01"' in form and re.search(r'name="public"[^>]*checked', form)
    # saving the form unchanged is no new version (units come back sorted, as versions keep them)
    again = {**data, "units": ["JZ-XS", "JZ-DH"], "version": 1}
    assert "内容没有变化" in client.post(url("kb-edit", article.pk), again, follow=True).content.decode()
    assert article.versions.count() == 1
