"""``/api/v1/exports/``: exports of lists as Excel and CSV (``hotline.api.exports``)."""

from rest_framework.routers import SimpleRouter

from hotline.api import exports

router = SimpleRouter(trailing_slash=True)
router.register("", exports.ExportViewSet, basename="export")

urlpatterns = router.urls
