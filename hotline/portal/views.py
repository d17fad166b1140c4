"""Public portal views (no login): submit, see the number once, track, rate.

Thin: they check the anti-abuse measures and call ``portal.services`` / ``portal.selectors``.
A domain error becomes a readable message on the page, never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods

from hotline.core.clients import client_address
from hotline.core.errors import Conflict, HotlineError, InvalidTransition, NotFound, TooManyRequests
from hotline.portal import antiabuse
from hotline.portal.forms import MAX_FILES, MAX_TOTAL_BYTES, CodeForm, RateForm, SubmissionForm, TrackForm
from hotline.portal.selectors import public_progress, public_ticket
from hotline.portal.services import public_rate, public_ticket_register
from hotline.tickets.models import Ticket
from hotline.tickets.tokens import rate_token_number

SUBMITTED_KEY = "portal_submitted"  # number and code, shown once on the next page
VERIFIED_KEY = "portal_verified"  # numbers this browser proved it knows the code of
MAX_VERIFIED = 20


def _attachment_message(error: HotlineError) -> str:
    """The Chinese (or translated) message for an attachment refused by ``attachment_add``."""
    limit_mb = settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
    messages = {
        "attachment_type": _("附件类型不支持。允许的类型:%(types)s")
        % {"types": pgettext("list separator", "、").join(sorted(settings.HOTLINE_ATTACHMENT_TYPES))},
        "attachment_too_large": _("单个附件不能超过 %(mb)d MB") % {"mb": limit_mb},
        "attachment_empty": _("附件是空文件"),
    }
    return messages.get(error.code, error.detail)


def _remember_verified(request: HttpRequest, number: str) -> None:
    numbers = [n for n in request.session.get(VERIFIED_KEY, []) if n != number]
    request.session[VERIFIED_KEY] = [*numbers, number][-MAX_VERIFIED:]


def _is_verified(request: HttpRequest, number: str) -> bool:
    return number in request.session.get(VERIFIED_KEY, [])


def home(request: HttpRequest) -> HttpResponse:
    phone = settings.HOTLINE_PUBLIC_PHONE
    return render(request, "portal/home.html", {"hotline_phone": phone})


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The submission form. Nobody is refused for being quick: a send that comes too soon
    after the form was handed out (or with a stale token) is shown again with everything
    typed kept and a neutral request to check and send once more; only the hidden honeypot
    and the rate limit refuse (``antiabuse``)."""
    refusal, status, confirm = "", 200, False
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES)
        if request.POST.get(antiabuse.HONEYPOT_FIELD):
            refusal = _("提交未成功。如需帮助,请拨打热线 %(phone)s。") % {
                "phone": settings.HOTLINE_PUBLIC_PHONE
            }
        elif not form.is_valid():
            pass  # the errors are shown next to the fields
        elif antiabuse.form_token_state(request.POST.get("form_token", "")) != "ok":
            confirm = True
        elif not antiabuse.rate_allowed(request, "public_submit"):
            refusal, status = _("提交过于频繁,请稍后再试。"), 429
        else:
            try:
                ticket = public_ticket_register(
                    submission=form.submission(), uploads=form.cleaned_data["attachments"]
                )
            except HotlineError as error:
                if error.code.startswith("attachment_"):
                    form.add_error("attachments", _attachment_message(error))
                elif str(error.extra.get("field", "")).endswith("phone"):
                    form.add_error("phone", error.detail)
                else:
                    form.add_error(None, error.detail)
            else:
                request.session[SUBMITTED_KEY] = {
                    "number": ticket.number,
                    "code": ticket.query_code,
                    "anonymous": ticket.anonymous,
                }
                _remember_verified(request, ticket.number)
                return redirect("portal:submitted")
        # shown again: the person has had the form in front of them, so it may go at once
        form_token = antiabuse.issue_form_token(confirmed=True)
        files_dropped = bool(request.FILES)  # a browser never sends files back with a page
    else:
        form = SubmissionForm(initial={"type": request.GET.get("type", "complaint")})
        form_token, files_dropped = antiabuse.issue_form_token(), False
    context = {
        "form": form,
        "form_token": form_token,
        "honeypot": antiabuse.HONEYPOT_FIELD,
        "refusal": refusal,
        "confirm": confirm,
        "files_dropped": files_dropped,
        "max_files": MAX_FILES,
        "max_total_mb": MAX_TOTAL_BYTES // (1024 * 1024),
        "max_file_mb": settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024),
        "file_types": pgettext("list separator", "、").join(sorted(settings.HOTLINE_ATTACHMENT_TYPES)),
    }
    return render(request, "portal/submit.html", context, status=status)


def submitted(request: HttpRequest) -> HttpResponse:
    """Number and query code, once: the session entry is removed as it is shown."""
    receipt = request.session.pop(SUBMITTED_KEY, None)
    return render(request, "portal/submitted.html", {"receipt": receipt})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    progress = None
    error = ""
    status = 200
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            if not antiabuse.rate_allowed(request, "public_query"):
                error, status = _("查询过于频繁,请一小时后再试。"), 429
            else:
                number = form.cleaned_data["number"].strip()
                try:
                    ticket = public_ticket(number, form.cleaned_data["code"], client=client_address(request))
                except TooManyRequests as err:
                    error, status = err.detail, 429
                except NotFound:
                    error = _("工单编号或查询码不正确,请核对后重试。")
                else:
                    _remember_verified(request, ticket.number)
                    progress = public_progress(ticket)
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")})
    return render(
        request, "portal/track.html", {"form": form, "progress": progress, "error": error}, status=status
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, number: str) -> HttpResponse:
    """Satisfaction (满意度) by the complainant, when the ticket's stage asks for it.

    First the browser proves it knows the ticket: the query code typed here (or earlier
    on the tracking page in this session), or the signed ``?t=`` token of the survey link.
    """
    token = request.GET.get("t", "")
    if token:
        if rate_token_number(token) == number:
            _remember_verified(request, number)
        return redirect("portal:rate", number=number)  # keep the token out of the address bar
    ticket = Ticket.objects.filter(number=number).first() if _is_verified(request, number) else None
    if ticket is None:
        return _rate_code_step(request, number)

    form = RateForm(request.POST or None, initial={"version": ticket.version})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            public_rate(
                ticket=ticket,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
                expected_version=form.cleaned_data["version"],
            )
        except InvalidTransition as e:
            error = _("您已评价过,感谢您的反馈。") if e.code == "already_rated" else _("此工单当前无需评价。")
        except Conflict:
            error = _("工单刚刚有了新进展,请核对后重新评价。")
        except HotlineError as e:
            error = e.detail
        else:
            messages.success(request, _("感谢您的评价!"))
            return redirect("portal:rate", number=number)
        ticket.refresh_from_db()
        form = RateForm(initial={"version": ticket.version})
    context = {"number": number, "progress": public_progress(ticket), "form": form, "error": error}
    return render(request, "portal/rate.html", context, status=409 if error else 200)


def _rate_code_step(request: HttpRequest, number: str) -> HttpResponse:
    form = CodeForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        if not antiabuse.rate_allowed(request, "public_query"):
            error, status = _("查询过于频繁,请一小时后再试。"), 429
        else:
            try:
                public_ticket(number, form.cleaned_data["code"], client=client_address(request))
            except TooManyRequests as err:
                error, status = err.detail, 429
            except NotFound:
                error = _("工单编号或查询码不正确,请核对后重试。")
            else:
                _remember_verified(request, number)
                return redirect("portal:rate", number=number)
    context = {"number": number, "code_form": form, "error": error}
    return render(request, "portal/rate.html", context, status=status)
