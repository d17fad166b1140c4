"""How every screen prints a deadline (the workbench, the portal, messages, exports).

A natural-day limit ends at 24:00 of its last day (民法典 art. 201–203), stored as 00:00
of the next day. Printed as "12-06 00:00" it reads as a day later than the rule says, so
a deadline at exactly midnight is printed as "12-05 24:00" of the day it ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

FULL = "%Y-%m-%d"
SHORT = "%m-%d"


def deadline_text(value: datetime | None, *, short: bool = False) -> str:
    """``2026-12-06 00:00`` (local) → ``2026-12-05 24:00``; other times as ``2026-12-05 17:30``.

    ``short`` leaves out the year (``12-05 24:00``). ``None`` → ``""``.
    """
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    day_format = SHORT if short else FULL
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return f"{(local - timedelta(days=1)).strftime(day_format)} 24:00"
    return f"{local.strftime(day_format)} {local:%H:%M}"
