"""Forms of the intake screen and the ticket page.

They post the API's field names (``hotline/api/serializers.py``: ``complainant.phone``,
``respondent.name`` …) and the action parameters of ``hotline/workflow/actions.py``. They
only shape input: the services validate and decide, and their errors are put back on the
field they name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import HotlineError, InvalidInput
from hotline.core.phones import normalise_phone
from hotline.followup.models import AttemptOutcome
from hotline.org.models import Membership, Role, Unit, UnitKind
from hotline.policies.schema import Pack
from hotline.tickets.models import (
    Category,
    Channel,
    CustomerClass,
    Satisfaction,
    Severity,
    Ticket,
    TicketType,
    UpgradedVia,
)
from hotline.web.extension import UNIT_NAMES as EXTENSION_UNIT_NAMES
from hotline.workflow.drafts import TicketDraft, draft_from_data
from hotline.workflow.params import Param, params_of
from hotline.workflow.roles import INTAKE_ROLES

# Phone numbers are checked and normalised by the services (``hotline.core.phones``), whose
# errors come back on the field: the forms only bound the length.
PHONE_MAX_LENGTH = 40
CLOSING_CODES = {
    "handled": _("已办理"),
    "answered": _("已答复"),
    "on_the_spot": _("当场答复"),
    "unreachable": _("联系不上诉求人"),
    "unresolved": _("无法解决,已说明"),
    "invalid": _("无效诉求"),
}


def _style(form: forms.Form, *, id_prefix: str = "id_") -> None:
    """Bootstrap classes, and ids without dots (``complainant.phone`` → ``id_complainant_phone``)."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)
        widget.attrs.setdefault("id", id_prefix + name.replace(".", "_"))


def put_error(form: forms.Form, err: HotlineError) -> None:
    """Show a service's error next to the field it names, else above the form."""
    name = err.extra.get("field")
    form.add_error(name if name in form.fields else None, err.detail)


def by_id(form: forms.Form) -> dict[str, forms.BoundField]:
    """Bound fields keyed without dots, for templates (``f.complainant_phone``)."""
    return {name.replace(".", "_"): form[name] for name in form.fields}


def intake_units(user: Any) -> list[Unit]:
    """The units the user takes matters in (their intake roles), the hotline centre first."""
    units = {
        m.unit.pk: m.unit
        for m in Membership.objects.filter(user_id=user.pk, role__in=INTAKE_ROLES).select_related("unit")
        if m.unit.is_active
    }
    return sorted(units.values(), key=lambda u: (u.kind != UnitKind.CENTRE, u.path))


def category_choices() -> list[Any]:
    """Active categories grouped under their top level (one query)."""
    rows = list(Category.objects.filter(is_active=True).order_by("sort", "code"))
    children: dict[int, list[Category]] = {}
    for c in rows:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    choices: list[Any] = [("", _("—— 请选择 ——"))]
    for c in rows:
        if c.parent_id is not None:
            continue
        kids = children.get(c.pk)
        if kids:
            choices.append(
                (c.name, [(c.code, format_lazy(_("{}(综合)"), c.name))] + [(k.code, k.name) for k in kids])
            )
        else:
            choices.append((c.code, c.name))
    return choices


def _text(label: Any, *, max_length: int, rows: int = 0, **attrs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget)


