"""One domain error hierarchy with stable codes.

The API maps these once (``hotline.api.problems``) to RFC 7807 problem details; the UI
shows ``title``/``detail`` as a readable Chinese message. Codes never change once shipped.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(message: str) -> str:
    """Marks a title for the catalogue (``makemessages`` looks for this name) without touching
    Django's translation machinery, so this module imports before settings are configured;
    screens translate the title where they show it (``{% translate error.title %}``)."""
    return message


class HotlineError(Exception):
    """Base of every error the domain raises on purpose."""

    status: int = 400
    code: str = "error"
    title: str = gettext_noop("请求有误")

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)


class InvalidInput(HotlineError):
    status = 400
    code = "invalid"
    title = gettext_noop("输入有误")


class NotFound(HotlineError):
    """Missing and not visible are the same answer: we do not confirm what exists."""

    status = 404
    code = "not_found"
    title = gettext_noop("未找到")


class Forbidden(HotlineError):
    status = 403
    code = "forbidden"
    title = gettext_noop("无权执行此操作")


class Conflict(HotlineError):
    """The ticket moved under the caller: another action won."""

    status = 409
    code = "conflict"
    title = gettext_noop("操作冲突")


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = gettext_noop("当前环节不允许此操作")


class NoChange(Conflict):
    """The action would change nothing (the ticket is already so): nothing was written."""

    code = "no_change"
    title = gettext_noop("无需重复操作")


class GuardFailed(HotlineError):
    """The action is allowed in this stage but a rule of the policy pack refuses it."""

    status = 422
    code = "rule_violation"
    title = gettext_noop("不符合办理规则")


class TooManyRequests(HotlineError):
    """Too many attempts in a short time (e.g. wrong query codes for one ticket number)."""

    status = 429
    code = "too_many_requests"
    title = gettext_noop("请求过于频繁")


class ConfigurationError(HotlineError):
    status = 500
    code = "configuration"
    title = gettext_noop("配置错误")
