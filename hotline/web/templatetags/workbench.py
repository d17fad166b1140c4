"""Template helpers of the workbench: the menu for the user's roles, links to tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hotline.web import selectors

register = template.Library()

PAGE_LABELS = {
    "intake": _("受理登记"),
    "worklist": _("工单列表"),
    "board": _("监控看板"),
    "approvals": _("待审批"),
    "callbacks": _("回访"),
    "notifications": _("消息"),
    "blocklist": _("黑名单"),
    "packs": _("政策包"),
}
DUE_LABELS = {"overdue": _("已超期"), "due_soon": _("即将到期")}


@dataclass
class NavItem:
    page: str
    label: str
    url: str
    active: bool
    badge: int = 0


@register.simple_tag(takes_context=True)
def workbench_nav(context: dict[str, Any]) -> list[NavItem]:
    """The pages the signed-in user's roles may use, with the unread count on 消息."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return []
    current = getattr(getattr(request, "resolver_match", None), "url_name", "")
    items = []
    for page in selectors.allowed_pages(user):
        url = reverse(f"web:{page}")
        badge = selectors.unread_count(user) if page == "notifications" else 0
        items.append(NavItem(page, str(PAGE_LABELS[page]), url, active=page == current, badge=badge))
    if getattr(user, "is_staff", False):
        items.append(NavItem("admin", str(_("系统管理")), reverse("admin:index"), active=False))
    return items


@register.simple_tag
def ticket_url(number: str) -> str:
    """The ticket screen's address (``web:ticket``)."""
    return reverse("web:ticket", args=[number])


@register.filter
def due_label(mark: str) -> str:
    return str(DUE_LABELS.get(mark, ""))
