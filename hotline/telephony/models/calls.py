"""Calls, their events and rings, agents and their states, callback tasks, pushes,
recording plays (see the package's docstring)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.tickets.models import Satisfaction, Ticket

# the keypad survey's keys (按键满意度) and the satisfaction level each stands for
SURVEY_LEVELS: dict[int, Satisfaction] = {
    1: Satisfaction.VERY_SATISFIED,
    2: Satisfaction.SATISFIED,
    3: Satisfaction.NEUTRAL,
    4: Satisfaction.DISSATISFIED,
}


class Direction(models.TextChoices):
    INBOUND = "in", _("呼入")
    OUTBOUND = "out", _("呼出")


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("振铃")
    ANSWERED = "answered", _("通话中")
    ENDED = "ended", _("已结束")


class CallOutcome(models.TextChoices):
    """How a call ended (empty while it goes on)."""

    ANSWERED = "answered", _("已接听")
    MISSED = (
        "missed",
        _("未接"),
    )  # rang at agents, nobody answered, the caller gave up or was told to call later
    ABANDONED = "abandoned", _("放弃")  # the caller hung up waiting in the queue
    BLOCKED = "blocked", _("已拦截")  # the number is on the blocklist: rejected at newCall
    FAILED = "failed", _("未接通")  # an outbound call the other side did not answer


class Call(models.Model):
    call_id = models.CharField("呼叫标识", max_length=128, unique=True, help_text="PBX 的 callId / Linkedid")
    direction = models.CharField("方向", max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    # the number as the PBX sent it, and in E.164 when it is a mainland number (else empty)
    from_raw = models.CharField("主叫(原始)", max_length=64, blank=True)
    to_raw = models.CharField("被叫(原始)", max_length=64, blank=True)
    caller = models.CharField("来电号码", max_length=32, blank=True, db_index=True)
    area = models.CharField("号码归属地", max_length=64, blank=True)
    queue = models.CharField("队列", max_length=64, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="座席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    extension = models.CharField("分机号", max_length=32, blank=True)
    status = models.CharField("状态", max_length=10, choices=CallStatus.choices, default=CallStatus.RINGING)
    outcome = models.CharField("结果", max_length=10, choices=CallOutcome.choices, blank=True)
    started_at = models.DateTimeField("开始时间", db_index=True)
    answered_at = models.DateTimeField("接听时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    wait_seconds = models.PositiveIntegerField("等待时长(秒)", null=True, blank=True)
    talk_seconds = models.PositiveIntegerField("通话时长(秒)", null=True, blank=True)
    wrapup_seconds = models.PositiveIntegerField("话后整理(秒)", null=True, blank=True)
    cause = models.CharField("挂机原因", max_length=64, blank=True)
    recording = models.CharField("录音文件", max_length=255, blank=True)
    # the Asterisk channels of the caller and of the agent answering (for the team leader's
    # monitor, intercept and hang-up); empty when the source does not name them
    caller_channel = models.CharField("来电通道", max_length=128, blank=True)
    agent_channel = models.CharField("座席通道", max_length=128, blank=True)
    # the routing answer given over FastAGI (hotline.telephony.routing)
    flow = models.CharField("流程", max_length=12, blank=True)  # "working" / "after_hours"
    priority = models.PositiveSmallIntegerField("排队优先级", null=True, blank=True)
    # the keypad satisfaction survey (按键满意度): the digit pressed, 1 very satisfied … 4
    survey_offered_at = models.DateTimeField("转满意度评价时间", null=True, blank=True)
    survey_score = models.PositiveSmallIntegerField("满意度按键", null=True, blank=True)
    survey_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = "通话记录"
        verbose_name_plural = "通话记录"
        ordering: ClassVar = ["-started_at", "-pk"]
        indexes: ClassVar = [
            models.Index(fields=["agent", "-started_at"], name="call_agent_started"),
            models.Index(fields=["extension", "status"], name="call_extension_status"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.from_raw}→{self.to_raw}"

    @property
    def survey_label(self) -> str:
        """The keypad survey's answer in words (empty: none)."""
        level = SURVEY_LEVELS.get(self.survey_score or 0)
        return str(level.label) if level is not None else ""

    @property
    def flow_label(self) -> str:
        return {"working": str(_("上班流程")), "after_hours": str(_("下班流程"))}.get(self.flow, self.flow)


