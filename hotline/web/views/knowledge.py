"""The knowledge base pages (知识库): list and review queue, article, new/edit, history, diff.

Thin, like the ticket screens: every change goes through ``hotline.knowledge.services``
(which decides who may), every read through ``articles_visible_to`` / ``get_article`` (a
missing and a hidden article are the same Chinese 404). An edit posts the version it
started from; when someone saved since, the form comes back with a banner naming them and
the text as typed (ADR 0012), never a 500. Attachments, feedback and citing a ticket are
in ``knowledge_extra``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hotline.core.errors import Conflict, Forbidden, HotlineError, InvalidInput, NoChange, NotFound
from hotline.core.types import User
from hotline.knowledge.markdown import render as render_markdown
from hotline.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleFeedback,
    ArticleStatus,
    ArticleVersion,
    Feedback,
)
from hotline.knowledge.services import (
    MOVES,
    article_create,
    article_edit,
    article_input,
    article_move,
    articles_visible_to,
    can_edit,
    can_publish,
    get_article,
    is_staff_member,
    version_diff,
)
from hotline.web.formatting import person_name
from hotline.web.forms_kb import (
    PAGE_SIZE,
    ArticleFilterForm,
    ArticleForm,
    CiteForm,
    DiffForm,
    FeedbackForm,
    KbAttachmentForm,
    MoveForm,
)
from hotline.web.forms_ticket import put_error
from hotline.web.views.ticket_common import error_page, staff_page

# the status moves as buttons: label and Bootstrap tone
MOVE_LABELS = {
    "submit": gettext_lazy("提交审核"),
    "publish": gettext_lazy("发布"),
    "send_back": gettext_lazy("退回修改"),
    "retire": gettext_lazy("停用"),
}
MOVE_TONES = {"submit": "primary", "publish": "success", "send_back": "warning", "retire": "danger"}
STATUS_TONES = {
    ArticleStatus.DRAFT: "secondary",
    ArticleStatus.REVIEW: "warning",
    ArticleStatus.PUBLISHED: "success",
    ArticleStatus.RETIRED: "dark",
}


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


kb_staff = staff_page(is_staff_member, _("您的角色不能使用知识库"))


def visible_article(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Hand the view the article of the URL's ``pk`` the user may read (else the 404 page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            article = get_article(request.user, pk)
        except NotFound as err:
            return error_page(request, NotFound(_("知识不存在或您无权查看"), code=err.code))
        return view(request, article, *args, **kwargs)

    return wrapper


def done_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Back to ``url`` after a change: htmx follows a client redirect, a plain form a 302."""
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)


# --- the list and the review queue --------------------------------------------------------


def _with_tag(qs: QuerySet[Article], tag: str) -> QuerySet[Article]:
    if connection.features.supports_json_field_contains:
        return qs.filter(tags__contains=[tag])
    # SQLite has no JSON containment: the list is already narrowed by the other filters
    keep = [pk for pk, tags in qs.values_list("pk", "tags") if isinstance(tags, list) and tag in tags]
    return qs.filter(pk__in=keep)


