"""The search box (检索): tickets and knowledge articles, scoped, masked, with snippets.

``search(user, q, kind=…)`` answers the workbench and the API; ``search_public_articles``
the portal's FAQ. Both read the index ``hotline.search.index`` writes with every change.

- **Scope**: ticket hits are ``access.tickets_visible_to(user)`` narrowed to the matching
  documents — a handler never gets a hit, a snippet or a count from a ticket they may not
  open. Article hits are ``knowledge.services.articles_visible_to(user)`` (others' drafts
  are not found), never retired ones; the portal's are ``public_articles()``.
- **Matching**: every term of the box must occur in the document, as a ``LIKE`` scan would
  find it (``text.parse_query``); the lexeme and trigram indexes only narrow the rows the
  database then checks with ``ILIKE``. Newest first (tickets by registration, articles by
  their last change): a page is the first rows of that order, never a count of them all.
- **Identity**: a confidential ticket's identity is not in its document (``index``), so it
  is neither matched nor shown; snippets are cut from the document only, escaped, with
  ``<mark>`` around the hits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.safestring import SafeString

from hotline.core.errors import InvalidInput
from hotline.core.types import AnyUser
from hotline.knowledge.models import Article, ArticleStatus
from hotline.knowledge.services import articles_visible_to, public_articles
from hotline.org.models import Unit
from hotline.search.index import ARTICLES, TICKETS, _Table, article_labels, ticket_labels
from hotline.search.models import ArticleDocument, TicketDocument
from hotline.search.text import (
    Query,
    QueryError,
    Snippet,
    fts5_query,
    like_pattern,
    parse_query,
    snippet,
    tsquery,
)
from hotline.tickets.models import Status, Ticket, TicketType
from hotline.workflow.access import tickets_visible_to, units_under

Kind = Literal["ticket", "article"]
KINDS: Final = ("ticket", "article")
PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100


@dataclass(frozen=True)
class TicketFilters:
    """The ticket filters of the box: type, current unit (and the units below), status, and
    received between two dates (inclusive, Asia/Shanghai)."""

    type: str = ""
    unit: Unit | None = None
    status: str = ""
    received_from: date | None = None
    received_to: date | None = None


@dataclass(frozen=True)
class TicketHit:
    ticket: Ticket
    snippets: list[Snippet]

    @property
    def snippet(self) -> SafeString:
        return self.snippets[0].html if self.snippets else SafeString("")


@dataclass(frozen=True)
class ArticleHit:
    """One article found; ``snippet`` is safe HTML (escaped text, ``<mark>`` around hits)."""

    article: Article
    snippets: list[Snippet]

    @property
    def snippet(self) -> SafeString:
        return self.snippets[0].html if self.snippets else SafeString("")


@dataclass(frozen=True)
class Page:
    """One page of hits, newest first; ``has_more`` instead of a count (no full scan)."""

    query: Query
    kind: Kind
    hits: list[TicketHit] | list[ArticleHit]
    number: int
    size: int
    has_more: bool


def read_query(q: str | None) -> Query:
    """``parse_query`` with its refusal as the domain's ``InvalidInput`` (field ``q``)."""
    try:
        return parse_query(q)
    except QueryError as exc:
        raise InvalidInput(str(exc), code=exc.code, field="q") from None


def read_kind(kind: str | None) -> Kind:
    value = kind or "ticket"
    if value == "ticket":
        return "ticket"
    if value == "article":
        return "article"
    raise InvalidInput(
        "检索类别只能是 ticket(工单)或 article(知识)", code="search_kind_invalid", field="kind"
    )


def read_filters(
    *, type: str = "", unit: str = "", status: str = "", received_from: str = "", received_to: str = ""
) -> TicketFilters:
    """The ticket filters from text (a form, a query string); bad values are ``InvalidInput``."""
    if type and type not in TicketType.values:
        raise InvalidInput(f"未知的诉求类型“{type}”", code="search_filter_invalid", field="type")
    if status and status not in Status.values:
        raise InvalidInput(f"未知的状态“{status}”", code="search_filter_invalid", field="status")
    found: Unit | None = None
    if unit:
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise InvalidInput(f"单位编码“{unit}”不存在", code="search_filter_invalid", field="unit")
    start, end = _date(received_from, "from"), _date(received_to, "to")
    if start and end and start > end:
        raise InvalidInput("起始日期晚于截止日期", code="search_date_invalid", field="from")
    return TicketFilters(type=type, unit=found, status=status, received_from=start, received_to=end)


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”无效(YYYY-MM-DD)", code="search_date_invalid", field=name) from None
    if not 2000 <= parsed.year <= 2099:
        raise InvalidInput(f"日期“{value}”超出范围", code="search_date_invalid", field=name)
    return parsed


