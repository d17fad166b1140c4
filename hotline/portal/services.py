"""Writes for the public: a submission with its attachments, and a satisfaction rating.

The public API (``hotline.api.views.PublicSubmissionView``) can call
``public_ticket_register`` too, so both doors apply the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from hotline.core.errors import HotlineError, InvalidInput, InvalidTransition
from hotline.portal.selectors import rating_open
from hotline.tickets.models import Attachment, Channel, Satisfaction, Ticket
from hotline.workflow.attachments import attachment_add
from hotline.workflow.drafts import draft_from_data
from hotline.workflow.registration import ticket_register
from hotline.workflow.services import TransitionResult, ticket_transition

PUBLIC_ACTOR_LABEL = "公众门户"
EARLIEST_OCCURRED_ON = date(1900, 1, 1)


def occurred_on_check(value: date | None, *, today: date | None = None) -> None:
    """The rule on 事项发生日期 at every door (portal, public and staff API): not after
    today in Asia/Shanghai, not before 1900. Raises ``InvalidInput`` with a stable code."""
    if value is None:
        return
    if value > (today or timezone.localdate()):
        raise InvalidInput(
            gettext("事项发生日期不能晚于今天"), code="occurred_in_future", field="occurred_on"
        )
    if value < EARLIEST_OCCURRED_ON:
        raise InvalidInput(
            gettext("事项发生日期不能早于1900年"), code="occurred_out_of_range", field="occurred_on"
        )


@dataclass
class PublicSubmission:
    """What a member of the public tells us (the fields of ``PublicSubmissionIn``)."""

    type: str
    subject: str
    description: str
    demand: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    address: str = ""
    anonymous: bool = False
    respondent_name: str = ""
    respondent_address: str = ""
    respondent_licence: str = ""
    region: str = ""
    occurred_on: date | None = None

    def draft_data(self) -> dict[str, Any]:
        """The plain mapping for ``draft_from_data`` (the staff API's names, nested): from
        the web, and an anonymous submission keeps no identity at all, whatever was typed."""
        if self.anonymous:
            complainant: dict[str, Any] = {"anonymous": True}
        else:
            complainant = {
                "name": self.name,
                "phone": self.phone,
                "email": self.email,
                "id_number": self.id_number,
                "address": self.address,
            }
        return {
            "type": self.type,
            "channel": Channel.WEB,
            "subject": self.subject,
            "description": self.description,
            "demand": self.demand,
            "complainant": complainant,
            "respondent": {
                "name": self.respondent_name,
                "address": self.respondent_address,
                "licence": self.respondent_licence,
            },
            "region": self.region,
            "occurred_on": self.occurred_on,
        }


@transaction.atomic
def public_ticket_register(
    *,
    submission: PublicSubmission,
    uploads: Sequence[UploadedFile[bytes]] = (),
    actor_label: str = PUBLIC_ACTOR_LABEL,
) -> Ticket:
    """Register a public submission and its files in one transaction: all or nothing.

    An anonymous submission stores no identity at all, whatever was typed.
    """
    s = submission
    occurred_on_check(s.occurred_on)
    if not s.anonymous and not (s.phone.strip() or s.email.strip()):
        raise InvalidInput(
            gettext("实名提交请留下电话或电子邮箱,以便联系答复;也可选择匿名"), code="contact_required"
        )
    draft = draft_from_data(s.draft_data())
    ticket = ticket_register(draft=draft, actor=None, actor_label=actor_label)
    saved: list[Attachment] = []
    try:
        for upload in uploads:
            saved.append(attachment_add(ticket=ticket, upload=upload, actor=None))
    except HotlineError:
        for attachment in saved:  # the rows roll back with the transaction; the files must go too
            attachment.file.delete(save=False)
        raise
    return ticket


def public_rate(
    *, ticket: Ticket, satisfaction: str, comment: str = "", expected_version: int | None = None
) -> TransitionResult:
    """The complainant's own return-visit answer, when the ticket's stage asks for one."""
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(gettext("请选择满意度"), code="satisfaction_required", field="satisfaction")
    if not rating_open(ticket):
        code = "already_rated" if ticket.satisfaction else "rating_not_open"
        raise InvalidTransition(gettext("此工单当前无需评价"), code=code)
    return ticket_transition(
        ticket=ticket,
        action="return_visit",
        system=True,
        actor=None,
        actor_label=PUBLIC_ACTOR_LABEL,
        params={"satisfaction": satisfaction, "comment": comment},
        expected_version=expected_version,
    )
