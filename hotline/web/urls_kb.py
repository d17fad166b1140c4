"""Routes of the knowledge base pages (知识库), under ``kb/``."""

from django.urls import URLPattern, URLResolver, path

from hotline.web.views import knowledge, knowledge_extra

ARTICLE = "kb/<int:pk>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("kb/", knowledge.kb_list, name="kb-list"),
    path("kb/review/", knowledge.kb_review, name="kb-review"),
    path("kb/new/", knowledge.kb_new, name="kb-new"),
    path(ARTICLE, knowledge.kb_article, name="kb-article"),
    path(f"{ARTICLE}edit/", knowledge.kb_edit, name="kb-edit"),
    path(f"{ARTICLE}history/", knowledge.kb_history, name="kb-history"),
    path(f"{ARTICLE}diff/", knowledge.kb_diff, name="kb-diff"),
    path(f"{ARTICLE}move/<str:action>/", knowledge.kb_move, name="kb-move"),
    path(f"{ARTICLE}feedback/", knowledge_extra.kb_feedback, name="kb-feedback"),
    path(f"{ARTICLE}cite/", knowledge_extra.kb_cite, name="kb-cite"),
    path(f"{ARTICLE}attachments/", knowledge_extra.kb_attach, name="kb-attach"),
    path(f"{ARTICLE}attachments/<int:attachment>/", knowledge_extra.kb_attachment, name="kb-attachment"),
]
