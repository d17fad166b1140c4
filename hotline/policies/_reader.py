"""Strict reading of parsed YAML: typed values or a recorded problem, never an exception.

A :class:`Reader` collects every problem it finds (``PackIssue``: dotted path + message) so
one run of ``policies check`` shows them all. Each helper returns ``None`` when the value
is unusable; the caller then skips the checks that depend on it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, time
from types import MappingProxyType
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from hotline.policies.errors import PackError, PackIssue
from hotline.policies.schema import Limit
from hotline.policies.vocab import LIMIT_ANCHORS, LIMIT_UNITS, ROLES

IDENT_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_MERGE_TAG = "tag:yaml.org,2002:merge"
UNRESOLVED_START = ""
"""``Limit.start`` of a stage limit written without ``from``, until the loader knows whether
its stage is the workflow's initial stage (then ``received``) or not (``entered``)."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys (PyYAML keeps the last one silently,
    which would hide a typo-level mistake). Merge keys (``<<: *anchor``) still work."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable: the base class reports it
                continue
            if duplicate:
                raise ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r}",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str, *, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise PackError(file, [PackIssue("", f"invalid YAML: {where}{problem}")]) from exc
    except yaml.YAMLError as exc:
        raise PackError(file, [PackIssue("", f"invalid YAML: {exc}")]) from exc


def join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({value!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return f"a string ({value!r})"
    return f"{type(value).__name__} ({value!r})"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Reader:
    def __init__(self) -> None:
        self.issues: list[PackIssue] = []

    def fail(self, path: str, message: str) -> None:
        self.issues.append(PackIssue(path, message))

    # -- containers -------------------------------------------------------------------

    def mapping(
        self,
        value: object,
        path: str,
        *,
        required: Collection[str] = (),
        optional: Collection[str] | None = None,
    ) -> dict[str, Any] | None:
        """A mapping with string keys. With ``optional`` given, the keys are a closed set:
        unknown keys (typos) and missing ``required`` keys are problems. Returns the
        string-keyed entries (even when some keys were wrong, so the rest is checked)."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {kind(value)}")
            return None
        result: dict[str, Any] = {}
        allowed = None if optional is None else tuple(dict.fromkeys((*required, *optional)))
        for key, item in value.items():
            if not isinstance(key, str):
                self.fail(path, f"key {key!r} must be a string (quote it)")
            elif allowed is not None and key not in allowed:
                self.fail(
                    join(path, key), f"unknown key{suggest(key, allowed)}; allowed: {', '.join(allowed)}"
                )
            else:
                result[key] = item
        for key in required:
            if key not in value:
                self.fail(path, f"missing required key '{key}'")
        return result

    def sequence(self, value: object, path: str) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {kind(value)}")
            return None
        return value

    # -- scalars ----------------------------------------------------------------------

    def text(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected a non-empty string, got {kind(value)}")
            return None
        return value.strip()

    def scalar_text(self, value: object, path: str) -> str | None:
        """A string; numbers and dates (``issued: 2019-12-31``) are accepted as written."""
        if isinstance(value, date | datetime):
            return value.isoformat()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return self.text(value, path)

    def ident(self, value: object, path: str, what: str) -> str | None:
        if not isinstance(value, str) or not IDENT_RE.match(value):
            self.fail(path, f"{what} must be lower_snake_case (a-z, 0-9, _), got {kind(value)}")
            return None
        return value

    def integer(self, value: object, path: str, *, minimum: int = 0) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a whole number, got {kind(value)}")
            return None
        if value < minimum:
            word = "negative amount" if value < 0 else "too small"
            self.fail(path, f"{word} {value}: must be {minimum} or more")
            return None
        return value

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {kind(value)}")
            return None
        return value

    def choice(self, value: object, path: str, allowed: Collection[str], what: str) -> str | None:
        if not isinstance(value, str):
            self.fail(path, f"expected a {what}, got {kind(value)}")
            return None
        if value not in allowed:
            self.fail(path, f"unknown {what} '{value}'{suggest(value, allowed)}; known: {', '.join(allowed)}")
            return None
        return value

    def choices(
        self, value: object, path: str, allowed: Collection[str], what: str, *, allow_empty: bool
    ) -> frozenset[str] | None:
        items = self.sequence(value, path)
        if items is None:
            return None
        if not items and not allow_empty:
            self.fail(path, f"at least one {what} is required")
            return None
        result: set[str] = set()
        ok = True
        for i, item in enumerate(items):
            code = self.choice(item, join(path, i), allowed, what)
            if code is None:
                ok = False
            elif code in result:
                self.fail(join(path, i), f"{what} '{code}' is listed twice")
                ok = False
            else:
                result.add(code)
        return frozenset(result) if ok else None

    def roles(self, value: object, path: str, *, allow_empty: bool = False) -> frozenset[str] | None:
        return self.choices(value, path, ROLES, "role", allow_empty=allow_empty)

    def clock_time(self, value: object, path: str) -> time | None:
        if not isinstance(value, str) or not _TIME_RE.match(value):
            hint = " (quote it: YAML reads unquoted 22:00 as a number)" if isinstance(value, int) else ""
            self.fail(path, f"expected a time 'HH:MM', got {kind(value)}{hint}")
            return None
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))

    def limit(self, value: object, path: str, *, minimum: int = 0, anchored: bool = False) -> Limit | None:
        """``{amount, unit}``; with ``anchored`` (stage limits) also an optional ``from``
        (``vocab.LIMIT_ANCHORS``), else ``from`` is an unknown key. An anchored limit
        without ``from`` gets ``start == UNRESOLVED_START`` for the loader to fill in."""
        m = self.mapping(value, path, required=("amount", "unit"), optional=("from",) if anchored else ())
        if m is None:
            return None
        amount = self.integer(m["amount"], join(path, "amount"), minimum=minimum) if "amount" in m else None
        unit = self.choice(m["unit"], join(path, "unit"), LIMIT_UNITS, "limit unit") if "unit" in m else None
        start: str | None = UNRESOLVED_START
        if anchored and "from" in m:
            start = self.choice(m["from"], join(path, "from"), LIMIT_ANCHORS, "anchor")
        if amount is None or unit is None or start is None:
            return None
        if not anchored:
            return Limit(amount=amount, unit=unit)
        return Limit(amount=amount, unit=unit, start=start)


def freeze(value: Any) -> Any:
    """Deep read-only copy: dicts become ``MappingProxyType``, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value
