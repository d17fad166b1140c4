"""Detection: a registered ticket's signature, its repeat flag and its batch (ADR 0024).

``detect(ticket_id)`` runs after the registration has committed (``listeners``), never in
the registration's transaction, and again from the sweep (``tasks``) for any ticket whose
``Pending`` row is still there after a crash. It writes the signature and its bands, the
``repeat_of`` link (unconfirmed, with a ``flag_repeat`` event) and the batch membership in
one transaction that also deletes the ``Pending`` row: it happens once, completely, or not
at all (and then again later).

Candidates come from the database, not from an in-process index, so every process sees
the same: for a repeat, the caller's earlier tickets in the pack's window
(``repeat_candidates``, the caller's partial index); for a topic batch, the tickets of any
caller in the window that share an LSH band with this one (the ``Band`` table). Then the
estimated Jaccard similarity on the stored signatures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest, Least
from django.utils import timezone

from hotline.core.errors import HotlineError
from hotline.core.phones import normalise_phone
from hotline.policies.registry import all_packs, get_pack
from hotline.policies.schema import Detection, Limit, Pack
from hotline.similar.models import (
    ACTIVE_BATCH,
    Band,
    Basis,
    Batch,
    BatchStatus,
    Member,
    Pending,
    Signature,
)
from hotline.similar.text import band_keys, normalise_key, signature, similarity, ticket_words
from hotline.tickets.models import LinkKind, Ticket, TicketLink
from hotline.workflow.kinds import EventKind
from hotline.workflow.locks import lock_ticket
from hotline.workflow.services import ticket_record

logger = logging.getLogger(__name__)

SYSTEM_LABEL: Final = "系统(重复与批量识别)"
# One advisory lock (PostgreSQL) serialises the writes to batches: detection and the
# coordinator's confirm. SQLite's IMMEDIATE transactions serialise every writer anyway.
_LOCK_ID: Final = 1_402_024
MAX_SUGGESTIONS: Final = 5


def detection_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])


def _take_pending(ticket_id: int) -> bool:
    """Delete the ticket's ``Pending`` row in the current transaction: True when there was one
    (this transaction detects; another one doing it at the same moment waits on the row and
    then finds none). On PostgreSQL one statement also takes the detection lock."""
    if connection.vendor != "postgresql":
        return Pending.objects.filter(ticket_id=ticket_id).delete()[0] > 0
    table = connection.ops.quote_name(Pending._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH d AS (DELETE FROM {table} WHERE ticket_id = %s RETURNING ticket_id)"
            " SELECT count(*) FROM d CROSS JOIN LATERAL pg_advisory_xact_lock(%s) AS l",
            [ticket_id, _LOCK_ID],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def window(limit: Limit) -> timedelta:
    """A pack's detection window as clock time (the loader allows these units only)."""
    unit = {"natural_days": "days", "hours": "hours", "minutes": "minutes"}[limit.unit]
    return timedelta(**{unit: limit.amount})


def detection_of(policy: str) -> Detection:
    try:
        return get_pack(policy).detection
    except HotlineError:  # a pack no longer shipped: the defaults
        return Detection()


# --- identity ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who a ticket is from, as detection compares it."""

    phone: str = ""
    email: str = ""
    id_number: str = ""

    @property
    def known(self) -> bool:
        return bool(self.phone or self.email or self.id_number)

    def q(self) -> Q:
        """Signatures of the same caller: any one of the identities matches."""
        q = Q(pk__in=[])
        for name in ("phone", "email", "id_number"):
            value = getattr(self, name)
            if value:
                q |= Q(**{name: value})
        return q

    def matched_by(self, sig: Signature) -> list[str]:
        return [
            n
            for n in ("phone", "email", "id_number")
            if getattr(self, n) and getattr(self, n) == getattr(sig, n)
        ]

    def key(self, ticket_id: int) -> str:
        """One caller, for counting complainants; the anonymous count one each."""
        for name in ("phone", "email", "id_number"):
            value = getattr(self, name)
            if value:
                return f"{name}:{value}"
        return f"ticket:{ticket_id}"


