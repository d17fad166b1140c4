"""Callers: the blocklist (黑名单) and the caller lookup behind intake and the screen pop.

``caller_lookup`` is the one read the intake screen and the call-centre screen pop share;
``ensure_not_blocked`` is the check registration calls before a ticket is created.

Numbers go through ``hotline.core.phones``: tickets store the normalised number (with a
fixed line's extension), the blocklist stores and matches the line (no extension), so
``8613255550002``, ``86 132 5555 0002`` or ``+0086 …`` meet an entry for ``13255550002``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from hotline.callers.models import BlocklistEntry, BlocklistEvent, BlocklistStatus
from hotline.core.errors import Conflict, Forbidden, InvalidInput
from hotline.core.phones import normalise_phone, phone_line
from hotline.core.prepared import Prepared
from hotline.core.types import AnyUser, User
from hotline.org.models import Role
from hotline.org.selectors import memberships_of
from hotline.policies.registry import get_pack
from hotline.tickets.models import Ticket
from hotline.workflow.access import scope_of, tickets_visible_to
from hotline.workflow.identity import identity_searchable
from hotline.workflow.roles import BLOCKLIST_DECIDE_ROLES, BLOCKLIST_REQUEST_ROLES

# who may ask for a number to be blocked (the intake roles) and who decides (DOMAIN.md:
# "an agent requests an entry, a team leader approves")
REQUEST_ROLES = BLOCKLIST_REQUEST_ROLES
DECIDE_ROLES = BLOCKLIST_DECIDE_ROLES
LOOKUP_LIMIT = 10


def _has_role(user: AnyUser, roles: frozenset[Role]) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(m.role in roles for m in memberships_of(user))


def may_request_blocklist(user: AnyUser) -> bool:
    return _has_role(user, REQUEST_ROLES)


def may_decide_blocklist(user: AnyUser) -> bool:
    return _has_role(user, DECIDE_ROLES)


def _in_force(at: datetime) -> Q:
    return Q(status=BlocklistStatus.ACTIVE) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def _log(entry: BlocklistEntry, *, action: str, actor: User, note: str, now: datetime) -> None:
    BlocklistEvent.objects.create(entry=entry, action=action, actor=actor, note=note, created_at=now)


def active_entry(phone: str, at: datetime | None = None) -> BlocklistEntry | None:
    """The entry in force for ``phone``'s line at ``at`` (default now), if any.

    ``phone`` may be typed in any form, with or without an extension; a value that is not a
    valid number matches nothing (entries only hold valid lines).
    """
    line = phone_line(phone)
    if not line:
        return None
    return BlocklistEntry.objects.filter(_in_force(at or timezone.now()), phone=line).first()


def is_blocked(phone: str, at: datetime | None = None) -> bool:
    return active_entry(phone, at) is not None


def ensure_not_blocked(phone: str, at: datetime | None = None) -> None:
    """Refuse a registration from a blocklisted number (``Forbidden``, code ``caller_blocked``)."""
    if is_blocked(phone, at):
        raise Forbidden("该号码已列入黑名单,不予登记", code="caller_blocked", field="complainant.phone")


def blocklist_request(
    *, phone: str, reason: str, actor: User, expires_at: datetime | None = None
) -> BlocklistEntry:
    """An agent asks for ``phone``'s line to be blocked (an extension given is dropped: a
    call shows the line only); a team leader decides (``blocklist_decide``)."""
    if not may_request_blocklist(actor):
        raise Forbidden("您无权申请列入黑名单", code="blocklist_forbidden")
    number = phone_line(normalise_phone(phone, field="phone"))
    if not number:
        raise InvalidInput("请填写完整的电话号码", code="phone_required", field="phone")
    if not reason.strip():
        raise InvalidInput("请填写申请理由", code="reason_required", field="reason")
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("失效时间应晚于当前时间", code="expires_in_past", field="expires_at")
    if is_blocked(number, now):
        raise Conflict("该号码已在黑名单中", code="blocklist_already_active")
    try:
        with transaction.atomic():
            entry = BlocklistEntry.objects.create(
                phone=number,
                reason=reason.strip(),
                requested_by=actor,
                requested_at=now,
                expires_at=expires_at,
            )
            _log(entry, action="request", actor=actor, note=entry.reason, now=now)
    except IntegrityError:
        raise Conflict("该号码已有待审批的黑名单申请", code="blocklist_request_pending") from None
    return entry


@transaction.atomic
def blocklist_decide(
    *, entry: BlocklistEntry, approve: bool, actor: User, note: str = "", expires_at: datetime | None = None
) -> BlocklistEntry:
    """A team leader (or administrator) approves or rejects a request; both are logged.

    The requester never decides their own request (``Forbidden``, code ``own_request``).
    """
    if not may_decide_blocklist(actor):
        raise Forbidden("只有班长或管理员可以审批黑名单", code="blocklist_forbidden")
    locked = BlocklistEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != BlocklistStatus.REQUESTED:
        raise Conflict(
            f"该申请已处理(当前状态:{locked.get_status_display()})", code="blocklist_already_decided"
        )
    if locked.requested_by_id == actor.pk:
        # four eyes: whoever asked for the block is never the one who decides it
        raise Forbidden("不能审批自己提交的申请,请由其他班长或管理员审批", code="own_request")
    now = timezone.now()
    if approve:
        # an older entry that has lapsed (expires_at passed) gives way to the new one
        for old in BlocklistEntry.objects.select_for_update().filter(
            phone=locked.phone, status=BlocklistStatus.ACTIVE
        ):
            old.status, old.decided_at = BlocklistStatus.REVOKED, now
            old.save(update_fields=["status", "decided_at"])
            _log(old, action="revoke", actor=actor, note="由新的黑名单条目替代", now=now)
        locked.status = BlocklistStatus.ACTIVE
        if expires_at is not None:
            locked.expires_at = expires_at
    else:
        locked.status = BlocklistStatus.REJECTED
    locked.decided_by, locked.decided_at, locked.note = actor, now, note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "note", "expires_at"])
    _log(locked, action="approve" if approve else "reject", actor=actor, note=locked.note, now=now)
    return locked


@transaction.atomic
def blocklist_revoke(*, entry: BlocklistEntry, actor: User, note: str = "") -> BlocklistEntry:
    """Lift an active entry (a team leader or administrator); logged."""
    if not may_decide_blocklist(actor):
        raise Forbidden("只有班长或管理员可以撤销黑名单", code="blocklist_forbidden")
    locked = BlocklistEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != BlocklistStatus.ACTIVE:
        raise Conflict("该号码不在黑名单中", code="blocklist_not_active")
    now = timezone.now()
    locked.status = BlocklistStatus.REVOKED
    locked.save(update_fields=["status"])
    _log(locked, action="revoke", actor=actor, note=note.strip(), now=now)
    return locked


@dataclass(frozen=True)
class CallerInfo:
    """What the agent sees when a number is typed (or a call rings in)."""

    phone: str  # the normalised number; "" while what was typed is not a valid number yet
    blocked: BlocklistEntry | None = None
    pending: BlocklistEntry | None = None
    tickets: list[Ticket] = field(default_factory=list)
    more: bool = False  # there are older tickets than those listed

    @property
    def complete(self) -> bool:
        """True when what was typed is a valid number, so it was looked up."""
        return bool(self.phone)

    @property
    def history(self) -> list[tuple[Ticket, str]]:
        """The tickets with their stage's label in their pack (for display)."""
        return [(t, get_pack(t.policy).type(t.type).stage(t.stage).label) for t in self.tickets]


