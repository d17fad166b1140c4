"""Writing and reading the knowledge base (the scripts' walk is ``knowledge.walks``).

Articles: any staff member drafts and submits; the roles the administrator names in
:class:`KnowledgeConfig` publish, send back and retire, and may edit anything. Every change
of content writes a new :class:`ArticleVersion` in the same transaction; an edit against a
stale version is a ``Conflict`` (two editors never overwrite each other); a save that
changes nothing writes nothing (``NoChange``).

Citing an article on a ticket writes a ``TicketArticle`` and a ``cite_article`` event on
the ticket, under its lock, through the core.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from hotline.core.errors import Conflict, Forbidden, InvalidInput, NoChange, NotFound
from hotline.core.types import AnyUser, User
from hotline.knowledge.models import (
    Article,
    ArticleEvent,
    ArticleFeedback,
    ArticleStatus,
    ArticleVersion,
    Feedback,
    KnowledgeConfig,
    TicketArticle,
)
from hotline.org.models import Role, Unit
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.tickets.models import Category, Ticket
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record

# ---------------------------------------------------------------------------------------
# subscribers: the search index hears of every article change inside its transaction, so
# what is searchable is exactly what has committed (search sits above knowledge)

ArticleListener = Callable[[Article], None]
article_listeners: list[ArticleListener] = []


def on_article_saved(listener: ArticleListener) -> ArticleListener:
    """Subscribe ``listener(article)`` to every create, edit and status change (idempotent)."""
    if listener not in article_listeners:
        article_listeners.append(listener)
    return listener


def _saved(article: Article) -> None:
    for listener in list(article_listeners):
        listener(article)


# ---------------------------------------------------------------------------------------
# who may do what


def is_staff_member(user: AnyUser) -> bool:
    return bool(user.is_authenticated and (getattr(user, "is_superuser", False) or memberships_of(user)))


def can_publish(user: AnyUser) -> bool:
    """Whether ``user`` reviews, publishes and retires articles (the administrator names the roles)."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    roles = set(KnowledgeConfig.current().publisher_roles) or {Role.ADMIN}
    return any(m.role in roles for m in memberships_of(user))


def can_edit(user: AnyUser, article: Article) -> bool:
    if can_publish(user):
        return True
    return (
        is_staff_member(user)
        and article.created_by_id == user.pk
        and article.status in (ArticleStatus.DRAFT, ArticleStatus.REVIEW)
    )


def user_pack_codes(user: AnyUser) -> set[str]:
    return {m.unit.effective_policy() for m in memberships_of(user)}


def _applies(qs: QuerySet[Article], user: AnyUser, today: date) -> QuerySet[Article]:
    """Published, in force today, for one of the user's units (or all) and packs (or all)."""
    qs = qs.filter(status=ArticleStatus.PUBLISHED)
    qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
    qs = qs.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    if getattr(user, "is_superuser", False):
        return qs
    unit_ids: set[int] = set()
    for m in memberships_of(user):
        unit: Unit | None = m.unit
        while unit is not None:  # an article for a city applies to its departments
            unit_ids.add(unit.pk)
            unit = unit.parent
    scoped = qs.filter(Q(units__isnull=True) | Q(units__in=unit_ids)).distinct()
    packs = user_pack_codes(user)
    keep = [pk for pk, codes in scoped.values_list("pk", "packs") if not codes or set(codes) & packs]
    return qs.filter(pk__in=keep)


def articles_visible_to(user: AnyUser, *, today: date | None = None) -> QuerySet[Article]:
    """What a staff member may read: published articles that apply to them; their own
    drafts; everything for a publisher. The public see nothing here (``public_articles``)."""
    if not is_staff_member(user):
        return Article.objects.none()
    if can_publish(user):
        return Article.objects.all()
    today = today or timezone.localdate()
    applies = _applies(Article.objects.all(), user, today).values("pk")
    own = Q(created_by_id=user.pk, status__in=[ArticleStatus.DRAFT, ArticleStatus.REVIEW])
    return Article.objects.filter(Q(pk__in=applies) | own)


