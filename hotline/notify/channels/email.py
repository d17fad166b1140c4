"""Email over SMTP with Django's SMTP backend. The Message-ID derives from the idempotency
key, so a receiving system can recognise a repeated send after a crash."""

from __future__ import annotations

import hashlib
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from hotline.notify.channels import NotConfigured, PermanentError

if TYPE_CHECKING:
    from hotline.notify.models import Message


def message_id(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@hotline.notify>"


def send(message: Message) -> str:
    if not settings.HOTLINE_SMTP_HOST:
        raise NotConfigured("未配置邮件服务器")
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=settings.HOTLINE_SMTP_HOST,
        port=settings.HOTLINE_SMTP_PORT,
        username=settings.HOTLINE_SMTP_USER or None,
        password=settings.HOTLINE_SMTP_PASSWORD or None,
        use_tls=settings.HOTLINE_SMTP_TLS,
        timeout=settings.HOTLINE_NOTIFY_TIMEOUT_SECONDS,
        fail_silently=False,
    )
    mid = message_id(message.idempotency_key)
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.HOTLINE_SMTP_FROM,
        to=[message.address],
        headers={"Message-ID": mid, "X-Hotline-Key": message.idempotency_key},
        connection=connection,
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # The refusal names the recipient: keep the server's codes and reply, not the address.
        replies = [(code, _reply_text(reply)) for code, reply in exc.recipients.values()]
        text = "; ".join(f"{code} {reply}".strip() for code, reply in replies)
        if replies and all(500 <= code < 600 for code, _ in replies):
            # 5xx for the recipient: the address is wrong, retrying will not help
            raise PermanentError(f"收件地址被拒绝: {text}") from None
        raise OSError(f"收件地址暂时被拒绝: {text}") from None
    return mid


def _reply_text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
