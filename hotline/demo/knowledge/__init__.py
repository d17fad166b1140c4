"""The demo knowledge base: the eight response scripts of ``004_…txt`` for the telecom
branch, articles for both demo centres, and the standard service phrases.

``seed_knowledge`` adds what is missing and leaves what exists alone (a script by code, an
article by title, a phrase by its text), so running the demo twice duplicates nothing and
keeps what a user changed. Articles go through the knowledge services, so each has its
versions and its review trail like one written in the workbench."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db import transaction

from hotline.core.types import User
from hotline.demo.knowledge.articles import ARTICLES, DemoArticle
from hotline.demo.knowledge.phrases import PHRASES
from hotline.demo.knowledge.scripts import SCRIPTS
from hotline.demo.seed import DemoOrg
from hotline.knowledge.models import Article, Phrase, Script
from hotline.knowledge.rules import check_script
from hotline.knowledge.services import ArticleInput, article_create, article_edit, article_move
from hotline.org.models import Unit
from hotline.tickets.models import Category

PUBLISHER = "teamlead"  # the city centre's team leader: a publisher by default (KnowledgeConfig)

__all__ = ["ARTICLES", "PHRASES", "SCRIPTS", "KnowledgeSeeded", "seed_knowledge"]


@dataclass(frozen=True)
class KnowledgeSeeded:
    """How many of each were created by this run (0 when everything existed already)."""

    scripts: int
    articles: int
    phrases: int


@transaction.atomic
def seed_knowledge(*, org: DemoOrg, telecom: DemoOrg) -> KnowledgeSeeded:
    """Add the demo scripts, articles and phrases that are missing (``seed_org`` and
    ``seed_telecom`` first: the scripts dispatch to the telecom units, authors are demo users)."""
    users = {**org.users, **telecom.users}
    return KnowledgeSeeded(
        scripts=_seed_scripts(),
        articles=sum(_seed_article(a, users) for a in ARTICLES),
        phrases=_seed_phrases(),
    )


def _unit_exists(code: str) -> bool:
    return Unit.objects.filter(code=code).exists()


def _seed_scripts() -> int:
    created = 0
    for order, spec in enumerate(SCRIPTS, start=1):
        if Script.objects.filter(code=spec["code"]).exists():
            continue
        # the model checks the form on save; the seed also checks the units exist
        check_script(spec["questions"], spec["outcomes"], spec.get("faq", []), unit_exists=_unit_exists)
        Script.objects.create(
            code=spec["code"],
            title=spec["title"],
            symptom=spec["symptom"],
            typical_case=spec["typical_case"],
            front_desk=spec["front_desk"],
            category=Category.objects.get(code=spec["category"]),
            packs=["telecom"],
            keywords=spec["keywords"],
            questions=spec["questions"],
            outcomes=spec["outcomes"],
            faq=spec.get("faq", []),
            order=order,
        )
        created += 1
    return created


def _seed_article(spec: DemoArticle, users: dict[str, User]) -> int:
    if Article.objects.filter(title=spec.title).exists():
        return 0
    author, publisher = users[spec.author], users[PUBLISHER]
    data = ArticleInput(
        title=spec.title,
        body=spec.body,
        category=spec.category,
        tags=spec.tags,
        units=spec.units,
        packs=spec.packs,
        public=spec.public,
    )
    article = article_create(actor=author, data=data, note="创建")
    if spec.revision is not None:
        body, note = spec.revision
        article = article_edit(
            actor=author,
            article=article,
            data=dataclasses.replace(data, body=body),
            expected_version=article.version,
            note=note,
        )
    if spec.status == "draft":
        return 1
    if author != publisher or spec.status == "review":
        article = article_move(actor=author, article=article, action="submit")
    if spec.status == "review":
        return 1
    article = article_move(actor=publisher, article=article, action="publish", comment="内容准确,同意发布")
    if spec.status == "retired":
        article_move(actor=publisher, article=article, action="retire", comment="已过期")
    return 1


def _seed_phrases() -> int:
    created = 0
    for order, (situation, text) in enumerate(PHRASES):
        _, new = Phrase.objects.get_or_create(situation=situation, text=text, defaults={"order": order})
        created += new
    return created
