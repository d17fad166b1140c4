"""Parsing of a pack's ``upper_level`` section: the limit for answering back a ticket an upper
level (省中心, a partner system: ``hotline.exchange``) dispatched to us (上级转办时限).

A mixin of the loader's parser (``loader._PackParser``), like ``_detection``: the same
``Reader`` collects every problem with its path. Absent, the pack sets no such limit.
"""

from __future__ import annotations

from hotline.policies._reader import Reader
from hotline.policies.schema import UpperLevel


class UpperLevelSection:
    """``upper_level: {answer_back: {amount, unit}}`` (docs/policy-packs.md)."""

    r: Reader

    def _upper_level(self, value: object) -> UpperLevel | None:
        m = self.r.mapping(value, "upper_level", optional=("answer_back",))
        if m is None:
            return None
        if m.get("answer_back") is None:
            return UpperLevel()
        limit = self.r.limit(m["answer_back"], "upper_level.answer_back")
        if limit is None:
            return None
        return UpperLevel(answer_back=limit)
