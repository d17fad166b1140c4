"""System checks for a safe deployment (``hotline check --deploy`` and start-up)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})


@register(Tags.security, deploy=True)
def check_secret_key(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """The embedded default key signs the portal's form and rating tokens and the sessions:
    anyone who reads this source could forge them on a server that others can reach."""
    exposed = set(settings.ALLOWED_HOSTS) - LOCAL_HOSTS
    if settings.HOTLINE_INSECURE_SECRET_KEY and (exposed or not settings.DEBUG):
        return [
            Warning(
                "HOTLINE_SECRET_KEY is not set: the embedded default key is public.",
                hint="Set HOTLINE_SECRET_KEY to a long random value (e.g. `openssl rand -hex 32`).",
                id="hotline.W001",
            )
        ]
    return []
