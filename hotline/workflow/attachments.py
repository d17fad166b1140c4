"""Attachments (附件): upload within the type and size limits, recorded in history (the core)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hotline.core.errors import Forbidden, InvalidInput, InvalidTransition
from hotline.core.types import AnyUser, User
from hotline.core.uploads import content_matches
from hotline.tickets.models import Attachment, Status, Ticket
from hotline.workflow.access import ticket_roles
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record


def attachment_add(*, ticket: Ticket, upload: UploadedFile[bytes], actor: AnyUser | None) -> Attachment:
    """Attach a file within the size and type limits; the upload is recorded in history.

    Every door comes through here: a member of staff needs a role on the ticket
    (``Forbidden``, ``attachment_forbidden``; ``actor=None`` is the public submitting its
    own matter), and the file's bytes must be of the type its name claims
    (``attachment_content_mismatch``, ``hotline.core.uploads``).
    """
    if actor is not None and not ticket_roles(actor, ticket):
        raise Forbidden("您不能为此工单上传附件", code="attachment_forbidden")
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
    if not content_matches(ext, upload):
        raise InvalidInput(
            f"附件内容与文件类型“{ext}”不符,请上传真实的{ext}文件",
            code="attachment_content_mismatch",
            field="file",
        )
    with transaction.atomic():
        locked = lock_ticket(ticket.pk)
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
        # a new attachment is a change a screen shows: the version moves on
        ticket_record(
            locked=locked,
            kind=EventKind.ATTACH,
            actor=actor,
            payload={"attachment": attachment.pk, "name": name, "size": size},
            bump_version=True,
            now=timezone.now(),
        )
    return attachment
