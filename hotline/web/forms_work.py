"""Forms of the workbench: login, worklist filters, bulk sign."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hotline.core.parsing import small_int
from hotline.tickets.models import Category, Severity, TicketType
from hotline.web.selectors import WorklistFilters, stage_choices

BULK_LIMIT = 200


class LoginForm(AuthenticationForm):
    """Django's login form in Chinese. Failed logins are limited for every door at once by
    django-axes (``hotline.core.logins``), which answers a locked-out login itself."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }


def _blank(choices: Any) -> list[tuple[str, Any]]:
    """``choices`` after an empty "all" choice; labels stay lazy so they follow the user's language."""
    return [("", _("全部")), *[(str(k), v) for k, v in choices]]


class WorklistFilterForm(forms.Form):
    """The GET filters of a worklist (field names as the API's where they exist)."""

    tab = forms.ChoiceField(choices=[("mine", _("我的工单")), ("unit", _("本单位"))], required=False)
    stage = forms.ChoiceField(label=_("环节"), required=False)
    type = forms.ChoiceField(label=_("诉求类型"), required=False, choices=_blank(TicketType.choices))
    severity = forms.ChoiceField(label=_("紧急程度"), required=False, choices=_blank(Severity.choices))
    category = forms.TypedChoiceField(label=_("诉求分类"), required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label=_("只看超期"), required=False)
    q = forms.CharField(label=_("编号、标题或来电号码"), required=False, max_length=100)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, stages: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = _blank(stages if stages is not None else stage_choices())  # type: ignore[attr-defined]
        categories = Category.objects.filter(is_active=True).select_related("parent")
        self.fields["category"].choices = _blank((c.pk, str(c)) for c in categories)  # type: ignore[attr-defined]

    def filters(self) -> WorklistFilters:
        """The filters to apply; an invalid field is dropped, not an error page."""
        self.is_valid()  # cleaned_data keeps only the valid fields
        data = self.cleaned_data
        return WorklistFilters(
            stage=data.get("stage") or "",
            type=data.get("type") or "",
            severity=data.get("severity") or "",
            category=data.get("category"),
            overdue=bool(data.get("overdue")),
            q=(data.get("q") or "").strip(),
        )


class BoardFilterForm(forms.Form):
    unit = forms.ChoiceField(label=_("责任单位"), required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = _blank((u.code, u.name) for u in units)  # type: ignore[attr-defined]


class BulkSignForm(forms.Form):
    """批量签收: each checked box is ``"<number>:<version>"``, the version the user saw."""

    ticket = forms.MultipleChoiceField(required=True, error_messages={"required": _("请先勾选要签收的工单")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ticket"].valid_value = lambda value: True  # type: ignore[attr-defined]

    def clean_ticket(self) -> list[tuple[str, int | None]]:
        values: list[str] = self.cleaned_data["ticket"]
        if len(values) > BULK_LIMIT:
            raise forms.ValidationError(_("一次最多签收 %(n)s 件"), params={"n": BULK_LIMIT})
        parsed: dict[str, int | None] = {}
        for value in values:
            number, _sep, version = value.strip().partition(":")
            if number:
                parsed.setdefault(number[:20], small_int(version))
        return list(parsed.items())
