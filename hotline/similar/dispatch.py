"""派单建议 (issue 14, item 7): for a ticket not yet dispatched, the units most likely
responsible, each with the evidence that points to it.

What counts as "sent to a unit" (派往): an earlier ticket that was dispatched and closed,
at the unit it closed at (the one that did not return it), never its own intake unit;
received in the last ``WINDOW_DAYS`` and closed before the moment asked about (``until``:
now, or the start of a held-back month in ``bench/dispatch_accuracy.py``). Four sources,
each one bounded query:

- **category** (同类): the latest ``SAMPLE`` such tickets of the ticket's category;
- **category and region** (同类同地区): the same in its region (发生地区, 属地原则);
- **respondent** (被诉对象): the latest ``RESPONDENT_SAMPLE`` about the same respondent, by the
  normalised name of detection's ``Signature`` (its ``signature_respondent`` index);
- **similar** (相似工单): earlier tickets whose words are alike (the MinHash of the rjieba
  words, ``similar.text``), found through the LSH band table detection keeps (the last
  ``band_retention()``: what the hourly prune leaves): the latest ``PER_BAND`` per band,
  then the ``SIMILAR_K`` most alike of at least ``SIMILAR_MIN``.

A source gives each unit its share of the source's votes, damped by ``PRIOR`` (three
tickets say less than three hundred), times the source's weight (``WEIGHTS``); a unit's
score is the sum, shown as its part of all units' scores. A respondent's or a similar
ticket of another region votes ``ELSEWHERE`` (属地: the same shop in another county is
another bureau's). Units that returned this ticket (退单) and inactive units are left out.

Queries, whatever the volume: one per source (the similar one scans each band's index
backwards, in one statement), which similar tickets the viewer may open, the units; for a
ticket dispatched before, its returns (two). ``bench/dispatch_accuracy.py`` measures them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from django.db import connection
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.core.errors import HotlineError, NotFound
from hotline.core.types import AnyUser
from hotline.org.models import Unit
from hotline.policies.registry import get_pack
from hotline.similar.detection import band_retention
from hotline.similar.models import Band, Signature
from hotline.similar.text import band_keys, normalise_key, signature, similarity, ticket_words
from hotline.tickets.models import Status, Ticket, TicketEvent
from hotline.workflow.access import access_ticket, ticket_roles, visible_q

Source = Literal["category", "category_region", "respondent", "similar"]

WINDOW_DAYS: Final = 90
SAMPLE: Final = 500  # the latest tickets of a category a source counts (its query reads no more)
RESPONDENT_SAMPLE: Final = 200  # the latest about one respondent (each one a probe of its ticket)
PER_BAND: Final = 8  # the latest dispatched tickets per LSH band
SIMILAR_MIN: Final = 0.3  # estimated Jaccard of the words (the repeat rule's default)
SIMILAR_K: Final = 20
SHOWN_NUMBERS: Final = 3  # similar tickets named in the evidence
SUGGESTIONS: Final = 3
PRIOR: Final = 5.0
ELSEWHERE: Final = 0.2
# Chosen by a one-off sweep on the month before the one bench/dispatch_accuracy.py holds back:
# the text and the region say most; neighbouring choices were within ±1.5 points.
WEIGHTS: Final[Mapping[Source, float]] = {
    "category": 0.5,
    "category_region": 2.0,
    "respondent": 2.0,
    "similar": 3.0,
}
DISPATCH_ACTIONS: Final = frozenset({"dispatch", "redispatch"})


@dataclass(frozen=True)
class Matter:
    """What the suggestion reads of a ticket (or of a draft not yet registered)."""

    category_id: int | None = None
    category_name: str = ""
    region: str = ""
    respondent: str = ""
    subject: str = ""
    description: str = ""
    ticket_id: int | None = None  # left out of its own evidence
    returned_from: frozenset[int] = frozenset()  # units that returned it (退单)


@dataclass(frozen=True)
class Evidence:
    source: Source
    text: str
    count: int  # this source's tickets sent to the unit
    total: int  # this source's tickets
    numbers: tuple[str, ...] = ()  # similar tickets the viewer may open


@dataclass
class UnitSuggestion:
    unit: Unit
    score: float  # this unit's part of every unit's score (0–1)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Tally:
    """One source's votes per unit id, and its tickets."""

    source: Source
    votes: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    total: int = 0
    full: bool = False  # the query hit ``SAMPLE``: "the latest N" rather than "all in the window"
    similar: dict[int, list[tuple[float, str, bool]]] = field(default_factory=dict)

    def add(self, unit_id: int, weight: float = 1.0) -> None:
        self.votes[unit_id] += weight
        self.counts[unit_id] += 1
        self.total += 1


# --- who may ask --------------------------------------------------------------------------


def may_dispatch(user: AnyUser, ticket: Ticket) -> bool:
    """Whether one of the user's roles on the ticket may dispatch it at some stage of its
    workflow (派单 or 再次派单): they are the ones who choose its unit."""
    try:
        policy = get_pack(ticket.policy).type(ticket.type)
    except HotlineError:
        return False
    roles = ticket_roles(user, ticket)
    return any(
        roles & set(rule.roles)
        for stage in policy.stages.values()
        for name, rule in stage.actions.items()
        if name in DISPATCH_ACTIONS
    )


def access_for_dispatch(user: AnyUser, number: str) -> Ticket:
    """The ticket when the user may dispatch it; the same not-found as ``access_ticket``
    for a missing ticket, a hidden one, and one the user may only look at."""
    ticket = access_ticket(user, number)
    if not may_dispatch(user, ticket):
        raise NotFound(f"工单“{number}”不存在或您无权查看", code="ticket_not_found")
    return ticket


# --- the suggestion -----------------------------------------------------------------------


def matter_of(ticket: Ticket) -> Matter:
    returned: frozenset[int] = frozenset()
    if ticket.round:  # dispatched before: leave out the units that returned it
        codes = {
            str((payload or {}).get("from_unit") or "")
            for payload in TicketEvent.objects.filter(ticket=ticket, action="return").values_list(
                "payload", flat=True
            )
        }
        codes.discard("")
        if codes:
            returned = frozenset(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))
    return Matter(
        category_id=ticket.category_id,
        category_name=ticket.category.name if ticket.category_id and ticket.category else "",
        region=ticket.region.strip(),
        respondent=ticket.respondent_name,
        subject=ticket.subject,
        description=ticket.description,
        ticket_id=ticket.pk,
        returned_from=returned,
    )


def ticket_suggestions(
    ticket: Ticket, *, viewer: AnyUser | None = None, until: datetime | None = None, limit: int = SUGGESTIONS
) -> list[UnitSuggestion]:
    return suggest_units(matter_of(ticket), viewer=viewer, until=until, limit=limit)


def suggest_units(
    matter: Matter,
    *,
    viewer: AnyUser | None = None,
    until: datetime | None = None,
    limit: int = SUGGESTIONS,
) -> list[UnitSuggestion]:
    """The ``limit`` likeliest units for ``matter``, best first, each with its evidence; an
    empty list when nothing earlier points anywhere. ``viewer``: similar tickets are named
    only when the viewer may open them (None: every one, for measurement)."""
    tallies = collect(matter, viewer=viewer, until=until)
    ranked = rank(tallies, exclude=matter.returned_from)
    if not ranked:
        return []
    units = Unit.objects.filter(pk__in=[u for u, _s in ranked[: limit * 3]], is_active=True).in_bulk()
    total = sum(score for _u, score in ranked)
    out = []
    for unit_id, score in ranked:
        unit = units.get(unit_id)
        if unit is None:
            continue
        evidence = [_evidence(t, unit, matter) for t in tallies if t.counts.get(unit_id)]
        out.append(UnitSuggestion(unit=unit, score=round(score / total, 3), evidence=evidence))
        if len(out) == limit:
            break
    return out


def collect(matter: Matter, *, viewer: AnyUser | None = None, until: datetime | None = None) -> list[Tally]:
    """Each source's tickets, counted per unit (the sources that found none left out)."""
    until = until or timezone.now()
    since = until - timedelta(days=WINDOW_DAYS)
    found = (
        _by_category(matter, since, until),
        _by_category_region(matter, since, until),
        _by_respondent(matter, since, until),
        _by_similar(matter, until, viewer),
    )
    return [t for t in found if t is not None and t.total]


def rank(
    tallies: Iterable[Tally], *, weights: Mapping[Source, float] = WEIGHTS, exclude: Iterable[int] = ()
) -> list[tuple[int, float]]:
    """(unit id, score) of every unit the tallies name, best first (ties: the lower id)."""
    left_out = set(exclude)
    scores: dict[int, float] = defaultdict(float)
    for tally in tallies:
        weight, mass = weights.get(tally.source, 0.0), sum(tally.votes.values()) + PRIOR
        for unit_id, votes in tally.votes.items():
            if unit_id not in left_out:
                scores[unit_id] += weight * votes / mass
    return sorted(((u, s) for u, s in scores.items() if s > 0), key=lambda us: (-us[1], us[0]))


