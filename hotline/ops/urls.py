"""Routes of the probes and the metrics (at the root: ``/healthz``, ``/readyz``, ``/metrics``)."""

from django.urls import URLPattern, path

from hotline.ops import views

urlpatterns: list[URLPattern] = [
    path("healthz", views.healthz, name="ops-healthz"),
    path("readyz", views.readyz, name="ops-readyz"),
    path("metrics", views.metrics_view, name="ops-metrics"),
]