def public_articles(*, today: date | None = None) -> QuerySet[Article]:
    """The portal's FAQ: public, published, in force today."""
    today = today or timezone.localdate()
    return (
        Article.objects.filter(public=True, status=ArticleStatus.PUBLISHED)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )


def get_article(user: AnyUser, pk: Any) -> Article:
    """The article if ``user`` may read it; missing and hidden are the same ``NotFound``."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("知识不存在") from None
    article = articles_visible_to(user).filter(pk=pk).first()
    if article is None:
        raise NotFound("知识不存在")
    return article


# ---------------------------------------------------------------------------------------
# article content


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body: str
    category: str = ""
    tags: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    packs: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    public: bool = False


ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(ArticleInput))


def _strings(value: Any, name: str, *, limit: int = 50, each: int = 32) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [v for v in value.replace(",", ",").split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name}应为文字列表", code="invalid_type", field=name)
    items = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(items) > limit or any(len(v) > each for v in items):
        raise InvalidInput(f"{name}最多{limit}项,每项不超过{each}字", code="list_too_long", field=name)
    return items


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", code="invalid_type", field=name) from None


def article_input(data: Mapping[str, Any]) -> ArticleInput:
    """Read an article's fields from a request body or form; refuses unknown fields."""
    unknown = sorted(set(data) - ARTICLE_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段:{'、'.join(unknown)}", code="unknown_field", field=unknown[0])
    title = data.get("title")
    body = data.get("body")
    if not isinstance(title, str) or not title.strip():
        raise InvalidInput("请填写标题", code="title_required", field="title")
    if len(title.strip()) > 200:
        raise InvalidInput("标题不能超过200字", code="title_too_long", field="title")
    if not isinstance(body, str) or not body.strip():
        raise InvalidInput("请填写正文", code="body_required", field="body")
    if len(body) > 100_000:
        raise InvalidInput("正文不能超过10万字", code="body_too_long", field="body")
    category = data.get("category") or ""
    if not isinstance(category, str):
        raise InvalidInput("诉求分类应为分类编码", code="invalid_type", field="category")
    if category and not Category.objects.filter(code=category).exists():
        raise InvalidInput(f"诉求分类“{category}”不存在", code="invalid_category", field="category")
    units = _strings(data.get("units"), "units", limit=200)
    missing = set(units) - set(Unit.objects.filter(code__in=units).values_list("code", flat=True))
    if missing:
        raise InvalidInput(f"单位“{'、'.join(sorted(missing))}”不存在", code="invalid_unit", field="units")
    packs = _strings(data.get("packs"), "packs")
    for code in packs:
        try:
            get_pack(code)
        except Exception:
            raise InvalidInput(f"政策包“{code}”不存在", code="unknown_policy_pack", field="packs") from None
    valid_from = _date(data.get("valid_from"), "valid_from")
    valid_until = _date(data.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_until < valid_from:
        raise InvalidInput("失效日期不能早于生效日期", code="invalid_range", field="valid_until")
    public = data.get("public", False)
    if isinstance(public, str):
        public = public.lower() in ("1", "true", "on", "yes")
    if not isinstance(public, bool):
        raise InvalidInput("public 应为 true 或 false", code="invalid_type", field="public")
    return ArticleInput(
        title=title.strip(),
        body=body.replace("\r\n", "\n"),
        category=category,
        tags=_strings(data.get("tags"), "tags"),
        units=units,
        packs=packs,
        valid_from=valid_from,
        valid_until=valid_until,
        public=public,
    )


def _content(article: Article) -> ArticleInput:
    return ArticleInput(
        title=article.title,
        body=article.body,
        category=article.category.code if article.category_id and article.category else "",
        tags=tuple(article.tags),
        units=tuple(sorted(article.units.values_list("code", flat=True))),
        packs=tuple(article.packs),
        valid_from=article.valid_from,
        valid_until=article.valid_until,
        public=article.public,
    )


def _apply(article: Article, data: ArticleInput) -> None:
    article.title = data.title
    article.body = data.body
    article.category = Category.objects.filter(code=data.category).first() if data.category else None
    article.tags = list(data.tags)
    article.packs = list(data.packs)
    article.valid_from = data.valid_from
    article.valid_until = data.valid_until
    article.public = data.public


def _snapshot(article: Article, data: ArticleInput, *, actor: AnyUser, now: datetime, note: str) -> None:
    ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=data.title,
        body=data.body,
        category_code=data.category,
        tags=list(data.tags),
        unit_codes=sorted(data.units),
        packs=list(data.packs),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        public=data.public,
        note=note[:200],
        edited_by=actor if isinstance(actor, User) else None,
        edited_at=now,
    )


def _trail(article: Article, kind: str, actor: AnyUser, now: datetime, comment: str = "") -> None:
    ArticleEvent.objects.create(
        article=article,
        kind=kind,
        version=article.version,
        actor=actor if isinstance(actor, User) else None,
        comment=comment[:500],
        at=now,
    )


def article_create(*, actor: AnyUser, data: ArticleInput, note: str = "") -> Article:
    if not is_staff_member(actor):
        raise Forbidden("您无权编写知识", code="kb_forbidden")
    now = timezone.now()
    with transaction.atomic():
        article = Article(created_by=actor if isinstance(actor, User) else None, version=1)
        _apply(article, data)
        article.save()
        article.units.set(Unit.objects.filter(code__in=data.units))
        _snapshot(article, data, actor=actor, now=now, note=note or "创建")
        _trail(article, ArticleEvent.Kind.CREATE, actor, now)
        _saved(article)
    return article


def _locked(pk: int) -> Article:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an article is locked inside a transaction")
    return Article.objects.select_for_update().get(pk=pk)


def article_edit(
    *, actor: AnyUser, article: Article, data: ArticleInput, expected_version: int | None, note: str = ""
) -> Article:
    """Save a new version of ``article`` (refused when someone saved since ``expected_version``)."""
    if not can_edit(actor, article):
        raise Forbidden("您无权修改这条知识", code="kb_forbidden")
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(article.pk)
        if not can_edit(actor, locked):  # the row as it is now: it may have been published since
            raise Forbidden("您无权修改这条知识", code="kb_forbidden")
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(f"这条知识已被他人修改(当前第{locked.version}版),请刷新后再改", code="kb_conflict")
        if _content(locked) == dataclasses.replace(data, units=tuple(sorted(data.units))):
            raise NoChange("内容没有变化")
        locked.version = F("version") + 1
        _apply(locked, data)
        locked.save()
        locked.refresh_from_db()
        locked.units.set(Unit.objects.filter(code__in=data.units))
        _snapshot(locked, data, actor=actor, now=now, note=note)
        _trail(locked, ArticleEvent.Kind.EDIT, actor, now, note)
        _saved(locked)
    return locked


# the status moves: action → (from statuses, to status, needs a publisher)
MOVES: dict[str, tuple[frozenset[str], str, bool]] = {
    "submit": (frozenset({ArticleStatus.DRAFT}), ArticleStatus.REVIEW, False),
    "publish": (
        frozenset({ArticleStatus.DRAFT, ArticleStatus.REVIEW, ArticleStatus.RETIRED}),
        ArticleStatus.PUBLISHED,
        True,
    ),
    "send_back": (frozenset({ArticleStatus.REVIEW}), ArticleStatus.DRAFT, True),
    "retire": (frozenset({ArticleStatus.PUBLISHED}), ArticleStatus.RETIRED, True),
}


def article_move(
    *, actor: AnyUser, article: Article, action: str, comment: str = "", expected_version: int | None = None
) -> Article:
    """Submit for review, publish, send back or retire (ArticleEvent keeps who and why)."""
    if action not in MOVES:
        raise InvalidInput(f"未知的操作“{action}”", code="invalid_action", field="action")
    sources, target, needs_publisher = MOVES[action]
    if needs_publisher and not can_publish(actor):
        raise Forbidden("您无权审核或发布知识", code="kb_forbidden")
    if not needs_publisher and not can_edit(actor, article):
        raise Forbidden("您无权提交这条知识", code="kb_forbidden")
    if action == "send_back" and not comment.strip():
        raise InvalidInput("退回时请写明修改意见", code="reason_required", field="comment")
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(article.pk)
        if expected_version is not None and locked.version != expected_version:
            # a reviewer publishes the version they read, not one saved since
            raise Conflict(f"这条知识已更新为第{locked.version}版,请阅读后再操作", code="kb_conflict")
        if not needs_publisher and not can_edit(actor, locked):
            raise Forbidden("您无权提交这条知识", code="kb_forbidden")
        if locked.status == target:
            raise NoChange("这条知识已是该状态")
        if locked.status not in sources:
            raise Conflict(
                f"这条知识当前为“{locked.get_status_display()}”,不能{_MOVE_LABELS[action]}",
                code="kb_wrong_status",
            )
        locked.status = target
        if target == ArticleStatus.PUBLISHED:
            locked.published_at = now
            locked.published_by = actor if isinstance(actor, User) else None
        locked.save()
        _trail(locked, action, actor, now, comment)
        _saved(locked)
    return locked


_MOVE_LABELS = {"submit": "提交审核", "publish": "发布", "send_back": "退回", "retire": "停用"}


def article_feedback(*, actor: AnyUser, article: Article, kind: str, comment: str = "") -> Article:
    """Mark an article helpful or outdated, once per person and kind."""
    if kind not in Feedback.values:
        raise InvalidInput("标记应为 helpful 或 outdated", code="invalid_feedback", field="kind")
    if kind == Feedback.OUTDATED and not comment.strip():
        raise InvalidInput("标记过时请说明哪里需要更新", code="reason_required", field="comment")
    if not isinstance(actor, User) or not is_staff_member(actor):
        raise Forbidden("您无权标记知识", code="kb_forbidden")
    with transaction.atomic():
        locked = _locked(article.pk)
        if locked.status != ArticleStatus.PUBLISHED:
            raise Conflict("只能标记已发布的知识", code="kb_wrong_status")
        _, created = ArticleFeedback.objects.get_or_create(
            article=locked,
            user=actor,
            kind=kind,
            defaults={"comment": comment.strip()[:500], "version": locked.version, "at": timezone.now()},
        )
        if not created:
            raise NoChange("您已标记过")
        counter = "helpful_count" if kind == Feedback.HELPFUL else "outdated_count"
        Article.objects.filter(pk=locked.pk).update(**{counter: F(counter) + 1})
        locked.refresh_from_db()
    return locked


def article_cite(*, actor: AnyUser, ticket: Ticket, article: Article) -> TicketArticle:
    """Record that ``article`` answered ``ticket`` (the ticket's history gets ``cite_article``)."""
    if article.status != ArticleStatus.PUBLISHED:
        raise Conflict("只能引用已发布的知识", code="kb_wrong_status")
    if not tickets_visible_to(actor).filter(pk=ticket.pk).exists():
        raise NotFound("工单不存在或您无权查看")
    if not articles_visible_to(actor).filter(pk=article.pk).exists():
        raise NotFound("知识不存在")
    now = timezone.now()
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
        if TicketArticle.objects.filter(ticket=locked, article=article).exists():
            raise NoChange("这条知识已引用")
        link = TicketArticle.objects.create(
            ticket=locked,
            article=article,
            version=article.version,
            linked_by=actor if isinstance(actor, User) else None,
            linked_at=now,
        )
        ticket_record(
            locked=locked,
            kind=EventKind.CITE_ARTICLE,
            actor=actor,
            now=now,
            comment=article.title,
            payload={"article": article.pk, "title": article.title, "version": article.version},
        )
    return link


def version_diff(article: Article, old: int, new: int) -> list[str]:
    """A unified diff of two versions' title and body (for the history page and the API)."""
    versions = {v.number: v for v in article.versions.filter(number__in=[old, new])}
    if old not in versions or new not in versions:
        raise NotFound("版本不存在")
    a, b = versions[old], versions[new]
    text_a = [f"# {a.title}", "", *a.body.splitlines()]
    text_b = [f"# {b.title}", "", *b.body.splitlines()]
    return list(difflib.unified_diff(text_a, text_b, f"第{old}版", f"第{new}版", lineterm="", n=2))