# --- sources ------------------------------------------------------------------------------


def _dispatched(since: datetime, until: datetime) -> QuerySet[Ticket]:
    """Tickets sent to a unit (see the module's docstring), received in [since, until)."""
    return Ticket.objects.filter(
        received_at__gte=since,
        received_at__lt=until,
        status=Status.CLOSED,
        closed_at__lt=until,
        dispatched_at__isnull=False,
    ).exclude(unit_id=F("owner_unit_id"))


def _others(qs: QuerySet[Any], matter: Matter, field: str = "pk") -> QuerySet[Any]:
    return qs.exclude(**{field: matter.ticket_id}) if matter.ticket_id is not None else qs


def _count(source: Source, rows: Iterable[tuple[int, float]], *, sample: int = SAMPLE) -> Tally:
    tally = Tally(source)
    for unit_id, weight in rows:
        tally.add(unit_id, weight)
    tally.full = tally.total >= sample
    return tally


def _by_category(matter: Matter, since: datetime, until: datetime) -> Tally | None:
    if matter.category_id is None:
        return None
    qs = _others(_dispatched(since, until).filter(category_id=matter.category_id), matter)
    rows = qs.order_by("-received_at").values_list("unit_id", flat=True)[:SAMPLE]
    return _count("category", ((u, 1.0) for u in rows))


def _by_category_region(matter: Matter, since: datetime, until: datetime) -> Tally | None:
    if matter.category_id is None or not matter.region:
        return None
    qs = _dispatched(since, until).filter(category_id=matter.category_id, region=matter.region)
    rows = _others(qs, matter).order_by("-received_at").values_list("unit_id", flat=True)
    return _count("category_region", ((u, 1.0) for u in rows[:SAMPLE]))


def _here(region: str, matter: Matter) -> float:
    return 1.0 if not matter.region or region.strip() == matter.region else ELSEWHERE


def _by_respondent(matter: Matter, since: datetime, until: datetime) -> Tally | None:
    key = normalise_key(matter.respondent)
    if not key:
        return None
    sent = Q(
        ticket__status=Status.CLOSED,
        ticket__closed_at__lt=until,
        ticket__dispatched_at__isnull=False,
    ) & ~Q(ticket__unit_id=F("ticket__owner_unit_id"))
    qs = (
        Signature.objects.filter(respondent=key, received_at__gte=since, received_at__lt=until)
        .exclude(respondent="")  # the partial index's condition
        .filter(sent)
    )
    qs = _others(qs, matter, "ticket_id").order_by("-received_at")
    rows = qs.values_list("ticket__unit_id", "ticket__region")[:RESPONDENT_SAMPLE]
    return _count("respondent", ((u, _here(r, matter)) for u, r in rows), sample=RESPONDENT_SAMPLE)


_SENT_SQL: Final = (
    "t.status = %s AND t.closed_at < %s AND t.dispatched_at IS NOT NULL AND t.unit_id <> t.owner_unit_id"
)


def _band_sql(count: int) -> str:
    """The latest ``PER_BAND`` dispatched tickets of each band key, one backward scan of
    ``band_key_received`` each, then their signatures and columns. PostgreSQL: one
    ``LATERAL`` subquery over the array of keys (a ``UNION`` of 32 costs ~8 ms to plan);
    SQLite: the ``UNION`` of one subquery per key."""
    qn = connection.ops.quote_name
    band, sig, ticket = (qn(m._meta.db_table) for m in (Band, Signature, Ticket))
    latest = (
        f"SELECT b.ticket_id FROM {band} b JOIN {ticket} t ON t.id = b.ticket_id"
        " WHERE b.key = {key} AND b.received_at >= %s AND b.received_at < %s AND "
        + _SENT_SQL
        + " ORDER BY b.received_at DESC LIMIT %s"
    )
    if connection.vendor == "postgresql":
        found = (
            "SELECT DISTINCT k.ticket_id FROM unnest(%s::bigint[]) AS keys(key)"
            f" CROSS JOIN LATERAL ({latest.format(key='keys.key')}) AS k"
        )
    else:
        found = " UNION ".join(f"SELECT * FROM ({latest.format(key='%s')}) AS k{n}" for n in range(count))
    return (
        f"SELECT t.id, t.number, t.unit_id, t.region, t.received_at, s.minhash FROM ({found}) AS c"
        f" JOIN {ticket} t ON t.id = c.ticket_id JOIN {sig} s ON s.ticket_id = c.ticket_id"
    )


