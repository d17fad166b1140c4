"""Forms of the rectification pages (整改通知书).

They only shape input: ``hotline.rectification.services`` checks what the values mean and
its errors are put back on the field they name (``put_error``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.org.models import Unit
from hotline.rectification.models import NoticeStatus
from hotline.rectification.services import MAX_DAYS, REASON_MAX, SUBJECT_MAX, TEXT_MAX

PAGE_SIZE = 50
DEFAULT_DAYS = 5


def _unit_choices(units: Any, blank: Any) -> list[tuple[str, Any]]:
    return [("", blank), *[(u.code, f"{'　' * u.depth}{u.name}") for u in units]]


class NoticeFilterForm(forms.Form):
    """The GET filters of the list; an invalid field is dropped, not an error page."""

    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *NoticeStatus.choices]
    )
    unit = forms.ChoiceField(label=_("整改单位"), required=False)
    overdue = forms.BooleanField(label=_("只看超期未报"), required=False)
    ticket = forms.CharField(label=_("相关工单编号"), required=False, max_length=20)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices(units, _("全部"))  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        self.is_valid()  # cleaned_data keeps only the valid fields
        data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "unit": data.get("unit") or "",
            "overdue": bool(data.get("overdue")),
            "ticket": (data.get("ticket") or "").strip(),
            "page": data.get("page") or 1,
        }


class IssueForm(forms.Form):
    """A new notice as typed; ``ticket`` is the number of the ticket it is about (optional)."""

    unit = forms.ChoiceField(label=_("整改单位"), error_messages={"required": _("请选择整改单位")})
    ticket = forms.CharField(label=_("相关工单编号"), required=False, max_length=20)
    subject = forms.CharField(
        label=_("标题"), max_length=SUBJECT_MAX, error_messages={"required": _("请填写标题")}
    )
    problem = forms.CharField(
        label=_("存在问题"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写存在问题")},
    )
    requirement = forms.CharField(
        label=_("整改要求"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写整改要求")},
    )
    days = forms.IntegerField(
        label=_("整改期限(工作日)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        error_messages={
            "required": _("请填写整改期限"),
            "invalid": _("整改期限应为工作日数"),
            "min_value": _("整改期限至少1个工作日"),
            "max_value": _("整改期限不能超过%(limit_value)s个工作日"),
        },
    )

    def __init__(self, *args: Any, units: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _unit_choices(units, _("请选择"))  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", css)


def unit_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=code).first() if code else None


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("整改报告"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        error_messages={"required": _("请填写整改报告")},
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class VerifyForm(forms.Form):
    comment = forms.CharField(
        label=_("验证意见(选填)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class SendBackForm(forms.Form):
    reason = forms.CharField(
        label=_("退回理由"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": _("请写明退回理由")},
    )
    days = forms.IntegerField(
        label=_("新的整改期限(工作日,选填)"),
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
        error_messages={
            "invalid": _("整改期限应为工作日数"),
            "min_value": _("整改期限至少1个工作日"),
            "max_value": _("整改期限不能超过%(limit_value)s个工作日"),
        },
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回理由"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": _("请写明撤回理由")},
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "report": ReportForm,
    "verify": VerifyForm,
    "send_back": SendBackForm,
    "withdraw": WithdrawForm,
}
