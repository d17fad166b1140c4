"""The scoring rule of the assessment (考核评分规则): data the organisation edits in the admin.

One rule is *active* per top unit (an organisation: a city, a company); an active rule
without a unit is the default for every organisation without its own. A rule is checked
on every save (``clean``, also called by ``save``), so a rule that cannot score is never
stored; ``docs/guide/assessment.md`` explains each field as ``scoring.py`` applies it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from hotline.org.models import Unit

FULL_MARKS = Decimal(100)


def _points(verbose: str, default: str, help_text: str) -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        verbose,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[
            MinValueValidator(Decimal(0), "不能为负数"),
            MaxValueValidator(FULL_MARKS, "不能超过 100"),
        ],
        help_text=help_text,
    )


class EmptyRate(models.TextChoices):
    REWEIGHT = "reweight", "按其余有数据的指标折算权重"
    FULL = "full", "该项计满分"


# (weight field, measure label) — the four rates the score is built from, in order
WEIGHT_FIELDS: tuple[str, ...] = ("w_on_time", "w_response", "w_resolution", "w_satisfaction")
DEDUCTION_FIELDS: tuple[str, ...] = (
    "d_overdue",
    "d_dissatisfied",
    "d_returned",
    "d_repeat",
    "d_repeat_severe",
    "d_rectification_overdue",
)


class ScoringRule(models.Model):
    name = models.CharField("规则名称", max_length=100)
    unit = models.ForeignKey(
        Unit,
        verbose_name="适用单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="顶级单位(无上级的单位);留空为默认规则,适用于没有自己规则的单位",
    )
    active = models.BooleanField("启用", default=True, help_text="每个顶级单位(及默认)只能有一条启用的规则")
    w_on_time = _points("按时办结率权重", "25", "按时办结率(按时办结量 ÷ 办结量)占的分值")
    w_response = _points("响应率权重", "25", "响应率(按时签收量 ÷ 派单量)占的分值")
    w_resolution = _points("办结率权重", "25", "办结率(已办结收件量 ÷ 收件量)占的分值")
    w_satisfaction = _points("满意率权重", "25", "满意率((非常满意 + 满意)÷ 回访量)占的分值")
    empty_rate = models.CharField(
        "无数据的指标",
        max_length=10,
        choices=EmptyRate.choices,
        default=EmptyRate.REWEIGHT,
        help_text="某项比率的分母为 0(如本期没有派单)时如何计分",
    )
    d_overdue = _points("每件超期扣分", "2", "超期量中的每一件")
    d_dissatisfied = _points("每件不满意扣分", "2", "回访“不满意”的每一件")
    d_returned = _points("每件退单扣分", "1", "退单量中的每一件")
    d_repeat = _points("每个重复问题扣分", "2", "当月重复发生、未达严重次数的每个问题")
    d_repeat_severe = _points("每个严重重复问题扣分", "5", "当月发生次数达到“严重次数”的每个问题")
    severe_times = models.PositiveSmallIntegerField(
        "严重重复次数",
        default=3,
        validators=[MinValueValidator(2, "至少为 2 次"), MaxValueValidator(99, "不能超过 99 次")],
        help_text="同一问题在一个自然月内发生(首次投诉连同其重复投诉)达到此次数即为严重",
    )
    d_rectification_overdue = _points(
        "每件整改超期扣分", "3", "本期下发的整改通知书中超期未报或逾期报告的每一件"
    )
    deduction_cap = models.DecimalField(
        "扣分上限",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal(0), "不能为负数"),
            MaxValueValidator(FULL_MARKS, "不能超过 100"),
        ],
        help_text="合计扣分最多扣到此分值;留空不设上限",
    )
    floor_zero = models.BooleanField("最低 0 分", default=True, help_text="得分低于 0 时记为 0 分")
    note = models.TextField("说明", blank=True, help_text="依据的制度文件、适用范围等")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "考核评分规则"
        verbose_name_plural = "考核评分规则"
        ordering: ClassVar = ["unit__path", "-active", "name"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(active=True, unit__isnull=False),
                name="assessment_rule_one_active_per_unit",
                violation_error_message="该单位已有一条启用的考核规则,请先停用原规则",
            ),
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True, unit__isnull=True),
                name="assessment_rule_one_active_default",
                violation_error_message="已有一条启用的默认考核规则,请先停用原规则",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # every door (admin, shell, a data migration) gets the same checks
        self.full_clean()
        super().save(*args, **kwargs)

    @property
    def weights_total(self) -> Decimal:
        return sum((getattr(self, f) for f in WEIGHT_FIELDS), Decimal(0))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.unit_id is not None and self.unit is not None and self.unit.parent_id is not None:
            errors["unit"] = f"“{self.unit.name}”不是顶级单位:考核规则只能配置给顶级单位(或留空作为默认规则)"
        values = [getattr(self, f) for f in WEIGHT_FIELDS]
        if all(v is not None for v in values):
            total = sum(values, Decimal(0))
            if total != FULL_MARKS:
                errors["w_satisfaction"] = f"四项比率的权重之和应为 100 分,现为 {total.normalize():f} 分"
        repeat, severe = self.d_repeat, self.d_repeat_severe
        if repeat is not None and severe is not None and severe < repeat:
            errors["d_repeat_severe"] = "严重重复问题的扣分不能低于一般重复问题的扣分"
        if errors:
            raise ValidationError(errors)