def _band_params(keys: list[int], since: datetime, until: datetime) -> list[Any]:
    one = [since, until, Status.CLOSED.value, until, PER_BAND]
    if connection.vendor == "postgresql":
        return [keys, *one]
    return [value for key in keys for value in (key, *one)]


def _by_similar(matter: Matter, until: datetime, viewer: AnyUser | None) -> Tally | None:
    sig = signature(ticket_words(matter.subject, matter.description, matter.respondent))
    if sig is None:
        return None
    keys = band_keys(sig)
    with connection.cursor() as cursor:
        cursor.execute(_band_sql(len(keys)), _band_params(keys, until - band_retention(), until))
        rows = cursor.fetchall()
    found = []
    for pk, number, unit_id, region, received, minhash in rows:
        if pk == matter.ticket_id or minhash is None:
            continue
        score = similarity(sig, bytes(minhash))
        if score >= SIMILAR_MIN:
            found.append((score, received, pk, number, unit_id, region or ""))
    found.sort(key=lambda f: (f[0], f[1], f[2]), reverse=True)
    found = found[:SIMILAR_K]
    shown = _visible([f[2] for f in found], viewer)
    tally = Tally("similar")
    for score, _received, pk, number, unit_id, region in found:
        tally.add(unit_id, score * _here(region, matter))
        tally.similar.setdefault(unit_id, []).append((score, number, pk in shown))
    return tally


def _visible(ids: list[int], viewer: AnyUser | None) -> set[int]:
    """Which of the tickets ``viewer`` may open (every one for None or a superuser)."""
    q = visible_q(viewer) if viewer is not None else None
    if q is None or not ids:
        return set(ids)
    flagged = Ticket.objects.filter(pk__in=ids).annotate(
        shown=Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
    )
    return {pk for pk, shown in flagged.values_list("pk", "shown") if shown}


# --- evidence -----------------------------------------------------------------------------


def _evidence(tally: Tally, unit: Unit, matter: Matter) -> Evidence:
    n, total = tally.counts[unit.pk], tally.total
    words = {"count": n, "total": total, "unit": unit.name, "days": WINDOW_DAYS}
    if tally.source == "similar":
        alike = sorted(tally.similar.get(unit.pk, []), reverse=True)
        numbers = tuple(number for _s, number, shown in alike if shown)[:SHOWN_NUMBERS]
        best = alike[0][0] if alike else 0.0
        words |= {"numbers": "、".join(numbers), "similarity": f"{best:.0%}"}
        if numbers:
            text = _("相似工单 %(numbers)s 等 %(count)s 件派往%(unit)s(最相似 %(similarity)s)") % words
        else:
            text = _("相似工单 %(count)s 件派往%(unit)s(最相似 %(similarity)s)") % words
        return Evidence("similar", text, n, total, numbers)
    if tally.source == "respondent":
        words["name"] = matter.respondent.strip()
        if tally.full:
            text = _("被诉对象“%(name)s”最近 %(total)s 件中 %(count)s 件派往%(unit)s") % words
        else:
            text = _("被诉对象“%(name)s”近%(days)s天 %(count)s 件派往%(unit)s(共 %(total)s 件)") % words
        return Evidence("respondent", text, n, total)
    words |= {"category": matter.category_name, "region": matter.region}
    if tally.source == "category_region":
        if tally.full:
            text = _("%(region)s同类“%(category)s”最近 %(total)s 件中 %(count)s 件派往%(unit)s") % words
        else:
            text = (
                _("%(region)s同类“%(category)s”近%(days)s天 %(count)s 件派往%(unit)s(共 %(total)s 件)")
                % words
            )
        return Evidence("category_region", text, n, total)
    if tally.full:
        text = _("同类“%(category)s”最近 %(total)s 件中 %(count)s 件派往%(unit)s") % words
    else:
        text = _("同类“%(category)s”近%(days)s天 %(count)s 件派往%(unit)s(共 %(total)s 件)") % words
    return Evidence("category", text, n, total)
