"""``hotline policies check [FILE ...]`` and ``hotline policies list``.

``check`` validates the given pack files (or, without FILE, every pack the registry would
load), prints each pack's workflows, stages and types, and exits non-zero listing every
problem when a file is bad. ``list`` shows the packs this process loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.core.errors import ConfigurationError
from hotline.policies import registry
from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack
from hotline.policies.schema import (
    ActionRule,
    Limit,
    MajorRules,
    Pack,
    ReturnVisitRule,
    Stage,
    TotalLimit,
    TypePolicy,
    amount_text,
)
from hotline.policies.vocab import TOTAL_ANCHOR_LABELS


class Command(BaseCommand):
    help = "Check or list the policy packs (政策包)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check,list}")
        check = sub.add_parser("check", help="validate pack files and print their stage graphs")
        check.add_argument(
            "files", nargs="*", metavar="FILE", help="pack files (default: every registered pack)"
        )
        check.add_argument("--brief", action="store_true", help="one line per pack")
        sub.add_parser("list", help="list the packs this process loads")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "list":
            self._list()
        else:
            self._check([Path(f) for f in options["files"]], brief=options["brief"])

    def _list(self) -> None:
        try:
            packs = registry.all_packs()
        except ConfigurationError as exc:
            raise CommandError(exc.detail) from exc
        for pack in packs:
            self.stdout.write(f"{pack.code:<16} v{pack.version}  {pack.name}  ({pack.source['title']})")
            self.stdout.write(f"{'':<16} {pack.path}")

    def _check(self, files: list[Path], *, brief: bool) -> None:
        if not files:
            try:
                files = registry.pack_files()
            except ConfigurationError as exc:
                raise CommandError(exc.detail) from exc
        failures: list[str] = []
        seen: dict[str, Path] = {}
        for file in files:
            try:
                pack = load_pack(file)
            except PackError as exc:
                failures.append(exc.detail)
                self.stderr.write(self.style.ERROR(f"{file}: invalid"))
                continue
            if pack.code in seen:
                failures.append(f"{file.name}: code: pack '{pack.code}' is also defined in {seen[pack.code]}")
                continue
            seen[pack.code] = file
            self.stdout.write(
                self.style.SUCCESS(f"{file}: OK") + f" — {pack.code} v{pack.version} {pack.name}"
            )
            if not brief:
                self._describe(pack)
        if failures:
            raise CommandError("\n".join(failures))

    def _describe(self, pack: Pack) -> None:
        w = self.stdout.write
        w(f"  source: {pack.source['title']} — {pack.source['reference']}")
        ext = pack.extension
        w(
            f"  rounds: max {pack.rounds.max}, supervised from {pack.rounds.supervise_from}; "
            f"extension: {f'{ext.max_count}×, ≤{ext.max_total} {ext.unit}' if ext else 'none'}; "
            f"identity: {', '.join(sorted(pack.identity_roles)) or 'nobody'}"
        )
        w("  " + _return_visit_line(pack.return_visit))
        w("  " + _major_line(pack.major))
        for i, window in enumerate(pack.acceptance_windows, start=1):
            scope = [
                f"types {', '.join(sorted(window.types))}" if window.types else "any type",
                f"categories {', '.join(sorted(window.categories))}" if window.categories else "any category",
            ]
            w(
                f"  acceptance window {i}: {' / '.join(scope)}: matter older than {window.label}"
                f" → not accepted ({window.reason})"
            )
        shown: set[str] = set()
        for policy in pack.types.values():
            if policy.workflow in shown:
                continue
            shown.add(policy.workflow)
            w(f"  workflow {policy.workflow} (initial {policy.initial_stage}):")
            for stage in policy.stages.values():
                w("    " + _stage_line(stage))
        w("  types:")
        for policy in pack.types.values():
            w("    " + _type_line(policy))


def _limit_text(limit: Limit) -> str:
    """``5 working_days``; the anchor is named unless it is entering the stage."""
    return str(limit) if limit.start == "entered" else f"{limit} {limit.start_label}"


def _return_visit_line(rule: ReturnVisitRule) -> str:
    """``return visit: roles coordinator; within 1 working_days; when reply; …; notes: …``."""
    parts = [
        f"roles {', '.join(sorted(rule.roles)) or 'not named'}",
        f"within {rule.within if rule.within else 'no due time'}",
        f"when {rule.when}",
        f"max attempts {rule.max_attempts}",
        f"unreachable close after {rule.unreachable_close_after or 'never'}",
    ]
    if rule.notes:
        parts.append("notes: " + ", ".join(f"{key}={_plain(value)}" for key, value in rule.notes.items()))
    return "return visit: " + "; ".join(parts)


def _major_line(rule: MajorRules) -> str:
    """``major: types complaint; VIP; channels media, transfer; …; notify leader; by coordinator``."""
    parts = [f"types {', '.join(sorted(rule.types))}" if rule.types else "any type"]
    if rule.customer_classes:
        parts.append(f"customer classes {', '.join(sorted(rule.customer_classes))}")
    if rule.channels:
        parts.append(f"channels {', '.join(sorted(rule.channels))}")
    if rule.upgraded_via:
        parts.append(f"upgraded via {', '.join(sorted(rule.upgraded_via))}")
    if rule.min_complainants is not None:
        parts.append(f"batch of ≥{rule.min_complainants} complainants")
    if rule.amount_above is not None:
        parts.append(f"claim above {amount_text(rule.amount_above)} yuan")
    if rule.words:
        parts.append(f"words {'、'.join(rule.words)}")
    if len(parts) == 1:
        parts.append("no rule")
    parts.append(f"notify {', '.join(sorted(rule.notify))}")
    parts.append(f"raised by hand by {', '.join(sorted(rule.raise_roles))}")
    return "major: " + "; ".join(parts)


def _plain(value: Any) -> Any:
    """A frozen note value as written in YAML (mappings and lists print as dict/list)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _total_text(total: TotalLimit | None) -> str:
    if total is None:
        return "no total limit"
    return f"total {total.amount} {total.unit} {TOTAL_ANCHOR_LABELS[total.start]}"


