"""The kinds of history event (全程跟踪) and their one label table.

Every ``TicketEvent.action`` is one of :class:`EventKind`: the pack actions
(``policies.vocab.ACTIONS``, whose meaning is :mod:`hotline.workflow.actions`), and the
kinds the core records beside them — registration, unmask, attachments, reminders,
escalation, failed call-backs and deadline recalculation. ``record_event`` refuses any
other string, so a new kind is added here first, with its label.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

from django.utils.translation import pgettext_lazy

from hotline.policies.vocab import ACTION_LABELS, ACTIONS

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class EventKind(StrEnum):
    REGISTER = "register"  # 登记: the first event of every ticket
    # pack actions (policies.vocab.ACTIONS)
    ACCEPT = "accept"
    REJECT = "reject"
    INSTRUCT = "instruct"
    DISPATCH = "dispatch"
    SIGN = "sign"
    RETURN = "return"
    ASSIGN = "assign"
    INTERIM_REPLY = "interim_reply"
    REPLY = "reply"
    APPROVE_REPLY = "approve_reply"
    SEND_BACK = "send_back"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    DENY_EXTENSION = "deny_extension"
    SUSPEND = "suspend"
    RESUME = "resume"
    RETURN_VISIT = "return_visit"
    REDISPATCH = "redispatch"
    SUPERVISE = "supervise"
    CLOSE = "close"
    REOPEN = "reopen"
    # recorded by the core beside the pack's actions
    UNMASK = "unmask"  # 查看身份: identity shown to an allowed role, with the reason
    ATTACH = "attach"  # 上传附件
    REMIND = "remind"  # 催办: a reminder point before the due time (the sweep)
    ESCALATE = "escalate"  # 超期升级: an escalation step after it (the sweep)
    RETURN_VISIT_ATTEMPT = "return_visit_attempt"  # 回访未接通
    RECALCULATE_DEADLINE = "recalculate_deadline"  # 重新计算时限 (calendar import)
    ANSWER_SCRIPT = "answer_script"  # 规范应答: a response script walked with the caller
    CITE_ARTICLE = "cite_article"  # 引用知识: a knowledge article that answered the matter
    KEYPAD_SURVEY = "keypad_survey"  # 按键满意度: the caller's keypad answer after the call
    CORRESPONDENCE = "correspondence"  # 往来函件: a letter about the ticket (a reply to our mail)
    # repeats and batches (hotline.similar, ADR 0024)
    FLAG_REPEAT = "flag_repeat"  # 疑似重复投诉: detection linked an earlier ticket (unconfirmed)
    CONFIRM_LINK = "confirm_link"  # 确认关联: a person confirmed a suggested link
    DISMISS_LINK = "dismiss_link"  # 排除关联: a person dismissed it (the link is removed)
    CONFIRM_BATCH = "confirm_batch"  # 确认批量投诉: on the parent, with its children
    JOIN_BATCH = "join_batch"  # 并入批量投诉: a child held (suspended) under the parent
    BATCH_REPLY = "batch_reply"  # 批量答复: the parent's answer, told to the child's complainant
    CLOSE_WITH_PARENT = "close_with_parent"  # 随主工单办结: the child closed with the parent
    # major complaints (the pack's ``major`` rules; workflow.major)
    MARK_MAJOR = "mark_major"  # 认定重大投诉: a rule matched or a person decided; reasons in the payload


PACK_ACTIONS: Final = frozenset(ACTIONS)
# Kinds recorded through ``workflow.services.ticket_record`` (no stage change, no pack rule).
RECORDED_KINDS: Final = frozenset(
    {
        EventKind.ATTACH,
        EventKind.REMIND,
        EventKind.ESCALATE,
        EventKind.RETURN_VISIT_ATTEMPT,
        EventKind.RECALCULATE_DEADLINE,
        EventKind.ANSWER_SCRIPT,
        EventKind.CITE_ARTICLE,
        EventKind.KEYPAD_SURVEY,
        EventKind.CORRESPONDENCE,
        EventKind.FLAG_REPEAT,
        EventKind.CONFIRM_LINK,
        EventKind.DISMISS_LINK,
        EventKind.CONFIRM_BATCH,
        EventKind.JOIN_BATCH,
        EventKind.BATCH_REPLY,
        EventKind.CLOSE_WITH_PARENT,
        EventKind.MARK_MAJOR,
    }
)

EVENT_LABELS: Final[dict[str, StrPromise]] = {
    **ACTION_LABELS,
    EventKind.REGISTER: pgettext_lazy("action", "登记"),
    EventKind.UNMASK: pgettext_lazy("action", "查看身份"),
    EventKind.ATTACH: pgettext_lazy("action", "上传附件"),
    EventKind.REMIND: pgettext_lazy("action", "催办"),
    EventKind.ESCALATE: pgettext_lazy("action", "超期升级"),
    EventKind.RETURN_VISIT_ATTEMPT: pgettext_lazy("action", "回访未接通"),
    EventKind.RECALCULATE_DEADLINE: pgettext_lazy("action", "重新计算时限"),
    EventKind.ANSWER_SCRIPT: pgettext_lazy("action", "规范应答"),
    EventKind.CITE_ARTICLE: pgettext_lazy("action", "引用知识"),
    EventKind.KEYPAD_SURVEY: pgettext_lazy("action", "按键满意度"),
    EventKind.CORRESPONDENCE: pgettext_lazy("action", "往来函件"),
    EventKind.FLAG_REPEAT: pgettext_lazy("action", "疑似重复投诉"),
    EventKind.CONFIRM_LINK: pgettext_lazy("action", "确认关联"),
    EventKind.DISMISS_LINK: pgettext_lazy("action", "排除关联"),
    EventKind.CONFIRM_BATCH: pgettext_lazy("action", "确认批量投诉"),
    EventKind.JOIN_BATCH: pgettext_lazy("action", "并入批量投诉"),
    EventKind.BATCH_REPLY: pgettext_lazy("action", "批量答复"),
    EventKind.CLOSE_WITH_PARENT: pgettext_lazy("action", "随主工单办结"),
    EventKind.MARK_MAJOR: pgettext_lazy("action", "认定重大投诉"),
}


def event_label(kind: str) -> str:
    """The label of a history event in the user's language (the kind itself if unknown)."""
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind
