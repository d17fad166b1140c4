"""The knowledge base in the admin.

Articles are written in the workbench (``/kb/``), where every save is a new version through
``article_edit``: here they are read-only, with their versions, review trail, feedback and
attachments, and the status moves go through ``article_move`` (logged as in the workbench).
The administrator names the publishing roles in 知识库设置; scripts are checked by the
model's ``clean`` (``rules.check_script``) before they are saved; phrases are plain rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from hotline.core.errors import HotlineError
from hotline.core.types import User
from hotline.knowledge.models import (
    Article,
    ArticleAttachment,
    ArticleEvent,
    ArticleFeedback,
    ArticleVersion,
    KnowledgeConfig,
    Phrase,
    Script,
    TicketArticle,
)
from hotline.knowledge.services import article_move
from hotline.org.models import Role
from hotline.policies.registry import pack_choices

if TYPE_CHECKING:
    # django-stubs makes the admin classes generic in their models; Django's classes cannot
    # be subscripted at run time, so only the type checker sees the parameters.
    _ArticleAdmin = admin.ModelAdmin[Article]
    _ConfigAdmin = admin.ModelAdmin[KnowledgeConfig]
    _ScriptAdmin = admin.ModelAdmin[Script]
    _PhraseAdmin = admin.ModelAdmin[Phrase]
    _Inline = admin.TabularInline[Any, Article]
else:
    _ArticleAdmin = _ConfigAdmin = _ScriptAdmin = _PhraseAdmin = admin.ModelAdmin
    _Inline = admin.TabularInline


class ReadOnlyInline(_Inline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionInline(ReadOnlyInline):
    model = ArticleVersion
    fields = ("number", "title", "edited_by", "edited_at", "note", "public", "valid_from", "valid_until")
    readonly_fields = fields
    ordering = ("-number",)


class EventInline(ReadOnlyInline):
    model = ArticleEvent
    fields = ("at", "kind", "version", "actor", "comment")
    readonly_fields = fields


class FeedbackInline(ReadOnlyInline):
    model = ArticleFeedback
    fields = ("at", "kind", "user", "version", "comment")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = ArticleAttachment
    fields = ("name", "size", "content_type", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class CitationInline(ReadOnlyInline):
    model = TicketArticle
    fields = ("ticket_number", "version", "linked_by", "linked_at")
    readonly_fields = fields
    verbose_name_plural = "引用这条知识的工单"

    @admin.display(description="工单编号")
    def ticket_number(self, obj: TicketArticle) -> str:
        return obj.ticket.number  # the number only: a ticket's subject may name the complainant


def _move(request: HttpRequest, queryset: QuerySet[Article], action: str, verb: str) -> None:
    assert isinstance(request.user, User)
    done = 0
    for article in queryset:
        try:
            article_move(actor=request.user, article=article, action=action, comment="管理后台")
            done += 1
        except HotlineError as err:
            messages.error(request, f"{article.title}:{err.detail}")
    if done:
        messages.success(request, f"已{verb} {done} 条")


@admin.register(Article)
class ArticleAdmin(_ArticleAdmin):
    """Read-only: an edit here would bypass the versions (``article_edit`` is the one door)."""

    list_display = (
        "title",
        "status",
        "category",
        "public",
        "version",
        "helpful_count",
        "outdated_count",
        "updated_at",
    )
    list_filter = ("status", "public", "category")
    search_fields = ("title",)
    date_hierarchy = "updated_at"
    fields = (
        "workbench_link",
        "title",
        "status",
        "version",
        "category",
        "tags",
        "packs",
        "valid_from",
        "valid_until",
        "public",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
        "helpful_count",
        "outdated_count",
        "body",
    )
    readonly_fields = fields
    inlines = (VersionInline, EventInline, FeedbackInline, AttachmentInline, CitationInline)
    actions = ("publish", "retire")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written in the workbench, where every save is a version

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tickets cite articles; retire instead

    @admin.display(description="在工作台打开")
    def workbench_link(self, obj: Article) -> SafeString:
        return format_html(
            '<a href="{}">{}</a>', reverse("web:kb-article", args=[obj.pk]), "查看、修改与历史"
        )

    @admin.action(description="发布所选知识")
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        _move(request, queryset, "publish", "发布")

    @admin.action(description="停用所选知识")
    def retire(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        _move(request, queryset, "retire", "停用")


class KnowledgeConfigForm(forms.ModelForm):  # type: ignore[type-arg]
    publisher_roles = forms.MultipleChoiceField(
        label="可发布知识的角色",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="这些角色审核、发布、退回和停用知识,并可修改任何知识;不选时仅管理员可发布。",
    )

    class Meta:
        model = KnowledgeConfig
        fields = ("publisher_roles",)

    def clean_publisher_roles(self) -> list[str]:
        return list(self.cleaned_data["publisher_roles"])


@admin.register(KnowledgeConfig)
class KnowledgeConfigAdmin(_ConfigAdmin):
    """One row (``KnowledgeConfig.current``): the roles that publish."""

    form = KnowledgeConfigForm
    list_display = ("__str__", "roles", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row is made on the list's first visit (``current``)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="可发布知识的角色")
    def roles(self, obj: KnowledgeConfig) -> str:
        labels = dict(Role.choices)
        return "、".join(str(labels.get(r, r)) for r in obj.publisher_roles) or "(仅管理员)"

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        KnowledgeConfig.current()  # the row exists from the first visit, with the defaults
        return super().changelist_view(request, extra_context)


class ScriptForm(forms.ModelForm):  # type: ignore[type-arg]
    packs = forms.MultipleChoiceField(
        label="适用政策包",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选表示全部政策包",
    )

    class Meta:
        model = Script
        fields = (
            "code",
            "title",
            "symptom",
            "typical_case",
            "front_desk",
            "category",
            "packs",
            "keywords",
            "questions",
            "outcomes",
            "faq",
            "active",
            "order",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["packs"].choices = pack_choices()  # type: ignore[attr-defined]
        for name in ("questions", "outcomes", "faq", "keywords"):
            self.fields[name].widget.attrs.update(
                {"rows": 8, "class": "vLargeTextField", "spellcheck": "false"}
            )

    def clean_packs(self) -> list[str]:
        return list(self.cleaned_data["packs"])

    def clean_keywords(self) -> list[str]:
        """The intake screen matches each keyword in the typed text: a list of words."""
        value = self.cleaned_data["keywords"]
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise forms.ValidationError('提示关键词应为文字列表,如 ["宽带", "断网"]')
        return [v.strip() for v in value]


@admin.register(Script)
class ScriptAdmin(_ScriptAdmin):
    """The JSON of questions and outcomes is checked by ``Script.clean`` (``rules.check_script``):
    a rule that does not parse, a question it does not know or a unit that does not exist is
    shown on the form, never saved."""

    form = ScriptForm
    list_display = ("title", "code", "category", "active", "order", "updated_at")
    list_filter = ("active", "category")
    search_fields = ("title", "code", "symptom")
    list_editable = ("active", "order")


@admin.register(Phrase)
class PhraseAdmin(_PhraseAdmin):
    list_display = ("short_text", "situation", "order", "active")
    list_filter = ("situation", "active")
    search_fields = ("text",)
    list_editable = ("order", "active")

    @admin.display(description="用语")
    def short_text(self, obj: Phrase) -> str:
        return obj.text if len(obj.text) <= 40 else obj.text[:40] + "…"
