"""The complainant's identity as a given viewer may see it: one rule for every reader.

ADR 0006: on a confidential ticket (``access.identity_hidden``) the identity fields are
masked (张**, 138****5678, ``tickets/masking.py``) for everyone — in the API, the workbench,
exports and reports. A role in the pack's ``identity_roles`` may ``unmask`` it with a reason
(``workflow.services.ticket_unmask``, logged); the answer to that unmask, and only that one,
shows it in full. The Django admin shows no identity fields on tickets; its outbox shows a
message's address as :meth:`Identity.contact` gives it.

Every reader asks :func:`identity_for` and shows what it gets; none masks on its own. A
phone search must not find what the identity hides: :func:`identity_searchable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from hotline.core.types import AnyUser
from hotline.tickets.masking import IDENTITY_MASKS, identity_of, mask_contact
from hotline.tickets.models import Ticket
from hotline.workflow.access import identity_hidden
from hotline.workflow.kinds import EventKind

if TYPE_CHECKING:
    from hotline.workflow.services import TransitionResult

# The identity fields, in the order screens and the API show them.
IDENTITY_FIELDS: tuple[str, ...] = tuple(IDENTITY_MASKS)


@dataclass(frozen=True)
class Identity:
    """The complainant as the viewer may see them; the field order is the API's."""

    name: str
    phone: str  # as stored (``hotline.core.phones``) or masked; screens format it
    email: str
    id_number: str
    address: str
    anonymous: bool
    customer_class: str
    hidden: frozenset[str] = frozenset()  # the identity fields shown masked

    @property
    def masked(self) -> bool:
        """Whether any identity field is masked (the API's ``masked``, the page's badge)."""
        return bool(self.hidden)

    def fields(self) -> dict[str, str]:
        """The five identity fields (``IDENTITY_FIELDS``), as the viewer may see them."""
        return {name: getattr(self, name) for name in IDENTITY_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        """The API's ``complainant``: the fields, ``anonymous``, ``customer_class``, ``masked``."""
        return {
            **self.fields(),
            "anonymous": self.anonymous,
            "customer_class": self.customer_class,
            "masked": self.masked,
        }

    def contact(self, address: str) -> str:
        """An address one of the ticket's messages went to (e-mail or phone), masked as the
        identity's field of that kind is."""
        kind = "email" if "@" in address else "phone"
        return mask_contact(address) if kind in self.hidden else address


def _revealed(unmask: TransitionResult | None, ticket: Ticket, viewer: AnyUser | None) -> frozenset[str]:
    """The fields ``unmask`` shows: only the viewer's own, just-logged unmask of this very
    ticket shows anything, and only the fields its event says it revealed."""
    if unmask is None or unmask.identity is None or viewer is None:
        return frozenset()
    event = unmask.event
    if not (
        event.action == EventKind.UNMASK
        and event.ticket_id == ticket.pk
        and event.actor_id is not None
        and event.actor_id == viewer.pk
    ):
        return frozenset()
    logged = (event.payload or {}).get("fields", IDENTITY_FIELDS)
    return frozenset(IDENTITY_FIELDS) & frozenset(logged if isinstance(logged, list | tuple) else ())


def identity_for(
    ticket: Ticket,
    viewer: AnyUser | None,
    *,
    unmask: TransitionResult | None = None,
) -> Identity:
    """The identity of ``ticket`` as ``viewer`` may see it.

    ``viewer`` is who reads (None: a job with no person behind it, e.g. a scheduled export);
    the caller has already checked that they may see the ticket at all. ``unmask`` is the
    result of ``ticket_unmask`` when this answer is the one that unmask asked for: it shows
    the fields that unmask logged, and only if it is the viewer's own unmask of this ticket
    — anything else leaves them masked.
    """
    raw = identity_of(ticket)
    hidden: frozenset[str] = frozenset()
    if identity_hidden(ticket):
        hidden = frozenset(IDENTITY_FIELDS) - _revealed(unmask, ticket, viewer)
    shown = {name: IDENTITY_MASKS[name](value) if name in hidden else value for name, value in raw.items()}
    return Identity(
        name=shown["name"],
        phone=shown["phone"],
        email=shown["email"],
        id_number=shown["id_number"],
        address=shown["address"],
        anonymous=ticket.anonymous,
        customer_class=ticket.customer_class,
        hidden=hidden,
    )


def identity_searchable() -> Q:
    """Tickets a search by the complainant's phone (or other identity) may find: never one
    whose identity is hidden, so a search cannot reveal who filed a report (ADR 0006).
    The query form of ``access.identity_hidden``: the two change together."""
    return Q(confidential=False)
