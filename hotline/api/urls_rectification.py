"""``/api/v1/rectifications/``: rectification notices (``hotline.api.rectification``)."""

from rest_framework.routers import SimpleRouter

from hotline.api import rectification

router = SimpleRouter(trailing_slash=True)
router.register("", rectification.RectificationViewSet, basename="rectification")

urlpatterns = router.urls
