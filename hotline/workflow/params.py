"""What each action takes: one table, from which the API's request schema (one shape per
action in OpenAPI), its validation and the workbench's action forms are all derived.

The handlers in :mod:`hotline.workflow.actions` still check every value (with the domain's
error codes); this table says which parameters exist, which are required, how long text may
be and what the field is called on the screen. ``tests/workflow/test_params.py`` holds the
handlers to it: a required parameter left out is refused with that field named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

ParamKind = Literal[
    "text",  # free text (comment, reason, result, instruction)
    "reject_reason",  # a code of the pack's reject_reasons
    "unit",  # a unit code
    "handler",  # a user name of a handler or head of the ticket's unit (or above)
    "amount",  # a whole number, 1–1000, in the pack's extension unit
    "satisfaction",  # one of Satisfaction
    "closing_code",  # a closing code (短代码), free but short
]


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    label: StrPromise
    required: bool = False
    max_length: int = 4000
    help: str = ""

    @property
    def multiline(self) -> bool:
        return self.kind == "text" and self.max_length > 200


def _comment(label: StrPromise | None = None) -> Param:
    return Param("comment", "text", label or _("说明"))


def _reason(label: StrPromise | None = None) -> Param:
    return Param("reason", "text", label or _("理由"), required=True)


ACTION_PARAMS: Final[Mapping[str, tuple[Param, ...]]] = MappingProxyType(
    {
        "accept": (_comment(),),
        "reject": (
            Param(
                "reason", "reject_reason", _("不予受理理由"), required=True, max_length=64, help="理由编码"
            ),
            _comment(),
        ),
        "instruct": (Param("instruction", "text", _("批示内容"), required=True),),
        "dispatch": (
            Param("unit", "unit", _("责任单位"), required=True, max_length=32, help="单位编码"),
            _comment(),
        ),
        "sign": (_comment(),),
        "return": (_reason(_("退单理由")),),
        "assign": (
            Param("handler", "handler", _("承办人"), required=True, max_length=150, help="承办人用户名"),
            _comment(),
        ),
        "interim_reply": (Param("result", "text", _("阶段性答复内容"), required=True, max_length=20000),),
        "reply": (Param("result", "text", _("答复内容"), required=True, max_length=20000),),
        "approve_reply": (_comment(_("审核意见(可不填)")),),
        "send_back": (_reason(_("退回理由(承办人将看到)")),),
        "request_extension": (
            Param("amount", "amount", _("延期数量"), required=True, help="按政策包的延期单位计"),
            _reason(_("延期理由")),
        ),
        "approve_extension": (_comment(),),
        "deny_extension": (_comment(),),
        "suspend": (_reason(_("中止理由")),),
        "resume": (_comment(),),
        "return_visit": (
            Param("satisfaction", "satisfaction", _("满意度"), required=True),
            _comment(_("回访记录")),
        ),
        "redispatch": (
            Param(
                "unit", "unit", _("责任单位(不选则派回原单位)"), max_length=32, help="单位编码;不填派回原单位"
            ),
            _comment(),
        ),
        "supervise": (_comment(),),
        "close": (
            Param("closing_code", "closing_code", _("办结类型"), max_length=32, help="默认 handled"),
            Param("result", "text", _("办结说明(将告知诉求人)"), max_length=20000),
        ),
        "reopen": (_reason(_("重新打开理由")),),
        "unmask": (Param("reason", "text", _("查看理由"), required=True, max_length=500),),
    }
)


def params_of(action: str) -> tuple[Param, ...]:
    """The parameters ``action`` takes (none for an unknown action)."""
    return ACTION_PARAMS.get(action, ())
