"""One ticket while it is simulated: what will happen to it, and its state and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.demo.volume.clocks import _Clock
from hotline.demo.volume.org import _Department
from hotline.demo.volume.routing import Route
from hotline.org.models import Unit
from hotline.policies.schema import Pack, TypePolicy
from hotline.tickets.models import Status


@dataclass
class _Plan:
    """What will happen to this ticket, drawn once (each may not apply to its workflow)."""

    reject: bool
    on_the_spot: bool
    returned: bool
    dissatisfied: bool
    suspend: bool
    stall_at: int | None  # the step after which nobody moves it any more


@dataclass
class _Walk:
    """A ticket while it walks its workflow: the fields the actions change, and its events."""

    tp: TypePolicy
    pack: Pack
    plan: _Plan
    owner: Unit
    dept: _Department
    severity: str
    category: str | None
    registered_by: int | None
    stage: str
    entered: datetime
    unit: Unit
    channel: str = ""
    route: Route | None = None  # the matter's region and departments (``routing``)
    received: datetime | None = None
    stage_clock: _Clock | None = None
    final_clock: _Clock | None = None
    status: str = Status.OPEN
    round: int = 0
    handler: tuple[int, str] | None = None
    supervised: bool = False
    satisfaction: str = ""
    closing_code: str = ""
    accepted_at: datetime | None = None
    dispatched_at: datetime | None = None
    round_dispatched_at: datetime | None = None
    instruction: str = ""
    closed_at: datetime | None = None
    suspension: dict[str, Any] | None = None
    last_action: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self,
        action: str,
        at: datetime,
        actor: int | None,
        from_stage: str,
        from_status: str,
        *,
        payload: dict[str, Any],
        comment: str = "",
        public: bool = False,
        label: str = "",
    ) -> None:
        """The event ``record_event`` would write, after the change."""
        self.events.append(
            {
                "seq": len(self.events) + 1,
                "actor_id": actor,
                "actor_label": label or ("" if actor else "系统"),
                "action": action,
                "from_stage": from_stage,
                "to_stage": self.stage,
                "from_status": from_status,
                "to_status": self.status,
                "comment": comment,
                "payload": payload,
                "public": public,
                "created_at": at,
            }
        )