@kb_staff
@require_GET
def kb_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = ArticleFilterForm(request.GET)
    filters = form.filters()
    qs = articles_visible_to(user).select_related("category__parent", "created_by")
    if filters["category"]:
        code = filters["category"]
        qs = qs.filter(Q(category__code=code) | Q(category__code__startswith=f"{code}."))
    if filters["status"]:
        qs = qs.filter(status=filters["status"])
    if filters["tag"]:
        qs = _with_tag(qs, filters["tag"])
    page = filters["page"]
    start = (page - 1) * PAGE_SIZE
    rows = list(qs.order_by("-updated_at", "-pk")[start : start + PAGE_SIZE + 1])  # one more: "next"
    query = request.GET.copy()
    query.pop("page", None)
    publisher = can_publish(user)
    context = {
        "form": form,
        "rows": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "query": query.urlencode(),
        "status_tones": STATUS_TONES,
        "can_publish": publisher,
        "review_count": Article.objects.filter(status=ArticleStatus.REVIEW).count() if publisher else 0,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "kb-results":
        return render(request, "web/kb/_results.html", context)
    return render(request, "web/kb/list.html", context)


@kb_staff
@require_GET
def kb_review(request: HttpRequest) -> HttpResponse:
    """待审核: the articles submitted for review, oldest first, for the publishing roles."""
    user = user_of(request)
    if not can_publish(user):
        return render(request, "403.html", {"exception": _("只有可发布知识的角色能审核")}, status=403)
    articles = list(
        Article.objects.filter(status=ArticleStatus.REVIEW)
        .select_related("category__parent", "created_by")
        .order_by("updated_at", "pk")[:200]
    )
    submitted: dict[int, ArticleEvent] = {}
    published: dict[int, int] = {}
    events = ArticleEvent.objects.filter(
        article__in=articles, kind__in=[ArticleEvent.Kind.SUBMIT, ArticleEvent.Kind.PUBLISH]
    ).select_related("actor")
    for event in events.order_by("at", "pk"):
        if event.kind == ArticleEvent.Kind.SUBMIT:
            submitted[event.article_id] = event  # the latest submit wins
        else:
            published[event.article_id] = event.version
    rows = [
        {
            "article": a,
            "submitted": submitted.get(a.pk),
            "published_version": published.get(a.pk) if published.get(a.pk) != a.version else None,
        }
        for a in articles
    ]
    return render(request, "web/kb/review.html", {"rows": rows})


# --- the article page ---------------------------------------------------------------------


def moves_for(user: User, article: Article) -> list[dict[str, Any]]:
    """The status moves ``user`` may make on ``article`` now (the services decide again)."""
    moves = []
    for action, (sources, _target, needs_publisher) in MOVES.items():
        if article.status not in sources:
            continue
        if needs_publisher and not can_publish(user):
            continue
        if not needs_publisher and not can_edit(user, article):
            continue
        moves.append(
            {
                "action": action,
                "label": MOVE_LABELS[action],
                "tone": MOVE_TONES[action],
                "comment_required": action == "send_back",
            }
        )
    return moves


def feedback_context(user: User, article: Article, **extra: Any) -> dict[str, Any]:
    mine = set(ArticleFeedback.objects.filter(article=article, user=user).values_list("kind", flat=True))
    context: dict[str, Any] = {
        "article": article,
        "marked_helpful": Feedback.HELPFUL in mine,
        "marked_outdated": Feedback.OUTDATED in mine,
        "feedback_form": FeedbackForm(),
    }
    context.update(extra)
    return context


def article_page(request: HttpRequest, article: Article, *, status: int = 200, **extra: Any) -> HttpResponse:
    user = user_of(request)
    editable = can_edit(user, article)
    outdated_notes: list[ArticleFeedback] = []
    if editable:
        outdated_notes = list(
            ArticleFeedback.objects.filter(article=article, kind=Feedback.OUTDATED)
            .select_related("user")
            .order_by("-at")[:20]
        )
    context = feedback_context(user, article)
    context.update(
        {
            "body_html": render_markdown(article.body),
            "status_tone": STATUS_TONES.get(ArticleStatus(article.status), "secondary"),
            "units": list(article.units.order_by("path")),
            "attachments": list(
                ArticleAttachment.objects.filter(article=article).select_related("uploaded_by")
            ),
            "trail": list(
                ArticleEvent.objects.filter(article=article)
                .select_related("actor")
                .order_by("-at", "-pk")[:20]
            ),
            "can_edit": editable,
            "moves": moves_for(user, article),
            "move_form": MoveForm(),
            "cite_form": CiteForm(initial={"number": request.GET.get("ticket", "")[:30]}),
            "attachment_form": KbAttachmentForm(),
            "outdated_notes": outdated_notes,
            "in_force": _in_force(article),
        }
    )
    context.update(extra)
    return render(request, "web/kb/article.html", context, status=status)


def _in_force(article: Article) -> bool:
    today = timezone.localdate()
    return (article.valid_from is None or article.valid_from <= today) and (
        article.valid_until is None or article.valid_until >= today
    )


@kb_staff
@require_GET
@visible_article
def kb_article(request: HttpRequest, article: Article) -> HttpResponse:
    return article_page(request, article)


@kb_staff
@require_POST
@visible_article
def kb_move(request: HttpRequest, article: Article, action: str) -> HttpResponse:
    """Submit, publish, send back or retire, with the reviewer's comment."""
    if action not in MOVES:
        return error_page(
            request, NotFound(_("未知的操作“%(action)s”") % {"action": action}, code="unknown_action")
        )
    form = MoveForm(request.POST)
    label = MOVE_LABELS[action]
    if not form.is_valid():
        if "version" in form.errors:
            return error_page(request, InvalidInput(_("页面已过期,请刷新后再操作"), code="version_required"))
        return article_page(request, article, status=400, move_form=form, open_move=action)
    try:
        if form.cleaned_data["version"] != article.version:
            # the service moves whatever version is current: a reviewer publishes what they read
            raise Conflict(
                _("这条知识在您打开后又被修改(当前第%(version)s版),请阅读新版本后再%(action)s")
                % {"version": article.version, "action": label},
                code="kb_conflict",
            )
        article_move(
            actor=user_of(request),
            article=article,
            action=action,
            comment=form.cleaned_data.get("comment", ""),
        )
    except HotlineError as err:
        put_error(form, err)
        fresh = Article.objects.get(pk=article.pk)
        banner = {
            "kind": "conflict" if err.code == "kb_conflict" else "error",
            "text": _("%(action)s未完成:%(detail)s") % {"action": label, "detail": err.detail},
        }
        return article_page(
            request, fresh, status=err.status, banner=banner, move_form=form, open_move=action
        )
    messages.success(request, _("已%(action)s") % {"action": label})
    return done_redirect(request, article_url(article))


def article_url(article: Article) -> str:
    return reverse("web:kb-article", args=[article.pk])


# --- new and edit -------------------------------------------------------------------------


@kb_staff
@require_http_methods(["GET", "POST"])
def kb_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method != "POST":
        form = ArticleForm()
        return render(request, "web/kb/form.html", {"form": form, "article": None})
    form = ArticleForm(request.POST)
    if form.is_valid():
        try:
            data = article_input(form.article_data())
            article = article_create(actor=user, data=data, note=form.cleaned_data["note"])
        except Forbidden as err:
            return error_page(request, err)
        except HotlineError as err:
            put_error(form, err)
        else:
            messages.success(request, _("知识已保存为草稿,提交审核后由审核人发布"))
            return redirect("web:kb-article", pk=article.pk)
    return render(request, "web/kb/form.html", {"form": form, "article": None}, status=400)


def _conflict_banner(article: Article, seen: int | None) -> dict[str, Any]:
    """Who saved since the editor opened the form, worded for the banner."""
    newer = list(
        ArticleVersion.objects.filter(article=article, number__gt=seen or 0)
        .select_related("edited_by")
        .order_by("number")
    )
    who = "、".join(dict.fromkeys(person_name(v.edited_by) or _("他人") for v in newer)) or _("他人")
    text = _(
        "这条知识已被%(who)s修改(当前第%(version)s版)。您填写的内容已保留在下面,请核对对方的修改后再保存。"
    ) % {"who": who, "version": article.version}
    return {"kind": "conflict", "text": text, "newer": newer, "seen": seen}


@kb_staff
@require_http_methods(["GET", "POST"])
@visible_article
def kb_edit(request: HttpRequest, article: Article) -> HttpResponse:
    user = user_of(request)
    if not can_edit(user, article):
        return error_page(request, Forbidden(_("您无权修改这条知识"), code="kb_forbidden"))
    if request.method != "POST":
        form = ArticleForm(initial=ArticleForm.initial_of(article))
        return render(request, "web/kb/form.html", {"form": form, "article": article})
    form = ArticleForm(request.POST)
    if not form.is_valid():
        if "version" in form.errors:
            return error_page(request, InvalidInput(_("页面已过期,请刷新后再修改"), code="version_required"))
        return render(request, "web/kb/form.html", {"form": form, "article": article}, status=400)
    seen = form.cleaned_data["version"]
    if seen is None:
        return error_page(request, InvalidInput(_("页面已过期,请刷新后再修改"), code="version_required"))
    try:
        data = article_input(form.article_data())
        article_edit(
            actor=user, article=article, data=data, expected_version=seen, note=form.cleaned_data["note"]
        )
    except NoChange:
        messages.info(request, _("内容没有变化,未保存新版本"))
        return redirect("web:kb-article", pk=article.pk)
    except Conflict as err:
        if err.code != "kb_conflict":
            put_error(form, err)
            return render(request, "web/kb/form.html", {"form": form, "article": article}, status=err.status)
        fresh = Article.objects.get(pk=article.pk)
        again = request.POST.copy()
        again["version"] = str(fresh.version)  # a second save is the editor's informed choice
        context = {
            "form": ArticleForm(again),
            "article": fresh,
            "banner": _conflict_banner(fresh, seen),
        }
        return render(request, "web/kb/form.html", context, status=409)
    except Forbidden as err:
        return error_page(request, err)
    except HotlineError as err:
        put_error(form, err)
        return render(request, "web/kb/form.html", {"form": form, "article": article}, status=err.status)
    messages.success(request, _("已保存新版本"))
    return redirect("web:kb-article", pk=article.pk)


# --- history and diff ---------------------------------------------------------------------


@kb_staff
@require_GET
@visible_article
def kb_history(request: HttpRequest, article: Article) -> HttpResponse:
    versions = list(article.versions.select_related("edited_by").order_by("-number"))
    trail = list(ArticleEvent.objects.filter(article=article).select_related("actor").order_by("at", "pk"))
    latest = versions[0].number if versions else article.version
    context = {
        "article": article,
        "versions": versions,
        "trail": trail,
        "default_old": max(latest - 1, 1),
        "default_new": latest,
    }
    return render(request, "web/kb/history.html", context)


def diff_rows(lines: list[str]) -> list[dict[str, str]]:
    """A unified diff as rows: the header, hunk marks, and each line added, removed or kept."""
    rows = []
    for line in lines:
        if line.startswith(("--- ", "+++ ")):
            rows.append({"kind": "file", "sign": "", "text": line[4:]})
        elif line.startswith("@@"):
            rows.append({"kind": "hunk", "sign": "", "text": line})
        elif line.startswith("+"):
            rows.append({"kind": "add", "sign": "+", "text": line[1:]})
        elif line.startswith("-"):
            rows.append({"kind": "del", "sign": "−", "text": line[1:]})
        else:
            rows.append({"kind": "same", "sign": "", "text": line[1:]})
    return rows


@kb_staff
@require_GET
@visible_article
def kb_diff(request: HttpRequest, article: Article) -> HttpResponse:
    latest = article.versions.order_by("-number").values_list("number", flat=True).first() or 1
    if "old" in request.GET or "new" in request.GET:
        form = DiffForm(request.GET)
        if not form.is_valid():
            return error_page(request, InvalidInput(_("请选择要比较的两个版本")))
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
    else:
        old, new = max(latest - 1, 1), latest
    if old > new:
        old, new = new, old
    try:
        lines = version_diff(article, old, new)
    except NotFound:
        return error_page(request, NotFound(_("版本不存在")))
    versions = {
        v.number: v for v in article.versions.filter(number__in=[old, new]).select_related("edited_by")
    }
    context = {
        "article": article,
        "old": versions[old],
        "new": versions[new],
        "rows": diff_rows(lines),
        "numbers": list(article.versions.order_by("number").values_list("number", flat=True)),
    }
    return render(request, "web/kb/diff.html", context)