def caller_of(*, phone: str, email: str, id_number: str) -> Caller:
    """The normalised identity (an unreadable phone is left out, not refused)."""
    try:
        number = normalise_phone(phone or "", field="phone")
    except HotlineError:
        number = ""
    return Caller(
        phone=number,
        email=(email or "").strip().lower()[:254],
        id_number=(id_number or "").strip().upper().replace(" ", "")[:32],
    )


def ticket_caller(ticket: Ticket) -> Caller:
    return caller_of(
        phone=ticket.complainant_phone, email=ticket.complainant_email, id_number=ticket.complainant_id_number
    )


# --- candidates ----------------------------------------------------------------------------


def repeat_candidates(*, caller: Caller, since: datetime, until: datetime) -> QuerySet[Signature]:
    """The caller's signed tickets received in [since, until]: one query on the caller's
    partial index (phone, e-mail or ID number, then the time). The caller is the narrow
    part — a handful of tickets a month — so every one is compared on its stored signature;
    going through the band table first costs more when a text is common (bench/README.md,
    "Repeats and batches": the band-first plan reads every band row of a common text)."""
    return Signature.objects.filter(
        caller.q(), received_at__gte=since, received_at__lte=until, minhash__isnull=False
    )


@dataclass(frozen=True)
class Match:
    ticket_id: int
    score: float
    matched_by: list[str]


def best_matches(
    candidates: Iterable[Signature], sig: bytes, *, threshold: float, caller: Caller
) -> list[Match]:
    """Candidates at least ``threshold`` alike, most alike first (then the latest)."""
    found = []
    for c in candidates:
        score = similarity(sig, bytes(c.minhash)) if c.minhash is not None else 0.0
        if score >= threshold:
            found.append((score, c.received_at, Match(c.ticket_id, round(score, 3), caller.matched_by(c))))
    found.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [m for _s, _r, m in found]


# --- one ticket ----------------------------------------------------------------------------


@dataclass
class Outcome:
    done: bool = False  # detection ran (False: nothing pending for this ticket)
    repeat_of: int | None = None  # the ticket flagged as its earlier complaint
    batch: int | None = None  # the batch it was put in


def detect(ticket_id: int, *, now: datetime | None = None) -> Outcome:
    """Detect for one registered ticket, once (see the module's docstring)."""
    now = now or timezone.now()
    outcome = Outcome()
    with transaction.atomic():
        if not _take_pending(ticket_id):
            return outcome
        outcome.done = True
        ticket = Ticket.objects.get(pk=ticket_id)
        if ticket.confidential:
            return outcome  # ADR 0006: nobody finds a confidential ticket by identity, detection neither
        rules = detection_of(ticket.policy)
        caller = ticket_caller(ticket)
        sig = signature(ticket_words(ticket.subject, ticket.description, ticket.respondent_name))
        record = Signature.objects.create(
            ticket=ticket,
            received_at=ticket.received_at,
            phone=caller.phone,
            email=caller.email,
            id_number=caller.id_number,
            caller=caller.key(ticket.pk),
            respondent=normalise_key(ticket.respondent_name),
            address=normalise_key(ticket.respondent_address),
            minhash=sig,
        )
        keys = band_keys(sig) if sig is not None else []
        Band.objects.bulk_create(Band(ticket=ticket, key=k, received_at=ticket.received_at) for k in keys)
        if sig is not None and caller.known:
            outcome.repeat_of = _flag_repeat(ticket, caller, sig, rules, now)
        outcome.batch = _batch(ticket, record, keys, rules, now)
    return outcome


