"""The article page's small forms: attachments, helpful / outdated marks, citing a ticket.

Attachments are checked as a ticket's are (``attachment_add``): the type on the allow-list,
the size limit, and the bytes of the type the name claims (``hotline.core.uploads``); a
download answers only someone who may read the article.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import Forbidden, HotlineError, InvalidInput, NotFound
from hotline.core.types import User
from hotline.core.uploads import content_matches
from hotline.knowledge.models import Article, ArticleAttachment, Feedback
from hotline.knowledge.services import article_cite, article_feedback, can_edit
from hotline.web.forms_kb import CiteForm, FeedbackForm, KbAttachmentForm
from hotline.web.forms_ticket import put_error
from hotline.web.views.knowledge import (
    article_page,
    article_url,
    done_redirect,
    feedback_context,
    kb_staff,
    user_of,
    visible_article,
)
from hotline.web.views.ticket_common import error_page
from hotline.workflow.access import access_ticket

FEEDBACK_LABELS = {Feedback.HELPFUL: gettext_lazy("有用"), Feedback.OUTDATED: gettext_lazy("已过时")}


# --- attachments ------------------------------------------------------------------------


def checked_upload(upload: UploadedFile[bytes]) -> tuple[str, int, str]:
    """Name, size and MIME type of an upload within the limits ticket attachments have."""
    name = os.path.basename(upload.name or "file")[:200]
    ext = os.path.splitext(name)[1].lower()
    allowed: dict[str, str] = settings.HOTLINE_ATTACHMENT_TYPES
    if ext not in allowed:
        raise InvalidInput(
            _("不支持的附件类型“%(ext)s”,允许:%(types)s")
            % {"ext": ext or name, "types": "、".join(sorted(allowed))},
            code="attachment_type",
            field="file",
        )
    size = upload.size or 0
    if size > settings.HOTLINE_ATTACHMENT_MAX_BYTES:
        limit_mb = settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput(
            _("附件超过大小限制(%(mb)s MB)") % {"mb": limit_mb}, code="attachment_too_large", field="file"
        )
    if size == 0:
        raise InvalidInput(_("附件为空文件"), code="attachment_empty", field="file")
    if not content_matches(ext, upload):
        raise InvalidInput(
            _("附件内容与文件类型“%(ext)s”不符,请上传真实的%(ext)s文件") % {"ext": ext},
            code="attachment_content_mismatch",
            field="file",
        )
    return name, size, allowed[ext]


@kb_staff
@require_POST
@visible_article
def kb_attach(request: HttpRequest, article: Article) -> HttpResponse:
    user = user_of(request)
    if not can_edit(user, article):
        return error_page(request, Forbidden(_("您无权为这条知识上传附件"), code="kb_forbidden"))
    form = KbAttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            name, size, content_type = checked_upload(upload)
        except HotlineError as err:
            put_error(form, err)
        else:
            with transaction.atomic():
                attachment = ArticleAttachment(
                    article=article, name=name, size=size, content_type=content_type, uploaded_by=user
                )
                attachment.file.save(name, upload, save=False)
                attachment.save()
            messages.success(request, _("附件已上传"))
            return done_redirect(request, article_url(article))
    return article_page(request, article, status=400, attachment_form=form)


@kb_staff
@require_GET
@visible_article
def kb_attachment(request: HttpRequest, article: Article, attachment: int) -> HttpResponseBase:
    """Download an attachment of an article the user may read (404 for anyone else)."""
    found = ArticleAttachment.objects.filter(article=article, pk=attachment).first()
    if found is None:
        return error_page(request, NotFound(_("附件不存在或您无权查看"), code="attachment_not_found"))
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.name, content_type=found.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- helpful / outdated -------------------------------------------------------------------


@kb_staff
@require_POST
@visible_article
def kb_feedback(request: HttpRequest, article: Article) -> HttpResponse:
    """有用 / 已过时: once per person and kind; htmx swaps the feedback box only."""
    user: User = user_of(request)
    form = FeedbackForm(request.POST)
    htmx = bool(getattr(request, "htmx", False))
    if form.is_valid():
        kind = Feedback(form.cleaned_data["kind"])
        try:
            article = article_feedback(
                actor=user, article=article, kind=kind, comment=form.cleaned_data["comment"]
            )
        except HotlineError as err:
            error, status = str(err.detail), err.status
        else:
            if htmx:
                context = feedback_context(user, article, feedback_done=FEEDBACK_LABELS[kind])
                return render(request, "web/kb/_feedback.html", context)
            messages.success(request, _("已标记为“%(kind)s”") % {"kind": FEEDBACK_LABELS[kind]})
            return done_redirect(request, article_url(article))
    else:
        error, status = _("请选择“有用”或“已过时”"), 400
    if htmx:  # htmx swaps only 2xx answers: the box comes back with the message in it
        context = feedback_context(user, article, feedback_error=error, feedback_form=form)
        return render(request, "web/kb/_feedback.html", context)
    banner = {"kind": "error", "text": error}
    return article_page(request, article, status=status, banner=banner, feedback_form=form)


# --- citing on a ticket -------------------------------------------------------------------


@kb_staff
@require_POST
@visible_article
def kb_cite(request: HttpRequest, article: Article) -> HttpResponse:
    """引用到工单: the ticket's history gets ``cite_article`` (``article_cite``)."""
    user = user_of(request)
    form = CiteForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"].strip()
        try:
            ticket = access_ticket(user, number)
            article_cite(actor=user, ticket=ticket, article=article)
        except HotlineError as err:
            put_error(form, err)
            banner = {"kind": "error", "text": _("引用未完成:%(detail)s") % {"detail": err.detail}}
            return article_page(request, article, status=err.status, cite_form=form, banner=banner)
        messages.success(request, _("已引用到工单 %(number)s") % {"number": ticket.number})
        return done_redirect(request, article_url(article))
    return article_page(request, article, status=400, cite_form=form)
