"""Tickets (工单) and what hangs on them: categories, attachments, links, history events.

A ticket's state (``stage``, ``status``, ``round``, ``handler``, deadlines) changes only
through ``hotline.workflow.services.ticket_transition``; registration only through
``hotline.workflow.registration.ticket_register``. History events are append-only.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.org.models import Unit


class TicketType(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    CONSULTATION = "consultation", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    HELP = "help", _("求助")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站/APP")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    LETTER = "letter", _("来信")
    FAX = "fax", _("传真")
    VISIT = "visit", _("来访")
    TRANSFER = "transfer", _("上级转办/外单位转来")
    MEDIA = "media", _("媒体")
    INTERNAL = "internal", _("内部员工")


class Severity(models.TextChoices):
    NORMAL = "normal", pgettext_lazy("severity", "一般")
    MAJOR = "major", _("重大")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    # Coarse status derived from the stage: the pack's stages are the fine-grained truth.
    OPEN = "open", _("办理中")  # in a non-final stage, clock running
    SUSPENDED = "suspended", _("已中止")  # clock stopped (waiting for complainant, a test, another agency)
    CLOSED = "closed", _("已结束")  # in a final stage (closed, rejected, ...)


OPEN_STATUSES = (Status.OPEN, Status.SUSPENDED)


class CustomerClass(models.TextChoices):
    NONE = "", _("未分级")
    A = "A", _("A类")
    B = "B", _("B类")
    C = "C", _("C类")
    D = "D", _("D类")
    VIP = "VIP", _("VIP")


class UpgradedVia(models.TextChoices):
    """越级投诉: where the complainant went over our heads (``policies.vocab.UPGRADED_VIA``)."""

    NONE = "", _("非越级")
    REGULATOR = "regulator", _("监管部门/消协")
    HOTLINE_12345 = "hotline_12345", _("12345热线")
    MEDIA = "media", _("新闻媒体")
    LEADER = "leader", _("领导批转")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    NEUTRAL = "neutral", _("一般")
    DISSATISFIED = "dissatisfied", _("不满意")


class Category(models.Model):
    """A configurable tree of matter categories (服务态度 / 服务质效 / 产品质量 ...)."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering: ClassVar = ["sort", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id and self.parent else self.name


