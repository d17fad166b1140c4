"""The public FAQ (常见问题): public, published articles in force today, without login.

Everything the public sees comes from ``knowledge.services.public_articles``: a draft, an
article in review or retired, one not marked public, or one outside its validity is a 404,
the same answer as a number that never existed. Search is the search app's
``search_public_articles`` (snippets with ``<mark>``), filtered through ``public_articles``
again, so a stale index never shows what the public may not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hotline.knowledge.markdown import render as render_markdown
from hotline.knowledge.models import Article
from hotline.knowledge.services import public_articles
from hotline.search.services import search_public_articles

MAX_QUERY = 100
MAX_RESULTS = 20


@dataclass(frozen=True)
class Hit:
    article: Article
    snippet: SafeString


def search(q: str) -> list[Hit]:
    """The search app's hits, kept only where ``public_articles`` still agrees."""
    found = search_public_articles(q, limit=MAX_RESULTS)
    public = set(public_articles().filter(pk__in=[h.article.pk for h in found]).values_list("pk", flat=True))
    return [Hit(h.article, h.snippet) for h in found if h.article.pk in public]


def _groups(articles: list[Article]) -> list[tuple[str, list[Article]]]:
    """Articles by category (the top of the category tree), the uncategorised last."""
    groups: dict[Any, tuple[str, list[Article]]] = {}
    order: dict[Any, tuple[int, str]] = {}
    for article in articles:
        category = article.category
        top = category.parent if category is not None and category.parent is not None else category
        key = top.pk if top is not None else None
        if key not in groups:
            groups[key] = (top.name if top is not None else _("其他问题"), [])
            order[key] = (top.sort, top.code) if top is not None else (1 << 30, "")
        groups[key][1].append(article)
    return [groups[k] for k in sorted(groups, key=lambda k: order[k])]


@require_GET
def faq_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    context: dict[str, Any] = {"q": q}
    if q:
        context["hits"] = search(q)
    else:
        articles = list(public_articles().select_related("category__parent").order_by("title", "pk")[:500])
        context["groups"] = _groups(articles)
    return render(request, "portal/faq.html", context)


@require_GET
def faq_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = public_articles().select_related("category__parent").filter(pk=pk).first()
    if article is None:
        return render(request, "portal/faq_missing.html", status=404)
    context = {"article": article, "body_html": render_markdown(article.body)}
    return render(request, "portal/faq_article.html", context)
