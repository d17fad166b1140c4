"""Parsing of a pack's ``major`` section: the rules that make a complaint major (重大投诉).

A mixin of the loader's parser (``loader._PackParser``), like ``_detection``: the same
``Reader`` collects every problem with its path. ``rules`` is required and names at least
one rule; ``types``, ``notify`` and ``raise_roles`` keep the defaults of
``schema.MajorRules`` when absent (docs/policy-packs.md).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from hotline.policies._reader import Reader, join, kind
from hotline.policies.schema import MajorRules
from hotline.policies.vocab import CHANNELS, CUSTOMER_CLASSES, TICKET_TYPES, UPGRADED_VIA

_MAJOR_KEYS = ("types", "notify", "raise_roles")
_RULE_KEYS = ("customer_classes", "channels", "upgraded_via", "min_complainants", "amount_above", "words")
# Ticket.claimed_amount holds 14 digits, 2 after the point.
AMOUNT_MAX = Decimal("999999999999.99")
WORD_MAX = 50


class MajorSection:
    """``major: {types, rules: {customer_classes, channels, upgraded_via, min_complainants,
    amount_above, words}, notify, raise_roles}``."""

    r: Reader

    def _major(self, value: object) -> MajorRules | None:
        r = self.r
        m = r.mapping(value, "major", required=("rules",), optional=_MAJOR_KEYS)
        if m is None:
            return None
        found: dict[str, Any] = {}
        ok = True
        if "types" in m:
            types = r.choices(m["types"], "major.types", TICKET_TYPES, "ticket type", allow_empty=False)
            ok &= types is not None
            found["types"] = types
        for key in ("notify", "raise_roles"):
            if key in m:
                roles = r.roles(m[key], join("major", key))
                ok &= roles is not None
                found[key] = roles
        rules = self._major_rules(m["rules"]) if "rules" in m else None
        if rules is None or not ok:
            return None
        return MajorRules(**found, **rules)

    def _major_rules(self, value: object) -> dict[str, Any] | None:
        r = self.r
        path = "major.rules"
        m = r.mapping(value, path, optional=_RULE_KEYS)
        if m is None:
            return None
        if not m:
            r.fail(path, f"name at least one rule: {', '.join(_RULE_KEYS)}")
            return None
        found: dict[str, Any] = {}
        ok = True
        for key, allowed, what in (
            ("customer_classes", CUSTOMER_CLASSES, "customer class"),
            ("channels", CHANNELS, "channel"),
            ("upgraded_via", UPGRADED_VIA, "upgrade source"),
        ):
            if key in m:
                codes = r.choices(m[key], join(path, key), allowed, what, allow_empty=False)
                ok &= codes is not None
                found[key] = codes
        if "min_complainants" in m:
            count = r.integer(m["min_complainants"], join(path, "min_complainants"), minimum=2)
            ok &= count is not None
            found["min_complainants"] = count
        if "amount_above" in m:
            amount = _amount(r, m["amount_above"], join(path, "amount_above"))
            ok &= amount is not None
            found["amount_above"] = amount
        if "words" in m:
            words = self._words(m["words"], join(path, "words"))
            ok &= words is not None
            found["words"] = words
        return found if ok else None

    def _words(self, value: object, path: str) -> tuple[str, ...] | None:
        items = self.r.sequence(value, path)
        if items is None:
            return None
        if not items:
            self.r.fail(path, "at least one word is required (omit the key for no word rule)")
            return None
        words: list[str] = []
        seen: set[str] = set()
        ok = True
        for i, item in enumerate(items):
            ipath = join(path, i)
            word = self.r.text(item, ipath)
            if word is None:
                ok = False
            elif len(word) > WORD_MAX:
                self.r.fail(ipath, f"a word is at most {WORD_MAX} characters, got {len(word)}")
                ok = False
            elif word.casefold() in seen:
                self.r.fail(ipath, f"word '{word}' is listed twice")
                ok = False
            else:
                seen.add(word.casefold())
                words.append(word)
        return tuple(words) if ok else None


def _amount(r: Reader, value: object, path: str) -> Decimal | None:
    """An amount in 元 above 0 with at most 2 decimals (YAML ``10000`` or ``9999.5``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        r.fail(path, f"expected an amount in yuan, got {kind(value)}")
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        r.fail(path, f"expected an amount in yuan, got {kind(value)}")
        return None
    if not amount.is_finite() or amount <= 0 or amount > AMOUNT_MAX:
        r.fail(path, f"{value} is out of range: must be above 0 and at most {AMOUNT_MAX}")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        r.fail(path, f"{value} has more than 2 decimals")
        return None
    return amount