def _conditions(rule: ActionRule) -> str:
    parts = []
    if rule.severities:
        parts.append(f"severities {', '.join(sorted(rule.severities))}")
    if rule.channels:
        parts.append(f"channels {', '.join(sorted(rule.channels))}")
    return f" [only {'; '.join(parts)}]" if parts else ""


def _stage_line(stage: Stage) -> str:
    head = f"{stage.code} {stage.label}"
    if stage.final:
        head += " [final]"
    elif stage.limit is not None:
        head += f" [{_limit_text(stage.limit)}]"
    moves = []
    for rule in stage.actions.values():
        target = rule.to or "(stays)"
        if rule.dissatisfied_to:
            target += f" | dissatisfied→{rule.dissatisfied_to}"
        moves.append(f"{rule.name}→{target} ({', '.join(sorted(rule.roles))}){_conditions(rule)}")
    return head + (": " + "; ".join(moves) if moves else "")


def _stage_limits(limits: Mapping[str, Limit]) -> str:
    return ", ".join(f"{stage}={_limit_text(limit)}" for stage, limit in limits.items())


def _type_line(policy: TypePolicy) -> str:
    parts = [f"{policy.type} {policy.label}: workflow {policy.workflow}, {_total_text(policy.total)}"]
    if policy.confidential:
        parts.append("confidential")
    if policy.limits:
        parts.append("limits " + _stage_limits(policy.limits))
    for severity, limits in policy.severity_limits.items():
        parts.append(f"{severity}: " + _stage_limits(limits))
    for channel, limits in policy.channel_limits.items():
        parts.append(f"channel {channel}: " + _stage_limits(limits))
    if policy.category_limits:
        parts.append(f"{len(policy.category_limits)} category limit(s)")
    for kind, totals in (
        ("severity", policy.severity_totals),
        ("channel", policy.channel_totals),
        ("category", policy.category_totals),
    ):
        for key, total in totals.items():
            parts.append(f"{kind} {key}: {_total_text(total)}")
    return "; ".join(parts)
