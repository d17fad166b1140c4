"""``/api/v1/batches/`` and the suggested links of a ticket (``hotline.api.batches``)."""

from django.urls import URLPattern, URLResolver, re_path
from rest_framework.routers import SimpleRouter

from hotline.api import batches

router = SimpleRouter(trailing_slash=True)
router.register("batches", batches.BatchViewSet, basename="batch")

LINK = r"^tickets/(?P<number>[0-9]{6,20})/links/(?P<link>[0-9]{1,18})"
urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    re_path(f"{LINK}/confirm/$", batches.LinkDecisionView.as_view(decision="confirm"), name="link-confirm"),
    re_path(f"{LINK}/dismiss/$", batches.LinkDecisionView.as_view(decision="dismiss"), name="link-dismiss"),
]
