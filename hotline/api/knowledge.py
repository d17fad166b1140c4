"""The knowledge base's API (``/api/v1/kb/``): articles, response scripts, service phrases.

Thin, like the rest of the API: the shapes check types, ``hotline.knowledge.services`` decides
(who may read, write, publish; versions; walks). Every endpoint needs a staff member (a user
with a membership, or a superuser); an article or script the user may not see is the same 404
as one that does not exist.

- ``articles/`` list (``status``, ``category`` — its sub-categories too, ``tag``, ``public``) and
  create; ``articles/{id}/`` read (Markdown ``body`` and the rendered ``body_html``) and
  ``PUT``/``PATCH`` with the ``version`` the editor started from (stale → 409 ``kb_conflict``;
  nothing changed → 409 ``no_change``). ``PATCH`` keeps what it does not name.
- ``articles/{id}/versions/`` the history; ``versions/{n}/`` one version with its body;
  ``versions/{n}/diff/?against=m`` a unified diff from version ``m`` (default ``n - 1``) to ``n``.
- ``articles/{id}/submit|publish|send_back|retire/`` the status moves (``comment``, required to
  send back; ``version`` read, optional: stale → 409 ``kb_conflict``); ``feedback/`` helpful
  or outdated, once per person; ``cite/`` with a ticket number: the article answered that
  ticket (its history gets ``cite_article``).
- ``scripts/`` and ``scripts/{id}/``; ``scripts/suggest/?text=&category=``; ``scripts/{id}/walk/``
  with ``{"answers": {"1": true, ...}}`` → the outcome (close or dispatch), wording, promise.
- ``phrases/`` the standard service phrases, ``?situation=`` to filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.api.serializers_kb import (
    ArticleDetailOut,
    ArticleEditIn,
    ArticleFilter,
    ArticleIn,
    ArticleOut,
    CiteIn,
    CiteOut,
    DiffOut,
    DiffQuery,
    FeedbackIn,
    MoveIn,
    PhraseFilter,
    PhraseOut,
    ScriptDetailOut,
    ScriptOut,
    SuggestQuery,
    VersionDetailOut,
    VersionOut,
    WalkIn,
)
from hotline.api.walk import WalkOut
from hotline.core.errors import InvalidInput, NotFound
from hotline.core.types import AnyUser
from hotline.knowledge import services, walks
from hotline.knowledge.models import Article, Phrase, Script
from hotline.tickets.models import Ticket
from hotline.workflow.access import access_ticket
from hotline.workflow.drafts import TicketDraft

ID_REGEX = "[0-9]{1,10}"


class IsStaffMember(permissions.BasePermission):
    """A signed-in user with a membership (or a superuser): the knowledge base is for staff."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return services.is_staff_member(request.user)


STAFF = [permissions.IsAuthenticated, IsStaffMember]


# ---------------------------------------------------------------------------------------
# views


def _content(article: Article) -> dict[str, Any]:
    """The article's content as ``article_input`` reads it (what a PATCH keeps)."""
    return {
        "title": article.title,
        "body": article.body,
        "category": article.category.code if article.category else "",
        "tags": list(article.tags),
        "units": sorted(article.units.values_list("code", flat=True)),
        "packs": list(article.packs),
        "valid_from": article.valid_from,
        "valid_until": article.valid_until,
        "public": article.public,
    }


NUMBER = OpenApiParameter("number", int, OpenApiParameter.PATH, description="版本号")
MOVE_DOC = "知识状态流转:{}。审核、发布、退回、停用需 KnowledgeConfig.publisher_roles 中的角色"