# ---------------------------------------------------------------------------------------
# matching


def matching_ids(table: _Table, query: Query) -> RawSQL:
    """``SELECT <id> FROM <documents> WHERE …`` for the query's terms, on this database's
    indexes, every term checked as a substring (``ILIKE`` / SQLite's case-blind ``LIKE``)."""
    where: list[str] = []
    params: list[Any] = []
    lexemes = query.lexemes
    if connection.vendor == "postgresql":
        if lexemes:
            where.append("d.tsv @@ to_tsquery('simple'::regconfig, %s)")
            params.append(tsquery(lexemes))
        for term in query.terms:  # pg_trgm's GIN index serves these (three characters or more)
            where.append("d.body ILIKE %s ESCAPE '\\'")
            params.append(like_pattern(term))
    else:
        if lexemes:
            where.append(
                f"d.{table.key} IN (SELECT rowid FROM {table.fts}_words WHERE {table.fts}_words MATCH %s)"
            )
            params.append(fts5_query(lexemes))
        for fragment in query.trigram_fragments:
            if not any(ch in fragment for ch in "%_\\"):
                where.append(f"d.{table.key} IN (SELECT rowid FROM {table.fts}_trigram WHERE body LIKE %s)")
                params.append(f"%{fragment}%")
        for term in query.terms:
            where.append("d.body LIKE %s ESCAPE '\\'")
            params.append(like_pattern(term))
    sql = f"SELECT d.{table.key} FROM {table.table} d WHERE " + " AND ".join(where)
    return RawSQL(sql, params)


