"""Organisation tree and role memberships.

A unit (单位) is a node of any depth: province → city → county → department → team. Its
``path`` is a materialised path of primary keys (``/1/5/9/``) so that "this unit and every
unit below it" is one indexed prefix query. Roles are held per unit and reach down the tree.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "受理员"
    COORDINATOR = "coordinator", "监控中心协调员"
    DEPT_HEAD = "dept_head", "部门负责人"
    HANDLER = "handler", "承办人"
    LEADER = "leader", "分管领导"
    TEAM_LEADER = "team_leader", "班长"
    ADMIN = "admin", "管理员"


class UnitKind(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县(区)级"
    DEPARTMENT = "department", "部门"
    TEAM = "team", "班组"
    CENTRE = "centre", "受理中心"


class Unit(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("层级", max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField(
        "行政区划", max_length=64, blank=True, help_text="属地派单依据,如 330100 / 杭州市"
    )
    policy = models.CharField(
        "政策包", max_length=32, blank=True, help_text="本单位受理的工单默认使用的政策包;为空时继承上级单位"
    )
    path = models.CharField("路径", max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField("层级深度", editable=False, default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering: ClassVar = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # The path needs the primary key and a move rewrites the subtree: that is
        # ``org.services.unit_save``'s work, in one transaction, whoever saves (admin, seed).
        from hotline.org.services import unit_save

        # passes through whatever the caller gave; the stubs' save() takes typed keywords only
        unit_save(self, lambda: super(Unit, self).save(*args, **kwargs))  # type: ignore[arg-type]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from hotline.policies.registry import pack_choices

        if self.policy and self.policy not in dict(pack_choices()):
            raise ValidationError({"policy": f"未知的政策包“{self.policy}”"})
        if self.parent_id and self.pk and self.parent and self.parent.path.startswith(self.path or "\0"):
            raise ValidationError({"parent": "上级单位不能是本单位或其下级单位"})

    def covers(self, other: Unit | None) -> bool:
        """True when ``other`` is this unit or below it."""
        return other is not None and other.path.startswith(self.path)

    def effective_policy(self) -> str:
        """The policy pack code this unit works under: its own, else its nearest ancestor's,
        else the default. A unit read with the user's memberships (``org.selectors``) knows
        it already (``known_policy``: the nearest set one, "" for none)."""
        known: str | None = self.__dict__.get("known_policy")
        if known is not None:
            return known or str(settings.HOTLINE_DEFAULT_POLICY)
        unit: Unit | None = self
        while unit is not None:
            if unit.policy:
                return unit.policy
            unit = unit.parent
        return str(settings.HOTLINE_DEFAULT_POLICY)


class Membership(models.Model):
    """A user holds a role in a unit; the role reaches every unit below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = "角色任职"
        verbose_name_plural = "角色任职"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_user_unit_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