class ArticleViewSet(viewsets.GenericViewSet[Article]):
    permission_classes = STAFF
    lookup_value_regex = ID_REGEX
    filterset_class = ArticleFilter

    def get_queryset(self) -> QuerySet[Article]:
        return (
            services.articles_visible_to(self.request.user)
            .select_related("category", "created_by", "published_by")
            .prefetch_related("units")
            .order_by("-updated_at", "-pk")
        )

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Article]]:
        return ArticleOut if self.action == "list" else ArticleDetailOut

    def get_object(self) -> Article:
        return services.get_article(self.request.user, self.kwargs["pk"])

    def _detail(self, article: Article, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = services.get_article(self.request.user, article.pk)
        return Response(ArticleDetailOut(fresh, context={"request": self.request}).data, status=code)

    @extend_schema(responses=ArticleOut(many=True))
    def list(self, request: Request) -> Response:
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ArticleOut(page, many=True).data)

    @extend_schema(request=ArticleIn, responses={201: ArticleDetailOut})
    def create(self, request: Request) -> Response:
        form = ArticleIn(data=request.data)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        note = fields.pop("note", "")
        article = services.article_create(actor=request.user, data=services.article_input(fields), note=note)
        return self._detail(article, code=status.HTTP_201_CREATED)

    @extend_schema(responses=ArticleDetailOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_object())

    def _edit(self, request: Request, *, partial: bool) -> Response:
        article = self.get_object()
        form = ArticleEditIn(data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        if "version" not in fields:  # PATCH makes every field optional, but not this one
            raise serializers.ValidationError({"version": ["请提供修改所依据的版本号 version"]})
        version, note = fields.pop("version"), fields.pop("note", "")
        data = services.article_input({**_content(article), **fields} if partial else fields)
        edited = services.article_edit(
            actor=request.user, article=article, data=data, expected_version=version, note=note
        )
        return self._detail(edited)

    @extend_schema(request=ArticleEditIn, responses=ArticleDetailOut)
    def update(self, request: Request, pk: str) -> Response:
        return self._edit(request, partial=False)

    @extend_schema(request=ArticleEditIn, responses=ArticleDetailOut)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._edit(request, partial=True)

    @extend_schema(responses=VersionOut(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        versions = article.versions.select_related("edited_by").order_by("number")
        return Response(VersionOut(versions, many=True).data)

    @extend_schema(parameters=[NUMBER], responses=VersionDetailOut)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]{1,9})")
    def version(self, request: Request, pk: str, number: str) -> Response:
        article = self.get_object()
        found = article.versions.select_related("edited_by").filter(number=int(number)).first()
        if found is None:
            raise NotFound("版本不存在")
        return Response(VersionDetailOut(found).data)

    @extend_schema(
        parameters=[
            NUMBER,
            OpenApiParameter("against", int, description="与哪个版本比较;默认为上一版(number − 1)"),
        ],
        responses=DiffOut,
    )
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]{1,9})/diff")
    def diff(self, request: Request, pk: str, number: str) -> Response:
        article = self.get_object()
        query = DiffQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        new = int(number)
        old = query.validated_data.get("against", new - 1)
        lines = services.version_diff(article, old, new)
        return Response(DiffOut({"article": article.pk, "old": old, "new": new, "diff": lines}).data)

    def _move(self, request: Request, move: str) -> Response:
        article = self.get_object()
        form = MoveIn(data=request.data)
        form.is_valid(raise_exception=True)
        moved = services.article_move(
            actor=request.user,
            article=article,
            action=move,
            comment=form.validated_data["comment"],
            expected_version=form.validated_data.get("version"),
        )
        return self._detail(moved)

    @extend_schema(request=MoveIn, responses=ArticleDetailOut, description=MOVE_DOC.format("提交审核"))
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._move(request, "submit")

    @extend_schema(request=MoveIn, responses=ArticleDetailOut, description=MOVE_DOC.format("发布"))
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._move(request, "publish")

    @extend_schema(request=MoveIn, responses=ArticleDetailOut, description=MOVE_DOC.format("退回修改"))
    @action(detail=True, methods=["post"], url_path="send_back")
    def send_back(self, request: Request, pk: str) -> Response:
        return self._move(request, "send_back")

    @extend_schema(request=MoveIn, responses=ArticleDetailOut, description=MOVE_DOC.format("停用"))
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str) -> Response:
        return self._move(request, "retire")

    @extend_schema(request=FeedbackIn, responses={201: ArticleOut})
    @action(detail=True, methods=["post"])
    def feedback(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        form = FeedbackIn(data=request.data)
        form.is_valid(raise_exception=True)
        marked = services.article_feedback(actor=request.user, article=article, **form.validated_data)
        return Response(ArticleOut(marked).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CiteIn, responses={201: CiteOut})
    @action(detail=True, methods=["post"])
    def cite(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        form = CiteIn(data=request.data)
        form.is_valid(raise_exception=True)
        ticket = access_ticket(request.user, form.validated_data["ticket"])
        link = services.article_cite(actor=request.user, ticket=ticket, article=article)
        return Response(CiteOut(link).data, status=status.HTTP_201_CREATED)


class ScriptViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Script]):
    permission_classes = STAFF
    lookup_value_regex = ID_REGEX

    def get_queryset(self) -> QuerySet[Script]:
        return walks.scripts_for(self.request.user).order_by("order", "code", "pk")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Script]]:
        return ScriptOut if self.action in ("list", "suggest") else ScriptDetailOut

    def get_object(self) -> Script:
        return walks.get_script(self.request.user, self.kwargs["pk"])

    @extend_schema(responses=ScriptDetailOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ScriptDetailOut(self.get_object()).data)

    @extend_schema(parameters=[SuggestQuery], responses=ScriptOut(many=True))
    @action(detail=False, methods=["get"])
    def suggest(self, request: Request) -> Response:
        """Scripts for what the agent has typed (a keyword in ``text``), then the category."""
        query = SuggestQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = walks.suggest_scripts(request.user, **query.validated_data)
        return Response(ScriptOut(found, many=True).data)

    @extend_schema(request=WalkIn, responses=WalkOut)
    @action(detail=True, methods=["post"])
    def walk(self, request: Request, pk: str) -> Response:
        """Decide the outcome for the caller's answers; writes nothing (the ticket is created
        with ``answer_script`` on ``POST /api/v1/tickets/``)."""
        script = self.get_object()
        form = WalkIn(data=request.data)
        form.is_valid(raise_exception=True)
        walk = walks.script_walk(script, form.validated_data["answers"])
        return Response(WalkOut(walk.as_dict()).data)


class PhraseViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Phrase]):
    permission_classes = STAFF
    serializer_class = PhraseOut
    filterset_class = PhraseFilter
    pagination_class = None
    queryset = Phrase.objects.filter(active=True).order_by("situation", "order", "pk")


# ---------------------------------------------------------------------------------------
# ticket creation with a walked script (``answer_script`` on POST /api/v1/tickets/)

ANSWER_CODES = ("invalid_answers", "answers_incomplete")


def register_answering_script(
    user: AnyUser, draft: TicketDraft, value: Mapping[str, Any]
) -> tuple[Ticket, walks.Walk]:
    """Register ``draft`` through the walked script, as the intake screen does
    (``register_with_script``); errors name their place under ``answer_script``."""
    script_id, answers = walks.read_answer_script(value)
    try:
        script = walks.get_script(user, script_id)
    except NotFound:
        raise InvalidInput(
            "规范应答脚本不存在或不适用于您", code="unknown_script", field="answer_script.script"
        ) from None
    try:
        return walks.register_with_script(draft=draft, actor=user, script=script, answers=answers)
    except InvalidInput as exc:
        field = exc.extra.get("field")
        if exc.code in ANSWER_CODES and isinstance(field, str) and field.startswith("answers"):
            exc.extra["field"] = f"answer_script.{field}"
        raise
