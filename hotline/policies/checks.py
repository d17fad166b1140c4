"""System check: every policy pack loads, and the default pack exists.

``manage.py check`` (and ``runserver``) then fail at start-up on a broken pack instead of on
the first ticket that uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from hotline.core.errors import ConfigurationError
from hotline.policies import registry


@register("policies")
def check_policy_packs(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        packs = registry.all_packs()
    except ConfigurationError as exc:
        return [
            Error(
                f"A policy pack does not load:\n{exc.detail}",
                hint="Fix the file; `hotline policies check` lists every problem.",
                id="policies.E001",
            )
        ]
    default = getattr(settings, "HOTLINE_DEFAULT_POLICY", None)
    if default and default not in {pack.code for pack in packs}:
        return [
            Error(
                f"HOTLINE_DEFAULT_POLICY is '{default}', which is not a known policy pack.",
                hint=f"Known packs: {', '.join(pack.code for pack in packs)}.",
                id="policies.E002",
            )
        ]
    return []