def _flag_repeat(ticket: Ticket, caller: Caller, sig: bytes, rules: Detection, now: datetime) -> int | None:
    since = ticket.received_at - window(rules.repeat.within)
    candidates = repeat_candidates(caller=caller, since=since, until=ticket.received_at).exclude(
        ticket_id=ticket.pk
    )
    earlier = [c for c in candidates if (c.received_at, c.ticket_id) < (ticket.received_at, ticket.pk)]
    matches = best_matches(earlier, sig, threshold=rules.repeat.similarity, caller=caller)
    if not matches or TicketLink.objects.filter(ticket=ticket, kind=LinkKind.REPEAT_OF).exists():
        return None  # nothing alike, or a person linked it at intake
    best = matches[0]
    target = Ticket.objects.only("number").get(pk=best.ticket_id)
    locked = lock_ticket(ticket.pk)
    link = TicketLink.objects.create(ticket=locked, target=target, kind=LinkKind.REPEAT_OF, confirmed=False)
    ticket_record(
        locked=locked,
        kind=EventKind.FLAG_REPEAT,
        actor=None,
        actor_label=SYSTEM_LABEL,
        now=now,
        comment=f"疑似重复投诉:与 {target.number} 为同一诉求人,内容相似度 {best.score:.0%},待确认",
        payload={
            "link": link.pk,
            "kind": LinkKind.REPEAT_OF.value,
            "number": target.number,
            "similarity": best.score,
            "matched_by": best.matched_by,
        },
    )
    return best.ticket_id


# --- batches -------------------------------------------------------------------------------


def _active_batch_of(ticket_id: int) -> Batch | None:
    member = (
        Member.objects.filter(ticket_id=ticket_id, batch__status__in=ACTIVE_BATCH)
        .select_related("batch")
        .first()
    )
    return member.batch if member is not None else None


def _join(batch: Batch, tickets: list[tuple[int, str, datetime]], now: datetime) -> None:
    """Add (ticket id, caller, received) rows to ``batch`` (each once) and widen its span, in
    two statements (the span by the database, so two joining at once both count)."""
    Member.objects.bulk_create(
        [Member(batch=batch, ticket_id=t, caller=c, added_at=now) for t, c, _r in tickets],
        ignore_conflicts=True,
    )
    received = [r for _t, _c, r in tickets]
    Batch.objects.filter(pk=batch.pk).update(
        first_received_at=Least(F("first_received_at"), Value(min(received))),
        last_received_at=Greatest(F("last_received_at"), Value(max(received))),
        version=F("version") + 1,
    )


def _batch(ticket: Ticket, record: Signature, keys: list[int], rules: Detection, now: datetime) -> int | None:
    rule = rules.batch
    since = ticket.received_at - window(rule.within)
    mine = (ticket.pk, record.caller, ticket.received_at)
    labels = {
        Basis.RESPONDENT: ticket.respondent_name.strip(),
        Basis.ADDRESS: ticket.respondent_address.strip(),
    }
    for basis, key in ((Basis.RESPONDENT, record.respondent), (Basis.ADDRESS, record.address)):
        if not key:
            continue
        stop, found = _key_batch(basis, key, labels[basis], mine, since, rule.complainants, now)
        if stop:
            return found
    if record.minhash is None:
        return None
    return _topic_batch(
        ticket, bytes(record.minhash), keys, mine, since, rule.complainants, rule.similarity, now
    )


