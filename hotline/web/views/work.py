"""Workbench pages: login, the home redirect, worklists, board, approvals, callbacks, inbox.

Views are thin: they check the page is one the user's roles may use (``allowed_pages``),
read through ``hotline.web.selectors`` and change tickets only through
``ticket_transition``. Domain errors become readable Chinese messages, never a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import Conflict, HotlineError, InvalidTransition
from hotline.core.parsing import small_int
from hotline.core.phones import EXTENSION_MARK
from hotline.core.types import User
from hotline.followup.models import AttemptOutcome
from hotline.notify.selectors import inbox_by_ticket
from hotline.notify.services import mark_all_read, mark_read, mark_ticket_read
from hotline.org.models import Role, Unit
from hotline.policies.registry import all_packs
from hotline.web import selectors
from hotline.web.forms_work import BoardFilterForm, BulkSignForm, LoginForm, WorklistFilterForm
from hotline.web.views.ticket_page import shown_identity
from hotline.workflow.access import tickets_visible_to
from hotline.workflow.identity import identity_for
from hotline.workflow.services import ticket_transition

FAVICON = Path(__file__).resolve().parent.parent / "static" / "hotline" / "favicon.ico"


@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico``, which browsers ask for on pages that name no icon (the admin, the
    API's JSON): our own icon, so no page logs a 404 for it."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule): a link cannot log anyone out."""


def _page_denied(request: HttpRequest, page: str) -> HttpResponse | None:
    """The Chinese 403 page when the user's roles may not use ``page``, else None.

    Rendered here rather than raised as ``PermissionDenied``: Django logs a raised one with
    its full traceback, and a refused page is an everyday answer, not an error.
    """
    if page in selectors.allowed_pages(request.user):
        return None
    return render(request, "403.html", {"exception": _("您的角色不能使用此页面")}, status=403)


def _htmx_partial(request: HttpRequest, target: str) -> bool:
    """True when htmx asks for just ``target`` (not on a history restore, which needs the page)."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request and htmx.target == target


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page of their main role (``LANDING_ORDER``)."""
    url = selectors.landing_url(request.user)
    if url is None:
        return render(request, "web/work/no_role.html", status=403)
    return redirect(url)


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    denied = _page_denied(request, "worklist")
    if denied is not None:
        return denied
    form = WorklistFilterForm(
        request.GET, stages=selectors.stage_choices(selectors.packs_in_use(request.user))
    )
    filters = form.filters()
    # handlers and agents start on their own tickets, everyone else on the unit's
    only_own = selectors.roles_of(request.user) <= {Role.HANDLER, Role.AGENT}
    tab = form.cleaned_data.get("tab") or ("mine" if only_own else "unit")
    page = form.cleaned_data.get("page") or 1
    now = timezone.now()
    result = selectors.worklist(request.user, tab=tab, filters=filters, page=page, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "tab": tab,
        "page": result,
        "query": query.urlencode(),
        "tab_query": _without(request, "tab", "page"),
        "can_bulk_sign": any(row.can_sign for row in result.rows),
        "mine_means": selectors.mine_means(request.user),
        "now": now,
    }
    if _htmx_partial(request, "worklist-results"):
        return render(request, "web/work/_worklist_results.html", context)
    return render(request, "web/work/worklist.html", context)


def _without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _sign_failure(error: HotlineError) -> str:
    if isinstance(error, InvalidTransition):
        return _("当前环节不能签收,已被他人处理")
    if isinstance(error, Conflict) and error.code == "stale_version":
        return _("已被他人处理")
    return str(error.detail)


@login_required
@require_POST
def bulk_sign(request: HttpRequest) -> HttpResponse:
    """批量签收: sign each checked ticket on its own, so one conflict loses none of the others."""
    denied = _page_denied(request, "worklist")
    if denied is not None:
        return denied
    form = BulkSignForm(request.POST)
    back = _back(request, reverse("web:worklist"))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    wanted: list[tuple[str, int | None]] = form.cleaned_data["ticket"]
    found = {t.number: t for t in tickets_visible_to(request.user).filter(number__in=[n for n, _v in wanted])}
    signed: list[str] = []
    failed: list[tuple[str, str]] = []
    for number, version in wanted:
        ticket = found.get(number)
        if ticket is None:
            failed.append((number, _("不存在或您无权查看")))
            continue
        try:
            ticket_transition(ticket=ticket, action="sign", actor=request.user, expected_version=version)
        except HotlineError as error:
            failed.append((number, _sign_failure(error)))
        else:
            signed.append(number)
    if signed:
        messages.success(
            request, _("已签收 %(n)s 件:%(numbers)s") % {"n": len(signed), "numbers": "、".join(signed)}
        )
    for number, why in failed:
        messages.warning(request, _("%(number)s 未签收:%(why)s") % {"number": number, "why": why})
    return redirect(back)


