"""派单建议 in the dispatch form (``hotline.similar.dispatch``).

``GET /tickets/<number>/dispatch-suggestion/``: for those who may dispatch the ticket (else
the same Chinese 404 as a missing ticket).

- htmx (the dispatch form loads it when it opens): the top three units with their evidence;
- htmx with ``choose=<unit code>`` (a suggestion clicked): the form's unit select with that
  unit chosen, swapped in for the select — one click fills the unit, nothing is sent;
- without JavaScript: a page with the suggestions (each a link choosing it) and the dispatch
  form with the chosen unit (else the first suggestion), posting to the ticket's action.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline.core.errors import NotFound
from hotline.policies.registry import get_pack
from hotline.similar.dispatch import access_for_dispatch, ticket_suggestions
from hotline.tickets.models import TicketEvent
from hotline.web.forms_ticket import ActionForm
from hotline.web.views.ticket_common import error_page
from hotline.web.views.ticket_page import action_label
from hotline.workflow.services import allowed_actions

ACTION = "dispatch"


@login_required
@require_GET
def dispatch_suggestion(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = access_for_dispatch(request.user, number)
    except NotFound as err:
        return error_page(request, err)
    pack = get_pack(ticket.policy)
    choose = str(request.GET.get("choose") or "")[:32]
    htmx = bool(getattr(request, "htmx", False))
    if htmx and choose:
        select = ActionForm(action=ACTION, ticket=ticket, pack=pack, initial={"unit": choose})["unit"]
        return HttpResponse(str(select))
    suggestions = ticket_suggestions(ticket, viewer=request.user)
    context = {"ticket": ticket, "suggestions": suggestions}
    if htmx:
        return render(request, "web/similar/_dispatch_suggest.html", context)
    form: ActionForm | None = None
    if ACTION in allowed_actions(ticket, request.user):
        last = (
            TicketEvent.objects.filter(ticket=ticket).order_by("-seq").values_list("seq", flat=True).first()
        )
        unit = choose or (suggestions[0].unit.code if suggestions else "")
        form = ActionForm(
            action=ACTION,
            ticket=ticket,
            pack=pack,
            initial={"expected_version": ticket.version, "seen_seq": last or 0, "unit": unit},
        )
    context |= {"form": form, "action_label": action_label(ACTION), "chosen": choose}
    return render(request, "web/similar/dispatch_suggest.html", context)
