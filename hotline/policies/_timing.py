"""Parsing of a pack's timing sections: return visits (回访) and reminders (催办与升级).

A mixin of the loader's parser (``loader._PackParser``): the same ``Reader`` collects every
problem with its path, so a pack still fails all at once with each message.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import cast

from hotline.policies._reader import (
    Reader,
    freeze,
    join,
)
from hotline.policies.schema import (
    DEFAULT_MAX_ATTEMPTS,
    RETURN_VISIT_WHEN,
    EscalationStep,
    Limit,
    QuietHours,
    ReminderPoint,
    Reminders,
    ReturnVisitRule,
    ReturnVisitWhen,
)
from hotline.policies.vocab import (
    SEVERITIES,
)

# The documented (typed) keys of return_visit; every other key is kept as a note.
RETURN_VISIT_KEYS = ("roles", "within", "unreachable_close_after", "when", "max_attempts")


class TimingSections:
    """``return_visit`` and ``reminders`` of a pack (see docs/policy-packs.md)."""

    r: Reader

    def _return_visit(self, value: object) -> ReturnVisitRule | None:
        """The documented keys are checked when present (else their defaults); every other
        key is kept as written, read-only, in ``notes`` (informative)."""
        r = self.r
        m = r.mapping(value, "return_visit")
        if m is None:
            return None
        ok = True
        limits: dict[str, Limit] = {}
        for key in ("within", "unreachable_close_after"):
            if key in m:
                limit = r.limit(m[key], join("return_visit", key))
                if limit is None:
                    ok = False
                else:
                    limits[key] = limit
        roles = r.roles(m["roles"], "return_visit.roles") if "roles" in m else frozenset()
        max_attempts = (
            r.integer(m["max_attempts"], "return_visit.max_attempts", minimum=1)
            if "max_attempts" in m
            else DEFAULT_MAX_ATTEMPTS
        )
        when = (
            r.choice(m["when"], "return_visit.when", RETURN_VISIT_WHEN, "moment") if "when" in m else "reply"
        )
        for key, item in m.items():
            if isinstance(item, dict) and any(not isinstance(k, str) for k in item):
                r.fail(join("return_visit", key), "keys must be strings")
                ok = False
        if not ok or roles is None or max_attempts is None or when is None:
            return None
        return ReturnVisitRule(
            roles=roles,
            within=limits.get("within"),
            unreachable_close_after=limits.get("unreachable_close_after"),
            when=cast(ReturnVisitWhen, when),  # one of RETURN_VISIT_WHEN: checked above
            max_attempts=max_attempts,
            notes=MappingProxyType({k: freeze(v) for k, v in m.items() if k not in RETURN_VISIT_KEYS}),
        )

    def _reminders(self, value: object) -> Reminders | None:
        r = self.r
        m = r.mapping(
            value,
            "reminders",
            optional=(
                "notify",
                "before_due",
                "escalation",
                "quiet_hours",
                "repeat_every",
                "on_rest_days",
                "anytime_severities",
            ),
        )
        if m is None:
            return None
        ok = True
        notify = r.roles(m["notify"], "reminders.notify") if "notify" in m else frozenset({"handler"})
        ok &= notify is not None
        points: list[ReminderPoint] = []
        for i, raw in enumerate(r.sequence(m.get("before_due", []), "reminders.before_due") or ()):
            point = self._reminder_point(raw, join("reminders.before_due", i), notify or frozenset())
            if point is None:
                ok = False
            else:
                points.append(point)
        steps: list[EscalationStep] = []
        for i, raw in enumerate(r.sequence(m.get("escalation", []), "reminders.escalation") or ()):
            path = join("reminders.escalation", i)
            s = r.mapping(raw, path, required=("after", "notify"), optional=())
            after = r.limit(s["after"], join(path, "after")) if s and "after" in s else None
            roles = r.roles(s["notify"], join(path, "notify")) if s and "notify" in s else None
            if after is None or roles is None:
                ok = False
                continue
            previous = steps[-1].after if steps else None
            if previous is not None and previous.unit == after.unit and after.amount <= previous.amount:
                r.fail(
                    join(path, "after"), f"escalation steps must be in increasing order (after {previous})"
                )
                ok = False
            steps.append(EscalationStep(after=after, notify=roles))
        quiet = None
        if m.get("quiet_hours") is not None:
            q = r.mapping(m["quiet_hours"], "reminders.quiet_hours", required=("start", "end"), optional=())
            start = r.clock_time(q["start"], "reminders.quiet_hours.start") if q and "start" in q else None
            end = r.clock_time(q["end"], "reminders.quiet_hours.end") if q and "end" in q else None
            if start is None or end is None:
                ok = False
            elif start == end:
                r.fail("reminders.quiet_hours", "start and end must differ")
                ok = False
            else:
                quiet = QuietHours(start=start, end=end)
        repeat = None
        if m.get("repeat_every") is not None:
            repeat = r.limit(m["repeat_every"], "reminders.repeat_every", minimum=1)
            ok &= repeat is not None
        on_rest_days = m.get("on_rest_days", False)
        if not isinstance(on_rest_days, bool):
            r.fail("reminders.on_rest_days", f"expected true or false, got {on_rest_days!r}")
            ok = False
        anytime = r.choices(
            m.get("anytime_severities", []),
            "reminders.anytime_severities",
            SEVERITIES,
            "severity",
            allow_empty=True,
        )
        ok &= anytime is not None
        if not ok or notify is None or anytime is None:
            return None
        return Reminders(
            notify=notify,
            before_due=tuple(points),
            escalation=tuple(steps),
            quiet_hours=quiet,
            repeat_every=repeat,
            on_rest_days=on_rest_days,
            anytime_severities=frozenset(anytime),
        )

    def _reminder_point(self, raw: object, path: str, default_notify: frozenset[str]) -> ReminderPoint | None:
        r = self.r
        p = r.mapping(raw, path, optional=("used", "left", "notify"))
        if p is None:
            return None
        if ("used" in p) == ("left" in p):
            r.fail(path, "give exactly one of 'used' (fraction of the limit) or 'left' (time before due)")
            return None
        used = None
        left = None
        if "used" in p:
            value = p["used"]
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
                r.fail(join(path, "used"), f"expected a fraction between 0 and 1 (e.g. 0.5), got {value!r}")
                return None
            used = float(value)
        else:
            left = r.limit(p["left"], join(path, "left"), minimum=1)
            if left is None:
                return None
        notify = r.roles(p["notify"], join(path, "notify")) if "notify" in p else default_notify
        if notify is None:
            return None
        return ReminderPoint(used=used, left=left, notify=notify)
