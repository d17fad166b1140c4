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
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal, get_args

from hotline.core.errors import ConfigurationError, InvalidInput
from hotline.policies.vocab import (
    CHANNEL_LABELS,
    CUSTOMER_CLASS_LABELS,
    LIMIT_ANCHOR_LABELS,
    LIMIT_UNIT_LABELS,
    SEVERITIES,
    TICKET_TYPE_LABELS,
    UPGRADED_VIA_LABELS,
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
class UpperLevel:
    """上级转办: a pack's ``upper_level`` section. ``answer_back`` is the limit for answering
    back (反馈处理结果) a ticket an upper level dispatched to us, counted from its dispatch
    (the ticket's receipt); ``None``: the pack sets none, and only a due time the upper level
    sends itself applies (``hotline.exchange``)."""

    answer_back: Limit | None = None


MajorRuleName = Literal[
    "customer_class", "channel", "upgraded_via", "complainants", "amount", "word", "manual"
]
MAJOR_RULE_NAMES: tuple[MajorRuleName, ...] = get_args(MajorRuleName)


def amount_text(value: Decimal) -> str:
    """``Decimal("50000.00")`` → ``50000``; ``Decimal("1234.50")`` → ``1234.5``."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class MajorReason:
    """Why a ticket is a major complaint (重大投诉): the ``rule`` that matched and what
    matched it (``value``: the class, channel, upgrade code, number of complainants, the
    claimed amount or the word; ``manual``: the person's reason), with the pack's
    ``threshold`` where the rule has one (amount, complainants)."""

    rule: MajorRuleName
    value: str
    threshold: str = ""

    @property
    def text(self) -> str:
        """The reason in Chinese, as the history shows it (stored text: not translated)."""
        v = self.value
        if self.rule == "customer_class":
            return f"客户等级为{CUSTOMER_CLASS_LABELS.get(v, v)}"
        if self.rule == "channel":
            return f"受理渠道为{CHANNEL_LABELS.get(v, v)}"
        if self.rule == "upgraded_via":
            return f"越级投诉({UPGRADED_VIA_LABELS.get(v, v)})"
        if self.rule == "complainants":
            return f"批量投诉共{v}位诉求人(达到{self.threshold}位)"
        if self.rule == "amount":
            return f"索赔金额{v}元,超过{self.threshold}元"
        if self.rule == "word":
            return f"诉求内容含“{v}”"
        return f"人工认定:{v}"

    def as_payload(self) -> dict[str, str]:
        data = {"rule": self.rule, "value": self.value, "text": self.text}
        if self.threshold:
            data["threshold"] = self.threshold
        return data


@dataclass(frozen=True)
class MajorRules:
    """重大投诉: a pack's ``major`` section (docs/policy-packs.md).

    A ticket of one of ``types`` (empty: any type) is major when any rule matches: the
    customer class is one of ``customer_classes``, the channel one of ``channels``, the
    ticket came over our heads by one of ``upgraded_via`` (越级), it heads a confirmed batch
    of at least ``min_complainants`` complainants, the claimed amount is above
    ``amount_above`` (元), or its subject, description or demand holds one of ``words``.
    A major ticket's leaders (``notify`` roles) are told at once; ``raise_roles`` may make a
    ticket major by hand, with a reason. Without the section no rule matches.
    """

    types: frozenset[str] = frozenset()
    customer_classes: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    upgraded_via: frozenset[str] = frozenset()
    min_complainants: int | None = None
    amount_above: Decimal | None = None
    words: tuple[str, ...] = ()
    notify: frozenset[str] = frozenset({"leader"})
    raise_roles: frozenset[str] = frozenset({"coordinator", "leader"})

    def applies_to(self, ticket_type: str) -> bool:
        return not self.types or ticket_type in self.types

    def reasons(
        self,
        *,
        ticket_type: str,
        customer_class: str = "",
        channel: str = "",
        upgraded_via: str = "",
        claimed_amount: Decimal | None = None,
        text: str = "",
        complainants: int | None = None,
    ) -> tuple[MajorReason, ...]:
        """Every rule the ticket matches, in the order of the rules above (each word once)."""
        if not self.applies_to(ticket_type):
            return ()
        found: list[MajorReason] = []
        if customer_class and customer_class in self.customer_classes:
            found.append(MajorReason("customer_class", customer_class))
        if channel and channel in self.channels:
            found.append(MajorReason("channel", channel))
        if upgraded_via and upgraded_via in self.upgraded_via:
            found.append(MajorReason("upgraded_via", upgraded_via))
        if complainants is not None and self.min_complainants is not None:
            if complainants >= self.min_complainants:
                found.append(MajorReason("complainants", str(complainants), str(self.min_complainants)))
        if (
            claimed_amount is not None
            and self.amount_above is not None
            and claimed_amount > self.amount_above
        ):
            found.append(MajorReason("amount", amount_text(claimed_amount), amount_text(self.amount_above)))
        folded = text.casefold()
        hits = [word for word in self.words if word.casefold() in folded]
        # a word inside a longer one that matched says nothing more (曝光 in 媒体曝光)
        found.extend(
            MajorReason("word", word)
            for word in hits
            if not any(other != word and word.casefold() in other.casefold() for other in hits)
        )
        return tuple(found)


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
    major: MajorRules = MajorRules()
    upper_level: UpperLevel = UpperLevel()

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
