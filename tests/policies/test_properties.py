"""Property tests: a pack round-trips, and no mutation of a valid pack escapes as anything
but ``PackError`` (never a ``KeyError``/``TypeError`` from the loader, never half a pack)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.policies.errors import PackError
from hotline.policies.loader import load_pack, parse_pack
from hotline.policies.registry import PACKS_DIR
from hotline.policies.schema import Limit, Pack
from hotline.policies.vocab import (
    ACTIONS,
    CHANNELS,
    LIMIT_ANCHORS,
    LIMIT_UNITS,
    ROLES,
    SEVERITIES,
    TICKET_TYPES,
    WINDOW_UNITS,
)

from .conftest import mini_pack

SHIPPED = sorted(p.stem for p in PACKS_DIR.glob("*.yaml"))
RAW = {code: yaml.safe_load((PACKS_DIR / f"{code}.yaml").read_text(encoding="utf-8")) for code in SHIPPED}
WORDS = [
    *ACTIONS, *ROLES, *LIMIT_UNITS, *SEVERITIES, *TICKET_TYPES, *LIMIT_ANCHORS, *CHANNELS, *WINDOW_UNITS,
    "registered", "handling", "closed", "replied", "to", "roles", "limit", "final", "label", "amount", "unit",
    "from", "unmask", "extends", "stages", "actions", "dissatisfied_to", "initial_stage",
    "severities", "channels", "channel_limits", "channel_totals", "severity_totals", "category_totals",
    "acceptance_windows", "within", "reason", "types", "categories", "review", "instructed",
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=50),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.sampled_from(WORDS),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(WORDS) | st.text(max_size=4) | st.integers(0, 3), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in the document (a dict key or a list index)."""
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _paths(child, (*prefix, i))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    code = draw(st.sampled_from([*SHIPPED, "mini"]))
    doc = copy.deepcopy(RAW[code]) if code != "mini" else mini_pack()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent, last = _parent(doc, path), path[-1]
        op = draw(st.sampled_from(["replace", "delete", "add", "rename"]))
        if op == "replace":
            parent[last] = draw(values)
        elif op == "delete":
            del parent[last]
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(WORDS) | st.text(max_size=4))] = draw(values)
        elif op == "add":
            parent.append(draw(values))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(WORDS))] = parent.pop(last)
    return code, doc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_pack_loads_or_raises_pack_error(case: tuple[str, dict[str, Any]]) -> None:
    code, doc = case
    try:
        pack = parse_pack(doc, file=f"{code}.yaml", expected_code=code)
    except PackError as exc:
        assert exc.issues
        assert str(exc).startswith(f"{code}.yaml: ")
    else:
        assert isinstance(pack, Pack)
        assert tuple(pack.types) == TICKET_TYPES
        for policy in pack.types.values():
            assert policy.initial_stage in policy.stages
            assert "closed" in policy.stages
            for stage in policy.stages:  # every stage limit has a concrete anchor
                for severity in SEVERITIES:
                    limit = policy.stage_limit(stage, severity=severity, category_code=None, channel="letter")
                    assert limit is None or limit.start in LIMIT_ANCHORS


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_document_at_all_loads_or_raises_pack_error(data: st.DataObject) -> None:
    doc = data.draw(values)
    try:
        parse_pack(doc, file="x.yaml")
    except PackError:
        pass


def test_a_loaded_pack_round_trips_through_yaml(tmp_path: Path) -> None:
    for code in SHIPPED:
        original = load_pack(PACKS_DIR / f"{code}.yaml")
        copy_path = tmp_path / f"{code}.yaml"
        copy_path.write_text(yaml.safe_dump(RAW[code], allow_unicode=True), encoding="utf-8")

        again = load_pack(copy_path)

        assert again.types == original.types
        assert again.reminders == original.reminders
        assert (again.rounds, again.extension, again.identity_roles) == (
            original.rounds,
            original.extension,
            original.identity_roles,
        )
        assert dict(again.reject_reasons) == dict(original.reject_reasons)
        assert dict(again.source) == dict(original.source)
        assert again.acceptance_windows == original.acceptance_windows


@settings(max_examples=100, deadline=None)
@given(top=st.integers(-2, 6), supervise_from=st.integers(-2, 6))
def test_rounds_load_exactly_when_valid(top: int, supervise_from: int) -> None:
    doc = mini_pack()
    doc["rounds"] = {"max": top, "supervise_from": supervise_from}
    valid = top >= 2 and 1 <= supervise_from <= top  # mini has a redispatch: max 1 is refused too

    try:
        pack = parse_pack(doc, file="mini.yaml", expected_code="mini")
    except PackError:
        assert not valid
    else:
        assert valid
        assert (pack.rounds.max, pack.rounds.supervise_from) == (top, supervise_from)


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(-5, 500), unit=st.sampled_from([*LIMIT_UNITS, "days", "minutes"]))
def test_stage_limits_load_exactly_when_valid(amount: int, unit: str) -> None:
    doc = mini_pack()
    doc["workflows"]["basic"]["stages"]["replied"]["limit"] = {"amount": amount, "unit": unit}
    valid = amount >= 0 and unit in LIMIT_UNITS

    try:
        pack = parse_pack(doc, file="mini.yaml", expected_code="mini")
    except PackError as exc:
        assert not valid
        assert "workflows.basic.stages.replied.limit." in str(exc)
    else:
        assert valid
        limit = pack.type("praise").stage_limit("replied", severity="normal", category_code=None)
        assert limit is not None and (limit.amount, limit.unit, limit.start) == (amount, unit, "entered")


@settings(max_examples=100, deadline=None)
@given(
    stage=st.sampled_from(["registered", "handling", "replied"]),
    start=st.sampled_from([*LIMIT_ANCHORS, None, "signed"]),
)
def test_a_stage_limit_anchor_loads_exactly_when_it_can_have_happened(stage: str, start: str | None) -> None:
    """mini has no dispatch, and only ``handling``/``replied`` come after the acceptance."""
    doc = mini_pack()
    limit: dict[str, object] = {"amount": 2, "unit": "working_days"}
    if start is not None:
        limit["from"] = start
    doc["workflows"]["basic"]["stages"][stage]["limit"] = limit
    possible = {"registered": {"received", "registered", "entered"}}.get(
        stage, {"received", "registered", "entered", "accepted"}
    )
    valid = start is None or start in possible

    try:
        pack = parse_pack(doc, file="mini.yaml", expected_code="mini")
    except PackError as exc:
        assert not valid
        assert f"workflows.basic.stages.{stage}.limit.from" in str(exc)
    else:
        assert valid
        expected = start or ("received" if stage == "registered" else "entered")
        assert pack.type("praise").stage(stage).limit == Limit(2, "working_days", expected)
