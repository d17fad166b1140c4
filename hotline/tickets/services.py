"""Attachments (附件): upload within the type and size limits, recorded in history."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hotline.core.errors import InvalidInput, InvalidTransition
from hotline.core.types import AnyUser, User
from hotline.tickets.models import Attachment, Status, Ticket
from hotline.workflow.events import record_event


def attachment_add(*, ticket: Ticket, upload: UploadedFile, actor: AnyUser | None) -> Attachment:
    """Attach a file within the size and type limits; the upload is recorded in history."""
    name = os.path.basename(upload.name or "file")[:200]
    ext = os.path.splitext(name)[1].lower()
    allowed: dict[str, str] = settings.HOTLINE_ATTACHMENT_TYPES
    if ext not in allowed:
        raise InvalidInput(
            f"不支持的附件类型“{ext or name}”,允许:{'、'.join(sorted(allowed))}",
            code="attachment_type",
            field="file",
        )
    size = upload.size or 0
    if size > settings.HOTLINE_ATTACHMENT_MAX_BYTES:
        limit_mb = settings.HOTLINE_ATTACHMENT_MAX_BYTES // (1024 * 1024)
        raise InvalidInput(f"附件超过大小限制({limit_mb} MB)", code="attachment_too_large", field="file")
    if size == 0:
        raise InvalidInput("附件为空文件", code="attachment_empty", field="file")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.status == Status.CLOSED:
            raise InvalidTransition("工单已结束,不能再上传附件", code="ticket_closed")
        attachment = Attachment(
            ticket=locked,
            name=name,
            size=size,
            content_type=allowed[ext],
            uploaded_by=actor if isinstance(actor, User) else None,
        )
        attachment.file.save(name, upload, save=False)
        attachment.save()
        record_event(
            locked,
            action="attach",
            actor=actor,
            from_stage=locked.stage,
            from_status=locked.status,
            payload={"attachment": attachment.pk, "name": name, "size": size},
            now=timezone.now(),
        )
    return attachment
