"""The floor and routing (issue 13, ADR 0022): team-leader actions, recorded prompts, voice
menus, access numbers and routing rules — the data ``telephony.routing`` answers the PBX
from over FastAGI."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.telephony.models.calls import Agent, Call, SkillGroup


class SupervisorKind(models.TextChoices):
    """班长/组长 actions on an agent or the agent's call (000 L106–110 items 15–21)."""

    MONITOR = "monitor", _("监听")  # ChanSpy quiet: the leader hears both sides
    WHISPER = "whisper", _("耳语")  # ChanSpy whisper: the agent hears the leader, the caller does not
    BARGE = "barge", _("强插")  # ChanSpy barge: a three-way call
    INTERCEPT = "intercept", _("拦截")  # the caller moved to the leader, the agent dropped
    HANGUP = "hangup", _("强拆")  # the call hung up
    LOGOUT = "logout", _("强制注销")  # the agent signed out, removed from the queues
    BUSY = "busy", _("强制示忙")  # paused in the queues
    READY = "ready", _("强制示闲")  # unpaused


class SupervisorAction(models.Model):
    """One team-leader action: who did what to which agent (and call), and what was sent."""

    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="班长", on_delete=models.PROTECT, related_name="+"
    )
    agent = models.ForeignKey(
        Agent, verbose_name="座席", on_delete=models.PROTECT, related_name="supervisor_actions"
    )
    call = models.ForeignKey(
        Call, verbose_name="通话", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("操作", max_length=10, choices=SupervisorKind.choices)
    at = models.DateTimeField("时间")
    sent = models.JSONField("发送的PBX指令", default=dict, blank=True)  # the AMI action and fields; {} none
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "班长操作"
        verbose_name_plural = "班长操作"
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.leader_id} {self.kind} {self.agent_id}"


class IvrPrompt(models.Model):
    """A recorded prompt (自录语音) uploaded by the centre; ``asterisk-config`` writes it out
    as ``sounds/hotline/<name>`` for the PBX to play."""

    name = models.SlugField("文件名", max_length=64, unique=True)
    title = models.CharField("说明", max_length=100)
    audio = models.BinaryField("音频")
    content_type = models.CharField("格式", max_length=64, default="audio/wav")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "语音提示"
        verbose_name_plural = "语音提示"
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.title


class IvrMenu(models.Model):
    """One voice menu (语音导航): a prompt, then a digit chooses an option."""

    name = models.CharField("名称", max_length=64, unique=True)
    prompt = models.ForeignKey(
        IvrPrompt, verbose_name="提示音", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    timeout_seconds = models.PositiveSmallIntegerField("等待按键(秒)", default=5)
    retries = models.PositiveSmallIntegerField("重复次数", default=2)
    # no digit pressed after the retries: this digit's option (empty: to a person)
    default_digit = models.CharField("默认按键", max_length=1, blank=True)

    class Meta:
        verbose_name = "语音菜单"
        verbose_name_plural = "语音菜单"
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class IvrAction(models.TextChoices):
    QUEUE = "queue", _("进入技能组排队")
    PERSON = "person", _("转人工")  # the number's default queue, own agent first
    TRANSFER = "transfer", _("转指定分机/号码")
    MENU = "menu", _("进入下级菜单")
    PROGRESS = "progress", _("自助查询办理进度")  # ticket number + query code on the keypad
    MESSAGE = "message", _("留言")
    SURVEY = "survey", _("满意度评价")


class IvrOption(models.Model):
    menu = models.ForeignKey(IvrMenu, verbose_name="菜单", on_delete=models.CASCADE, related_name="options")
    digit = models.CharField("按键", max_length=1)  # 0-9, * or #
    label = models.CharField("说明", max_length=64)
    action = models.CharField("动作", max_length=10, choices=IvrAction.choices)
    group = models.ForeignKey(
        SkillGroup, verbose_name="技能组", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submenu = models.ForeignKey(
        IvrMenu, verbose_name="下级菜单", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField("转接目标", max_length=32, blank=True)  # TRANSFER: an extension or number

    class Meta:
        verbose_name = "菜单选项"
        verbose_name_plural = "菜单选项"
        ordering: ClassVar = ["menu", "digit"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["menu", "digit"], name="ivroption_one_per_digit")
        ]

    def __str__(self) -> str:
        return f"{self.menu_id} {self.digit} {self.label}"


class HotlineNumber(models.Model):
    """An access number (接入号码: 12345, a 400 number, a local number) and its flows: the
    working-hours menu on working days of the calendar (调休 Saturdays included) between
    ``opens`` and ``closes``, the after-hours menu otherwise."""

    number = models.CharField("号码", max_length=32, unique=True)  # as the PBX dials it (agi_extension)
    name = models.CharField("名称", max_length=64)
    priority = models.PositiveSmallIntegerField("排队优先级", default=0)  # higher is answered first
    group = models.ForeignKey(
        SkillGroup,
        verbose_name="默认技能组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opens = models.TimeField("上班时间", default="08:30")
    closes = models.TimeField("下班时间", default="17:30")
    working_menu = models.ForeignKey(
        IvrMenu,
        verbose_name="上班流程菜单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    after_hours_menu = models.ForeignKey(
        IvrMenu,
        verbose_name="下班流程菜单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    own_agent_first = models.BooleanField("优先分配到所属坐席", default=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "接入号码"
        verbose_name_plural = "接入号码"
        ordering: ClassVar = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class RoutingRule(models.Model):
    """来电分配规则: callers from an area (归属地 prefix, e.g. ``广东省深圳市``) or named
    numbers go to a named agent or skill group; first matching ``order`` wins."""

    class Kind(models.TextChoices):
        AREA = "area", _("按号码归属地")
        NUMBER = "number", _("按来电号码")

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    pattern = models.CharField("匹配", max_length=64)  # area prefix, or a number (stored E.164)
    hotline_number = models.ForeignKey(
        HotlineNumber,
        verbose_name="接入号码",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rules",
    )  # empty: every number
    agent = models.ForeignKey(
        Agent, verbose_name="指定座席", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        SkillGroup,
        verbose_name="指定技能组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.PositiveSmallIntegerField("顺序", default=100)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "来电分配规则"
        verbose_name_plural = "来电分配规则"
        ordering: ClassVar = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pattern}"
