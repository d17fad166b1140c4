"""Staff sessions against a running Hotline: log in, then a realistic mix until the deadline.

Each session is one user with a role and its own cookie jar (an ``httpx.AsyncClient``),
pausing between steps as a person would (``think`` seconds on average). Pages are read
through the workbench (worklist, ticket page, intake screen, caller lookup, search, board);
intake and actions are written through the REST API with the same session (CSRF header),
which calls the same services as the forms. Every request is timed per page; every
acknowledged intake (201 with its number) and action (200) is remembered, so the run can
check afterwards that nothing acknowledged was lost.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

# Pages whose times are reported (a step may make several requests).
PAGES = (
    "login",
    "worklist",
    "board",
    "ticket",
    "intake_page",
    "caller_lookup",
    "intake_submit",
    "search",
    "api_list",
    "api_ticket",
    "action",
)
MIX: dict[str, dict[str, int]] = {
    "agent": {"worklist": 25, "intake": 35, "search": 15, "ticket": 15, "lookup": 10},
    "coordinator": {"worklist": 20, "board": 10, "act": 40, "ticket": 20, "search": 10},
    "dept_head": {"worklist": 30, "act": 40, "ticket": 20, "search": 10},
    "handler": {"worklist": 30, "act": 40, "ticket": 20, "search": 10},
}
TYPES = ("complaint", "complaint", "complaint", "consultation", "help", "suggestion")
TOPICS = ("电饭煲无法加热", "小区夜间施工噪音", "超市价格标示不清", "快递丢件", "物业费收费争议", "路灯不亮")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass(frozen=True)
class Staff:
    username: str
    role: str
    unit: str  # unit code
    handlers: tuple[str, ...] = ()  # a head's handlers (for `assign`)


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[dict[str, Any]] = field(default_factory=list)
    intakes: list[str] = field(default_factory=list)  # numbers acknowledged with 201
    actions: list[tuple[str, str]] = field(default_factory=list)  # (number, action) acknowledged
    started: float = field(default_factory=time.monotonic)

    def record(self, page: str, seconds: float, status: int | str) -> None:
        self.times[page].append(seconds)
        self.statuses[page][str(status)] += 1

    def error(self, page: str, what: str) -> None:
        self.errors.append({"t": round(time.monotonic() - self.started, 1), "page": page, "what": what[:300]})


@dataclass
class Context:
    base_url: str
    password: str
    deadline: float
    think: float
    stats: Stats
    units: tuple[str, ...]  # departments a coordinator dispatches to
    phones: list[str]
    seen: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # user → ticket numbers


def phone_pool(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    prefixes = ("135", "136", "137", "138", "139", "150", "151", "186", "187", "188")  # mobile ranges
    return [f"{rng.choice(prefixes)}{rng.randrange(10**8):08d}" for _ in range(n)]


class Session:
    def __init__(self, ctx: Context, staff: Staff, rng: random.Random) -> None:
        self.ctx, self.staff, self.rng = ctx, staff, rng
        self.http = httpx.AsyncClient(base_url=ctx.base_url, timeout=60.0, follow_redirects=False)

    async def request(self, page: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.ctx.stats.record(page, time.perf_counter() - started, "transport")
            self.ctx.stats.error(page, f"{type(exc).__name__}: {exc}")
            return None
        self.ctx.stats.record(page, time.perf_counter() - started, response.status_code)
        if response.status_code >= 500 or response.status_code in (400, 403, 404):
            self.ctx.stats.error(page, f"{method} {url} → {response.status_code} {response.text[:200]}")
        return response

    def _csrf_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.http.cookies.get("csrftoken") or "", "Referer": self.ctx.base_url + "/"}

    async def login(self) -> bool:
        page = await self.request("login", "GET", "/login/")
        if page is None or page.status_code != 200:
            return False
        token = _CSRF.search(page.text)
        form = {
            "username": self.staff.username,
            "password": self.ctx.password,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        done = await self.request(
            "login", "POST", "/login/", data=form, headers={"Referer": self.ctx.base_url}
        )
        return done is not None and done.status_code == 302

    async def run(self, start_delay: float) -> None:
        await asyncio.sleep(start_delay)
        try:
            while time.monotonic() < self.ctx.deadline and not await self.login():
                await asyncio.sleep(5)  # the server is down for a moment (fault mode)
            steps = MIX[self.staff.role]
            names, weights = list(steps), list(steps.values())
            while time.monotonic() < self.ctx.deadline:
                step = self.rng.choices(names, weights)[0]
                await getattr(self, f"step_{step}")()
                await asyncio.sleep(self.rng.uniform(0.3, 1.7) * self.ctx.think)
        finally:
            await self.http.aclose()

    # --- steps ------------------------------------------------------------------------

    async def step_worklist(self) -> None:
        tab = "?tab=unit" if self.staff.role in ("dept_head", "coordinator") else ""
        response = await self.request("worklist", "GET", f"/work/{tab}")
        if response is not None and response.status_code == 302:
            await self.login()

    async def step_board(self) -> None:
        await self.request("board", "GET", "/board/")

    async def step_search(self) -> None:
        seen = self.ctx.seen[self.staff.username]
        term = self.rng.choice(seen) if seen and self.rng.random() < 0.6 else self.rng.choice(self.ctx.phones)
        await self.request("search", "GET", "/work/", params={"q": term})

    async def step_ticket(self) -> None:
        seen = self.ctx.seen[self.staff.username]
        if not seen:
            await self._list()
            seen = self.ctx.seen[self.staff.username]
        if seen:
            await self.request("ticket", "GET", f"/tickets/{self.rng.choice(seen[-50:])}/")

    async def step_lookup(self) -> None:
        await self.request(
            "caller_lookup", "GET", "/intake/lookup/", params={"phone": self.rng.choice(self.ctx.phones)}
        )

    async def step_intake(self) -> None:
        await self.request("intake_page", "GET", "/intake/")
        phone = self.rng.choice(self.ctx.phones)
        await self.request("caller_lookup", "GET", "/intake/lookup/", params={"phone": phone})
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.ctx.think)  # typing the matter in
        n = self.rng.randrange(10**6)
        body = {
            "type": self.rng.choice(TYPES),
            "channel": "phone",
            "subject": f"{self.rng.choice(TOPICS)}(负载测试 {n})",
            "description": "来电反映的情况,负载测试生成。" * self.rng.randint(1, 5),
            "complainant": {"name": "负载测试", "phone": phone, "email": f"caller{n}@example.test"},
        }
        response = await self.request(
            "intake_submit", "POST", "/api/v1/tickets/", json=body, headers=self._csrf_headers()
        )
        if response is not None and response.status_code == 201:
            number = response.json()["number"]
            self.ctx.stats.intakes.append(number)
            self.ctx.seen[self.staff.username].append(number)

    async def _list(self) -> list[dict[str, Any]]:
        params: dict[str, str] = {"status": "open", "ordering": "due_at", "page_size": "20"}
        if self.staff.role in ("coordinator", "agent"):
            params["ordering"] = "-received_at"  # the newest matters first
        elif self.staff.role == "handler":
            params["handler"] = self.staff.username
        elif self.staff.role == "dept_head":
            params["unit"] = self.staff.unit
        response = await self.request("api_list", "GET", "/api/v1/tickets/", params=params)
        if response is None or response.status_code != 200:
            return []
        rows: list[dict[str, Any]] = response.json().get("results", [])
        seen = self.ctx.seen[self.staff.username]
        seen.extend(r["number"] for r in rows if r["number"] not in seen[-200:])
        del seen[:-500]
        return rows

    def _params(self, action: str) -> dict[str, Any] | None:
        if action in ("accept", "sign", "approve_reply", "close"):
            return {}
        if action == "dispatch":
            return {"unit": self.rng.choice(self.ctx.units)}
        if action == "assign":
            return {"handler": self.rng.choice(self.staff.handlers)} if self.staff.handlers else None
        if action == "reply":
            return {"result": "经核实,已责成相关单位处理完毕并告知诉求人。(负载测试)"}
        if action == "return_visit":
            return {"satisfaction": self.rng.choice(["very_satisfied", "satisfied", "satisfied", "neutral"])}
        return None  # actions the driver does not play (reject, extension, suspend, ...)

    async def step_act(self) -> None:
        """Open a ticket of one's list (the API detail names the allowed actions), act on it."""
        rows = await self._list()
        for row in self.rng.sample(rows, min(3, len(rows))):
            detail = await self.request("api_ticket", "GET", f"/api/v1/tickets/{row['number']}/")
            if detail is None or detail.status_code != 200:
                continue
            ticket = detail.json()
            playable = [a for a in ticket.get("allowed_actions", []) if self._params(a) is not None]
            if not playable:
                continue
            action = self.rng.choice(playable)
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.ctx.think)  # reading the ticket
            body = {"action": action, "version": ticket["version"], **(self._params(action) or {})}
            response = await self.request(
                "action",
                "POST",
                f"/api/v1/tickets/{row['number']}/actions/",
                json=body,
                headers=self._csrf_headers(),
            )
            if response is not None and response.status_code == 200:
                self.ctx.stats.actions.append((row["number"], action))
            return


async def run_sessions(ctx: Context, staff: list[Staff], *, ramp: float, seed: int) -> None:
    rng = random.Random(seed)
    sessions = [Session(ctx, person, random.Random(rng.randrange(2**32))) for person in staff]
    delays = [ramp * i / max(len(sessions), 1) for i in range(len(sessions))]
    hard_stop = ctx.deadline - time.monotonic() + 120  # every request has a 60 s timeout
    await asyncio.wait_for(
        asyncio.gather(*(s.run(d) for s, d in zip(sessions, delays, strict=True))), timeout=hard_stop
    )


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": ordered[-1] * 1000}
