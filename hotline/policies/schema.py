"""A loaded policy pack (政策包): immutable, validated data the workflow engine reads.

Built only by :mod:`hotline.policies.loader`, which has checked every cross-reference,
so the engine can trust what it finds here: every ``to`` names a stage of the same
workflow, every role and action is in :mod:`hotline.policies.vocab`, and every ticket
type is defined. See ``docs/policy-packs.md`` for the YAML these come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from types import MappingProxyType
from typing import Any, Literal, get_args

from hotline.core.errors import ConfigurationError, InvalidInput
from hotline.policies.vocab import (
    LIMIT_ANCHOR_LABELS,
    LIMIT_UNIT_LABELS,
    SEVERITIES,
    TICKET_TYPE_LABELS,
    WINDOW_UNIT_LABELS,
)


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` of ``unit`` (one of ``vocab.LIMIT_UNITS``); 0 = the same day.

    ``start`` (one of ``vocab.LIMIT_ANCHORS``) is where a stage limit counts from. The loader
    always fills it in for stage limits: a pack's ``from``, else ``received`` for the
    workflow's initial stage and ``entered`` for every other stage. Limits that are not
    stage limits (extension, reminders, return visit) keep the default ``entered``.
    """

    amount: int
    unit: str
    start: str = "entered"

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"

    @property
    def label(self) -> str:
        return f"{self.amount}{LIMIT_UNIT_LABELS.get(self.unit, self.unit)}"

    @property
    def start_label(self) -> str:
        """``自收到之日起`` … ``自进入本环节起``."""
        return LIMIT_ANCHOR_LABELS.get(self.start, self.start)


@dataclass(frozen=True)
class ActionRule:
    """Where an action is allowed (its stage), who may take it and where it leads.

    ``to`` is the target stage, or ``None`` when the ticket stays in its stage.
    ``dissatisfied_to`` is set only on ``return_visit``: the target when the complainant
    is dissatisfied.
    """

    name: str
    roles: frozenset[str]
    to: str | None
    dissatisfied_to: str | None = None
    severities: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()

    def allows(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)

    def applies_to(self, *, severity: str, channel: str) -> bool:
        """Whether the rule is offered for a ticket of this severity and channel.

        ``severities`` / ``channels`` (``vocab.SEVERITIES`` / ``vocab.CHANNELS``) restrict
        the rule; an empty set means any.
        """
        return (not self.severities or severity in self.severities) and (
            not self.channels or channel in self.channels
        )

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t for t in (self.to, self.dissatisfied_to) if t is not None)


@dataclass(frozen=True)
class Stage:
    """A stage (环节) of a workflow. ``limit`` is the default stage limit (see
    :meth:`TypePolicy.stage_limit`); a ``final`` stage closes the ticket."""

    code: str
    label: str
    public_label: str
    limit: Limit | None
    final: bool
    actions: Mapping[str, ActionRule]


@dataclass(frozen=True)
class TotalLimit:
    """The whole-ticket limit of a type, counted from ``start`` (``vocab.TOTAL_ANCHORS``)."""

    amount: int
    unit: str
    start: str

    @property
    def limit(self) -> Limit:
        return Limit(self.amount, self.unit, self.start)


@dataclass(frozen=True)
class ExtensionRule:
    """延期: at most ``max_count`` approved requests adding at most ``max_total`` ``unit``."""

    max_count: int
    max_total: int
    unit: str


@dataclass(frozen=True)
class Rounds:
    """派单轮次: ``redispatch`` is refused beyond ``max``; from round ``supervise_from`` on
    the ticket is supervised (督办) and goes to leadership."""

    max: int
    supervise_from: int


@dataclass(frozen=True)
class ReminderPoint:
    """A reminder (催办) before the due time: when ``used`` (a fraction of the limit, 0–1
    exclusive) has elapsed, or when only ``left`` remains. Exactly one is set."""

    used: float | None
    left: Limit | None
    notify: frozenset[str]


@dataclass(frozen=True)
class EscalationStep:
    """After the due time has passed by ``after``, notify ``notify`` (逐级上报)."""

    after: Limit
    notify: frozenset[str]


