"""``/api/v1/exchange/``: partner systems push tickets (上级转办, ``hotline.api.exchange``)."""

from django.urls import path

from hotline.api import exchange

urlpatterns = [
    # no trailing slash, as the issue names it; one is accepted too (a POST is not redirected),
    # described once in the schema
    path("<str:partner>/tickets", exchange.PartnerPushView.as_view(), name="exchange-push"),
    path("<str:partner>/tickets/", exchange.PartnerPushView.as_view(schema=None)),
]
