"""``{% load floor_tags %}``: how the team leader's panel and the wallboard write figures."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A ratio as a percentage with one decimal (``0.9567`` → ``95.7%``); ``—`` for none."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def clock(value: float | int | None) -> str:
    """Seconds as ``m:ss`` (``h:mm:ss`` past an hour); ``—`` for none."""
    if value is None:
        return "—"
    seconds = max(0, round(float(value)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