class CallRing(models.Model):
    """An agent a call rang at (振铃): an agent's own missed calls (000 L48 item 11) are the
    calls that rang at them and that nobody — or somebody else — answered."""

    call = models.ForeignKey(Call, verbose_name="通话", on_delete=models.CASCADE, related_name="rings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="座席", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("振铃时间")

    class Meta:
        verbose_name = "振铃记录"
        verbose_name_plural = "振铃记录"
        constraints: ClassVar = [models.UniqueConstraint(fields=["user", "call"], name="callring_once")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.user_id}"


class CallEvent(models.Model):
    """One event as received; ``dedupe`` makes a replayed or retried event a no-op."""

    call = models.ForeignKey(
        Call, verbose_name="通话", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    ref = models.CharField("呼叫标识", max_length=128, db_index=True)  # the call's call_id as sent
    source = models.CharField("来源", max_length=8)  # "http" (generic CTI) or "ami"
    kind = models.CharField("事件", max_length=32)  # newCall, answer, hangup, … (AMI: its Event name)
    payload = models.JSONField("内容", default=dict)
    dedupe = models.CharField("去重键", max_length=200, unique=True)
    occurred_at = models.DateTimeField("发生时间")
    received_at = models.DateTimeField("接收时间")
    applied = models.BooleanField("已处理", default=True)  # False: kept, but it changed nothing
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "通话事件"
        verbose_name_plural = "通话事件"
        ordering: ClassVar = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ref} {self.kind}"


class CallTicket(models.Model):
    class Relation(models.TextChoices):
        REGISTERED = "registered", _("本次来电登记")
        TOUCHED = "touched", _("本次来电处理")

    call = models.ForeignKey(Call, verbose_name="通话", on_delete=models.PROTECT, related_name="ticket_links")
    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="+")
    relation = models.CharField("关系", max_length=12, choices=Relation.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "通话关联工单"
        verbose_name_plural = "通话关联工单"
        constraints: ClassVar = [models.UniqueConstraint(fields=["call", "ticket"], name="callticket_once")]

    def __str__(self) -> str:
        return f"{self.call_id} → {self.ticket_id}"


class SkillGroup(models.Model):
    """技能组: a PBX queue agents join and leave."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    queue = models.CharField("PBX 队列名", max_length=64, unique=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "技能组"
        verbose_name_plural = "技能组"
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class AgentState(models.TextChoices):
    OFFLINE = "offline", _("未签入")
    READY = "ready", _("空闲")  # 示闲: calls may ring
    BUSY = "busy", _("通话中")
    WRAPUP = "wrapup", _("话后整理")
    BREAK = "break", pgettext_lazy("agent state", "小休")  # 示忙: paused in the queues
    MUTE = "mute", _("静音")  # on a call, the microphone off (the caller hears hold)


class Agent(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="agent"
    )
    staff_no = models.CharField("工号", max_length=16, unique=True)
    extension = models.CharField(
        "分机号", max_length=32, blank=True
    )  # the seat signed in at; empty when offline
    state = models.CharField("状态", max_length=10, choices=AgentState.choices, default=AgentState.OFFLINE)
    state_since = models.DateTimeField("状态开始", null=True, blank=True)
    wrapup_until = models.DateTimeField("整理结束", null=True, blank=True)
    groups = models.ManyToManyField(SkillGroup, verbose_name="技能组", blank=True, related_name="agents")
    session_key = models.CharField("会话", max_length=64, blank=True)  # the browser session signed in
    last_seen = models.DateTimeField("最近在线", null=True, blank=True)  # the event stream's heartbeat
    # 转接/邀请外线 (000 L48 item 8.3): a permission, off by default; set in the admin
    external_calls = models.BooleanField("允许转接/邀请外线", default=False)

    class Meta:
        verbose_name = "座席"
        verbose_name_plural = "座席"
        ordering: ClassVar = ["staff_no"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["extension"], condition=~Q(extension=""), name="agent_one_per_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_no} {self.user}"


class AgentStateLog(models.Model):
    agent = models.ForeignKey(Agent, verbose_name="座席", on_delete=models.PROTECT, related_name="state_log")
    state = models.CharField("状态", max_length=10, choices=AgentState.choices)
    extension = models.CharField("分机号", max_length=32, blank=True)
    started_at = models.DateTimeField("开始")
    ended_at = models.DateTimeField("结束", null=True, blank=True)
    seconds = models.PositiveIntegerField("时长(秒)", null=True, blank=True)
    reason = models.CharField("原因", max_length=64, blank=True)
    pbx_sent = models.BooleanField("已通知PBX", default=False)

    class Meta:
        verbose_name = "座席状态记录"
        verbose_name_plural = "座席状态记录"
        ordering: ClassVar = ["agent", "started_at", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="agentstate_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.state} {self.started_at}"


class Questionnaire(models.Model):
    """A questionnaire template filled during outbound calls: ``questions`` is a list of
    ``{"key", "text", "choices": [...]}`` (no choices: a free answer)."""

    name = models.CharField("名称", max_length=64, unique=True)
    questions = models.JSONField("问题", default=list)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "外呼问卷"
        verbose_name_plural = "外呼问卷"

    def __str__(self) -> str:
        return self.name


class TaskKind(models.TextChoices):
    MISSED = "missed", _("未接回呼")
    OUTBOUND = "outbound", _("外呼任务")
    MESSAGE = "message", _("留言回复")  # a web, fax or email message answered by phone
    VISIT = "visit", _("回访")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class CallbackTask(models.Model):
    kind = models.CharField("类型", max_length=10, choices=TaskKind.choices)
    phone = models.CharField("号码", max_length=32)  # E.164
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    due_at = models.DateTimeField("最迟时间")
    note = models.TextField("说明", blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间")
    call = models.ForeignKey(
        Call,
        verbose_name="来源通话",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_tasks",
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name="工单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("来源渠道", max_length=16, blank=True)  # for MESSAGE: web, fax, email
    questionnaire = models.ForeignKey(
        Questionnaire, verbose_name="问卷", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answers = models.JSONField("问卷答案", default=dict, blank=True)
    result = models.TextField("处理结果", blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attempts = models.PositiveIntegerField("呼叫次数", default=0)

    class Meta:
        verbose_name = "回呼/外呼任务"
        verbose_name_plural = "回呼/外呼任务"
        ordering: ClassVar = ["due_at", "pk"]
        indexes: ClassVar = [models.Index(fields=["status", "due_at"], name="callbacktask_open_due")]
        constraints: ClassVar = [
            # one task per missed call, however often its hangup is replayed
            models.UniqueConstraint(
                fields=["call"], condition=Q(kind="missed"), name="callbacktask_one_per_missed_call"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.phone}"


class CallbackAttempt(models.Model):
    task = models.ForeignKey(
        CallbackTask, verbose_name="任务", on_delete=models.PROTECT, related_name="attempt_rows"
    )
    call = models.ForeignKey(
        Call, verbose_name="通话", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")
    result = models.CharField("结果", max_length=200, blank=True)

    class Meta:
        verbose_name = "呼叫尝试"
        verbose_name_plural = "呼叫尝试"
        ordering: ClassVar = ["task", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.at}"


class Push(models.Model):
    """A message for one user's browser (``kind``: ``pop`` for a ringing call, ``call`` for
    a call's later states, ``state`` for the agent's own state)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类型", max_length=16)
    payload = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "推送"
        verbose_name_plural = "推送"
        indexes: ClassVar = [models.Index(fields=["user", "id"], name="push_user_id")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class RecordingPlay(models.Model):
    call = models.ForeignKey(Call, verbose_name="通话", on_delete=models.PROTECT, related_name="plays")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="播放人", on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name="依据工单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "录音播放记录"
        verbose_name_plural = "录音播放记录"
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.call_id} {self.user_id} {self.at}"
