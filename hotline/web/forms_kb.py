"""Forms of the knowledge base pages (知识库).

They only shape input: ``hotline.knowledge.services.article_input`` reads and checks an
article's fields, and its errors are put back on the field they name (``put_error``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.knowledge.models import Article, ArticleStatus, Feedback
from hotline.knowledge.services import ARTICLE_FIELDS
from hotline.org.models import Unit
from hotline.policies.registry import pack_choices
from hotline.tickets.models import Category

PAGE_SIZE = 25


def _blank(choices: Any, label: Any = None) -> list[tuple[str, Any]]:
    """``choices`` after an empty "all" choice; labels stay lazy so they follow the language."""
    return [("", label or _("全部")), *[(str(k), v) for k, v in choices]]


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, str(c)) for c in Category.objects.filter(is_active=True).select_related("parent")]


class ArticleFilterForm(forms.Form):
    """The GET filters of the article list; an invalid field is dropped, not an error page."""

    category = forms.ChoiceField(label=_("诉求分类"), required=False)
    tag = forms.CharField(label=_("标签"), required=False, max_length=32)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=_blank(ArticleStatus.choices))
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank(category_choices())  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        self.is_valid()  # cleaned_data keeps only the valid fields
        data = self.cleaned_data
        return {
            "category": data.get("category") or "",
            "tag": (data.get("tag") or "").strip(),
            "status": data.get("status") or "",
            "page": data.get("page") or 1,
        }


class ArticleForm(forms.Form):
    """An article's content as typed; ``version`` is the version the editor started from."""

    title = forms.CharField(label=_("标题"), max_length=200, error_messages={"required": _("请填写标题")})
    body = forms.CharField(
        label=_("正文"),
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 16, "class": "form-control font-monospace"}),
        help_text=_("支持 Markdown:# 标题、**加粗**、- 列表、[链接文字](网址)、表格。不支持 HTML。"),
        error_messages={"required": _("请填写正文")},
    )
    category = forms.ChoiceField(label=_("诉求分类"), required=False)
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=2000, help_text=_("多个标签用逗号分隔")
    )
    units = forms.MultipleChoiceField(
        label=_("适用单位"),
        required=False,
        help_text=_("不选表示全部单位;选中的单位含其下级单位"),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    packs = forms.MultipleChoiceField(
        label=_("适用政策包"),
        required=False,
        help_text=_("不选表示全部政策包"),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    valid_from = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")},
    )
    valid_until = forms.DateField(
        label=_("失效日期"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")},
    )
    public = forms.BooleanField(label=_("公开到门户“常见问题”"), required=False)
    note = forms.CharField(label=_("修改说明"), required=False, max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _blank(category_choices(), _("(不限)"))  # type: ignore[attr-defined]
        units = Unit.objects.filter(is_active=True).order_by("path")
        self.fields["units"].choices = [(u.code, u.name) for u in units]  # type: ignore[attr-defined]
        self.fields["packs"].choices = pack_choices()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)
            widget.attrs.setdefault("id", f"id_{name}")

    @classmethod
    def initial_of(cls, article: Article) -> dict[str, Any]:
        return {
            "title": article.title,
            "body": article.body,
            "category": article.category.code if article.category else "",
            "tags": ", ".join(article.tags),
            "units": sorted(article.units.values_list("code", flat=True)),
            "packs": list(article.packs),
            "valid_from": article.valid_from,
            "valid_until": article.valid_until,
            "public": article.public,
            "version": article.version,
        }

    def article_data(self) -> dict[str, Any]:
        """The cleaned fields ``article_input`` reads (units sorted, as versions keep them)."""
        data = {name: self.cleaned_data.get(name) for name in ARTICLE_FIELDS}
        data["units"] = sorted(data.get("units") or [])
        data["packs"] = list(data.get("packs") or [])
        data["public"] = bool(data.get("public"))
        return data


class MoveForm(forms.Form):
    """A status move, with the version the reviewer read (``version``)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=_("意见"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(choices=Feedback.choices)
    comment = forms.CharField(
        label=_("哪里需要更新"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "id": "id_feedback_comment"}),
    )


class CiteForm(forms.Form):
    number = forms.CharField(
        label=_("工单编号"),
        max_length=30,
        error_messages={"required": _("请填写工单编号")},
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm font-monospace", "id": "id_cite_number"}
        ),
    )


class KbAttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        error_messages={"required": _("请选择要上传的文件")},
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "id": "id_kb_attachment_file"}),
    )


class DiffForm(forms.Form):
    old = forms.IntegerField(min_value=1, max_value=1_000_000)
    new = forms.IntegerField(min_value=1, max_value=1_000_000)