def _back(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    denied = _page_denied(request, "board")
    if denied is not None:
        return denied
    units = selectors.board_units(request.user)
    form = BoardFilterForm(request.GET, units=units)
    form.is_valid()
    code = form.cleaned_data.get("unit")
    unit: Unit | None = next((u for u in units if u.code == code), None) if code else None
    now = timezone.now()
    result = selectors.board(request.user, unit=unit, page=form.cleaned_data.get("page") or 1, now=now)
    context = {"form": form, "board": result, "query": _without(request, "page"), "due_soon_hours": 4}
    if _htmx_partial(request, "board-results"):
        return render(request, "web/work/_board_results.html", context)
    return render(request, "web/work/board.html", context)


@login_required
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    denied = _page_denied(request, "approvals")
    if denied is not None:
        return denied
    sections = selectors.approvals(request.user, now=timezone.now())
    return render(request, "web/work/approvals.html", {"sections": sections})


@login_required
@require_GET
def callbacks(request: HttpRequest) -> HttpResponse:
    """Return-visit tasks by due time, with what a call needs: the phone (masked as on the
    ticket page, a ``tel:`` link when it is not), how many calls have failed so far, the
    overdue mark, and per row: call, record a failed call, open the ticket."""
    denied = _page_denied(request, "callbacks")
    if denied is not None:
        return denied
    found, has_more = selectors.callbacks(request.user, now=timezone.now())
    rows = []
    for row in found:
        identity = identity_for(row.visit.ticket, request.user)
        rows.append(
            {
                "visit": row.visit,
                "mark": row.mark,
                "phone": shown_identity(identity)["phone"],
                "dial": "" if "phone" in identity.hidden else dial_target(identity.phone),
            }
        )
    context = {
        "rows": rows,
        "has_more": has_more,
        "outcomes": AttemptOutcome.choices,
        "here": request.get_full_path(),
    }
    return render(request, "web/work/callbacks.html", context)


def dial_target(phone: str) -> str:
    """What a ``tel:`` link dials (RFC 3966): the stored ``+8613255550002``, a fixed line's
    extension as ``;ext=123``; ``""`` when there is no number."""
    line, _mark, extension = phone.partition(EXTENSION_MARK)
    kept = "".join(ch for ch in line if ch.isascii() and (ch.isdigit() or ch == "+"))
    if not any(ch.isdigit() for ch in kept):
        return ""
    return f"{kept}{EXTENSION_MARK}{extension}" if extension.isascii() and extension.isdigit() else kept


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    denied = _page_denied(request, "notifications")
    if denied is not None:
        return denied
    page = small_int(request.GET.get("page", "")) or 1
    size = selectors.PAGE_SIZE
    groups, has_more = inbox_by_ticket(request.user, offset=(page - 1) * size, limit=size)
    context = {"groups": groups, "has_more": has_more, "page": page}
    return render(request, "web/work/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark read: all the user's notifications (``all=1``, not only the page shown), one
    ticket's (``ticket=<id>``) or the checked ones (``id``)."""
    denied = _page_denied(request, "notifications")
    if denied is not None:
        return denied
    user = request.user
    assert isinstance(user, User)  # login_required
    ticket_id = small_int(request.POST.get("ticket", ""))
    if request.POST.get("all"):
        mark_all_read(user)
    elif ticket_id is not None:
        mark_ticket_read(user, ticket_id)
    else:
        mark_read(user, [n for n in map(small_int, request.POST.getlist("id")) if n is not None])
    return HttpResponseRedirect(reverse("web:notifications"))


@login_required
@require_GET
def packs(request: HttpRequest) -> HttpResponse:
    """The loaded policy packs, read-only (they are files: changed by deploying, not here)."""
    denied = _page_denied(request, "packs")
    if denied is not None:
        return denied
    return render(request, "web/work/packs.html", {"packs": all_packs()})
