"""Parsing of a pack's ``detection`` section: repeat (重复投诉) and batch (批量投诉) detection.

A mixin of the loader's parser (``loader._PackParser``), like ``_timing``: the same ``Reader``
collects every problem with its path. Every key is optional; an absent one keeps the
default of ``schema.RepeatRule`` / ``schema.BatchRule`` (docs/policy-packs.md, ADR 0024).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from hotline.policies._reader import Reader, join, kind
from hotline.policies.schema import WINDOW_CLOCK_UNITS, BatchRule, Detection, Limit, RepeatRule

_REPEAT_KEYS = ("similarity", "within")
_BATCH_KEYS = ("complainants", "within", "similarity")


class DetectionSection:
    """``detection: {repeat: {similarity, within}, batch: {complainants, within, similarity}}``."""

    r: Reader

    def _detection(self, value: object) -> Detection | None:
        m = self.r.mapping(value, "detection", optional=("repeat", "batch"))
        if m is None:
            return None
        repeat = self._repeat_rule(m.get("repeat") or {})
        batch = self._batch_rule(m.get("batch") or {})
        if repeat is None or batch is None:
            return None
        return Detection(repeat=repeat, batch=batch)

    def _repeat_rule(self, value: object) -> RepeatRule | None:
        m = self.r.mapping(value, "detection.repeat", optional=_REPEAT_KEYS)
        if m is None:
            return None
        found = self._common(m, "detection.repeat")
        if found is None:
            return None
        return RepeatRule(**_kept(RepeatRule, found))

    def _batch_rule(self, value: object) -> BatchRule | None:
        m = self.r.mapping(value, "detection.batch", optional=_BATCH_KEYS)
        if m is None:
            return None
        found = self._common(m, "detection.batch")
        if found is None:
            return None
        if "complainants" in m:
            count = self.r.integer(m["complainants"], "detection.batch.complainants", minimum=2)
            if count is None:
                return None
            found["complainants"] = count
        return BatchRule(**_kept(BatchRule, found))

    def _common(self, m: dict[str, Any], path: str) -> dict[str, Any] | None:
        """``similarity`` (a fraction above 0, at most 1) and ``within`` (a clock window)."""
        found: dict[str, Any] = {}
        ok = True
        if "similarity" in m:
            share = _fraction(self.r, m["similarity"], join(path, "similarity"))
            ok &= share is not None
            found["similarity"] = share
        if "within" in m:
            window = self._window(m["within"], join(path, "within"))
            ok &= window is not None
            found["within"] = window
        return found if ok else None

    def _window(self, value: object, path: str) -> Limit | None:
        limit = self.r.limit(value, path, minimum=1)
        if limit is None:
            return None
        if limit.unit not in WINDOW_CLOCK_UNITS:
            self.r.fail(
                join(path, "unit"),
                f"a detection window is clock time: one of {', '.join(WINDOW_CLOCK_UNITS)},"
                f" got '{limit.unit}'",
            )
            return None
        return limit


def _fraction(r: Reader, value: object, path: str) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        r.fail(path, f"expected a number between 0 and 1, got {kind(value)}")
        return None
    if not 0 < value <= 1:
        r.fail(path, f"{value} is out of range: must be above 0 and at most 1")
        return None
    return float(value)


def _kept(shape: type[Any], found: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(shape)}
    return {k: v for k, v in found.items() if k in names}
