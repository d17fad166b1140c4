"""``{% load call_reports %}``: whether the user may open 话务报表 (the report centre's link)."""

from __future__ import annotations

from typing import Any

from django import template

from hotline.reports.calls import may_view_call_stats

register = template.Library()


@register.filter
def may_view_calls_report(user: Any) -> bool:
    return may_view_call_stats(user)
