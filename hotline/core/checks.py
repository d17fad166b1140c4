"""System checks for a safe deployment (``hotline check --deploy`` and start-up), and the
refusal to serve beyond loopback with a signing key that anyone can know.

``secret_key_is_default()`` is the one test every server command asks (``runserver`` here,
``hotline serve`` in ``hotline.ops``, ``hotline demo``); ``refuse_insecure_bind(host)``
raises the ``CommandError`` they show.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.management.base import CommandError

from hotline.core.secret_key import is_known_key
from hotline.core.uploads import has_content_rule


def secret_key_is_default() -> bool:
    """True when ``SECRET_KEY`` is one anyone can know (the key once shipped in the source),
    so every signed token and session of this server could be forged."""
    return is_known_key(str(settings.SECRET_KEY)) or bool(
        getattr(settings, "HOTLINE_INSECURE_SECRET_KEY", False)
    )


def is_loopback_host(host: str) -> bool:
    """True for an address that only this machine reaches: 127.0.0.0/8, ::1, localhost."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name or a wildcard ("0", "0.0.0.0", "::") that others may reach


def refuse_insecure_bind(host: str) -> None:
    """Refuse (``CommandError``) to serve on ``host`` beyond loopback with a known key."""
    if secret_key_is_default() and not is_loopback_host(host):
        raise CommandError(
            f"拒绝在 {host} 上提供服务:签名密钥是公开的内置密钥,任何人都能伪造会话和门户链接。"
            "请设置 HOTLINE_SECRET_KEY(例如 `openssl rand -hex 32` 的输出),"
            "或删除该设置,让系统在 HOTLINE_HOME 中生成本机专用的密钥。"
        )


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The signing key of a deployed server must be its own: the one once shipped in the
    source signs the portal's form, rating and survey tokens and the sessions for anyone."""
    if secret_key_is_default():
        return [
            Error(
                "SECRET_KEY is the public embedded key: anyone can forge sessions and portal links.",
                hint="Set HOTLINE_SECRET_KEY to a long random value (e.g. `openssl rand -hex 32`), "
                "or unset it to use the key generated in HOTLINE_HOME/secret_key.",
                id="hotline.E001",
            )
        ]
    return []


@register()
def check_attachment_types(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every extension on ``HOTLINE_ATTACHMENT_TYPES`` needs a content rule: an upload is
    checked on its bytes, not its name (``hotline.core.uploads``)."""
    unchecked = sorted(ext for ext in settings.HOTLINE_ATTACHMENT_TYPES if not has_content_rule(ext))
    if unchecked:
        return [
            Error(
                f"HOTLINE_ATTACHMENT_TYPES lists {', '.join(unchecked)} with no content rule.",
                hint="Remove them, or add a rule in hotline/core/uploads.py.",
                id="hotline.E002",
            )
        ]
    return []
