"""The fixed vocabularies a policy pack is written in.

Packs choose *which* of these apply where; they cannot add new ones, because the meaning
of every action is code (``hotline.workflow.actions``). Each tuple is in display order and
has a dict of Chinese labels with exactly the same keys.

``ACTION_LABELS``, ``SATISFACTION_LABELS`` and ``LIMIT_UNIT_NAMES`` are for the screens and
translate lazily (Chinese unless the user chose another language); the other dicts stay
plain Chinese because packs, the check command and stored messages use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

# 诉求类型. Every pack defines all six.
TICKET_TYPES: Final = ("complaint", "report", "consultation", "suggestion", "help", "praise")
TICKET_TYPE_LABELS: Final[dict[str, str]] = {
    "complaint": "投诉",
    "report": "举报",
    "consultation": "咨询",
    "suggestion": "建议",
    "help": "求助",
    "praise": "表扬",
}

# 角色. The same codes as ``hotline.org.models.Role``.
ROLES: Final = ("agent", "coordinator", "dept_head", "handler", "leader", "team_leader", "admin")
ROLE_LABELS: Final[dict[str, str]] = {
    "agent": "受理员",
    "coordinator": "监控中心/协调员",
    "dept_head": "部门负责人",
    "handler": "承办人",
    "leader": "分管领导",
    "team_leader": "班长",
    "admin": "管理员",
}

# 操作: the actions a pack may place in a stage.
ACTIONS: Final = (
    "accept",  # 受理
    "reject",  # 不予受理: needs a reason code from the pack's reject_reasons
    "instruct",  # 批示: a leader's instruction text on the ticket; stays or moves on
    "dispatch",  # 派单: to a unit; starts round 1
    "sign",  # 签收
    "return",  # 退单: back to the dispatcher with a reason
    "assign",  # 指派承办人
    "interim_reply",  # 阶段性答复: a temporary measure / interim answer; the matter goes on
    "reply",  # 答复: the result, shown to the complainant
    "approve_reply",  # 审核通过: the head approves the handler's reply, which then goes out
    "send_back",  # 退回重办: the head returns the reply to the handler with a comment
    "request_extension",  # 申请延期: amount in the pack's extension unit + reason
    "approve_extension",  # 批准延期
    "deny_extension",  # 驳回延期
    "suspend",  # 中止: the clock stops; only resume (and unmask) while suspended
    "resume",  # 恢复
    "return_visit",  # 回访: satisfaction; dissatisfied goes to ``dissatisfied_to``
    "redispatch",  # 再次派单: next round, up to rounds.max; supervised from rounds.supervise_from
    "supervise",  # 督办
    "close",  # 办结: closing code / on-the-spot answer
    "reopen",  # 重新打开
)
# Actions the engine knows that a pack never lists: ``unmask`` (查看身份) is governed by
# the pack's ``identity_roles``.
ENGINE_ACTIONS: Final = ("unmask",)
ACTION_LABELS: Final[dict[str, StrPromise]] = {
    "accept": pgettext_lazy("action", "受理"),
    "reject": pgettext_lazy("action", "不予受理"),
    "instruct": pgettext_lazy("action", "批示"),
    "dispatch": pgettext_lazy("action", "派单"),
    "sign": pgettext_lazy("action", "签收"),
    "return": pgettext_lazy("action", "退单"),
    "assign": pgettext_lazy("action", "指派承办人"),
    "interim_reply": pgettext_lazy("action", "阶段性答复"),
    "reply": pgettext_lazy("action", "答复"),
    "approve_reply": pgettext_lazy("action", "审核通过"),
    "send_back": pgettext_lazy("action", "退回重办"),
    "request_extension": pgettext_lazy("action", "申请延期"),
    "approve_extension": pgettext_lazy("action", "批准延期"),
    "deny_extension": pgettext_lazy("action", "驳回延期"),
    "suspend": pgettext_lazy("action", "中止"),
    "resume": pgettext_lazy("action", "恢复"),
    "return_visit": pgettext_lazy("action", "回访"),
    "redispatch": pgettext_lazy("action", "再次派单"),
    "supervise": pgettext_lazy("action", "督办"),
    "close": pgettext_lazy("action", "办结"),
    "reopen": pgettext_lazy("action", "重新打开"),
}

# Where an action leads. ``to`` is the target stage; an omitted ``to`` means the ticket
# stays in its stage (the action changes something else: a flag, a clock, the handler).
STAY_ACTIONS: Final = ("suspend", "resume", "request_extension", "approve_extension", "deny_extension")
"""Actions that always stay in their stage: ``to`` must be omitted."""
OPTIONAL_TO_ACTIONS: Final = ("assign", "supervise", "instruct")
"""Actions that may stay (re-assign, supervise or instruct in place) or move on."""
# Every other action needs ``to``.

# 时限单位 (counted by ``hotline.calendar.counting``; working days roll over holidays,
# 遇节假日顺延).
LIMIT_UNITS: Final = ("working_days", "working_hours", "natural_days", "hours", "minutes")
LIMIT_UNIT_LABELS: Final[dict[str, str]] = {
    "working_days": "个工作日",
    "working_hours": "个工作小时",
    "natural_days": "日",
    "hours": "小时",
    "minutes": "分钟",
}
# The same units on the screens, translated (``2个工作日`` / ``2 working days``).
LIMIT_UNIT_NAMES: Final[dict[str, StrPromise]] = {
    "working_days": _("个工作日"),
    "working_hours": _("个工作小时"),
    "natural_days": _("日"),
    "hours": _("小时"),
    "minutes": _("分钟"),
}

# 严重程度.
SEVERITIES: Final = ("normal", "major", "urgent")
SEVERITY_LABELS: Final[dict[str, str]] = {"normal": "一般", "major": "重大", "urgent": "紧急"}

# Where a stage limit starts counting (起算点, the limit's ``from``). Without ``from``, the
# limit of a workflow's initial stage counts from receipt and every other from entering
# the stage (the loader fills it in, so a loaded ``Limit.start`` is always one of these).
LIMIT_ANCHORS: Final = ("received", "registered", "accepted", "dispatched", "entered")
LIMIT_ANCHOR_LABELS: Final[dict[str, str]] = {
    "received": "自收到之日起",
    "registered": "自登记之日起",
    "accepted": "自受理之日起",
    "dispatched": "自派单之日起",  # this round's dispatch (a redispatch starts it again)
    "entered": "自进入本环节起",
}
# Where a whole-ticket (total) limit starts counting (总时限起算点).
TOTAL_ANCHORS: Final = ("received", "registered", "accepted", "dispatched")
TOTAL_ANCHOR_LABELS: Final[dict[str, str]] = {a: LIMIT_ANCHOR_LABELS[a] for a in TOTAL_ANCHORS}

# 受理渠道. The same codes and labels as ``hotline.tickets.models.Channel`` (policies do not
# import tickets); a pack's ``channel_limits`` / ``channel_totals`` / action ``channels`` use them.
CHANNELS: Final = ("phone", "web", "email", "sms", "letter", "fax", "visit", "transfer", "media", "internal")
CHANNEL_LABELS: Final[dict[str, str]] = {
    "phone": "电话",
    "web": "网站/APP",
    "email": "电子邮件",
    "sms": "短信",
    "letter": "来信",
    "fax": "传真",
    "visit": "来访",
    "transfer": "上级转办/外单位转来",
    "media": "媒体",
    "internal": "内部员工",
}

# 客户等级 (a pack's ``major.rules.customer_classes``). The same codes and labels as
# ``hotline.tickets.models.CustomerClass`` less its "" (未分级), which no rule names.
CUSTOMER_CLASSES: Final = ("A", "B", "C", "D", "VIP")
CUSTOMER_CLASS_LABELS: Final[dict[str, str]] = {"A": "A类", "B": "B类", "C": "C类", "D": "D类", "VIP": "VIP"}

# 越级投诉: where the complainant went over our heads before (or instead of) us. The same
# codes and labels as ``hotline.tickets.models.UpgradedVia`` less its "" (not upgraded); a
# pack's ``major.rules.upgraded_via`` uses them.
UPGRADED_VIA: Final = ("regulator", "hotline_12345", "media", "leader")
UPGRADED_VIA_LABELS: Final[dict[str, str]] = {
    "regulator": "监管部门/消协",
    "hotline_12345": "12345热线",
    "media": "新闻媒体",
    "leader": "领导批转",
}

# 受理时效 (``acceptance_windows``): how old a matter may be, counted in these units.
WINDOW_UNITS: Final = ("months", "years")
WINDOW_UNIT_LABELS: Final[dict[str, str]] = {"months": "个月", "years": "年"}

# 回访满意度 (the values ``return_visit`` records).
SATISFACTIONS: Final = ("very_satisfied", "satisfied", "neutral", "dissatisfied")
SATISFACTION_LABELS: Final[dict[str, StrPromise]] = {
    "very_satisfied": _("非常满意"),
    "satisfied": _("满意"),
    "neutral": _("一般"),
    "dissatisfied": _("不满意"),
}

# The stage every workflow must reach for a normal closure (办结).
CLOSED_STAGE: Final = "closed"


def unit_text(amount: int, unit: str) -> str:
    """``2 working_days`` → ``2个工作日`` (for messages and the check command)."""
    return f"{amount}{LIMIT_UNIT_LABELS.get(unit, unit)}"


def unit_display(amount: object, unit: str) -> str:
    """``unit_text`` in the user's language, for the screens (never for stored text)."""
    return gettext("%(amount)s%(unit)s") % {"amount": amount, "unit": LIMIT_UNIT_NAMES.get(unit, unit)}