@dataclass(frozen=True)
class QuietHours:
    """Local times (Asia/Shanghai) when no reminder is sent; may wrap midnight."""

    start: time
    end: time

    def covers(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class Reminders:
    """When the reminders worker reminds and escalates (催办与升级). Empty by default.

    Reminders wait for working time: not on rest days (unless ``on_rest_days``) and not in
    ``quiet_hours``; tickets of a severity in ``anytime_severities`` are reminded at once.
    """

    notify: frozenset[str] = frozenset({"handler"})
    before_due: tuple[ReminderPoint, ...] = ()
    escalation: tuple[EscalationStep, ...] = ()
    quiet_hours: QuietHours | None = None
    repeat_every: Limit | None = None
    on_rest_days: bool = False
    anytime_severities: frozenset[str] = frozenset()


ReturnVisitWhen = Literal["reply", "limit_expired"]
RETURN_VISIT_WHEN: tuple[ReturnVisitWhen, ...] = get_args(ReturnVisitWhen)
DEFAULT_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class ReturnVisitRule:
    """回访: a pack's ``return_visit`` section (ADR 0011). Every key is optional.

    ``roles`` call back when the ticket's stage has no ``return_visit`` action to say so
    (empty: not named, the readers fall back to ``coordinator``). A visit task is due
    ``within`` after the answer (``None``: no due time); ``when`` is ``reply`` (a visit
    task opens on the answer) or ``limit_expired`` (12345: also when the limit of a stage
    offering ``return_visit`` expires). After ``max_attempts`` failed call-backs the
    complainant counts as unreachable, and the sweep closes the ticket
    ``unreachable_close_after`` later (``None``: it does not). Every other key the pack
    writes is kept, read-only, in ``notes`` (e.g. ``satisfied_review_by``): informative.
    """

    roles: frozenset[str] = frozenset()
    within: Limit | None = None
    unreachable_close_after: Limit | None = None
    when: ReturnVisitWhen = "reply"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    notes: Mapping[str, Any] = field(default_factory=_empty)


@dataclass(frozen=True)
class TypePolicy:
    """The rules for one ticket type in one pack: its workflow's stages and its limits."""

    type: str
    initial_stage: str
    stages: Mapping[str, Stage]
    total: TotalLimit | None
    confidential: bool
    pack: str = ""
    workflow: str = ""
    limits: Mapping[str, Limit] = field(default_factory=_empty)
    severity_limits: Mapping[str, Mapping[str, Limit]] = field(default_factory=_empty)
    category_limits: Mapping[str, Mapping[str, Limit]] = field(default_factory=_empty)
    channel_limits: Mapping[str, Mapping[str, Limit]] = field(default_factory=_empty)
    # key → total, or None: "no whole-ticket limit for these tickets" (a key that is
    # present with None is not the same as an absent key, which falls through).
    channel_totals: Mapping[str, TotalLimit | None] = field(default_factory=_empty)
    severity_totals: Mapping[str, TotalLimit | None] = field(default_factory=_empty)
    category_totals: Mapping[str, TotalLimit | None] = field(default_factory=_empty)

    @property
    def label(self) -> str:
        return TICKET_TYPE_LABELS[self.type]

    def stage(self, code: str) -> Stage:
        try:
            return self.stages[code]
        except KeyError:
            raise ConfigurationError(
                f"政策包“{self.pack}”的{self.label}流程没有环节“{code}”",
                code="unknown_stage",
                pack=self.pack,
                type=self.type,
                stage=code,
            ) from None

    def stage_limit(
        self, stage: str, *, severity: str, category_code: str | None, channel: str | None = None
    ) -> Limit | None:
        """The limit of ``stage`` for a ticket of this type, with a concrete ``start``.

        The most specific rule wins: ``category_limits`` (by the ticket's category code)
        > ``severity_limits`` > ``channel_limits`` (by the ticket's channel) > the type's
        ``limits`` > the stage's own ``limit``. A final stage has no limit.
        """
        default = self.stage(stage)
        _check_severity(severity)
        if default.final:
            return None
        if category_code is not None:
            by_category = self.category_limits.get(category_code, {})
            if stage in by_category:
                return by_category[stage]
        by_severity = self.severity_limits.get(severity, {})
        if stage in by_severity:
            return by_severity[stage]
        if channel is not None:
            by_channel = self.channel_limits.get(channel, {})
            if stage in by_channel:
                return by_channel[stage]
        if stage in self.limits:
            return self.limits[stage]
        return default.limit

    def total_limit(
        self, *, severity: str, category_code: str | None, channel: str | None
    ) -> TotalLimit | None:
        """The whole-ticket limit (总时限) of a ticket of this type.

        The most specific rule wins: ``category_totals`` > ``severity_totals`` >
        ``channel_totals`` > the type's ``total``. A key present with ``None`` means *no*
        whole-ticket limit for those tickets (it does not fall through).
        """
        _check_severity(severity)
        if category_code is not None and category_code in self.category_totals:
            return self.category_totals[category_code]
        if severity in self.severity_totals:
            return self.severity_totals[severity]
        if channel is not None and channel in self.channel_totals:
            return self.channel_totals[channel]
        return self.total

    def next_stages(self, code: str) -> tuple[str, ...]:
        """The stages one action away from ``code`` (in action order, without repeats)."""
        seen: dict[str, None] = {}
        for rule in self.stage(code).actions.values():
            for target in rule.targets:
                seen.setdefault(target, None)
        return tuple(seen)


@dataclass(frozen=True)
class AcceptanceWindow:
    """受理时效: a matter that happened more than ``months`` before it was raised is not
    accepted, with reject reason ``reason`` (a code of the pack's ``reject_reasons``).

    ``types`` / ``categories`` restrict the window to those ticket types / category codes;
    an empty set means any. A pack's windows are tried in order and the first that applies
    decides (so list the narrow ones, e.g. fee disputes, before a catch-all).
    """

    months: int
    reason: str
    types: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def applies_to(self, *, ticket_type: str, category_codes: Iterable[str]) -> bool:
        """``category_codes``: the ticket's category and its ancestors (a window for
        ``fee_dispute`` covers its subcategories)."""
        if self.types and ticket_type not in self.types:
            return False
        return not self.categories or not self.categories.isdisjoint(category_codes)

    @property
    def label(self) -> str:
        """``5个月`` / ``2年`` (whole years are shown as years)."""
        if self.months % 12 == 0:
            return f"{self.months // 12}{WINDOW_UNIT_LABELS['years']}"
        return f"{self.months}{WINDOW_UNIT_LABELS['months']}"


# The clock units a detection window may be written in (a window is clock time, not work).
WINDOW_CLOCK_UNITS: tuple[str, ...] = ("natural_days", "hours", "minutes")


@dataclass(frozen=True)
class RepeatRule:
    """重复投诉: the same caller (phone, e-mail or ID number) with words at least ``similarity``
    alike (Jaccard of the rjieba words, estimated by MinHash) within ``within`` before."""

    similarity: float = 0.3
    within: Limit = Limit(30, "natural_days")


@dataclass(frozen=True)
class BatchRule:
    """批量投诉: at least ``complainants`` different callers about one respondent, address or
    topic (words at least ``similarity`` alike) within ``within``."""

    complainants: int = 5
    within: Limit = Limit(24, "hours")
    similarity: float = 0.5


@dataclass(frozen=True)
class Detection:
    """A pack's ``detection`` section (ADR 0024); every key is optional (these defaults)."""

    repeat: RepeatRule = RepeatRule()
    batch: BatchRule = BatchRule()


@dataclass(frozen=True)
class Pack:
    """One organisation's rules, loaded from ``packs/<code>.yaml``."""

    code: str
    name: str
    version: int
    source: Mapping[str, str]
    identity_roles: frozenset[str]
    reject_reasons: Mapping[str, str]
    rounds: Rounds
    extension: ExtensionRule | None
    return_visit: ReturnVisitRule
    reminders: Reminders
    types: Mapping[str, TypePolicy]
    path: str = ""  # the file it was loaded from
    acceptance_windows: tuple[AcceptanceWindow, ...] = ()
    detection: Detection = Detection()

    @property
    def confidential_types(self) -> frozenset[str]:
        return frozenset(code for code, policy in self.types.items() if policy.confidential)

    def type(self, ticket_type: str) -> TypePolicy:
        try:
            return self.types[ticket_type]
        except KeyError:
            raise InvalidInput(
                f"政策包“{self.name}”未定义诉求类型“{ticket_type}”",
                code="unknown_ticket_type",
                field="type",
            ) from None

    def acceptance_window(
        self, *, ticket_type: str, category_codes: Iterable[str] = ()
    ) -> AcceptanceWindow | None:
        """The first of ``acceptance_windows`` that applies to such a ticket, or ``None``."""
        codes = frozenset(category_codes)
        for window in self.acceptance_windows:
            if window.applies_to(ticket_type=ticket_type, category_codes=codes):
                return window
        return None


def _check_severity(severity: str) -> None:
    if severity not in SEVERITIES:
        raise InvalidInput(f"未知的严重程度“{severity}”", code="invalid_severity", field="severity")
