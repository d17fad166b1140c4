"""Routes of the public FAQ (常见问题), under ``/public/faq/``."""

from django.urls import URLPattern, URLResolver, path

from hotline.portal import views_faq

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_faq.faq_list, name="faq"),
    path("<int:pk>/", views_faq.faq_article, name="faq-article"),
]
