"""The knowledge base API's shapes and filters (views: ``hotline.api.knowledge``).

Input shapes check types only and refuse unknown fields (``StrictSerializer``); what a value
means — a title is required, a category exists, an answer is missing — is the knowledge
service's to say, with its own codes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hotline.api.serializers import StrictSerializer, Text
from hotline.api.walk import AnswersField
from hotline.knowledge import services
from hotline.knowledge.markdown import render
from hotline.knowledge.models import (
    Article,
    ArticleEvent,
    ArticleStatus,
    ArticleVersion,
    Feedback,
    Phrase,
    Script,
    Situation,
    TicketArticle,
)
from hotline.knowledge.rules import promise_label

# ---------------------------------------------------------------------------------------
# shapes: articles


class ArticleIn(StrictSerializer):
    """An article's content. Only types are checked here; the knowledge service says what is
    missing or wrong (``title_required``, ``body_required``, ``invalid_category``,
    ``invalid_unit``, ``invalid_policy``, ``invalid_range`` …). ``title`` and ``body`` are
    required when creating and with ``PUT``."""

    title = serializers.CharField(required=False, allow_blank=True, help_text="标题(必填,200字以内)")
    body = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, help_text="正文,Markdown(必填)"
    )
    category = serializers.CharField(required=False, allow_blank=True, help_text="诉求分类编码")
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    units = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="适用单位编码;空为全部"
    )
    packs = serializers.ListField(
        child=serializers.CharField(allow_blank=True), required=False, help_text="适用政策包编码;空为全部"
    )
    valid_from = serializers.DateField(required=False, allow_null=True, help_text="生效日期")
    valid_until = serializers.DateField(required=False, allow_null=True, help_text="失效日期")
    public = serializers.BooleanField(required=False, help_text="公开到门户常见问题")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="修改说明")


class ArticleEditIn(ArticleIn):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="修改所依据的版本;他人已保存新版本时 409 kb_conflict"
    )


class MoveIn(StrictSerializer):
    comment = Text(max_length=500, help_text="意见;退回修改时必填")
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="所阅读的版本(选填);此后有人保存了新版本时 409 kb_conflict,审核的就是所读的版本",
    )


class FeedbackIn(StrictSerializer):
    kind = serializers.ChoiceField(choices=Feedback.choices, help_text="helpful 有用 / outdated 已过时")
    comment = Text(max_length=500, help_text="标记过时时必填:哪里需要更新")


class CiteIn(StrictSerializer):
    ticket = serializers.CharField(max_length=20, help_text="工单编号")


class ArticleEventOut(serializers.ModelSerializer[ArticleEvent]):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = ArticleEvent
        fields = ["kind", "version", "actor", "comment", "at"]


class ArticleOut(serializers.ModelSerializer[Article]):
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    units: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    published_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    packs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "category",
            "tags",
            "units",
            "packs",
            "valid_from",
            "valid_until",
            "public",
            "status",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "published_at",
            "published_by",
            "helpful_count",
            "outdated_count",
        ]
        read_only_fields = fields


class ArticleDetailOut(ArticleOut):
    body_html = serializers.SerializerMethodField(help_text="正文渲染后的 HTML(安全:原始 HTML 不生效)")
    can_edit = serializers.SerializerMethodField(help_text="当前用户能否修改")
    events = ArticleEventOut(many=True, read_only=True, help_text="审核记录")

    class Meta(ArticleOut.Meta):
        fields = [*ArticleOut.Meta.fields, "body", "body_html", "can_edit", "events"]
        read_only_fields = fields

    def get_body_html(self, obj: Article) -> str:
        return str(render(obj.body))

    def get_can_edit(self, obj: Article) -> bool:
        return services.can_edit(self.context["request"].user, obj)


class VersionOut(serializers.ModelSerializer[ArticleVersion]):
    edited_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    unit_codes = serializers.ListField(child=serializers.CharField(), read_only=True)
    packs = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ArticleVersion
        fields = [
            "number",
            "title",
            "category_code",
            "tags",
            "unit_codes",
            "packs",
            "valid_from",
            "valid_until",
            "public",
            "note",
            "edited_by",
            "edited_at",
        ]
        read_only_fields = fields


class VersionDetailOut(VersionOut):
    body_html = serializers.SerializerMethodField()

    class Meta(VersionOut.Meta):
        fields = [*VersionOut.Meta.fields, "body", "body_html"]
        read_only_fields = fields

    def get_body_html(self, obj: ArticleVersion) -> str:
        return str(render(obj.body))


class DiffQuery(serializers.Serializer[Any]):
    against = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class DiffOut(serializers.Serializer[Any]):
    article = serializers.IntegerField()
    old = serializers.IntegerField(help_text="比较的旧版本(against)")
    new = serializers.IntegerField(help_text="比较的新版本")
    diff = serializers.ListField(
        child=serializers.CharField(), help_text="统一格式差异(unified diff)的各行,含标题行“# 标题”"
    )


class CiteOut(serializers.ModelSerializer[TicketArticle]):
    ticket: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )
    linked_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = TicketArticle
        fields = ["ticket", "article", "version", "linked_by", "linked_at"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------
# shapes: scripts and phrases


class QuestionOut(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="要点编号,answers 的键")
    text = serializers.CharField()
    expected = serializers.BooleanField(help_text="符合典型情形的回答")


class ScriptPromiseOut(serializers.Serializer[Any]):
    amount = serializers.IntegerField()
    unit = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class OutcomeOut(serializers.Serializer[Any]):
    when = serializers.JSONField(
        allow_null=True, help_text="判断规则(要点编号或 all/any/none/not);null 为“其他情形”"
    )
    outcome = serializers.ChoiceField(choices=["close", "dispatch"])
    label = serializers.CharField(help_text="判断定位")  # type: ignore[assignment]
    wording = serializers.CharField(help_text="解释口径")
    unit = serializers.CharField(help_text="派单的承办单位编码;可为空")
    promised = ScriptPromiseOut(allow_null=True)
    notes = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class FaqOut(serializers.Serializer[Any]):
    q = serializers.CharField()
    a = serializers.CharField()


class ScriptOut(serializers.ModelSerializer[Script]):
    category: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    packs = serializers.ListField(child=serializers.CharField(), read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Script
        fields = ["id", "code", "title", "symptom", "category", "packs", "keywords", "order"]
        read_only_fields = fields


class ScriptDetailOut(ScriptOut):
    questions = QuestionOut(many=True, read_only=True)
    outcomes = serializers.SerializerMethodField()
    faq = FaqOut(many=True, read_only=True)

    class Meta(ScriptOut.Meta):
        fields = [*ScriptOut.Meta.fields, "typical_case", "front_desk", "questions", "outcomes", "faq"]
        read_only_fields = fields

    @extend_schema_field(OutcomeOut(many=True))
    def get_outcomes(self, obj: Script) -> list[dict[str, Any]]:
        return [
            {
                "when": o.get("when"),
                "outcome": o["outcome"],
                "label": o["label"],
                "wording": o["wording"],
                "unit": o.get("unit", ""),
                "promised": {**o["promised"], "label": promise_label(o["promised"])}
                if o.get("promised")
                else None,
                "notes": list(o.get("notes", [])),
            }
            for o in obj.outcomes
        ]


class SuggestQuery(serializers.Serializer[Any]):
    text = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    category = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")


class WalkIn(StrictSerializer):
    answers = AnswersField()


class PhraseOut(serializers.ModelSerializer[Phrase]):
    situation_label = serializers.CharField(source="get_situation_display", read_only=True)

    class Meta:
        model = Phrase
        fields = ["id", "situation", "situation_label", "text", "order"]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------
# filters


class ArticleFilter(filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information
    status = filters.ChoiceFilter(choices=ArticleStatus.choices)
    category = filters.CharFilter(method="filter_category", max_length=32, help_text="分类编码(含下级分类)")
    tag = filters.CharFilter(method="filter_tag", max_length=32, help_text="标签")
    public = filters.BooleanFilter()

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_category(self, qs: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        return qs.filter(Q(category__code=value) | Q(category__code__startswith=value + "."))

    def filter_tag(self, qs: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        # JSON ``contains`` is not on SQLite; the tags of the visible articles are few and short
        keep = [pk for pk, tags in qs.values_list("pk", "tags") if value in (tags or [])]
        return qs.filter(pk__in=keep)


class PhraseFilter(filters.FilterSet):  # type: ignore[misc]  # django-filter ships no type information
    situation = filters.ChoiceFilter(choices=Situation.choices)

    class Meta:
        model = Phrase
        fields: list[str] = []
