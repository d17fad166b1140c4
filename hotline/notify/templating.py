"""Rendering a message from its kind's templates (``templates/notify/<kind>/``).

Each kind has ``subject.txt`` and ``body.txt``; complainant kinds also ``sms.txt`` (short).
Staff bodies start with ``_ticket.txt`` (number, subject, current unit, stage and its due
time; never the complainant's identity); the ``rectification_*`` kinds, about a notice and
not a ticket, with ``_notice.txt`` (number, subject, unit, status, deadline, the notice
page's address). Plain text, no HTML escaping. Another language
goes in ``notify/<language>/<kind>/`` and is used when that language is active (Chinese is
the default set).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Engine, TemplateDoesNotExist
from django.utils import translation

_engine = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")], autoescape=False)

COMPLAINANT_KINDS = (
    "receipt",
    "accepted",
    "rejected",
    "extension",
    "interim",
    "result",
    "survey",
    "survey_link",
)
STAFF_KINDS = (
    "dispatched",
    "due_soon",
    "overdue",
    "escalated",
    "returned",
    "approval_needed",
    "visit_due",
    "supervised",
    "instructed",
    "sent_back",
    "major",  # 重大投诉: the pack's major.notify roles, at once (workflow.major)
    "correspondence",  # 往来函件: the complainant wrote in (mail in, SMS in)
    # rectification notices (整改通知书), not tickets: written by hotline.rectification.outbox
    "rectification_issued",
    "rectification_reported",
    "rectification_sent_back",
    "rectification_verified",
    "rectification_due_soon",
    "rectification_overdue",
    "rectification_escalated",
    # statistics documents, not tickets: written by hotline.reports.documents.outbox
    "report_document",
)
KIND_LABELS = {
    "receipt": "登记回执",
    "accepted": "受理告知",
    "rejected": "不予受理告知",
    "extension": "延期告知",
    "interim": "阶段性答复",
    "result": "办理结果",
    "survey": "回访评价",
    "survey_link": "评价链接",
    "dispatched": "新派工单",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "escalated": "超期上报",
    "returned": "退单",
    "approval_needed": "待审批",
    "visit_due": "待回访",
    "supervised": "督办",
    "instructed": "领导批示",
    "sent_back": "退回重办",
    "major": "重大投诉",
    "correspondence": "往来函件",
    "rectification_issued": "整改通知",
    "rectification_reported": "整改报告待验证",
    "rectification_sent_back": "整改退回重改",
    "rectification_verified": "整改验证通过",
    "rectification_due_soon": "整改即将到期",
    "rectification_overdue": "整改已超期",
    "rectification_escalated": "整改超期上报",
    "report_document": "统计文档",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    sms: str


def _render(kind: str, part: str, context: dict[str, Any]) -> str:
    language = translation.get_language() or ""
    names = [f"notify/{language}/{kind}/{part}.txt", f"notify/{kind}/{part}.txt"]
    template = _engine.select_template(names)
    return template.render(_context(context)).strip()


def _context(context: dict[str, Any]) -> Any:
    from django.template import Context

    return Context(context, autoescape=False)


def render_message(kind: str, context: dict[str, Any]) -> Rendered:
    """Subject, body and short SMS text of ``kind``; unknown kinds raise ``ValueError``."""
    if kind not in KIND_LABELS:
        raise ValueError(f"unknown notification kind {kind!r}")
    # Written once and stored: in the site's language, whatever language the staff member
    # who caused it has chosen for their screens.
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(_render(kind, "subject", context).split())
        body = _render(kind, "body", context)
        try:
            sms = _render(kind, "sms", context)
        except TemplateDoesNotExist:
            sms = subject
    return Rendered(subject=subject[:200], body=body, sms=sms)
