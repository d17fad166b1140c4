"""Template helpers of the workbench: the menu for the user's roles, links to tickets,
deadlines (``24:00`` of the day they end) and people's names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hotline.core.phones import format_phone
from hotline.web import selectors
from hotline.web.extension import amount_text
from hotline.web.formatting import deadline_text, person_name

register = template.Library()

PAGE_LABELS = {
    "intake": _("受理登记"),
    "worklist": _("工单列表"),
    "board": _("监控看板"),
    "approvals": _("待审批"),
    "callbacks": _("回访"),
    "agent": _("座席"),
    "calls": _("通话记录"),
    "call-tasks": _("回呼外呼"),
    "floor": _("班长席"),
    "reports": _("报表中心"),
    "kb-list": _("知识库"),
    "search": _("检索"),
    "export-list": _("我的导出"),
    "rectification-list": _("整改通知书"),
    "assessment": _("考核"),
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
    """The pages the signed-in user's roles may use, with the unread count on 消息 (the
    page's ``unread_count`` when its view read it already, as the ticket page does)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return []
    current = getattr(getattr(request, "resolver_match", None), "url_name", "")
    items = []
    for page in selectors.allowed_pages(user):
        url = reverse(f"web:{page}")
        badge = _unread(context, user) if page == "notifications" else 0
        items.append(NavItem(page, str(PAGE_LABELS[page]), url, active=page == current, badge=badge))
    if getattr(user, "is_staff", False):
        items.append(NavItem("admin", str(_("系统管理")), reverse("admin:index"), active=False))
    return items


def _unread(context: Any, user: Any) -> int:
    known = context.get("unread_count")
    return int(known) if known is not None else selectors.unread_count(user)


@register.simple_tag
def ticket_url(number: str) -> str:
    """The ticket screen's address (``web:ticket``)."""
    return reverse("web:ticket", args=[number])


@register.filter
def due_label(mark: str) -> str:
    return str(DUE_LABELS.get(mark, ""))


@register.filter
def phone(value: str | None) -> str:
    """``{{ ticket.complainant_phone|phone }}`` → ``132 5555 0002``, ``010-1234 5678``;
    a masked or unparseable value is shown as it is."""
    return format_phone(str(value or ""))


@register.filter
def call_number(call: Any) -> str:
    """A call's number as the screens show it: formatted, masked once a linked ticket is
    confidential (``telephony.services.number_hidden``); the PBX's raw value otherwise."""
    from hotline.telephony.services import number_hidden, shown_number

    number = call.caller or call.from_raw or ""
    return format_phone(shown_number(number, number_hidden(call)))


@register.filter
def task_phone(task: Any) -> str:
    """A callback task's number, masked when its ticket or call is confidential."""
    from hotline.telephony.services import shown_number, task_number_hidden

    return format_phone(shown_number(task.phone, task_number_hidden(task)))


@register.filter
def deadline(value: datetime | None, style: str = "") -> str:
    """A due time as people read it: ``{{ t.due_at|deadline }}`` → ``2026-12-05 24:00``;
    ``|deadline:"short"`` leaves out the year."""
    return deadline_text(value, short=style == "short")


@register.filter
def person(user: Any) -> str:
    """``{{ ticket.handler|person }}``: the full name, else the user name."""
    return person_name(user)


# A text longer than this many lines (or characters, counted as lines of ~50) is folded.
LONG_TEXT_LINES = 6
CHARS_PER_LINE = 50


@register.filter
def is_long_text(text: str | None, lines: int | str | None = None) -> bool:
    """Whether ``text`` would take more than ``lines`` lines (default 6) on the page."""
    if not text:
        return False
    limit = int(lines) if lines else LONG_TEXT_LINES
    shown = sum(max(1, -(-len(line) // CHARS_PER_LINE)) for line in str(text).splitlines())
    return shown > limit


@register.filter
def extension_amount(amount: int, unit: str) -> str:
    """``{{ x.amount|extension_amount:x.unit }}`` → ``3个工作日``."""
    return amount_text(amount, unit)
