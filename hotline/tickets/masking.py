"""Masking of identity fields (张**, 138****5678) for people who may not see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline.core.phones import national_number

if TYPE_CHECKING:
    from hotline.tickets.models import Ticket


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_phone(value: str) -> str:
    digits = national_number(value.strip())  # a stored +86… number as dialled: 138****5678
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:] if len(digits) > 7 else digits[:3] + "****"
    return "*" * len(digits)


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return "*" * len(value)
    local, domain = value.split("@", 1)
    return (local[:1] + "***") + "@" + domain


def mask_id_number(value: str) -> str:
    if len(value) <= 4:
        return "*" * len(value)
    head = value[:3] if len(value) > 10 else ""
    return head + "*" * (len(value) - len(head) - 4) + value[-4:]


def mask_address(value: str) -> str:
    if not value:
        return ""
    keep = min(6, max(len(value) // 3, 1))
    return value[:keep] + "****"


IDENTITY_MASKS = {
    "name": mask_name,
    "phone": mask_phone,
    "email": mask_email,
    "id_number": mask_id_number,
    "address": mask_address,
}


def mask_contact(value: str) -> str:
    """An address a message went to — an e-mail or a phone number — masked as its kind."""
    if not value:
        return ""
    return mask_email(value) if "@" in value else mask_phone(value)


def identity_of(ticket: Ticket) -> dict[str, str]:
    """The complainant's identity fields, unmasked (the keys of ``IDENTITY_MASKS``)."""
    return {
        "name": ticket.complainant_name,
        "phone": ticket.complainant_phone,
        "email": ticket.complainant_email,
        "id_number": ticket.complainant_id_number,
        "address": ticket.complainant_address,
    }
