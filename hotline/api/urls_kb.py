"""``/api/v1/kb/``: knowledge articles, response scripts, service phrases (``hotline.api.knowledge``)."""

from rest_framework.routers import SimpleRouter

from hotline.api import knowledge

router = SimpleRouter(trailing_slash=True)
router.register("articles", knowledge.ArticleViewSet, basename="kb-article")
router.register("scripts", knowledge.ScriptViewSet, basename="kb-script")
router.register("phrases", knowledge.PhraseViewSet, basename="kb-phrase")

urlpatterns = router.urls
