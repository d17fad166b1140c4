"""Knowledge articles (知识库), response scripts (规范应答) and service phrases (标准服务用语).

- An :class:`Article` is the current state of a piece of knowledge; every save of its
  content writes an :class:`ArticleVersion` (the history and its diffs). Its status runs
  draft → in review → published → retired; only the roles in :class:`KnowledgeConfig`
  publish (the administrator names them).
- A :class:`Script` is a response script as ``004_…txt`` structures them: symptom, typical
  case, whether the front desk may close it, questions with expected answers, and ordered
  outcomes, each with a judgement rule over the answers (data, validated on save:
  :mod:`hotline.knowledge.rules`) and the wording to read.
- A :class:`Phrase` is a standard service phrase for one situation of a call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import InvalidInput
from hotline.knowledge.rules import check_script
from hotline.org.models import Role, Unit
from hotline.tickets.models import Category, Ticket


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class KnowledgeConfig(models.Model):
    """One row: the roles that review and publish articles (named by the administrator)."""

    publisher_roles = models.JSONField(
        "可发布知识的角色",
        default=list,
        blank=True,
        help_text="角色编码列表,如 team_leader、admin;为空时仅管理员可发布",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "知识库设置"
        verbose_name_plural = "知识库设置"

    def __str__(self) -> str:
        return "知识库设置"

    @classmethod
    def current(cls) -> KnowledgeConfig:
        config = cls.objects.order_by("pk").first()
        if config is None:
            config = cls.objects.create(publisher_roles=[Role.TEAM_LEADER, Role.ADMIN])
        return config


class Article(models.Model):
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文(Markdown)")
    category = models.ForeignKey(
        Category, verbose_name="诉求分类", null=True, blank=True, on_delete=models.PROTECT
    )
    tags = models.JSONField("标签", default=list, blank=True)
    units = models.ManyToManyField(
        Unit, verbose_name="适用单位", blank=True, related_name="articles", help_text="为空表示全部单位"
    )
    packs = models.JSONField("适用政策包", default=list, blank=True, help_text="为空表示全部政策包")
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    public = models.BooleanField("公开(门户常见问题)", default=False)
    status = models.CharField(
        "状态", max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    helpful_count = models.PositiveIntegerField("有用", default=0)
    outdated_count = models.PositiveIntegerField("已过时", default=0)

    class Meta:
        verbose_name = "知识"
        verbose_name_plural = "知识库"
        ordering: ClassVar = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    """One saved state of an article's content (知识修订历史)."""

    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文(Markdown)")
    category_code = models.CharField("诉求分类", max_length=32, blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    unit_codes = models.JSONField("适用单位", default=list, blank=True)
    packs = models.JSONField("适用政策包", default=list, blank=True)
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_until = models.DateField("失效日期", null=True, blank=True)
    public = models.BooleanField("公开", default=False)
    note = models.CharField("修改说明", max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    edited_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "知识版本"
        verbose_name_plural = "知识版本"
        ordering: ClassVar = ["article", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class ArticleEvent(models.Model):
    """The article's workflow trail: submitted, published, sent back, retired (审核记录)."""

    class Kind(models.TextChoices):
        CREATE = "create", _("创建")
        EDIT = "edit", _("修改")
        SUBMIT = "submit", _("提交审核")
        PUBLISH = "publish", _("发布")
        SEND_BACK = "send_back", _("退回修改")
        RETIRE = "retire", _("停用")

    article = models.ForeignKey(Article, verbose_name="知识", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("动作", max_length=16, choices=Kind.choices)
    version = models.PositiveIntegerField("版本")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    comment = models.CharField("意见", max_length=500, blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "知识审核记录"
        verbose_name_plural = "知识审核记录"
        ordering: ClassVar = ["article", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind}"


def article_file_path(instance: ArticleAttachment, filename: str) -> str:
    return f"knowledge/{instance.article_id}/{filename}"


class ArticleAttachment(models.Model):
    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=article_file_path, max_length=255)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小(字节)")
    content_type = models.CharField("类型", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "知识附件"
        verbose_name_plural = "知识附件"
        ordering: ClassVar = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class Feedback(models.TextChoices):
    HELPFUL = "helpful", _("有用")
    OUTDATED = "outdated", _("已过时")


class ArticleFeedback(models.Model):
    """An agent's mark on an article: helpful, or outdated (with what is wrong)."""

    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.CASCADE, related_name="feedback"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="标记人", on_delete=models.CASCADE)
    kind = models.CharField("标记", max_length=16, choices=Feedback.choices)
    comment = models.CharField("说明", max_length=500, blank=True)
    version = models.PositiveIntegerField("版本")
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "知识反馈"
        verbose_name_plural = "知识反馈"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["article", "user", "kind"], name="kb_feedback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.kind}"


class TicketArticle(models.Model):
    """An article that answered a ticket (the ticket's history has the ``cite_article`` event)."""

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, verbose_name="知识", on_delete=models.PROTECT, related_name="tickets"
    )
    version = models.PositiveIntegerField("版本")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="引用人", null=True, blank=True, on_delete=models.PROTECT
    )
    linked_at = models.DateTimeField("引用时间")

    class Meta:
        verbose_name = "工单引用知识"
        verbose_name_plural = "工单引用知识"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_ticket_article_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id}"


class Script(models.Model):
    """A response script (规范应答脚本); ``questions`` and ``outcomes`` are checked on save."""

    code = models.SlugField("编码", max_length=40, unique=True)
    title = models.CharField("名称", max_length=100)
    symptom = models.TextField("障碍描述")
    typical_case = models.TextField("典型案例", blank=True)
    front_desk = models.TextField("是否需要服务窗口直接办结", blank=True)
    category = models.ForeignKey(
        Category, verbose_name="诉求分类", null=True, blank=True, on_delete=models.PROTECT
    )
    packs = models.JSONField("适用政策包", default=list, blank=True, help_text="为空表示全部政策包")
    keywords = models.JSONField("提示关键词", default=list, blank=True)
    # [{"key": "1", "text": "...", "expected": true}]
    questions = models.JSONField("询问要点", default=list, blank=True)
    # [{"when": <rule> | null (otherwise), "outcome": "close" | "dispatch", "label": "...",
    #   "wording": "...", "unit": "<unit code>", "promised": {"amount": 2, "unit": "working_days"},
    #   "notes": [{"situation": "...", "text": "..."}]}]
    outcomes = models.JSONField("判断定位与解释口径")
    faq = models.JSONField("常见问答", default=list, blank=True)  # [{"q": "...", "a": "..."}]
    active = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("排序", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "规范应答脚本"
        verbose_name_plural = "规范应答脚本"
        ordering: ClassVar = ["order", "code"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        check_script(self.questions, self.outcomes, self.faq)  # a rule is data, valid or refused
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            check_script(self.questions, self.outcomes, self.faq, unit_exists=_unit_exists)
        except InvalidInput as exc:
            raise ValidationError({"outcomes": exc.detail}) from exc


def _unit_exists(code: str) -> bool:
    return Unit.objects.filter(code=code).exists()


class Situation(models.TextChoices):
    GREETING = "greeting", _("问候")
    IDENTIFY = "identify", _("核实信息")
    HOLD = "hold", _("请稍候")
    RESUME = "resume", _("恢复通话")
    TRANSFER = "transfer", _("转接")
    APOLOGY = "apology", _("致歉安抚")
    CANNOT = "cannot", _("无法办理")
    CLOSING = "closing", _("结束语")


class Phrase(models.Model):
    """A standard service phrase (标准服务用语) for one situation of a call."""

    situation = models.CharField("场景", max_length=16, choices=Situation.choices)
    text = models.TextField("用语")
    order = models.PositiveIntegerField("排序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务用语"
        verbose_name_plural = "服务用语"
        ordering: ClassVar = ["situation", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:30]
