"""Forms of the public portal; field names are those of the public API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import InvalidInput
from hotline.portal.services import PublicSubmission, occurred_on_check
from hotline.tickets.models import Satisfaction, TicketType

# The types the public may use here; help requests and praise come in by phone.
PUBLIC_TYPES = [
    (TicketType.COMPLAINT.value, _("投诉")),
    (TicketType.REPORT.value, _("举报")),
    (TicketType.CONSULTATION.value, _("咨询")),
    (TicketType.SUGGESTION.value, _("建议")),
]
TYPES_WITH_RESPONDENT = (TicketType.COMPLAINT.value, TicketType.REPORT.value)
SATISFACTION_CHOICES = [
    (Satisfaction.VERY_SATISFIED.value, _("非常满意")),
    (Satisfaction.SATISFIED.value, _("满意")),
    (Satisfaction.NEUTRAL.value, _("一般")),
    (Satisfaction.DISSATISFIED.value, _("不满意")),
]
MAX_FILES = 5
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # all files of one submission together

phone_validator = RegexValidator(r"^[0-9+\-() ]{0,32}$", _("电话号码格式不正确"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by ``attachment_add`` when saved."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to the widgets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(w, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            w.attrs["class"] = f"{w.attrs.get('class', '')} {css}".strip()


class SubmissionForm(BootstrapForm):
    type = forms.ChoiceField(label=_("诉求类型"), choices=PUBLIC_TYPES, widget=forms.RadioSelect)
    subject = forms.CharField(label=_("标题"), max_length=200)
    description = forms.CharField(
        label=_("诉求内容"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    demand = forms.CharField(
        label=_("您的诉求(希望如何处理)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    region = forms.CharField(label=_("发生地区"), max_length=64, required=False)
    occurred_on = forms.DateField(
        label=_("事项发生日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    respondent_name = forms.CharField(label=_("被投诉/被举报对象"), max_length=128, required=False)
    respondent_address = forms.CharField(label=_("对象地址"), max_length=255, required=False)
    anonymous = forms.BooleanField(label=_("匿名举报(不留姓名和联系方式)"), required=False)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=32, required=False, validators=[phone_validator])
    email = forms.EmailField(label=_("电子邮箱"), required=False)
    attachments = MultipleFileField(label=_("附件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a hint for the browser's file picker; the server checks the type anyway
        accept = ",".join(sorted(settings.HOTLINE_ATTACHMENT_TYPES))
        self.fields["attachments"].widget.attrs["accept"] = accept
        self.fields["occurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_occurred_on(self) -> Any:
        value = self.cleaned_data.get("occurred_on")
        try:
            occurred_on_check(value)
        except InvalidInput as error:
            raise forms.ValidationError(error.detail, code=error.code) from None
        return value

    def clean_attachments(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("最多上传 %(n)d 个附件") % {"n": MAX_FILES}, code="too_many_files")
        if sum(f.size or 0 for f in files) > MAX_TOTAL_BYTES:
            raise forms.ValidationError(
                _("附件总大小不能超过 %(mb)d MB") % {"mb": MAX_TOTAL_BYTES // (1024 * 1024)},
                code="attachments_too_large",
            )
        return files

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("type")
        if data.get("anonymous") and kind != TicketType.REPORT:
            self.add_error("anonymous", _("只有举报可以匿名提交"))
        if not data.get("anonymous") and not (data.get("phone") or data.get("email")):
            if "phone" not in self.errors and "email" not in self.errors:
                self.add_error("phone", _("实名提交请留下电话或电子邮箱,以便联系答复;举报也可选择匿名"))
        return data

    def submission(self) -> PublicSubmission:
        d = self.cleaned_data
        with_respondent = d["type"] in TYPES_WITH_RESPONDENT
        return PublicSubmission(
            type=d["type"],
            subject=d["subject"],
            description=d["description"],
            demand=d["demand"],
            region=d["region"],
            occurred_on=d["occurred_on"],
            respondent_name=d["respondent_name"] if with_respondent else "",
            respondent_address=d["respondent_address"] if with_respondent else "",
            anonymous=bool(d["anonymous"]),
            name="" if d["anonymous"] else d["name"],
            phone="" if d["anonymous"] else d["phone"],
            email="" if d["anonymous"] else d["email"],
        )


class TrackForm(BootstrapForm):
    number = forms.CharField(label=_("工单编号"), max_length=20)
    code = forms.CharField(label=_("查询码"), max_length=12)


class RateForm(BootstrapForm):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=SATISFACTION_CHOICES, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见(选填)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CodeForm(BootstrapForm):
    code = forms.CharField(label=_("查询码"), max_length=12)
