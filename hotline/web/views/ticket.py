"""The ticket page (工单详情) and its forms: actions, unmask, attachments, failed call-backs.

Every change goes through the services; a view only checks access, shapes input and
shows the outcome. When someone else acted first the page comes back with a banner, the
newer history, and the user's form as they typed it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from hotline.core.errors import Conflict, Forbidden, HotlineError, InvalidInput, NotFound
from hotline.core.parsing import small_int
from hotline.core.types import User
from hotline.followup.models import ReturnVisit, VisitStatus
from hotline.followup.services import record_attempt
from hotline.policies.registry import get_pack
from hotline.tickets.models import Attachment, Ticket, TicketEvent
from hotline.web import extension
from hotline.web.forms_ticket import ActionForm, AttachmentForm, UnmaskForm, VisitAttemptForm, put_error
from hotline.web.views.ticket_common import error_page, page_status, visible_ticket
from hotline.web.views.ticket_page import action_label, actor_name, page_context
from hotline.workflow.access import access_ticket, ticket_roles, tickets_visible_to
from hotline.workflow.actions import HANDLERS
from hotline.workflow.attachments import attachment_add
from hotline.workflow.services import allowed_actions, ticket_transition, ticket_unmask


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _page(request: HttpRequest, ticket: Ticket, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = page_context(ticket=ticket, user=_user(request), **extra)
    return render(request, "web/ticket/ticket.html", context, status=page_status(request, status))


def _done(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)  # type: ignore[attr-defined]


@login_required
@require_GET
@visible_ticket
def ticket_detail(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return _page(request, ticket)


def _conflict_banner(
    ticket: Ticket, seen_seq: int | None, err: HotlineError, typed: dict[str, Any]
) -> dict[str, Any]:
    """What changed since the user loaded the page, worded for the banner."""
    newer = (
        list(
            TicketEvent.objects.filter(ticket=ticket, seq__gt=seen_seq or 0)
            .select_related("actor")
            .order_by("seq")
        )
        if seen_seq is not None
        else []
    )
    if newer:
        who = "、".join(dict.fromkeys(actor_name(e) for e in newer))
        what = "、".join(dict.fromkeys(action_label(e.action) for e in newer))
        text = _("该工单已被%(who)s处理:%(what)s,请核对后再操作") % {"who": who, "what": what}
    else:
        text = _("%(detail)s,请核对后再操作") % {"detail": err.detail}
    rows = [
        {"actor": actor_name(e), "label": action_label(e.action), "at": e.created_at, "comment": e.comment}
        for e in newer
    ]
    return {"kind": "conflict", "text": text, "newer": rows, "typed": typed}


@login_required
@require_POST
@visible_ticket
def ticket_action(request: HttpRequest, ticket: Ticket, action: str) -> HttpResponse:
    user = _user(request)
    if action not in HANDLERS:
        return error_page(
            request, NotFound(_("未知的操作“%(action)s”") % {"action": action}, code="unknown_action")
        )
    pack = get_pack(ticket.policy)
    form = ActionForm(request.POST, action=action, ticket=ticket, pack=pack)
    if not form.is_valid():
        if "expected_version" in form.errors:
            return error_page(request, InvalidInput(_("页面已过期,请刷新后再操作"), code="version_required"))
        return _page(request, ticket, status=400, bound={action: form})
    label = action_label(action)
    try:
        ticket_transition(
            ticket=ticket,
            action=action,
            actor=user,
            params=form.params(),
            expected_version=form.cleaned_data["expected_version"],
        )
    except Conflict as err:  # stale version, or the stage moved on (InvalidTransition)
        try:
            fresh = access_ticket(user, ticket.number)
        except NotFound:  # the winner's action took the ticket out of this user's sight (退单, 改派)
            return error_page(
                request, Conflict(_("该工单已被他人处理,您已无权查看"), code="ticket_moved_away")
            )
        data = request.POST.copy()
        data["expected_version"] = str(fresh.version)
        last = TicketEvent.objects.filter(ticket=fresh).order_by("-seq").values_list("seq", flat=True).first()
        data["seen_seq"] = str(last or 0)
        again = ActionForm(data, action=action, ticket=fresh, pack=get_pack(fresh.policy))
        typed = {str(form.fields[k].label): v for k, v in form.params().items() if isinstance(v, str)}
        banner = _conflict_banner(fresh, form.cleaned_data.get("seen_seq"), err, typed)
        banner["action"] = label
        return _page(request, fresh, status=409, bound={action: again}, banner=banner)
    except HotlineError as err:
        put_error(form, err)
        banner = {
            "kind": "error",
            "text": _("%(action)s未完成:%(detail)s") % {"action": label, "detail": err.detail},
        }
        return _page(request, ticket, status=err.status, bound={action: form}, banner=banner)
    messages.success(request, _("已%(action)s") % {"action": label})
    if tickets_visible_to(user).filter(pk=ticket.pk).exists():
        return _done(request, reverse("web:ticket", args=[ticket.number]))
    # e.g. after 退单 the unit no longer sees the ticket
    return _done(request, reverse("web:home"))


@login_required
@require_GET
@visible_ticket
def extension_preview(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """延期后的时限: the due times an extension of ``amount`` would give, before it is asked.

    htmx gets the small preview box; without JavaScript the form's "计算" button brings the
    whole page back with the form as typed and the preview in it.
    """
    user = _user(request)
    pack = get_pack(ticket.policy)
    if pack.extension is None or "request_extension" not in allowed_actions(ticket, user):
        err = Forbidden(_("您不能为此工单申请延期"), code="extension_forbidden")
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "web/ticket/_extension_preview.html", {"preview_error": err.detail})
        return error_page(request, err)
    raw = request.GET.get("amount", "").strip()
    amount = small_int(raw)
    result: extension.Preview | None = None
    error = ""
    left = extension.request_help(ticket, pack, now=timezone.now())
    if not raw:
        pass  # nothing typed yet: the box says what it will show
    elif amount is None or amount < 1 or amount > 1000:
        error = _("延期数量应为1至1000的整数")
    else:
        result = extension.preview(ticket, amount=amount, unit=pack.extension.unit)
        if left is not None and amount > left.amount_left:
            error = _("超过本轮可延期的总量(还可延期%(left)s),提交将被拒绝") % {"left": left.amount_left_text}
    if request.htmx:  # type: ignore[attr-defined]
        context = {"preview": result, "preview_error": error}
        return render(request, "web/ticket/_extension_preview.html", context)
    last = TicketEvent.objects.filter(ticket=ticket).order_by("-seq").values_list("seq", flat=True).first()
    data = {
        "expected_version": str(ticket.version),
        "seen_seq": str(last or 0),
        "amount": raw[:10],
        "reason": request.GET.get("reason", "")[:4000],
    }
    form = ActionForm(data, action="request_extension", ticket=ticket, pack=pack)
    return _page(
        request, ticket, bound={"request_extension": form}, extension_preview=result, preview_error=error
    )


@login_required
@require_POST
@visible_ticket
def ticket_unmask_view(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """Show a confidential ticket's identity once, with a reason; logged by ``ticket_unmask``."""
    user = _user(request)
    form = UnmaskForm(request.POST)
    form.is_valid()
    try:
        result = ticket_unmask(ticket=ticket, actor=user, reason=form.cleaned_data.get("reason", ""))
    except InvalidInput as err:
        put_error(form, err)
        return _page(request, ticket, status=400, unmask_form=form)
    except Forbidden as err:
        return _page(request, ticket, status=403, banner={"kind": "error", "text": err.detail})
    response = _page(request, result.ticket, unmask=result, unmask_form=UnmaskForm())
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@visible_ticket
def visit_attempt(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    """记录未接通: a call-back that did not reach the complainant, through ``record_attempt``
    (which checks the role and may send the survey link)."""
    user = _user(request)
    form = VisitAttemptForm(request.POST)
    label = _("记录未接通")
    if not form.is_valid():
        if "visit" in form.errors:
            return error_page(request, InvalidInput(_("页面已过期,请刷新后再操作"), code="visit_required"))
        detail = ";".join(str(e) for errors in form.errors.values() for e in errors)
        banner = {
            "kind": "error",
            "text": _("%(action)s未完成:%(detail)s") % {"action": label, "detail": detail},
        }
        return _page(request, ticket, status=400, attempt_form=form, banner=banner)
    visit = ReturnVisit.objects.filter(ticket=ticket, pk=form.cleaned_data["visit"]).first()
    try:
        if visit is None:
            raise NotFound(_("回访任务不存在"), code="visit_not_found")
        was = visit.status
        record_attempt(
            visit=visit, user=user, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
    except HotlineError as err:
        put_error(form, err)
        banner = {
            "kind": "error",
            "text": _("%(action)s未完成:%(detail)s") % {"action": label, "detail": err.detail},
        }
        return _page(request, ticket, status=err.status, attempt_form=form, banner=banner)
    visit.refresh_from_db(fields=["status"])
    if was == VisitStatus.OPEN and visit.status == VisitStatus.UNREACHABLE:
        messages.warning(
            request,
            _("%(number)s 已记录未接通。诉求人联系不上,已向其发送评价链接(见工单的“消息发送情况”)。")
            % {"number": ticket.number},
        )
    else:
        messages.success(request, _("%(number)s 已记录未接通") % {"number": ticket.number})
    return _done(request, _next_url(request) or reverse("web:ticket", args=[ticket.number]))


def _next_url(request: HttpRequest) -> str:
    """The page to go back to (``next``, e.g. the callback list) when it is one of ours."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_GET
@visible_ticket
def attachment_download(request: HttpRequest, ticket: Ticket, pk: int) -> HttpResponseBase:
    """Download an attachment of a ticket the user may see (404 for anyone else)."""
    attachment = Attachment.objects.filter(ticket=ticket, pk=pk).first()
    if attachment is None:
        return error_page(request, NotFound(_("附件不存在或您无权查看"), code="attachment_not_found"))
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
@visible_ticket
def attachment_upload(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    user = _user(request)
    if not ticket_roles(user, ticket):
        return error_page(request, Forbidden(_("您不能为此工单上传附件"), code="attachment_forbidden"))
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(ticket=ticket, upload=form.cleaned_data["file"], actor=user)
        except HotlineError as err:
            put_error(form, err)
        else:
            messages.success(request, _("附件已上传"))
            return redirect("web:ticket", number=ticket.number)
    return _page(request, ticket, status=400, attachment_form=form)
