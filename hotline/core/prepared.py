"""A query the ORM compiles once and runs many times.

Django compiles a queryset to SQL on every evaluation. For a one-row read across six
joins — a ticket with its units, category, handler and registrant, which every ticket
page and detail request starts with — compiling took three times as long as running the
query on PostgreSQL (issue 17: 6.8 ms against 2.2 ms). ``Prepared`` compiles the
queryset once per database connection, with a marker where its one parameter goes, and
then runs the same SQL with the value in the marker's place, turning rows into model
objects exactly as the ORM does: the same converters (``compiler.results_iter``) and the
same ``select_related`` population (``get_related_populators``), so a prepared read and
the queryset it was made from give equal objects (``tests/core/test_prepared.py``).

Only for querysets whose shape never changes between calls: one parameter (in one place
or several), no per-user condition (a scope is checked on the object in hand instead). A
query of two parameters takes a tuple of markers and is run with a tuple of values. A
marker must be a value the lookup keeps: Django drops a condition it can tell is always true
(``seq >= -2103456789`` on a positive field), and then the query is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators

M = TypeVar("M")

MARKER = "\x00hotline-prepared-parameter\x00"
INT_MARKER = -2_103_456_789  # for an integer parameter (a text marker would not pass int()); in 32 bits
INT_MARKER_2 = -2_103_456_788  # a second integer parameter: ``marker=(INT_MARKER, INT_MARKER_2)``


class _Compiled:
    def __init__(self, queryset: QuerySet[Any, Any], markers: tuple[Any, ...]) -> None:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        # each parameter may stand in several places (``Q(ticket=v) | Q(target=v)``): the
        # slots are (position in the SQL's parameters, which value goes there)
        slots = [(i, markers.index(p)) for i, p in enumerate(params) if p in markers]
        if {k for _i, k in slots} != set(range(len(markers))):
            raise ValueError("a prepared query takes its parameters (the markers), found none of one")
        self.sql, self.params, self.slots = sql, list(params), slots
        self.compiler = compiler
        klass_info = compiler.klass_info
        iterable = queryset._iterable_class
        if iterable not in (ModelIterable, ValuesListIterable):
            raise ValueError("a prepared query gives objects or tuples (values_list), nothing else")
        self.model = klass_info["model"] if iterable is ModelIterable and klass_info is not None else None
        if self.model is None:  # values_list(): rows as tuples
            return
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        # (django-stubs describe a later Django that adds a fetch mode)
        self.populators = get_related_populators(klass_info, compiler.select, queryset.db)  # type: ignore[call-arg]


_KEYS = itertools.count()


class Prepared(Generic[M]):
    """``build(marker)`` gives the queryset with ``marker`` as its one parameter's value
    (``Ticket.objects.select_related(...).filter(number=marker)``); ``first(value)`` runs it
    with ``value`` and gives the first object, or ``None`` (``all``: every object). With a
    tuple of markers, ``build`` takes one argument a marker and the query is run with a
    tuple of as many values."""

    def __init__(
        self,
        build: Callable[..., QuerySet[Any, M]],
        *,
        marker: Any = MARKER,
        using: str = "default",
        name: str = "",
    ) -> None:
        self.build, self.using = build, using
        self.many = isinstance(marker, tuple)
        self.markers: tuple[Any, ...] = marker if self.many else (marker,)
        # the cache key: not id(self), which a later Prepared reuses once this one is gone
        self.key = next(_KEYS)
        # named: on PostgreSQL also prepared on the server, once a session (ADR 0029)
        self.statement = f"hotline_{name}_{self.key}" if name else ""

    def _compiled(self) -> _Compiled:
        connection = connections[self.using]
        # per connection object (one a thread): the compiler's converters use it
        cache: dict[int, _Compiled] = connection.__dict__.setdefault("_hotline_prepared", {})
        compiled = cache.get(self.key)
        if compiled is None:
            queryset = self.build(*self.markers).using(self.using)
            compiled = cache[self.key] = _Compiled(queryset, self.markers)
        return compiled

    def all(self, value: Any) -> list[M]:
        """Every object the queryset gives for ``value``, in its order."""
        return self._run(value, many=True)

    def first(self, value: Any) -> M | None:
        found = self._run(value, many=False)
        return found[0] if found else None

    def _run(self, value: Any, *, many: bool) -> list[M]:
        c = self._compiled()
        values = value if self.many else (value,)
        params = list(c.params)
        for slot, k in c.slots:
            params[slot] = values[k]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            execute(connection, cursor, self.statement, c.sql, params)
            rows = cursor.fetchall() if many else cursor.fetchmany(1)
        found: list[Any] = []
        for row in c.compiler.results_iter(results=[rows]):
            if c.model is None:
                found.append(tuple(row))
                continue
            obj = c.model.from_db(self.using, c.init_list, row[c.start : c.end])
            for populator in c.populators:
                populator.populate(row, obj)
            found.append(obj)
        return found


def execute(connection: Any, cursor: Any, name: str, sql: str, params: Sequence[Any]) -> None:
    """``cursor.execute(sql, params)``; with a ``name``, on PostgreSQL, as the statement
    prepared on the session (``hotline.core.postgresql``, ADR 0029)."""
    run = getattr(connection, "execute_prepared", None)
    if name and run is not None:
        run(cursor, name, sql, params)
    else:
        cursor.execute(sql, params)


def in_hand(instance: Any, related_name: str, rows: list[Any]) -> None:
    """Give ``instance`` the rows of its reverse relation ``related_name`` without a read:
    what ``prefetch_related`` leaves — a queryset whose cache is ``rows`` — so
    ``instance.<related_name>.all()`` answers from them, and a ``.filter()`` still asks the
    database. Only where the caller knows these are all the rows (a ticket just registered:
    the links it was registered with, no attachments yet)."""
    queryset = getattr(instance, related_name).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[related_name] = queryset


def rows_in_hand(instance: Any, related_name: str) -> list[Any] | None:
    """The rows of ``related_name`` the instance holds (``in_hand``, ``prefetch_related``),
    or None when asking would read the database."""
    cache = instance.__dict__.get("_prefetched_objects_cache", {})
    return list(cache[related_name]) if related_name in cache else None