class DailySequence(models.Model):
    """Per-day counter behind ticket numbers; bumped by one atomic upsert."""

    day = models.DateField("日期", primary_key=True)
    last = models.PositiveIntegerField("最后序号", default=0)

    class Meta:
        verbose_name = "工单日序号"
        verbose_name_plural = "工单日序号"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    number = models.CharField("工单编号", max_length=20, unique=True)
    query_code = models.CharField("查询码", max_length=12)
    type = models.CharField("诉求类型", max_length=16, choices=TicketType.choices)
    channel = models.CharField("受理渠道", max_length=16, choices=Channel.choices)
    source = models.CharField(
        "来源编号",
        max_length=200,
        blank=True,
        help_text="外部来源的编号(邮件 Message-ID、来电编号、上级工单号);同一渠道同一编号只登记一次",
    )
    policy = models.CharField("政策包", max_length=32)
    received_at = models.DateTimeField("收到时间", help_text="来信等可补登,填实际收到时间")
    registered_at = models.DateTimeField("登记时间", default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首问受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_tickets",
    )
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name="受理单位",
        on_delete=models.PROTECT,
        related_name="owned_tickets",
        help_text="首问负责:谁受理谁负责",
    )

    # Complainant / reporter (诉求人). Identity fields are masked for roles without the right.
    complainant_name = models.CharField("诉求人姓名", max_length=64, blank=True)
    complainant_phone = models.CharField("联系电话", max_length=32, blank=True)
    complainant_email = models.EmailField("电子邮箱", blank=True)
    complainant_id_number = models.CharField("证件号码", max_length=32, blank=True)
    complainant_address = models.CharField("联系地址", max_length=255, blank=True)
    customer_class = models.CharField("客户等级", max_length=4, choices=CustomerClass.choices, blank=True)
    anonymous = models.BooleanField("匿名", default=False)

    # Respondent (被投诉/被举报对象)
    respondent_name = models.CharField("被诉对象", max_length=128, blank=True)
    respondent_address = models.CharField("被诉对象地址", max_length=255, blank=True)
    respondent_licence = models.CharField("许可证号", max_length=64, blank=True)

    unit = models.ForeignKey(
        Unit, verbose_name="当前责任单位", on_delete=models.PROTECT, related_name="tickets"
    )
    region = models.CharField("发生地区", max_length=64, blank=True)
    occurred_on = models.DateField(
        "事项发生日期", null=True, blank=True, help_text="受理时效按此计算(如费用争议超过5个月不予受理)"
    )
    category = models.ForeignKey(
        Category,
        verbose_name="诉求分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    severity = models.CharField("紧急程度", max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    subject = models.CharField("标题", max_length=200)
    description = models.TextField("诉求内容")
    demand = models.TextField("诉求人要求", blank=True)
    claimed_amount = models.DecimalField(
        "索赔金额(元)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="诉求人要求赔偿的金额;超过政策包规定的金额为重大投诉",
    )
    upgraded_via = models.CharField(
        "越级来源",
        max_length=16,
        choices=UpgradedVia.choices,
        blank=True,
        help_text="越级投诉:诉求人已向监管部门、12345、媒体或领导反映",
    )
    confidential = models.BooleanField(
        "保密", default=False, help_text="举报件默认保密;身份信息对无权角色脱敏"
    )

    # Workflow state: written only by the workflow service.
    stage = models.CharField("当前环节", max_length=32)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    round = models.PositiveSmallIntegerField("派单轮次", default=0)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_tickets",
    )
    supervised = models.BooleanField("督办", default=False)
    satisfaction = models.CharField("满意度", max_length=16, choices=Satisfaction.choices, blank=True)
    closing_code = models.CharField("办结类型", max_length=32, blank=True)
    stage_entered_at = models.DateTimeField("进入环节时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("首次派单时间", null=True, blank=True)
    round_dispatched_at = models.DateTimeField(
        "本轮派单时间", null=True, blank=True, help_text="最近一次派单或再次派单的时间(时限起算点)"
    )
    reopened_at = models.DateTimeField("重新打开时间", null=True, blank=True)
    instruction = models.TextField("领导批示", blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    # Deadlines. A clock is {"start": iso, "amount": n, "unit": u, "extensions": [[n, u], ...]};
    # the due time is recomputed from it whenever the calendar changes.
    # ``due_at`` is the binding deadline: the earlier of the stage's and the whole ticket's.
    due_at = models.DateTimeField("当前时限", null=True, blank=True, help_text="本环节时限与总时限中较早者")
    final_due_at = models.DateTimeField("总办理时限", null=True, blank=True)
    deadline_provisional = models.BooleanField(
        "时限为暂定", default=False, help_text="涉及尚未公布放假安排的年份"
    )
    stage_clock = models.JSONField("环节计时", null=True, blank=True)
    final_clock = models.JSONField("总计时", null=True, blank=True)
    suspension = models.JSONField("中止状态", null=True, blank=True)

    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering: ClassVar = ["-received_at"]
        permissions: ClassVar = [("view_identity", "查看诉求人身份信息(脱敏前)")]
        indexes: ClassVar = [
            # a unit's open tickets by due time (worklists)
            models.Index(
                fields=["unit", "due_at"],
                name="ticket_open_unit_due",
                condition=Q(status__in=["open", "suspended"]),
            ),
            # a handler's open tickets by due time
            models.Index(
                fields=["handler", "due_at"],
                name="ticket_open_handler_due",
                condition=Q(status__in=["open", "suspended"]),
            ),
            # open tickets due before a time (the reminder sweep)
            models.Index(
                fields=["due_at"], name="ticket_open_due", condition=Q(status__in=["open", "suspended"])
            ),
            # open tickets in a few stages (approvals: reject-able, supervisable; a stage filter)
            models.Index(
                fields=["stage", "policy", "due_at"],
                name="ticket_open_stage",
                condition=Q(status__in=["open", "suspended"]),
            ),
            # open tickets a user took in at a unit outside their own (the board's scope, ADR 0026)
            models.Index(
                fields=["registered_by", "owner_unit"],
                name="ticket_open_registered",
                condition=Q(status__in=["open", "suspended"]),
            ),
            # a caller's history by phone (screen pop, repeat detection)
            models.Index(fields=["complainant_phone", "received_at"], name="ticket_phone_received"),
            # counts by month × type × category × unit (statistics)
            models.Index(fields=["received_at", "type", "category", "unit"], name="ticket_stats"),
            models.Index(fields=["owner_unit", "received_at"], name="ticket_owner_received"),
            # 越级投诉 tracked (the API's ``upgraded`` / ``upgraded_via`` filters): few rows
            models.Index(
                fields=["upgraded_via", "received_at"], name="ticket_upgraded", condition=~Q(upgraded_via="")
            ),
        ]
        constraints: ClassVar = [
            # a retried mail, call or upper-level push never makes two tickets
            models.UniqueConstraint(
                fields=["channel", "source"], condition=~Q(source=""), name="ticket_unique_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"tickets/{instance.ticket.number}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小(字节)")
    content_type = models.CharField("类型", max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering: ClassVar = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name


class LinkKind(models.TextChoices):
    REPEAT_OF = "repeat_of", _("重复投诉")
    BATCH = "batch", _("批量投诉")
    PARENT = "parent", _("主工单")
    RELATED = "related", _("关联")


class TicketLink(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="links")
    target = models.ForeignKey(
        Ticket, verbose_name="关联工单", on_delete=models.PROTECT, related_name="linked_from"
    )
    kind = models.CharField("关联类型", max_length=16, choices=LinkKind.choices)
    # a link a person made (at intake, through the API, a confirmed batch) is confirmed; one
    # that detection suggested (``hotline.similar``) is not, until a person confirms it
    confirmed = models.BooleanField("已确认", default=True, help_text="系统识别的关联待人工确认")
    created_at = models.DateTimeField("关联时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单关联"
        verbose_name_plural = "工单关联"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "target", "kind"], name="ticketlink_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.target_id}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("status", "待审批")
    APPROVED = "approved", _("已批准")
    DENIED = "denied", _("已驳回")
    LAPSED = "lapsed", _("已失效")  # the stage was left before a decision


# Requests that do not count against a pack's extension caps.
EXTENSION_NOT_COUNTED = (ExtensionStatus.DENIED, ExtensionStatus.LAPSED)


class ExtensionRequest(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="extensions"
    )
    round = models.PositiveSmallIntegerField(
        "派单轮次", default=0, help_text="延期上限按派单轮次计算:再次派单重新起算时限,也重新起算延期"
    )
    amount = models.PositiveIntegerField("延期数量")
    unit = models.CharField("单位", max_length=16)
    reason = models.TextField("延期理由")
    status = models.CharField(
        "状态", max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering: ClassVar = ["-requested_at"]
        indexes: ClassVar = [
            # the requests waiting for a decision (approvals), not every request ever made
            models.Index(fields=["ticket"], name="extension_pending", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.amount} {self.unit} ({self.status})"


class AppendOnlyError(Exception):
    pass


class TicketEvent(models.Model):
    """One line of a ticket's history (全程跟踪). Never updated, never deleted."""

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField("序号")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(
        "操作人名称", max_length=64, blank=True, help_text="系统、公众等非用户操作者"
    )
    action = models.CharField("动作", max_length=32)
    from_stage = models.CharField("原环节", max_length=32, blank=True)
    to_stage = models.CharField("新环节", max_length=32, blank=True)
    from_status = models.CharField("原状态", max_length=12, blank=True)
    to_status = models.CharField("新状态", max_length=12, blank=True)
    comment = models.TextField("说明", blank=True)
    payload = models.JSONField("详情", default=dict, blank=True)
    public = models.BooleanField("对诉求人公开", default=False)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering: ClassVar = ["ticket", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["ticket", "seq"], name="ticketevent_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("办理记录只能追加,不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("办理记录不能删除")


# --- open-ticket counts (the board; ADR 0026) ---------------------------------------------


class OpenCountKey(models.Model):
    """What the board counts open tickets by, as the ticket has it: where it is, who took it
    in (the two halves of a centre role's scope), pack, type, stage, status, and the hour its
    binding deadline falls in (``due_hour``: whole hours since 1970 UTC; ``DUE_NEVER`` for a
    suspended ticket or one without a deadline, ``DUE_PAST`` once a fold merged it into
    "due before the horizon"). Plain ids, no foreign keys: a derived table, not a relation."""

    unit_id = models.BigIntegerField("当前责任单位")
    owner_unit_id = models.BigIntegerField("受理单位")
    policy = models.CharField("政策包", max_length=32)
    type = models.CharField("诉求类型", max_length=16)
    stage = models.CharField("当前环节", max_length=32)
    status = models.CharField("状态", max_length=12)
    due_hour = models.IntegerField("时限所在小时")

    class Meta:
        abstract = True


class OpenCount(OpenCountKey):
    """Open tickets per key, as of the last fold. Written only by
    ``hotline.workflow.counts.fold``; a read adds the ``OpenCountDelta`` rows not yet folded."""

    n = models.IntegerField("工单数")

    class Meta:
        verbose_name = "在办工单计数"
        verbose_name_plural = "在办工单计数"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["unit_id", "owner_unit_id", "policy", "type", "stage", "status", "due_hour"],
                name="opencount_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy}/{self.type}/{self.stage} {self.status} @{self.due_hour}: {self.n}"


class OpenCountDelta(OpenCountKey):
    """+1 / −1 per key, appended by the database triggers on ``tickets_ticket`` (migration
    0010) for every insert, delete and change of a counted column, whatever wrote it (the
    services, ``generate``'s ``COPY``, an ``update()``). Appended, never updated: no row
    that two registrations would both have to lock."""

    n = models.SmallIntegerField("增减")

    class Meta:
        verbose_name = "在办工单计数增量"
        verbose_name_plural = "在办工单计数增量"

    def __str__(self) -> str:
        return f"{self.policy}/{self.type}/{self.stage} {self.status} @{self.due_hour}: {self.n:+d}"


class OpenCountFold(models.Model):
    """The fold's one row (``id`` 1), written only by the fold: buckets before ``horizon``
    (an hour, as ``due_hour``) are merged into ``DUE_PAST``, so a read whose hour is
    earlier than the horizon counts from the tickets instead."""

    horizon = models.IntegerField("合并界限(小时)", default=0)
    folded_at = models.DateTimeField("最近合并时间", null=True, blank=True)

    class Meta:
        verbose_name = "在办工单计数合并"
        verbose_name_plural = "在办工单计数合并"

    def __str__(self) -> str:
        return f"horizon {self.horizon} ({self.folded_at})"
