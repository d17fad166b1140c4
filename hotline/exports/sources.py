"""The lists that can be exported (sources), by name: a registry.

A source turns a user and the list's filter parameters (``name → text``, as the list's own
query string has them) into a :class:`Listing`: headers, a bounded count and an iterator of
rows. It checks the user may use the list (``Forbidden``) and the parameters
(``InvalidInput``) when the export is asked for, and again when the worker writes it.

Sources here: ``tickets`` (the ticket list of the API, its filters), ``search`` (every ticket
hit of the search box), ``stats`` (a statistics table) and ``stats_drill`` (the tickets
behind one cell). The workbench's worklist lives in ``hotline.web``, above this app, so
``hotline.web.exports`` registers the ``worklist`` source at start (``WebConfig.ready``).

Every ticket row shows the complainant through ``workflow.identity.identity_for`` — what
that user sees on the ticket page, masked where the page masks it; an export never unmasks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.errors import Forbidden, InvalidInput
from hotline.core.phones import format_phone
from hotline.core.types import AnyUser
from hotline.exports.writers import Cell
from hotline.knowledge.services import is_staff_member
from hotline.org.models import Unit
from hotline.policies.registry import get_pack
from hotline.reports.query import check_may_view_stats, parse_query
from hotline.reports.selectors import drill, stats
from hotline.search.services import read_filters, read_query, ticket_matches
from hotline.tickets.models import OPEN_STATUSES, Status, Ticket, TicketType
from hotline.workflow.access import tickets_visible_to, units_under
from hotline.workflow.identity import identity_for
from hotline.workflow.selectors import overdue_q, phone_q

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

Params = Mapping[str, str]
CHUNK: Final = 2000  # rows read per round trip; constant memory whatever the list's length
TICKET_RELATED: Final = ("unit", "category", "handler")


@dataclass(frozen=True)
class Listing:
    """One list ready to write: ``count(limit)`` counts no further than ``limit`` (``None``:
    all), ``rows()`` yields the rows in the list's own order, reading in chunks."""

    title: str
    headers: list[str]
    count: Callable[[int | None], int]
    rows: Callable[[], Iterator[list[Cell]]]


Build = Callable[[AnyUser, Params, datetime], Listing]


@dataclass(frozen=True)
class Source:
    name: str
    label: StrPromise  # lazy: shown in the user's language (``str()`` it, or ``{{ }}`` in a page)
    build: Build
    params: frozenset[str] = field(default_factory=frozenset)  # the parameter names it takes

    def listing(self, user: AnyUser, params: Params, *, now: datetime) -> Listing:
        """The listing for ``user``; unknown parameter names are refused, so a typo never
        silently exports the whole list."""
        for name in params:
            if name not in self.params:
                raise InvalidInput(
                    gettext("列表“%(list)s”没有筛选条件 %(name)s") % {"list": self.label, "name": name},
                    code="export_invalid_params",
                    field=name,
                )
        return self.build(user, params, now)


_SOURCES: dict[str, Source] = {}


def register_source(
    name: str, *, label: StrPromise, params: frozenset[str] | set[str], build: Build
) -> Source:
    """Make a list exportable under ``name``. Registering the same name again replaces it
    (a module imported twice); names are the API's ``source``, so they never change."""
    source = Source(name=name, label=label, build=build, params=frozenset(params))
    _SOURCES[name] = source
    return source


def get_source(name: str) -> Source:
    source = _SOURCES.get(name)
    if source is None:
        raise InvalidInput(
            f"未知的导出列表“{name}”;可用:{'、'.join(sorted(_SOURCES))}",
            code="export_unknown_source",
            field="source",
        )
    return source


def all_sources() -> list[Source]:
    return [_SOURCES[name] for name in sorted(_SOURCES)]


# --- ticket rows ------------------------------------------------------------------------

TICKET_HEADERS: Final = (
    _("工单编号"),
    _("诉求类型"),
    _("受理渠道"),
    _("紧急程度"),
    _("标题"),
    _("诉求分类"),
    _("环节"),
    _("状态"),
    _("责任单位"),
    _("承办人"),
    _("收到时间"),
    _("办理时限"),
    _("超期"),
    _("督办"),
    _("诉求人"),
    _("联系电话"),
    _("客户等级"),
)


def person(user: AbstractBaseUser | None) -> str:
    """A person as the screens name them (``web.formatting.person_name``)."""
    if user is None:
        return ""
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return str(full or user.get_username())


def _local(value: datetime | None) -> datetime | None:
    return timezone.localtime(value).replace(second=0, microsecond=0) if value is not None else None