def _key_batch(
    basis: Basis,
    key: str,
    label: str,
    mine: tuple[int, str, datetime],
    since: datetime,
    complainants: int,
    now: datetime,
) -> tuple[bool, int | None]:
    """(whether the ticket found its batch here, the batch if active): a ticket that joins a
    dismissed batch stops there — the coordinator said these are not one matter."""
    existing = (
        Batch.objects.filter(basis=basis, key=key, last_received_at__gte=since)
        .exclude(status=BatchStatus.CLOSED)
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        _join(existing, [mine], now)  # a dismissed batch takes it quietly: not suggested again
        return True, existing.pk if existing.status in ACTIVE_BATCH else None
    field = "respondent" if basis == Basis.RESPONDENT else "address"
    peers = list(
        Signature.objects.filter(
            **{field: key}, received_at__gte=since, received_at__lte=mine[2]
        ).values_list("ticket_id", "caller", "received_at")
    )
    found = _suggest(basis, key, label or key, peers, mine, complainants, now)
    return found is not None, found


def _suggest(
    basis: Basis,
    key: str,
    label: str,
    peers: list[tuple[int, str, datetime]],
    mine: tuple[int, str, datetime],
    complainants: int,
    now: datetime,
) -> int | None:
    """A new suggested batch when enough different callers are among ``peers`` (tickets
    already in a batch — active, or dismissed as not one matter — stay where they are)."""
    busy = set(
        Member.objects.filter(ticket_id__in=[p[0] for p in peers])
        .exclude(batch__status=BatchStatus.CLOSED)
        .values_list("ticket_id", flat=True)
    )
    group = {p[0]: p for p in peers if p[0] not in busy}
    group[mine[0]] = mine
    if len({caller for _t, caller, _r in group.values()}) < complainants:
        return None
    rows = sorted(group.values(), key=lambda p: (p[2], p[0]))
    batch = Batch.objects.create(
        basis=basis,
        key=key[:255],
        label=label[:255],
        first_received_at=rows[0][2],
        last_received_at=rows[-1][2],
        created_at=now,
    )
    Member.objects.bulk_create(Member(batch=batch, ticket_id=t, caller=c, added_at=now) for t, c, _r in rows)
    return batch.pk


def _topic_batch(
    ticket: Ticket,
    sig: bytes,
    keys: list[int],
    mine: tuple[int, str, datetime],
    since: datetime,
    complainants: int,
    threshold: float,
    now: datetime,
) -> int | None:
    ids = Band.objects.filter(
        key__in=keys, received_at__gte=since, received_at__lte=ticket.received_at
    ).values("ticket_id")
    peers = [
        (s.ticket_id, s.caller, s.received_at)
        for s in Signature.objects.filter(ticket_id__in=ids, minhash__isnull=False).exclude(
            ticket_id=ticket.pk
        )
        if s.minhash is not None and similarity(sig, bytes(s.minhash)) >= threshold
    ]
    if not peers:
        return None
    joined = (
        Member.objects.filter(
            ticket_id__in=[p[0] for p in peers],
            batch__basis=Basis.TOPIC,
            batch__status__in=ACTIVE_BATCH,
            batch__last_received_at__gte=since,
        )
        .select_related("batch")
        .order_by("-batch_id")
        .first()
    )
    if joined is not None:
        _join(joined.batch, [mine], now)
        return joined.batch_id
    return _suggest(Basis.TOPIC, ticket.number, ticket.subject, peers, mine, complainants, now)


# --- the sweep -----------------------------------------------------------------------------

CATCH_UP_AFTER: Final = timedelta(seconds=30)  # the after-commit hook's turn first
MAX_ATTEMPTS: Final = 20


def detect_pending(*, now: datetime | None = None, limit: int = 500) -> int:
    """Detect every ticket left pending (a crash between commit and detection, a failure);
    returns how many ran. Idempotent; a ticket that keeps failing is tried ``MAX_ATTEMPTS``
    times, then left for the administrator (logged)."""
    now = now or timezone.now()
    ran = 0
    rows = list(
        Pending.objects.filter(registered_at__lte=now - CATCH_UP_AFTER, attempts__lt=MAX_ATTEMPTS)
        .order_by("registered_at")
        .values_list("ticket_id", flat=True)[:limit]
    )
    for ticket_id in rows:
        try:
            ran += detect(ticket_id, now=now).done
        except Exception:  # one broken ticket must not stop the others
            logger.exception("detection failed for ticket %s", ticket_id)
            Pending.objects.filter(ticket_id=ticket_id).update(attempts=F("attempts") + 1)
    return ran


def band_retention(packs: Iterable[Pack] = ()) -> timedelta:
    """How long band rows are kept: the longest window of any pack, and a day (what the
    dispatch suggestion can find of similar tickets, ``dispatch``)."""
    longest = max(
        (
            max(window(p.detection.repeat.within), window(p.detection.batch.within))
            for p in (packs or all_packs())
        ),
        default=timedelta(days=30),
    )
    return longest + timedelta(days=1)


def prune_bands(*, now: datetime | None = None, packs: Iterable[Pack] = ()) -> int:
    """Delete band rows older than the longest window of any pack (they can match nothing)."""
    now = now or timezone.now()
    deleted, _ = Band.objects.filter(received_at__lt=now - band_retention(packs)).delete()
    return deleted
