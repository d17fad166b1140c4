"""Routes of repeats and batches (重复投诉 / 批量投诉, ``views.similar``)."""

from django.urls import URLPattern, path

from hotline.web.views import dispatch_suggest, similar

urlpatterns: list[URLPattern] = [
    path("intake/similar/", similar.intake_panel, name="intake_similar"),
    path("tickets/<str:number>/links/<str:pk>/<str:decision>/", similar.link_decide, name="link_decide"),
    path(
        "tickets/<str:number>/dispatch-suggestion/",  # 派单建议 in the dispatch form
        dispatch_suggest.dispatch_suggestion,
        name="dispatch_suggestion",
    ),
    path("batches/", similar.batch_list, name="batches"),
    path("batches/<str:pk>/", similar.batch_detail, name="batch"),
    path("batches/<str:pk>/<str:decision>/", similar.batch_decide, name="batch_decide"),
]
