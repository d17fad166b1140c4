"""The knowledge base's writes: versions, review, scoping, feedback, citing, scripts → tickets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.core.errors import Conflict, Forbidden, InvalidInput, NoChange, NotFound
from hotline.demo.seed import seed_org
from hotline.knowledge.models import ArticleStatus, ArticleVersion, KnowledgeConfig, Script, TicketArticle
from hotline.knowledge.services import (
    article_cite,
    article_create,
    article_edit,
    article_feedback,
    article_input,
    article_move,
    articles_visible_to,
    get_article,
    public_articles,
    version_diff,
)
from hotline.knowledge.walks import register_with_script, script_walk, suggest_scripts
from hotline.org.models import Role
from tests.conftest import PASSWORD
from tests.factories import DraftFactory, register
from tests.knowledge.test_rules import QUESTIONS

pytestmark = pytest.mark.django_db


def _article(actor: Any, **fields: Any) -> Any:
    return article_create(
        actor=actor, data=article_input({"title": "退货时限", "body": "七日无理由退货", **fields})
    )


def _published(users: dict[str, Any], **fields: Any) -> Any:
    article = _article(users["agent"], **fields)
    article_move(actor=users["agent"], article=article, action="submit")
    return article_move(actor=users["teamlead"], article=article, action="publish")


def test_every_edit_is_a_new_version_and_the_diff_shows_it(users: dict[str, Any]) -> None:
    article = _article(users["agent"])
    edited = article_edit(
        actor=users["agent"],
        article=article,
        data=article_input({"title": "退货时限", "body": "七日无理由退货\n\n鲜活易腐商品除外"}),
        expected_version=1,
        note="补充例外",
    )
    assert edited.version == 2
    assert list(ArticleVersion.objects.filter(article=article).values_list("number", "note")) == [
        (1, "创建"),
        (2, "补充例外"),
    ]
    diff = version_diff(edited, 1, 2)
    assert "+鲜活易腐商品除外" in diff


def test_a_stale_edit_is_a_conflict_and_an_empty_edit_writes_nothing(users: dict[str, Any]) -> None:
    article = _article(users["agent"])
    data = article_input({"title": "退货时限", "body": "新正文"})
    article_edit(actor=users["agent"], article=article, data=data, expected_version=1)
    with pytest.raises(Conflict) as stale:
        article_edit(
            actor=users["agent"],
            article=article,
            data=article_input({"title": "退货时限", "body": "另一人的正文"}),
            expected_version=1,
        )
    assert stale.value.code == "kb_conflict"
    with pytest.raises(NoChange):
        article_edit(actor=users["agent"], article=article, data=data, expected_version=2)
    assert ArticleVersion.objects.filter(article=article).count() == 2


def test_only_the_roles_the_administrator_names_publish(users: dict[str, Any]) -> None:
    article = _article(users["agent"])
    article_move(actor=users["agent"], article=article, action="submit")
    with pytest.raises(Forbidden):
        article_move(actor=users["agent"], article=article, action="publish")
    with pytest.raises(Forbidden):
        article_move(actor=users["coordinator"], article=article, action="publish")
    config = KnowledgeConfig.current()
    config.publisher_roles = [Role.COORDINATOR]
    config.save()
    with pytest.raises(Forbidden):
        article_move(actor=users["teamlead"], article=article, action="publish")
    published = article_move(actor=users["coordinator"], article=article, action="publish")
    assert published.status == ArticleStatus.PUBLISHED
    assert published.published_by == users["coordinator"]
    with pytest.raises(NoChange):
        article_move(actor=users["coordinator"], article=article, action="publish")
    assert [e.kind for e in published.events.all()] == ["create", "submit", "publish"]


def test_a_send_back_needs_a_reason_and_a_wrong_status_is_a_conflict(users: dict[str, Any]) -> None:
    article = _article(users["agent"])
    with pytest.raises(Conflict):
        article_move(actor=users["teamlead"], article=article, action="send_back", comment="x")
    article_move(actor=users["agent"], article=article, action="submit")
    with pytest.raises(InvalidInput):
        article_move(actor=users["teamlead"], article=article, action="send_back")
    back = article_move(actor=users["teamlead"], article=article, action="send_back", comment="请注明依据")
    assert back.status == ArticleStatus.DRAFT


def test_staff_read_published_articles_of_their_units_and_packs(users: dict[str, Any], org: Any) -> None:
    everyone = _published(users, title="所有单位")
    for_xs = _published(users, title="西山县", units=["JZ-XS"])
    other_pack = _published(users, title="烟草", packs=["tobacco-12313"])
    draft = _article(users["agent"], title="草稿")
    expired = _published(users, title="已失效", valid_until=str(timezone.localdate() - timedelta(days=1)))
    seen_by_handler = set(articles_visible_to(users["handler"]).values_list("title", flat=True))
    assert seen_by_handler == {"所有单位"}  # 东湖区 handler, enterprise pack
    seen_by_handler2 = set(articles_visible_to(users["handler2"]).values_list("title", flat=True))
    assert seen_by_handler2 == {"所有单位", "西山县"}
    with pytest.raises(NotFound):
        get_article(users["handler"], draft.pk)
    assert get_article(users["agent"], draft.pk) == draft  # the author sees their draft
    for hidden in (for_xs, other_pack, expired):
        with pytest.raises(NotFound):
            get_article(users["handler"], hidden.pk)
    assert get_article(users["teamlead"], expired.pk) == expired  # a publisher sees everything
    assert everyone in articles_visible_to(users["handler"])


def test_the_portal_sees_public_published_articles_in_force_only(users: dict[str, Any]) -> None:
    shown = _published(users, title="公开", public=True)
    _published(users, title="内部")
    _article(users["agent"], title="公开草稿", public=True)
    later = _published(
        users, title="未生效", public=True, valid_from=str(timezone.localdate() + timedelta(days=3))
    )
    retired = _published(users, title="已停用", public=True)
    article_move(actor=users["teamlead"], article=retired, action="retire")
    assert list(public_articles()) == [shown]
    assert later not in public_articles()


def test_feedback_counts_once_per_person(users: dict[str, Any]) -> None:
    article = _published(users)
    article_feedback(actor=users["agent"], article=article, kind="helpful")
    with pytest.raises(NoChange):
        article_feedback(actor=users["agent"], article=article, kind="helpful")
    with pytest.raises(InvalidInput):
        article_feedback(actor=users["coordinator"], article=article, kind="outdated")
    marked = article_feedback(
        actor=users["coordinator"], article=article, kind="outdated", comment="政策已调整"
    )
    assert (marked.helpful_count, marked.outdated_count) == (1, 1)


def test_a_citation_is_on_the_tickets_history_once(users: dict[str, Any]) -> None:
    article = _published(users)
    ticket = register(users["agent"])
    article_cite(actor=users["agent"], ticket=ticket, article=article)
    with pytest.raises(NoChange):
        article_cite(actor=users["agent"], ticket=ticket, article=article)
    event = ticket.events.get(action="cite_article")
    assert event.payload == {"article": article.pk, "title": "退货时限", "version": 1}
    with pytest.raises(NotFound):  # a handler of another unit cannot touch the ticket
        article_cite(actor=users["handler2"], ticket=ticket, article=article)
    assert TicketArticle.objects.filter(ticket=ticket).count() == 1


def test_unknown_and_invalid_article_fields_are_refused(users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as unknown:
        article_input({"title": "a", "body": "b", "status": "published"})
    assert unknown.value.code == "unknown_field"
    with pytest.raises(InvalidInput):
        article_input({"title": "a", "body": "b", "units": ["NOPE"]})
    with pytest.raises(InvalidInput):
        article_input({"title": "a", "body": "b", "packs": ["nope"]})
    with pytest.raises(InvalidInput):
        article_input({"title": "a", "body": "b", "valid_from": "2026-12-01", "valid_until": "2026-11-01"})


# ---- scripts --------------------------------------------------------------------------


@pytest.fixture
def telecom(db: Any) -> Any:
    return seed_org(password=PASSWORD, policy="telecom")


@pytest.fixture
def script(telecom: Any) -> Script:
    return Script.objects.create(
        code="interconnection",
        title="互联互通",
        symptom="拨打其他运营商号码接通率低、串线、单通",
        keywords=["串线", "单通", "接通率"],
        questions=QUESTIONS,
        outcomes=[
            {
                "when": {"all": ["1", "2", "3"]},
                "outcome": "close",
                "label": "互联互通问题",
                "wording": "网间通路繁忙,正在协调",
            },
            {
                "outcome": "dispatch",
                "label": "非互联互通问题",
                "wording": "已为您派单,两个工作日内答复",
                "unit": "JZ-DH-SJ",
                "promised": {"amount": 2, "unit": "working_days"},
            },
        ],
    )


def test_a_close_outcome_closes_on_the_spot_with_the_wording(telecom: Any, script: Script) -> None:
    draft = DraftFactory(subject="打外网电话串线", description="拨打联通号码经常串线")
    ticket, walk = register_with_script(
        draft=draft, actor=telecom.users["agent"], script=script, answers={"1": True, "2": False, "3": False}
    )
    assert walk.outcome == "close"
    assert ticket.status == "closed"
    actions = list(ticket.events.order_by("seq").values_list("action", flat=True))
    assert actions == ["register", "answer_script", "close"]
    walked = ticket.events.get(action="answer_script")
    assert walked.payload["answers"] == {"1": True, "2": False, "3": False}
    assert walked.payload["label"] == "互联互通问题"
    closed = ticket.events.get(action="close")
    assert closed.payload["result"] == "网间通路繁忙,正在协调"  # the wording is the reply
    assert closed.public


def test_a_dispatch_outcome_goes_to_the_scripts_unit_with_the_promise(telecom: Any, script: Script) -> None:
    draft = DraftFactory(subject="打外网电话串线", description="一直打不通")
    ticket, walk = register_with_script(
        draft=draft, actor=telecom.users["agent"], script=script, answers={"1": True, "2": True, "3": False}
    )
    assert walk.outcome == "dispatch"
    assert ticket.unit.code == "JZ-DH-SJ"
    assert ticket.stage == "dispatched"
    walked = ticket.events.get(action="answer_script")
    assert walked.payload["promised"] == "2个工作日"
    assert walked.payload["promised_at"] == walk.promised_at.isoformat()  # type: ignore[union-attr]
    assert list(ticket.events.order_by("seq").values_list("action", flat=True)) == [
        "register",
        "answer_script",
        "accept",
        "dispatch",
    ]


def test_a_bad_walk_registers_nothing(telecom: Any, script: Script) -> None:
    from hotline.tickets.models import Ticket

    with pytest.raises(InvalidInput):
        register_with_script(
            draft=DraftFactory(), actor=telecom.users["agent"], script=script, answers={"1": True}
        )
    assert Ticket.objects.count() == 0


def test_scripts_are_suggested_from_the_words_typed(telecom: Any, script: Script) -> None:
    assert suggest_scripts(telecom.users["agent"], text="电话老是串线") == [script]
    assert suggest_scripts(telecom.users["agent"], text="噪声扰民") == []
    walk = script_walk(script, {"1": False, "2": False, "3": False})
    assert walk.as_dict()["promised"]["label"] == "2个工作日"
