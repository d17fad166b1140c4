"""Load a policy pack from YAML and validate it, all or nothing.

:func:`load_pack` either returns a complete :class:`~hotline.policies.schema.Pack` or
raises :class:`PackError` listing every problem found, each as ``<file>: <path>:
<problem>``. The format is described in ``docs/policy-packs.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hotline.policies._detection import DetectionSection
from hotline.policies._major import MajorSection
from hotline.policies._reader import (
    IDENT_RE,
    UNRESOLVED_START,
    Reader,
    join,
    kind,
    parse_yaml,
    suggest,
)
from hotline.policies._timing import TimingSections
from hotline.policies._upper_level import UpperLevelSection
from hotline.policies._workflows import Workflow, WorkflowParser, anchor_problem, default_start
from hotline.policies.errors import PackError, PackIssue
from hotline.policies.schema import (
    AcceptanceWindow,
    ExtensionRule,
    Limit,
    MajorRules,
    Pack,
    Reminders,
    Rounds,
    TotalLimit,
    TypePolicy,
)
from hotline.policies.vocab import (
    CHANNELS,
    LIMIT_UNITS,
    SEVERITIES,
    TICKET_TYPE_LABELS,
    TICKET_TYPES,
    TOTAL_ANCHORS,
    WINDOW_UNITS,
)

__all__ = ["PackError", "PackIssue", "load_pack", "parse_pack"]

PACK_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")  # Ticket.policy / Unit.policy hold 32 chars
CATEGORY_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")  # Category.code holds 32 chars

_TOP_REQUIRED = (
    "code",
    "name",
    "version",
    "source",
    "identity_roles",
    "reject_reasons",
    "rounds",
    "extension",
    "workflows",
    "types",
)
_TOP_OPTIONAL = (
    "confidential_types",
    "return_visit",
    "reminders",
    "acceptance_windows",
    "detection",
    "major",
    "upper_level",
)
_SOURCE_REQUIRED = ("title", "reference")
_SOURCE_OPTIONAL = ("issuer", "issued", "amended", "url", "notes")
# ``return_visit`` keys typed on ``ReturnVisitRule``; any other key goes to its ``notes``.
_TYPE_KEYS = (
    "workflow",
    "total",
    "limits",
    "severity_limits",
    "category_limits",
    "channel_limits",
    "channel_totals",
    "severity_totals",
    "category_totals",
)


def load_pack(path: Path) -> Pack:
    """Read ``path`` (``<code>.yaml``), validate it and return the pack."""
    path = Path(path)
    file = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(file, [PackIssue("", f"cannot read the file: {exc}")]) from exc
    return parse_pack(parse_yaml(text, file=file), file=file, expected_code=path.stem, path=str(path))


def parse_pack(data: object, *, file: str, expected_code: str | None = None, path: str = "") -> Pack:
    """Validate already-parsed YAML ``data``. ``file`` names it in messages."""
    return _PackParser(file=file, expected_code=expected_code).parse(data, path=path)


class _PackParser(TimingSections, DetectionSection, MajorSection, UpperLevelSection):
    def __init__(self, *, file: str, expected_code: str | None) -> None:
        self.file = file
        self.expected_code = expected_code
        self.r = Reader()
        # Pack-level facts the stage checks depend on; None when they failed to parse.
        self.extension_configured: bool | None = None
        self.has_reject_reasons: bool | None = None
        self.rounds_max: int | None = None
        self.code = expected_code or ""

    def parse(self, data: object, *, path: str) -> Pack:
        r = self.r
        top = r.mapping(data, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
        if top is None:
            raise PackError(self.file, r.issues)

        code = self._code(top["code"]) if "code" in top else None
        name = r.text(top["name"], "name") if "name" in top else None
        version = r.integer(top["version"], "version", minimum=1) if "version" in top else None
        source = self._source(top["source"]) if "source" in top else None
        identity_roles = (
            r.roles(top["identity_roles"], "identity_roles", allow_empty=True)
            if ("identity_roles" in top)
            else None
        )
        confidential = r.choices(
            _or_default(top, "confidential_types", []),
            "confidential_types",
            TICKET_TYPES,
            "ticket type",
            allow_empty=True,
        )
        reject_reasons = self._reject_reasons(top["reject_reasons"]) if "reject_reasons" in top else None
        rounds = self._rounds(top["rounds"]) if "rounds" in top else None
        extension = self._extension(top["extension"]) if "extension" in top else None
        return_visit = self._return_visit(_or_default(top, "return_visit", {}))
        reminders = self._reminders(top["reminders"]) if top.get("reminders") is not None else Reminders()
        workflows = (
            WorkflowParser(
                r,
                extension_configured=self.extension_configured,
                has_reject_reasons=self.has_reject_reasons,
                rounds_max=self.rounds_max,
            ).parse(top["workflows"])
            if "workflows" in top
            else None
        )
        types = self._types(top["types"], workflows, confidential) if "types" in top else None
        windows = (
            self._acceptance_windows(top["acceptance_windows"], reject_reasons)
            if top.get("acceptance_windows") is not None
            else ()
        )
        detection = self._detection(_or_default(top, "detection", {}))
        major = self._major(top["major"]) if top.get("major") is not None else MajorRules()
        upper_level = self._upper_level(_or_default(top, "upper_level", {}))

        if r.issues:
            raise PackError(self.file, r.issues)
        assert code is not None and name is not None and version is not None and source is not None
        assert identity_roles is not None and reject_reasons is not None and rounds is not None
        assert return_visit is not None and reminders is not None and types is not None
        assert windows is not None and detection is not None and major is not None
        assert upper_level is not None
        return Pack(
            code=code,
            name=name,
            version=version,
            source=source,
            identity_roles=identity_roles,
            reject_reasons=reject_reasons,
            rounds=rounds,
            extension=extension,
            return_visit=return_visit,
            reminders=reminders,
            types=MappingProxyType({t: types[t] for t in TICKET_TYPES}),
            path=path,
            acceptance_windows=windows,
            detection=detection,
            major=major,
            upper_level=upper_level,
        )

    # -- header -----------------------------------------------------------------------

    def _code(self, value: object) -> str | None:
        if not isinstance(value, str) or not PACK_CODE_RE.match(value):
            self.r.fail("code", f"pack code must be 1-32 of a-z, 0-9, '-', got {value!r}")
            return None
        if self.expected_code is not None and value != self.expected_code:
            self.r.fail(
                "code", f"code '{value}' does not match the file name (expected '{self.expected_code}')"
            )
            return None
        self.code = value
        return value

    def _source(self, value: object) -> Mapping[str, str] | None:
        m = self.r.mapping(value, "source", required=_SOURCE_REQUIRED, optional=_SOURCE_OPTIONAL)
        if m is None:
            return None
        result = {key: self.r.scalar_text(item, join("source", key)) for key, item in m.items()}
        if any(v is None for v in result.values()):
            return None
        return MappingProxyType({k: v for k, v in result.items() if v is not None})

    def _reject_reasons(self, value: object) -> Mapping[str, str] | None:
        m = self.r.mapping(value, "reject_reasons")
        if m is None:
            return None
        reasons: dict[str, str] = {}
        for key, label in m.items():
            path = join("reject_reasons", key)
            if self.r.ident(key, path, "reason code") is not None and (text := self.r.text(label, path)):
                reasons[key] = text
        self.has_reject_reasons = bool(reasons)
        return MappingProxyType(reasons) if len(reasons) == len(m) else None

    def _rounds(self, value: object) -> Rounds | None:
        m = self.r.mapping(value, "rounds", required=("max", "supervise_from"), optional=())
        if m is None:
            return None
        top = self.r.integer(m["max"], "rounds.max", minimum=1) if "max" in m else None
        sup = (
            self.r.integer(m["supervise_from"], "rounds.supervise_from", minimum=1)
            if "supervise_from" in m
            else None
        )
        if top is None or sup is None:
            return None
        if sup > top:
            self.r.fail("rounds.supervise_from", f"supervise_from ({sup}) must not exceed rounds.max ({top})")
            return None
        self.rounds_max = top
        return Rounds(max=top, supervise_from=sup)

    def _extension(self, value: object) -> ExtensionRule | None:
        if value is None:
            self.extension_configured = False
            return None
        m = self.r.mapping(value, "extension", required=("max_count", "max_total", "unit"), optional=())
        if m is None:
            return None
        count = self.r.integer(m["max_count"], "extension.max_count", minimum=1) if "max_count" in m else None
        total = self.r.integer(m["max_total"], "extension.max_total", minimum=1) if "max_total" in m else None
        unit = self.r.choice(m["unit"], "extension.unit", LIMIT_UNITS, "limit unit") if "unit" in m else None
        self.extension_configured = True
        if count is None or total is None or unit is None:
            return None
        return ExtensionRule(max_count=count, max_total=total, unit=unit)

    # -- workflows --------------------------------------------------------------------

    def _types(
        self, value: object, workflows: Mapping[str, Workflow] | None, confidential: frozenset[str] | None
    ) -> dict[str, TypePolicy] | None:
        r = self.r
        m = r.mapping(value, "types")
        if m is None:
            return None
        for name in m:
            if name not in TICKET_TYPES:
                r.fail(join("types", name), f"unknown ticket type '{name}'{suggest(name, TICKET_TYPES)}")
        for name in TICKET_TYPES:
            if name not in m:
                r.fail(
                    "types",
                    f"ticket type '{name}' ({TICKET_TYPE_LABELS[name]}) is not defined:"
                    " every pack defines all six",
                )
        result: dict[str, TypePolicy] = {}
        for name in TICKET_TYPES:
            if name in m:
                policy = self._type(name, m[name], workflows, confidential)
                if policy is not None:
                    result[name] = policy
        return result if len(result) == len(TICKET_TYPES) else None

    def _type(
        self,
        name: str,
        value: object,
        workflows: Mapping[str, Workflow] | None,
        confidential: frozenset[str] | None,
    ) -> TypePolicy | None:
        r = self.r
        path = join("types", name)
        m = r.mapping(value, path, required=("workflow",), optional=_TYPE_KEYS)
        if m is None:
            return None
        before = len(r.issues)
        wf = None
        if "workflow" in m and isinstance(m["workflow"], str) and workflows is not None:
            wf = workflows.get(m["workflow"])
            if wf is None:
                r.fail(
                    join(path, "workflow"),
                    f"unknown workflow '{m['workflow']}'{suggest(m['workflow'], workflows)}",
                )
        elif "workflow" in m and not isinstance(m["workflow"], str):
            r.fail(join(path, "workflow"), f"expected a workflow name, got {m['workflow']!r}")
        total = self._total(m["total"], join(path, "total")) if m.get("total") is not None else None
        limits = self._stage_limits(m.get("limits", {}), join(path, "limits"), wf)
        by_severity = self._keyed(
            m, "severity_limits", path, lambda key, p: r.choice(key, p, SEVERITIES, "severity"), wf
        )
        by_category = self._keyed(m, "category_limits", path, self._category_key, wf)
        by_channel = self._keyed(
            m, "channel_limits", path, lambda key, p: r.choice(key, p, CHANNELS, "channel"), wf
        )
        severity_totals = self._totals(
            m, "severity_totals", path, lambda key, p: r.choice(key, p, SEVERITIES, "severity")
        )
        category_totals = self._totals(m, "category_totals", path, self._category_key)
        channel_totals = self._totals(
            m, "channel_totals", path, lambda key, p: r.choice(key, p, CHANNELS, "channel")
        )
        if len(r.issues) > before or wf is None or limits is None:
            return None
        return TypePolicy(
            type=name,
            initial_stage=wf.initial_stage,
            stages=MappingProxyType({code: d.stage for code, d in wf.stages.items()}),
            total=total,
            confidential=confidential is not None and name in confidential,
            pack=self.code,
            workflow=wf.name,
            limits=MappingProxyType(limits),
            severity_limits=_frozen(by_severity),
            category_limits=_frozen(by_category),
            channel_limits=_frozen(by_channel),
            channel_totals=MappingProxyType(channel_totals),
            severity_totals=MappingProxyType(severity_totals),
            category_totals=MappingProxyType(category_totals),
        )

    def _category_key(self, key: str, path: str) -> str | None:
        if not CATEGORY_CODE_RE.match(key):
            self.r.fail(path, f"category code must be 1-32 of A-Z, a-z, 0-9, '_', '.', '-', got {key!r}")
            return None
        return key

    def _keyed(
        self,
        m: Mapping[str, Any],
        section: str,
        path: str,
        check_key: Callable[[str, str], str | None],
        wf: Workflow | None,
    ) -> dict[str, dict[str, Limit]]:
        """``severity_limits`` / ``category_limits`` / ``channel_limits``: key → stage limits."""
        result: dict[str, dict[str, Limit]] = {}
        spath = join(path, section)
        for key, body in (self.r.mapping(m.get(section, {}), spath) or {}).items():
            kpath = join(spath, key)
            if check_key(key, kpath) is not None:
                result[key] = self._stage_limits(body, kpath, wf) or {}
        return result

    def _totals(
        self, m: Mapping[str, Any], section: str, path: str, check_key: Callable[[str, str], str | None]
    ) -> dict[str, TotalLimit | None]:
        """``severity_totals`` / ``category_totals`` / ``channel_totals``: key → total or null."""
        result: dict[str, TotalLimit | None] = {}
        spath = join(path, section)
        for key, body in (self.r.mapping(m.get(section, {}), spath) or {}).items():
            kpath = join(spath, key)
            if check_key(key, kpath) is None:
                continue
            if body is None:
                result[key] = None  # explicitly no whole-ticket limit for these tickets
            elif (total := self._total(body, kpath)) is not None:
                result[key] = total
        return result

    def _total(self, value: object, path: str) -> TotalLimit | None:
        r = self.r
        m = r.mapping(value, path, required=("amount", "unit", "from"), optional=())
        if m is None:
            return None
        amount = r.integer(m["amount"], join(path, "amount")) if "amount" in m else None
        unit = r.choice(m["unit"], join(path, "unit"), LIMIT_UNITS, "limit unit") if "unit" in m else None
        start = r.choice(m["from"], join(path, "from"), TOTAL_ANCHORS, "anchor") if "from" in m else None
        if amount is None or unit is None or start is None:
            return None
        return TotalLimit(amount=amount, unit=unit, start=start)

    def _stage_limits(self, value: object, path: str, wf: Workflow | None) -> dict[str, Limit] | None:
        """Stage code → limit, each with a concrete ``start`` (``from``, else the default of
        its stage in ``wf``) whose anchor can have happened in that stage."""
        m = self.r.mapping(value, path)
        if m is None:
            return None
        stages = wf.stages if wf is not None else None
        result: dict[str, Limit] = {}
        for code, body in m.items():
            lpath = join(path, code)
            limit = self.r.limit(body, lpath, anchored=True)
            if stages is not None and code not in stages:
                self.r.fail(lpath, f"unknown stage '{code}'{suggest(code, stages)}")
            elif stages is not None and stages[code].stage.final:
                self.r.fail(lpath, f"stage '{code}' is final: it has no time limit")
            elif limit is not None and wf is not None and IDENT_RE.match(code):
                if limit.start == UNRESOLVED_START:
                    limit = replace(limit, start=default_start(code, wf.initial_stage))
                elif (problem := anchor_problem(wf, code, limit)) is not None:
                    self.r.fail(join(lpath, "from"), problem)
                    continue
                result[code] = limit
        return result

    # -- acceptance windows -----------------------------------------------------------

    def _acceptance_windows(
        self, value: object, reasons: Mapping[str, str] | None
    ) -> tuple[AcceptanceWindow, ...] | None:
        r = self.r
        items = r.sequence(value, "acceptance_windows")
        if items is None:
            return None
        windows: list[AcceptanceWindow] = []
        ok = True
        for i, raw in enumerate(items):
            path = join("acceptance_windows", i)
            window = self._acceptance_window(raw, path, reasons)
            if window is None:
                ok = False
                continue
            for j, earlier in enumerate(windows):
                if _covers(earlier, window):
                    r.fail(
                        path,
                        f"never applies: acceptance_windows[{j}] comes first and already applies to"
                        " every ticket this one would (the first window that applies decides:"
                        " put the narrower one first)",
                    )
                    ok = False
                    break
            windows.append(window)
        return tuple(windows) if ok else None

    def _acceptance_window(
        self, raw: object, path: str, reasons: Mapping[str, str] | None
    ) -> AcceptanceWindow | None:
        r = self.r
        m = r.mapping(raw, path, required=("within", "reason"), optional=("types", "categories"))
        if m is None:
            return None
        months = self._window_months(m["within"], join(path, "within")) if "within" in m else None
        reason = r.ident(m["reason"], join(path, "reason"), "reason code") if "reason" in m else None
        if reason is not None and reasons is not None and reason not in reasons:
            r.fail(
                join(path, "reason"),
                f"unknown reject reason '{reason}'{suggest(reason, reasons)}; known: {', '.join(reasons)}",
            )
            reason = None
        types = (
            r.choices(m["types"], join(path, "types"), TICKET_TYPES, "ticket type", allow_empty=False)
            if "types" in m
            else frozenset()
        )
        categories = (
            self._category_list(m["categories"], join(path, "categories"))
            if "categories" in m
            else frozenset()
        )
        if months is None or reason is None or types is None or categories is None:
            return None
        return AcceptanceWindow(months=months, reason=reason, types=types, categories=categories)

    def _window_months(self, value: object, path: str) -> int | None:
        r = self.r
        w = r.mapping(value, path, required=("amount", "unit"), optional=())
        if w is None:
            return None
        amount = r.integer(w["amount"], join(path, "amount"), minimum=1) if "amount" in w else None
        unit = r.choice(w["unit"], join(path, "unit"), WINDOW_UNITS, "window unit") if "unit" in w else None
        if amount is None or unit is None:
            return None
        return amount * 12 if unit == "years" else amount

    def _category_list(self, value: object, path: str) -> frozenset[str] | None:
        items = self.r.sequence(value, path)
        if items is None:
            return None
        if not items:
            self.r.fail(path, "at least one category code is required (omit the key for any category)")
            return None
        codes: set[str] = set()
        ok = True
        for i, item in enumerate(items):
            ipath = join(path, i)
            if not isinstance(item, str):
                self.r.fail(ipath, f"expected a category code, got {kind(item)}")
                ok = False
            elif self._category_key(item, ipath) is None:
                ok = False
            elif item in codes:
                self.r.fail(ipath, f"category '{item}' is listed twice")
                ok = False
            else:
                codes.add(item)
        return frozenset(codes) if ok else None


def _covers(earlier: AcceptanceWindow, later: AcceptanceWindow) -> bool:
    """Whether every ticket ``later`` applies to is already decided by ``earlier``."""
    types_covered = not earlier.types or bool(later.types and later.types <= earlier.types)
    categories_covered = not earlier.categories or bool(
        later.categories and later.categories <= earlier.categories
    )
    return types_covered and categories_covered


def _frozen(by_key: Mapping[str, Mapping[str, Limit]]) -> Mapping[str, Mapping[str, Limit]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in by_key.items()})


def _or_default(m: Mapping[str, Any], key: str, default: Any) -> Any:
    """An optional section: absent or ``null`` means its default."""
    value = m.get(key)
    return default if value is None else value