class IntakeForm(forms.Form):
    """受理登记. Field order is the tab order: phone first, then what the caller says."""

    def __init__(self, *args: Any, units: Iterable[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_list = list(units)
        f = self.fields
        f["complainant.phone"] = forms.CharField(
            label=_("来电号码"),
            max_length=PHONE_MAX_LENGTH,
            required=False,
            widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "inputmode": "tel"}),
        )
        f["type"] = forms.ChoiceField(label=_("诉求类型"), choices=TicketType.choices, initial="complaint")
        f["category"] = forms.ChoiceField(label=_("诉求分类"), choices=category_choices(), required=False)
        f["severity"] = forms.ChoiceField(label=_("紧急程度"), choices=Severity.choices, initial="normal")
        f["subject"] = _text(_("标题"), max_length=200)
        f["subject"].required = True
        f["subject"].error_messages["required"] = _("请填写标题")
        f["description"] = _text(_("诉求内容"), max_length=20000, rows=4)
        f["description"].required = True
        f["description"].error_messages["required"] = _("请填写诉求内容")
        f["demand"] = _text(_("诉求人要求"), max_length=4000, rows=2)
        f["result"] = _text(_("当场答复内容"), max_length=20000, rows=2)
        f["complainant.name"] = _text(_("姓名"), max_length=64)
        f["complainant.anonymous"] = forms.BooleanField(label=_("匿名"), required=False)
        f["complainant.address"] = _text(_("联系地址"), max_length=255)
        f["complainant.email"] = forms.EmailField(
            label=_("电子邮箱"), required=False, error_messages={"invalid": _("电子邮箱格式不正确")}
        )
        f["complainant.customer_class"] = forms.ChoiceField(
            label=_("客户等级"), choices=CustomerClass.choices, required=False
        )
        f["claimed_amount"] = forms.DecimalField(
            label=_("索赔金额(元)"),
            required=False,
            min_value=0,
            max_digits=14,
            decimal_places=2,
            error_messages={"invalid": _("索赔金额应为数字")},
        )
        f["upgraded_via"] = forms.ChoiceField(
            label=_("越级来源"), choices=UpgradedVia.choices, required=False
        )
        f["region"] = _text(_("发生地区"), max_length=64, list="region-options")
        f["occurred_on"] = forms.DateField(
            label=_("事项发生日期"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": _("事项发生日期格式不正确")},
        )
        f["respondent.name"] = _text(_("被诉对象"), max_length=128)
        f["respondent.address"] = _text(_("被诉对象地址"), max_length=255)
        f["channel"] = forms.ChoiceField(label=_("受理渠道"), choices=Channel.choices, initial="phone")
        f["unit"] = forms.ChoiceField(
            label=_("受理单位"),
            choices=[(u.code, u.name) for u in unit_list],
            initial=unit_list[0].code if unit_list else "",
        )
        f["received_at"] = forms.DateTimeField(
            label=_("收到时间(补登时填)"),
            required=False,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            error_messages={"invalid": _("收到时间格式不正确")},
        )
        f["confidential"] = forms.BooleanField(label=_("保密"), required=False)
        # 重复投诉: the earlier ticket chosen in the repeat panel (views.similar), linked on saving
        f["repeat_of"] = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
        _style(self)

    def clean(self) -> dict[str, Any]:
        """The phone is checked with the other fields (the service normalises it again on
        saving): a wrong number shows next to the field at once, in the service's words."""
        data = super().clean() or {}
        phone = data.get("complainant.phone") or ""
        if phone:
            try:
                normalise_phone(phone, field="complainant.phone")
            except InvalidInput as err:
                self.add_error("complainant.phone", err.detail)
        return data

    def clean_occurred_on(self) -> date | None:
        value: date | None = self.cleaned_data.get("occurred_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("事项发生日期不能晚于今天"), code="occurred_in_future")
        return value


# Intake fields that are not part of the draft: the on-the-spot answer goes to ``close``.
INTAKE_NOT_DRAFT = frozenset({"result", "repeat_of"})


def intake_draft(data: Mapping[str, Any]) -> TicketDraft:
    """The draft of the intake form's cleaned data, through the one builder: the form's
    dotted names (``complainant.phone``) nested as the staff API has them."""
    nested: dict[str, Any] = {}
    for name, value in data.items():
        if name in INTAKE_NOT_DRAFT:
            continue
        head, dot, key = name.partition(".")
        if dot:
            nested.setdefault(head, {})[key] = value
        else:
            nested[name] = value
    if data.get("repeat_of"):
        nested["links"] = [{"kind": "repeat_of", "number": str(data["repeat_of"])}]
    return draft_from_data(nested)


# 规范应答: each question of a script walked on the intake screen is posted as
# ``answer.<key>`` = yes | no (the caller's answer, not whether it matches the script).
ANSWER_YES = "yes"
ANSWER_NO = "no"
ANSWER_VALUES = {ANSWER_YES: True, ANSWER_NO: False}


def script_answers(data: Mapping[str, Any], questions: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """The caller's answers to a script's ``questions`` as posted; a question not answered
    (or answered with anything but yes/no) is left out, for ``read_answers`` to name."""
    answers: dict[str, bool] = {}
    for q in questions:
        key = str(q["key"])
        value = ANSWER_VALUES.get(str(data.get(f"answer.{key}") or ""))
        if value is not None:
            answers[key] = value
    return answers


def region_options(units: Iterable[Unit]) -> list[str]:
    """Suggestions for 发生地区: the regions of the active units (the user may type any)."""
    regions = Unit.objects.filter(is_active=True).exclude(region="").values_list("region", flat=True)
    return sorted(set(regions) | {u.region for u in units if u.region})


def _units_for_dispatch() -> list[tuple[str, Any]]:
    units = Unit.objects.filter(is_active=True).order_by("path").only("code", "name", "depth")
    return [("", _("—— 请选择单位 ——"))] + [(u.code, "\u3000" * u.depth + u.name) for u in units]


def _handlers_of(unit: Unit) -> list[tuple[str, Any]]:
    """Handlers and heads of the unit or above it: whom ``assign`` accepts."""
    parts = [p for p in unit.path.split("/") if p]
    paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role__in=[Role.HANDLER, Role.DEPT_HEAD],
            memberships__unit__path__in=paths,
        )
        .distinct()
        .order_by("username")
    )
    return [("", _("—— 请选择承办人 ——"))] + [(u.username, u.get_full_name() or u.username) for u in users]


def _param_field(param: Param, ticket: Ticket, pack: Pack) -> forms.Field:
    """One action parameter (``workflow.params``) as a form field. Every field is optional
    here: the action's handler refuses a missing one with its own readable message."""
    if param.kind == "reject_reason":
        reasons = [("", _("—— 请选择不予受理理由 ——")), *pack.reject_reasons.items()]
        return forms.ChoiceField(label=param.label, choices=reasons, required=False)
    if param.kind == "unit":
        return forms.ChoiceField(label=param.label, choices=_units_for_dispatch(), required=False)
    if param.kind == "handler":
        return forms.ChoiceField(label=param.label, choices=_handlers_of(ticket.unit), required=False)
    if param.kind == "amount":
        unit = pack.extension.unit if pack.extension else ""
        return forms.IntegerField(
            label=format_lazy(_("{}({})"), param.label, EXTENSION_UNIT_NAMES.get(unit, unit)),
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            required=False,
            min_value=1,
            max_value=1000,
            error_messages={"invalid": _("延期数量应为整数")},
        )
    if param.kind == "satisfaction":
        return forms.ChoiceField(
            label=param.label, choices=Satisfaction.choices, required=False, widget=forms.RadioSelect
        )
    if param.kind == "closing_code":
        return forms.CharField(
            label=param.label,
            max_length=param.max_length,
            required=False,
            widget=forms.TextInput(attrs={"list": "closing-codes", "placeholder": "handled"}),
        )
    rows = 3 if param.max_length > 4000 or param.name == "instruction" else 2
    return _text(param.label, max_length=param.max_length, rows=rows if param.multiline else 0)


def _fields_for(action: str, ticket: Ticket, pack: Pack) -> dict[str, forms.Field]:
    """The action's form fields, from the one table of action parameters."""
    return {param.name: _param_field(param, ticket, pack) for param in params_of(action)}


class ActionForm(forms.Form):
    """One action's small form: its parameters plus the version the user saw."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen_seq = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, action: str, ticket: Ticket, pack: Pack, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields.update(_fields_for(action, ticket, pack))
        _style(self, id_prefix=f"id_{action}_")

    def params(self) -> dict[str, Any]:
        """The cleaned action parameters (without the version fields), blanks left out."""
        return {
            k: v
            for k, v in self.cleaned_data.items()
            if k not in ("expected_version", "seen_seq") and v not in ("", None)
        }


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "id": "id_unmask_reason"}),
    )


class VisitAttemptForm(forms.Form):
    """记录未接通: a call-back that did not reach the complainant (``record_attempt``)."""

    visit = forms.IntegerField(widget=forms.HiddenInput, min_value=1)  # the task the user saw
    outcome = forms.ChoiceField(
        label=_("结果"),
        choices=[("", _("—— 请选择 ——")), *AttemptOutcome.choices],
        required=False,
        error_messages={"invalid_choice": _("请选择回访结果")},
        widget=forms.Select(attrs={"class": "form-select", "id": "id_visit_attempt_outcome"}),
    )
    note = forms.CharField(
        label=_("备注"),
        max_length=500,
        required=False,
        error_messages={"max_length": _("备注不能超过500字")},
        widget=forms.TextInput(attrs={"class": "form-control", "id": "id_visit_attempt_note"}),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        error_messages={"required": _("请选择要上传的文件")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "id": "id_attachment_file"}),
    )


class BlocklistRequestForm(forms.Form):
    phone = forms.CharField(label=_("号码"), max_length=PHONE_MAX_LENGTH)
    reason = forms.CharField(label=_("申请理由"), max_length=1000, required=False)