# what the intake screen's history and the screen pop show of each earlier ticket
# (web/intake/_caller.html, web/phone/_pop.html): a row, not the whole ticket; and the
# columns the user's scope is checked on (``Scope.admits``)
LOOKUP_COLUMNS = ("number", "received_at", "type", "subject", "status", "policy", "stage", "customer_class")
SCOPE_COLUMNS = ("unit_id", "owner_unit_id", "handler_id", "registered_by_id")
# the newest tickets of a number read before the scope is checked in hand: a centre role
# sees them all; a unit's head, who may see few of them, gets the scoped query instead
HISTORY_READ = 40

# both reads are the same statement for every user, compiled once (core.prepared)
_ENTRIES: Prepared[BlocklistEntry] = Prepared(
    lambda line: (
        BlocklistEntry.objects.filter(
            phone=line, status__in=[BlocklistStatus.ACTIVE, BlocklistStatus.REQUESTED]
        )
        .select_related("requested_by", "decided_by")
        .order_by("pk")
    )
)


def _by_phone(tickets: QuerySet[Ticket], number: str, *columns: str) -> QuerySet[Ticket]:
    """A number's tickets a phone search may find, newest first, with ``columns``."""
    return (
        tickets.filter(identity_searchable(), complainant_phone=number)
        .only(*columns)
        .order_by("-received_at")
    )


_HISTORY: Prepared[Ticket] = Prepared(
    lambda number: _by_phone(Ticket.objects.all(), number, *LOOKUP_COLUMNS, *SCOPE_COLUMNS)[:HISTORY_READ]
)


def caller_lookup(phone: str, user: AnyUser) -> CallerInfo:
    """The caller's blocklist state and earlier tickets the user may see, newest first.

    Confidential tickets are left out, as in the API's phone search: a number must not
    reveal who filed a report. One lookup on the normalised number (with its extension, if
    any: a switchboard's number alone is not one person), using the ``ticket_phone_received``
    index; the blocklist state is the line's. A partial or invalid number looks nothing up.

    The number's newest tickets are read for everyone alike and checked against the
    user's scope in hand; only when that leaves too few while more exist does the scoped
    query run (issue 17: the screen pop rings on every call).
    """
    try:
        number = normalise_phone(phone)
    except InvalidInput:
        number = ""
    if not number:
        return CallerInfo(phone="")
    now = timezone.now()
    blocked = pending = None
    for entry in _ENTRIES.all(phone_line(number)):
        if entry.status == BlocklistStatus.REQUESTED:
            pending = entry
        elif entry.expires_at is None or entry.expires_at > now:
            blocked = entry
    newest = _HISTORY.all(number)
    scope = scope_of(user)
    rows = newest if scope is None else [t for t in newest if scope.admits(t)]
    if len(newest) == HISTORY_READ and len(rows) <= LOOKUP_LIMIT:  # the ones it may see are further back
        rows = list(_by_phone(tickets_visible_to(user), number, *LOOKUP_COLUMNS)[: LOOKUP_LIMIT + 1])
    return CallerInfo(
        phone=number,
        blocked=blocked,
        pending=pending,
        tickets=rows[:LOOKUP_LIMIT],
        more=len(rows) > LOOKUP_LIMIT,
    )