class Labels:
    """Codes → the words the screens show, translated once per export rather than per row
    (``get_FOO_display`` with lazy labels costs more than the rest of a row), and stage
    codes → the pack's label, looked up once per (pack, type, stage)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], str] = {}
        self.choices = {
            name: {str(k): str(v) for k, v in Ticket._meta.get_field(name).choices or ()}  # type: ignore[union-attr]
            for name in ("type", "channel", "severity", "status", "customer_class")
        }

    def of(self, name: str, value: str) -> str:
        return self.choices[name].get(value, value) if value else ""

    def stage(self, ticket: Ticket) -> str:
        key = (ticket.policy, ticket.type, ticket.stage)
        label = self._seen.get(key)
        if label is None:
            try:
                label = get_pack(ticket.policy).type(ticket.type).stage(ticket.stage).label
            except Exception:  # a ticket of a pack no longer loaded still shows its code
                label = ticket.stage
            self._seen[key] = label
        return label


def ticket_row(ticket: Ticket, viewer: AnyUser, *, now: datetime, labels: Labels) -> list[Cell]:
    """One ticket as a row; the complainant exactly as ``identity_for`` shows them to
    ``viewer`` (a phone shown in full is formatted as the ticket page formats it)."""
    identity = identity_for(ticket, viewer)
    phone = identity.phone if "phone" in identity.hidden else format_phone(identity.phone)
    overdue = ticket.status == Status.OPEN and ticket.due_at is not None and ticket.due_at < now
    return [
        ticket.number,
        labels.of("type", ticket.type),
        labels.of("channel", ticket.channel),
        labels.of("severity", ticket.severity),
        ticket.subject,
        ticket.category.name if ticket.category is not None else "",
        labels.stage(ticket),
        labels.of("status", ticket.status),
        ticket.unit.name,
        person(ticket.handler),
        _local(ticket.received_at),
        _local(ticket.due_at) if ticket.status in OPEN_STATUSES else None,
        overdue,
        ticket.supervised,
        identity.name,
        phone,
        labels.of("customer_class", ticket.customer_class),
    ]


def ticket_listing(viewer: AnyUser, qs: QuerySet[Ticket], *, title: str, now: datetime) -> Listing:
    """A list of tickets as rows (``TICKET_HEADERS``), read ``CHUNK`` rows at a time."""

    def count(limit: int | None) -> int:
        ids = qs.order_by().values("pk")
        return ids[:limit].count() if limit is not None else ids.count()

    def rows() -> Iterator[list[Cell]]:
        labels = Labels()
        for ticket in qs.select_related(*TICKET_RELATED).iterator(chunk_size=CHUNK):
            yield ticket_row(ticket, viewer, now=now, labels=labels)

    return Listing(title=title, headers=[str(h) for h in TICKET_HEADERS], count=count, rows=rows)


# --- tickets (the API's list) -----------------------------------------------------------

TICKET_PARAMS: Final = frozenset(
    {
        "status",
        "type",
        "stage",
        "unit",
        "handler",
        "overdue",
        "due_before",
        "phone",
        "received_after",
        "received_before",
        "ordering",
    }
)
TICKET_ORDERINGS: Final = ("due_at", "-due_at", "received_at", "-received_at")
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def _when(params: Params, name: str) -> datetime | None:
    value = params.get(name, "")
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2099:
        raise InvalidInput(f"参数 {name} 不是有效时间(ISO 8601)", code="export_invalid_params", field=name)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _choice(params: Params, name: str, choices: list[str]) -> str:
    value = params.get(name, "")
    if value and value not in choices:
        raise InvalidInput(f"筛选条件 {name}=“{value}”无效", code="export_invalid_params", field=name)
    return value


def tickets_queryset(user: AnyUser, params: Params, now: datetime) -> QuerySet[Ticket]:
    """``GET /api/v1/tickets/`` with the same filters (``hotline.api.filters.TicketFilter``)."""
    qs = tickets_visible_to(user)
    if status := _choice(params, "status", list(Status.values)):
        qs = qs.filter(status=status)
    if type_ := _choice(params, "type", list(TicketType.values)):
        qs = qs.filter(type=type_)
    if stage := params.get("stage", "")[:32]:
        qs = qs.filter(stage=stage)
    if code := params.get("unit", ""):
        unit = Unit.objects.filter(code=code).first()
        qs = qs.filter(unit_id__in=units_under([unit])) if unit is not None else qs.none()
    if handler := params.get("handler", ""):
        qs = qs.filter(handler__username=handler)
    overdue = params.get("overdue", "").lower()
    if overdue in TRUE:
        qs = qs.filter(overdue_q(now))
    elif overdue in FALSE and overdue:
        qs = qs.filter(status__in=OPEN_STATUSES).exclude(overdue_q(now))
    elif overdue:
        raise InvalidInput("参数 overdue 应为 true 或 false", code="export_invalid_params", field="overdue")
    if (due_before := _when(params, "due_before")) is not None:
        qs = qs.filter(due_at__lt=due_before)
    if (after := _when(params, "received_after")) is not None:
        qs = qs.filter(received_at__gte=after)
    if (before := _when(params, "received_before")) is not None:
        qs = qs.filter(received_at__lt=before)
    if phone := params.get("phone", ""):
        by_phone = phone_q(phone)  # an invalid number is refused (invalid_phone)
        if by_phone is not None:
            qs = qs.filter(by_phone)
    ordering = _choice(params, "ordering", list(TICKET_ORDERINGS)) or "-received_at"
    return qs.order_by(ordering, "-pk" if ordering.startswith("-") else "pk")


def _tickets(user: AnyUser, params: Params, now: datetime) -> Listing:
    if not user.is_authenticated:
        raise Forbidden("请先登录", code="export_forbidden")
    return ticket_listing(user, tickets_queryset(user, params, now), title=str(_("工单列表")), now=now)


# --- search -------------------------------------------------------------------------------

SEARCH_PARAMS: Final = frozenset({"q", "kind", "type", "unit", "status", "from", "to"})


def _search(user: AnyUser, params: Params, now: datetime) -> Listing:
    """Every ticket the search box finds (not just its page), newest first."""
    if not is_staff_member(user):
        raise Forbidden("检索仅对工作人员开放", code="export_forbidden")
    if params.get("kind", "ticket") not in ("", "ticket"):
        raise InvalidInput("只能导出工单检索结果", code="export_invalid_params", field="kind")
    query = read_query(params.get("q"))
    filters = read_filters(
        type=params.get("type", ""),
        unit=params.get("unit", ""),
        status=params.get("status", ""),
        received_from=params.get("from", ""),
        received_to=params.get("to", ""),
    )
    return ticket_listing(user, ticket_matches(user, query, filters), title=str(_("检索结果")), now=now)


# --- statistics ---------------------------------------------------------------------------

STATS_PARAMS: Final = frozenset(
    {
        "measure",
        "by",
        "from",
        "to",
        "compare",
        "type",
        "channel",
        "unit",
        "category",
        "severity",
        "customer_class",
        "policy",
        "region",
    }
)


def _stats(user: AnyUser, params: Params, now: datetime) -> Listing:
    """A statistics table as the report centre shows it: one row per cell, each measure with
    the previous period and the same period last year beside it (when compared)."""
    check_may_view_stats(user)
    query = parse_query(params)
    headers = [d.label for d in query.by]
    for m in query.measures:
        unit = f"({m.unit})" if m.unit else ""
        headers.append(f"{m.label}{unit}")
        if query.compare:
            headers += [f"{m.label}·{_('上期')}", f"{m.label}·{_('去年同期')}"]
    table: list[list[Cell]] = []

    def rows() -> Iterator[list[Cell]]:
        if not table:
            for row in stats(user, query, now=now).rows:
                line: list[Cell] = [d["label"] for d in row["dimensions"]]
                for v in row["values"]:
                    line.append(v["value"])
                    if query.compare:
                        line += [v["previous"], v["last_year"]]
                table.append(line)
        yield from table  # an aggregate: a table of cells, small by nature

    def count(limit: int | None) -> int:
        n = sum(1 for _row in rows())
        return min(n, limit) if limit is not None else n

    return Listing(title=str(_("统计表")), headers=headers, count=count, rows=rows)


DRILL_PARAMS: Final = STATS_PARAMS | {"cell"}


def _stats_drill(user: AnyUser, params: Params, now: datetime) -> Listing:
    """The tickets behind one cell of a statistics table (``reports.selectors.drill``)."""
    check_may_view_stats(user)
    query = parse_query(params)
    if len(query.measures) != 1:
        raise InvalidInput("下钻一次只能指定一个指标", code="stats_one_measure", field="measure")
    cell = (params.get("cell") or "").split(",") if query.by else []
    numbers = drill(user, query, query.measures[0], cell, now=now)
    qs = tickets_visible_to(user).filter(number__in=numbers).order_by("number")
    return ticket_listing(user, qs, title=str(_("统计明细")), now=now)


register_source("tickets", label=_("工单列表"), params=TICKET_PARAMS, build=_tickets)
register_source("search", label=_("检索结果"), params=SEARCH_PARAMS, build=_search)
register_source("stats", label=_("统计表"), params=STATS_PARAMS, build=_stats)
register_source("stats_drill", label=_("统计明细"), params=DRILL_PARAMS, build=_stats_drill)
