"""The ``workflows`` section of a pack: stage graphs, inheritance (``extends``) and the
graph checks (targets exist, ``closed`` reachable, no unreachable stage, no dead end,
unique stage labels, stage-limit anchors that can have happened)."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from hotline.policies._reader import UNRESOLVED_START, Reader, join, suggest
from hotline.policies.schema import ActionRule, Limit, Stage
from hotline.policies.vocab import (
    ACTIONS,
    CHANNELS,
    CLOSED_STAGE,
    ENGINE_ACTIONS,
    OPTIONAL_TO_ACTIONS,
    SEVERITIES,
    SEVERITY_LABELS,
    STAY_ACTIONS,
)

_STAGE_KEYS = ("label", "public_label", "limit", "final", "actions")
_RULE_KEYS = ("to", "dissatisfied_to", "severities", "channels")
# The actions that set a stage-limit anchor (``Limit.start``); the other anchors
# (received, registered, entered) have always happened by the time a stage is entered.
ANCHOR_ACTIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"accepted": frozenset({"accept"}), "dispatched": frozenset({"dispatch", "redispatch"})}
)


@dataclass(frozen=True)
class StageDef:
    stage: Stage
    workflow: str  # where it was written (a parent, when inherited)


@dataclass(frozen=True)
class Workflow:
    name: str
    initial_stage: str
    stages: Mapping[str, StageDef]


class WorkflowParser:
    """Parses ``workflows`` with the pack-level facts its stage checks need (each ``None``
    when that part of the pack failed to parse, so the check is skipped)."""

    def __init__(
        self,
        reader: Reader,
        *,
        extension_configured: bool | None,
        has_reject_reasons: bool | None,
        rounds_max: int | None,
    ) -> None:
        self.r = reader
        self.extension_configured = extension_configured
        self.has_reject_reasons = has_reject_reasons
        self.rounds_max = rounds_max
        self.failed_workflows: set[str] = set()
        self._anchored: dict[tuple[int, str], Stage] = {}

    def parse(self, value: object) -> dict[str, Workflow] | None:
        r = self.r
        m = r.mapping(value, "workflows")
        if m is None:
            return None
        if not m:
            r.fail("workflows", "at least one workflow is required")
            return None
        raw: dict[str, tuple[str | None, str | None, dict[str, Stage | None]]] = {}
        ok = True
        for name, body in m.items():
            path = join("workflows", name)
            if r.ident(name, path, "workflow name") is None:
                ok = False
                continue
            w = r.mapping(body, path, required=("stages",), optional=("extends", "initial_stage"))
            if w is None:
                ok = False
                continue
            parent = r.ident(w["extends"], join(path, "extends"), "workflow name") if "extends" in w else None
            if "initial_stage" not in w and "extends" not in w:
                r.fail(path, "missing required key 'initial_stage'")
                ok = False
            initial = (
                r.ident(w["initial_stage"], join(path, "initial_stage"), "stage code")
                if ("initial_stage" in w)
                else None
            )
            stages = (
                self._stages(w["stages"], join(path, "stages"), inherits="extends" in w)
                if "stages" in w
                else None
            )
            if (
                stages is None
                or ("extends" in w and parent is None)
                or ("initial_stage" in w and initial is None)
            ):
                ok = False
                continue
            raw[name] = (parent, initial, stages)
        if not ok:
            return None
        resolved: dict[str, Workflow] = {}
        for name in raw:
            self._resolve(name, raw, resolved, chain=())
        if len(resolved) != len(raw):
            return None
        graph_ok = all([self._check_graph(wf, resolved) for wf in resolved.values()])
        if not graph_ok:
            return None
        anchored = {name: self._anchor_stage_limits(wf) for name, wf in resolved.items()}
        checks_ok = all(
            [self._check_labels(wf) and self._check_limit_anchors(wf) for wf in anchored.values()]
        )
        return anchored if checks_ok else None

    def _resolve(
        self,
        name: str,
        raw: Mapping[str, tuple[str | None, str | None, dict[str, Stage | None]]],
        resolved: dict[str, Workflow],
        chain: tuple[str, ...],
    ) -> Workflow | None:
        if name in resolved:
            return resolved[name]
        if name in self.failed_workflows:
            return None
        parent_name, initial, own = raw[name]
        path = join("workflows", name)
        stages: dict[str, StageDef] = {}
        if parent_name is not None:
            if parent_name in (*chain, name):
                cycle = " → ".join((*chain, name, parent_name))
                self.r.fail(join(path, "extends"), f"workflows extend each other in a cycle: {cycle}")
                self.failed_workflows.add(name)
                return None
            if parent_name not in raw:
                self.r.fail(
                    join(path, "extends"), f"unknown workflow '{parent_name}'{suggest(parent_name, raw)}"
                )
                self.failed_workflows.add(name)
                return None
            parent = self._resolve(parent_name, raw, resolved, chain=(*chain, name))
            if parent is None:
                self.failed_workflows.add(name)
                return None
            stages.update(parent.stages)
            initial = initial or parent.initial_stage
        for code, stage in own.items():
            if stage is None:
                if code not in stages:
                    self.r.fail(
                        join(join(path, "stages"), code), f"cannot remove stage '{code}': the parent has none"
                    )
                    self.failed_workflows.add(name)
                    return None
                del stages[code]
            else:
                stages[code] = StageDef(stage=stage, workflow=name)
        assert initial is not None
        result = Workflow(name=name, initial_stage=initial, stages=stages)
        resolved[name] = result
        return result

    def _stages(self, value: object, path: str, *, inherits: bool) -> dict[str, Stage | None] | None:
        m = self.r.mapping(value, path)
        if m is None:
            return None
        if not m and not inherits:
            self.r.fail(path, "at least one stage is required")
            return None
        result: dict[str, Stage | None] = {}
        ok = True
        for code, body in m.items():
            stage_path = join(path, code)
            if self.r.ident(code, stage_path, "stage code") is None:
                ok = False
            elif body is None and inherits:
                result[code] = None  # removes the parent's stage
            elif (stage := self._stage(code, body, stage_path)) is None:
                ok = False
            else:
                result[code] = stage
        return result if ok else None

    def _stage(self, code: str, value: object, path: str) -> Stage | None:
        r = self.r
        m = r.mapping(value, path, required=("label",), optional=_STAGE_KEYS)
        if m is None:
            return None
        issues_before = len(r.issues)
        label = r.text(m["label"], join(path, "label")) if "label" in m else None
        public_label = r.text(m["public_label"], join(path, "public_label")) if "public_label" in m else label
        final = r.boolean(m["final"], join(path, "final")) if "final" in m else False
        limit = (
            r.limit(m["limit"], join(path, "limit"), anchored=True) if m.get("limit") is not None else None
        )
        raw_actions = m.get("actions")
        actions = self._actions({} if raw_actions is None else raw_actions, join(path, "actions"))
        if final and limit is not None:
            r.fail(join(path, "limit"), "a final stage has no time limit")
        if actions is not None:
            self._check_stage_actions(actions, path, final=bool(final))
        if len(r.issues) > issues_before or label is None or public_label is None or final is None:
            return None
        assert actions is not None
        return Stage(
            code=code,
            label=label,
            public_label=public_label,
            limit=limit,
            final=final,
            actions=MappingProxyType(actions),
        )

    def _actions(self, value: object, path: str) -> dict[str, ActionRule] | None:
        r = self.r
        m = r.mapping(value, path)
        if m is None:
            return None
        result: dict[str, ActionRule] = {}
        for name, body in m.items():
            apath = join(path, name)
            if name in ENGINE_ACTIONS:
                r.fail(apath, f"'{name}' is not listed in packs: identity_roles decides who may unmask")
                continue
            if name not in ACTIONS:
                r.fail(apath, f"unknown action '{name}'{suggest(name, ACTIONS)}")
                continue
            a = r.mapping(body, apath, required=("roles",), optional=_RULE_KEYS)
            if a is None:
                continue
            roles = r.roles(a["roles"], join(apath, "roles")) if "roles" in a else None
            severities = (
                r.choices(
                    a["severities"], join(apath, "severities"), SEVERITIES, "severity", allow_empty=False
                )
                if "severities" in a
                else frozenset()
            )
            channels = (
                r.choices(a["channels"], join(apath, "channels"), CHANNELS, "channel", allow_empty=False)
                if "channels" in a
                else frozenset()
            )
            to = self._target(a, "to", apath)
            dissatisfied_to = self._target(a, "dissatisfied_to", apath)
            if name in STAY_ACTIONS and to is not None:
                r.fail(join(apath, "to"), f"'{name}' keeps the ticket in its stage: remove 'to'")
            elif a.get("to") is None and name not in STAY_ACTIONS and name not in OPTIONAL_TO_ACTIONS:
                r.fail(apath, f"missing required key 'to': the stage '{name}' leads to")
            if name == "return_visit" and a.get("dissatisfied_to") is None:
                r.fail(
                    apath,
                    "return_visit needs 'dissatisfied_to' (where a dissatisfied complainant's ticket goes)",
                )
            elif name != "return_visit" and "dissatisfied_to" in a:
                r.fail(join(apath, "dissatisfied_to"), "only return_visit has 'dissatisfied_to'")
            if roles is not None and severities is not None and channels is not None:
                result[name] = ActionRule(
                    name=name,
                    roles=roles,
                    to=to,
                    dissatisfied_to=dissatisfied_to,
                    severities=severities,
                    channels=channels,
                )
        return result

    def _target(self, a: Mapping[str, Any], key: str, apath: str) -> str | None:
        if a.get(key) is None:
            return None
        return self.r.ident(a[key], join(apath, key), "stage code")

    def _check_stage_actions(self, actions: Mapping[str, ActionRule], path: str, *, final: bool) -> None:
        r = self.r
        apath = join(path, "actions")
        names = set(actions)
        if final:
            for name in sorted(names - {"reopen"}):
                r.fail(join(apath, name), "a final stage allows only 'reopen'")
            return
        if not names:
            r.fail(path, "a stage that is not final needs at least one action (or 'final: true')")
        if "reopen" in names:
            r.fail(join(apath, "reopen"), "'reopen' belongs in a final stage")
        if "suspend" in names and "resume" not in names:
            r.fail(
                join(apath, "suspend"),
                "'suspend' without 'resume' in the same stage: a suspended ticket could never resume",
            )
        if "resume" in names and "suspend" not in names:
            r.fail(join(apath, "resume"), "'resume' without 'suspend' in the same stage")
        for name, other in (("approve_reply", "send_back"), ("send_back", "approve_reply")):
            if name in names and other not in names:
                r.fail(
                    join(apath, name),
                    f"'{name}' without '{other}' in the same stage: the head who reviews a reply"
                    " must be able both to approve it and to send it back",
                )
        extension_actions = names & {"request_extension", "approve_extension", "deny_extension"}
        if extension_actions and self.extension_configured is False:
            for name in sorted(extension_actions):
                r.fail(join(apath, name), f"'{name}' needs the pack's 'extension' rule, which is null")
        if "request_extension" in names:
            for needed in ("approve_extension", "deny_extension"):
                if needed not in names:
                    r.fail(
                        join(apath, "request_extension"),
                        f"'request_extension' needs '{needed}' in the same stage",
                    )
        elif extension_actions:
            for name in sorted(extension_actions):
                r.fail(join(apath, name), f"'{name}' without 'request_extension' in the same stage")
        if "reject" in names and self.has_reject_reasons is False:
            r.fail(join(apath, "reject"), "'reject' needs at least one entry in reject_reasons")
        if "redispatch" in names and self.rounds_max == 1:
            r.fail(join(apath, "redispatch"), "'redispatch' is never possible with rounds.max 1")
        if names:
            self._check_severity_coverage(actions, path)

    def _check_severity_coverage(self, actions: Mapping[str, ActionRule], path: str) -> None:
        """A ticket of every severity can leave a non-final stage: for each severity, some
        rule that leads on (has ``to``) applies to it (for at least one channel)."""
        moving = [rule for rule in actions.values() if rule.to is not None]
        if not moving or not any(rule.severities for rule in actions.values()):
            return  # no conditions (the graph checks cover a stage that cannot move on)
        for severity in SEVERITIES:
            if not any(not rule.severities or severity in rule.severities for rule in moving):
                limited = ", ".join(f"{rule.name} {sorted(rule.severities)}" for rule in moving)
                self.r.fail(
                    join(path, "actions"),
                    f"no action leads on from this stage for severity '{severity}'"
                    f" ({SEVERITY_LABELS[severity]}): such a ticket would be stuck here"
                    f" (actions that move the ticket, with their severities: {limited})",
                )

    def _check_graph(self, wf: Workflow, all_workflows: Mapping[str, Workflow]) -> bool:
        """Targets exist; ``closed`` is final and reachable; no stage is unreachable or a dead end."""
        r = self.r
        path = join("workflows", wf.name)
        before = len(r.issues)

        def stage_path(code: str) -> str:
            return join(join(path, "stages"), code)

        def inherited(code: str) -> str:
            origin = wf.stages[code].workflow
            return "" if origin == wf.name else f" (stage inherited from workflow '{origin}')"

        if wf.initial_stage not in wf.stages:
            r.fail(
                join(path, "initial_stage"),
                f"unknown stage '{wf.initial_stage}'{suggest(wf.initial_stage, wf.stages)}",
            )
        for code, d in wf.stages.items():
            origin = all_workflows[d.workflow]
            for rule in d.stage.actions.values():
                for key, target in (("to", rule.to), ("dissatisfied_to", rule.dissatisfied_to)):
                    if target is None or target in wf.stages:
                        continue
                    if d.workflow != wf.name and target not in origin.stages:
                        continue  # reported once, for the workflow that wrote it
                    r.fail(
                        join(join(join(stage_path(code), "actions"), rule.name), key),
                        f"unknown stage '{target}'{suggest(target, wf.stages)}{inherited(code)}",
                    )
        if len(r.issues) > before:
            return False

        edges = {
            code: {t for rule in d.stage.actions.values() for t in rule.targets}
            for code, d in wf.stages.items()
        }
        reachable = _reach(wf.initial_stage, edges)
        finals = {code for code, d in wf.stages.items() if d.stage.final}
        if not finals & reachable:
            r.fail(path, f"no final stage is reachable from initial stage '{wf.initial_stage}'")
            return False
        closed = wf.stages.get(CLOSED_STAGE)
        if closed is None or not closed.stage.final:
            r.fail(join(path, "stages"), f"a final stage '{CLOSED_STAGE}' is required (normal closure, 办结)")
        elif CLOSED_STAGE not in reachable:
            r.fail(
                path, f"final stage '{CLOSED_STAGE}' is not reachable from initial stage '{wf.initial_stage}'"
            )
        for code in wf.stages:
            if code not in reachable:
                r.fail(
                    stage_path(code),
                    f"stage '{code}' is unreachable from initial stage '{wf.initial_stage}'{inherited(code)}",
                )
            elif code not in finals and not finals & _reach(code, edges):
                r.fail(
                    stage_path(code),
                    f"dead end: no final stage can be reached from stage '{code}'{inherited(code)}",
                )
        return len(r.issues) == before

    # -- after the graphs --------------------------------------------------------------

    def _anchor_stage_limits(self, wf: Workflow) -> Workflow:
        """Fill in ``Limit.start`` of stage limits written without ``from``: ``received``
        for the workflow's initial stage, ``entered`` otherwise. A stage shared with a
        parent workflow stays the same object when its start comes out the same."""
        stages: dict[str, StageDef] = {}
        for code, d in wf.stages.items():
            limit = d.stage.limit
            if limit is not None and limit.start == UNRESOLVED_START:
                start = default_start(code, wf.initial_stage)
                key = (id(d.stage), start)
                if key not in self._anchored:
                    self._anchored[key] = replace(d.stage, limit=replace(limit, start=start))
                d = StageDef(stage=self._anchored[key], workflow=d.workflow)
            stages[code] = d
        return Workflow(name=wf.name, initial_stage=wf.initial_stage, stages=stages)

    def _check_labels(self, wf: Workflow) -> bool:
        """Stage labels are unique within a workflow: two stages with one name cannot be told
        apart on the board or in a status badge."""
        seen: dict[str, str] = {}
        ok = True
        for code, d in wf.stages.items():
            label = d.stage.label
            if label in seen:
                origin = d.workflow if d.workflow != wf.name else None
                where = f" (stage inherited from workflow '{origin}')" if origin else ""
                self.r.fail(
                    join(join(join(join("workflows", wf.name), "stages"), code), "label"),
                    f"label '{label}' is also the label of stage '{seen[label]}'{where}:"
                    " stage labels must be unique within a workflow",
                )
                ok = False
            else:
                seen[label] = code
        return ok

    def _check_limit_anchors(self, wf: Workflow) -> bool:
        ok = True
        for code, d in wf.stages.items():
            limit = d.stage.limit
            if limit is None:
                continue
            problem = anchor_problem(wf, code, limit)
            if problem is not None:
                origin = d.workflow if d.workflow != wf.name else None
                where = f" (stage inherited from workflow '{origin}')" if origin else ""
                self.r.fail(
                    join(join(join(join(join("workflows", wf.name), "stages"), code), "limit"), "from"),
                    problem + where,
                )
                ok = False
        return ok


def default_start(stage: str, initial_stage: str) -> str:
    """Where a stage limit without ``from`` counts from: the first stage from receipt
    (自收到之日起), every other stage from entering it."""
    return "received" if stage == initial_stage else "entered"


def anchor_problem(wf: Workflow, stage: str, limit: Limit) -> str | None:
    """Why ``limit`` cannot count from its anchor in ``stage``, or ``None`` when it can.

    ``accepted`` / ``dispatched`` need the ticket to have been accepted / dispatched on
    every way into the stage (conditions ignored: every rule counts as possible).
    """
    anchor_actions = ANCHOR_ACTIONS.get(limit.start)
    if anchor_actions is None:
        return None
    before = _reach_avoiding(wf, anchor_actions)
    if stage not in before:
        return None
    verbs = " or ".join(f"'{name}'" for name in sorted(anchor_actions))
    return (
        f"limit counts from '{limit.start}', but stage '{stage}' can be reached without {verbs}"
        " (the ticket may not have been "
        + ("accepted" if limit.start == "accepted" else "dispatched")
        + " yet): use an anchor that has always happened (received, registered, entered)"
    )


def _reach_avoiding(wf: Workflow, avoid: frozenset[str]) -> set[str]:
    """Stages reachable from the initial stage without taking any action in ``avoid``."""
    seen = {wf.initial_stage}
    queue = deque([wf.initial_stage])
    while queue:
        d = wf.stages.get(queue.popleft())
        if d is None:
            continue
        for name, rule in d.stage.actions.items():
            if name in avoid:
                continue
            for target in rule.targets:
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return seen


def _reach(start: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen
