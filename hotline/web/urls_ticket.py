"""Routes of the ticket screens: intake, caller lookup, blocklist, the ticket page."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import intake, ticket

NUMBER = "<str:number>"

urlpatterns: list[URLPattern | URLResolver] = [
    path("intake/", intake.intake, name="intake"),
    path("intake/lookup/", intake.caller_lookup_view, name="caller_lookup"),
    path(f"intake/done/{NUMBER}/", intake.intake_done, name="intake_done"),
    path("intake/blocklist/", intake.blocklist, name="blocklist"),
    path("intake/blocklist/request/", intake.blocklist_request_view, name="blocklist_request"),
    path("intake/blocklist/<int:pk>/<str:decision>/", intake.blocklist_decide_view, name="blocklist_decide"),
    path(f"tickets/{NUMBER}/", ticket.ticket_detail, name="ticket"),
    path(f"tickets/{NUMBER}/act/<str:action>/", ticket.ticket_action, name="ticket_action"),
    path(f"tickets/{NUMBER}/unmask/", ticket.ticket_unmask_view, name="ticket_unmask"),
    path(f"tickets/{NUMBER}/extension-preview/", ticket.extension_preview, name="extension_preview"),
    path(f"tickets/{NUMBER}/visit-attempt/", ticket.visit_attempt, name="visit_attempt"),
    path(f"tickets/{NUMBER}/attachments/", ticket.attachment_upload, name="attachment_add"),
    path(f"tickets/{NUMBER}/attachments/<int:pk>/", ticket.attachment_download, name="attachment"),
]