def ticket_scope(user: AnyUser, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The tickets ``user`` may see, narrowed by the box's filters."""
    qs = tickets_visible_to(user)
    f = filters or TicketFilters()
    if f.type:
        qs = qs.filter(type=f.type)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.unit is not None:
        qs = qs.filter(unit_id__in=units_under([f.unit]))
    if f.received_from:
        qs = qs.filter(received_at__gte=_local_midnight(f.received_from))
    if f.received_to:
        qs = qs.filter(received_at__lt=_local_midnight(f.received_to + timedelta(days=1)))
    return qs


def ticket_matches(user: AnyUser, query: Query, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """Every ticket ``user`` may see that holds every term, filtered, newest first."""
    return ticket_scope(user, filters).filter(pk__in=matching_ids(TICKETS, query)).order_by("-pk")


# How many of the newest tickets in scope the first pass reads (PostgreSQL, ``_first_pass``).
RECENT_WINDOW: Final = 1000
WIDEST_WINDOW: Final = 6000
WINDOW_PER_ROW: Final = 25  # a page deeper in the list reads a wider first window


def ticket_page_ids(
    user: AnyUser, query: Query, filters: TicketFilters | None, *, start: int, count: int
) -> list[int]:
    """Ids of the matching tickets ``start`` to ``start + count``, newest first.

    On PostgreSQL, words that occur in a tenth of all tickets (the same few subjects recur)
    make the index scan return ~100,000 rows to recheck and sort for a page of twenty; the
    planner cannot know, as its estimate multiplies the bigrams' frequencies as if they were
    independent. So a query with Han terms first reads the newest ``RECENT_WINDOW`` tickets
    in scope and checks their text directly: enough hits there are exactly the newest ones.
    Only a rarer query (too few hits in that window) goes to the indexes, which then return
    few rows. Numbers and phones are rare by nature and go to the indexes at once."""
    need = start + count
    if connection.vendor == "postgresql" and query.lexemes:
        found = _first_pass(ticket_scope(user, filters), query, need)
        if found is not None:
            return found[start:need]
    ids = ticket_matches(user, query, filters).values_list("pk", flat=True)[start:need]
    return list(ids)


def _first_pass(scope: QuerySet[Ticket], query: Query, need: int) -> list[int] | None:
    """The newest ``need`` matching ids among the newest tickets in scope, or None when a
    window of the newest (``RECENT_WINDOW``, then once more as many as the first window's
    share of hits says will do, up to ``WIDEST_WINDOW``) holds too few."""
    window = max(RECENT_WINDOW, need * WINDOW_PER_ROW)
    while True:
        in_window, found = _check_recent(scope, window, query, need)
        if len(found) >= need or in_window < window:
            return found
        if not found:
            return None  # rare here: the indexes will find the few there are
        wider = math.ceil(window * need / len(found) * 1.3)
        if window > RECENT_WINDOW or wider > WIDEST_WINDOW:
            return None
        window = wider


def _check_recent(scope: QuerySet[Ticket], window: int, query: Query, need: int) -> tuple[int, list[int]]:
    """How many tickets the newest ``window`` in scope are, and the newest ``need`` of them
    whose document holds every term — one statement. ``strpos`` on ``lower()`` is exact like
    ``ILIKE`` and no operator the trigram index could take over: these rows are read by key."""
    recent_sql, recent_params = scope.order_by("-pk").values_list("pk")[:window].query.sql_with_params()
    checks = " AND ".join(["strpos(lower(d.body), lower(%s)) > 0"] * len(query.terms))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH recent(id) AS MATERIALIZED ({recent_sql}) "
            "SELECT (SELECT count(*) FROM recent), ARRAY("
            "SELECT d.ticket_id FROM recent r JOIN search_ticketdocument d ON d.ticket_id = r.id "
            f"WHERE {checks} ORDER BY d.ticket_id DESC LIMIT %s)",
            [*recent_params, *query.terms, need],
        )
        count, found = cursor.fetchone()
    return int(count), list(found)


def article_matches(articles: QuerySet[Article], query: Query) -> QuerySet[Article]:
    return (
        articles.filter(pk__in=matching_ids(ARTICLES, query))
        .exclude(status=ArticleStatus.RETIRED)
        .order_by("-updated_at", "-pk")
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---------------------------------------------------------------------------------------
# the box


def search(
    user: AnyUser,
    q: str | None,
    *,
    kind: str | None = "ticket",
    filters: TicketFilters | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    """One page of what ``user`` finds for ``q`` among tickets or articles (``kind``).

    Refuses bad input with ``InvalidInput`` (codes in ``read_query`` / ``read_kind``); the
    ticket filters are ignored for articles."""
    query = read_query(q)
    which = read_kind(kind)
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    number = max(1, page)
    start = (number - 1) * size
    if which == "ticket":
        ids = ticket_page_ids(user, query, filters, start=start, count=size + 1)
        by_id = Ticket.objects.select_related("unit", "owner_unit", "category").in_bulk(ids)
        tickets = [by_id[pk] for pk in ids if pk in by_id]
        bodies = dict(
            TicketDocument.objects.filter(pk__in=[t.pk for t in tickets[:size]]).values_list("pk", "body")
        )
        ticket_hits = [
            TicketHit(ticket=t, snippets=snippet(ticket_labels(bodies.get(t.pk, "")), query.terms))
            for t in tickets[:size]
        ]
        return Page(query, which, ticket_hits, number, size, has_more=len(tickets) > size)
    articles = list(article_matches(articles_visible_to(user), query)[start : start + size + 1])
    return Page(query, which, _article_hits(articles[:size], query), number, size, len(articles) > size)


def _article_hits(articles: list[Article], query: Query) -> list[ArticleHit]:
    bodies = dict(ArticleDocument.objects.filter(pk__in=[a.pk for a in articles]).values_list("pk", "body"))
    return [
        ArticleHit(article=a, snippets=snippet(article_labels(bodies.get(a.pk, "")), query.terms))
        for a in articles
    ]


def search_public_articles(q: str, limit: int = 20) -> list[ArticleHit]:
    """The portal's FAQ search: public, published articles in force today that hold every
    term of ``q``, newest first, at most ``limit``. Each hit has ``.article`` and
    ``.snippet`` (safe HTML: the text escaped, ``<mark>`` around the hits).

    Stable for the portal: an empty or unsearchable ``q`` (too short a number, too long)
    gives ``[]`` rather than an error — a visitor's box needs no error codes."""
    try:
        query = parse_query(q)
    except QueryError:
        return []
    articles = list(article_matches(public_articles(), query)[: max(0, min(limit, MAX_PAGE_SIZE))])
    return _article_hits(articles, query)
