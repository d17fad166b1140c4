"""The phone in the API: the call log, the agent's own state, callback and outbound tasks.

Thin, like the rest of the API: the shapes check types, ``hotline.telephony.services``
decides and scopes. A call or task the user may not see is the same 404 as a missing one.

- ``calls/`` the call log the user may see (an agent: their own calls; team leaders,
  coordinators, admins: all), newest first; filters ``direction``, ``status``, ``outcome``,
  ``agent``, ``queue``, ``started_after``/``started_before``, ``phone`` (any way of typing
  it). ``calls/{id}/`` one call. A number is masked when a linked ticket is confidential
  (``serializers_calls.number_hidden``); a recording is played at ``recording_url`` (the web
  view, which checks and logs every play).
- ``agents/me/state/`` the signed-in user's agent state; ``PUT`` ``{"state": "ready"}`` (or
  ``break``, ``mute``, ``busy`` back from mute) → 400 ``agent_state_invalid`` for any other
  move; ``agents/me/sign-in/`` (工号, 分机号, 密码) and ``agents/me/sign-out/``. A user
  who is not an agent: 404 ``agent_not_found``.
- ``callbacks/`` the tasks the user may see (an agent: theirs and unassigned ones; a
  supervisor: all), ``POST`` an outbound task or a return visit; ``callbacks/{id}/``;
  ``dial/`` (click-to-call, an attempt), ``complete/`` (result, questionnaire answers),
  ``reassign/`` (supervisor); ``callbacks/from-ticket/`` a web, fax or e-mail ticket
  answered by phone within N hours (supervisor).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hotline.api.serializers_calls import (
    AgentStateIn,
    AgentStateOut,
    CallDetailOut,
    CallFilter,
    CallOut,
    CompleteIn,
    DialOut,
    FromTicketIn,
    ReassignIn,
    SignInIn,
    TaskDetailOut,
    TaskFilter,
    TaskIn,
    TaskOut,
)
from hotline.core.errors import InvalidInput, NotFound
from hotline.core.types import AnyUser, User
from hotline.telephony import services
from hotline.telephony.models import Agent, Call, CallbackTask, Questionnaire
from hotline.workflow.access import access_ticket, tickets_visible_to

ID_REGEX = "[0-9]{1,10}"


def _visible_tickets(user: AnyUser, calls: list[Call]) -> set[int]:
    """Of the tickets linked to ``calls``, those ``user`` may see (one query)."""
    ids = {link.ticket_id for call in calls for link in call.ticket_links.all()}
    if not ids:
        return set()
    return set(tickets_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _assignee(username: str) -> User | None:
    """The active user named ``username`` (None for blank); 400 ``callback_assignee_invalid``
    else, as the service answers for a user who is not an agent."""
    if not username:
        return None
    found: User | None = get_user_model().objects.filter(username=username, is_active=True).first()
    if found is None:
        raise InvalidInput(f"负责人“{username}”不存在", code="callback_assignee_invalid", field="assignee")
    return found


# ---------------------------------------------------------------------------------------
# calls


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Call]):
    lookup_value_regex = ID_REGEX
    filterset_class = CallFilter
    serializer_class = CallOut

    def get_queryset(self) -> QuerySet[Call]:
        return (
            services.calls_visible_to(self.request.user)
            .select_related("agent")
            .prefetch_related("ticket_links__ticket")
            .order_by("-started_at", "-pk")
        )

    def get_object(self) -> Call:
        return services.call_for(self.request.user, self.kwargs["pk"])

    @extend_schema(responses=CallOut(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        calls = list(page) if page is not None else []
        context = {"request": request, "visible_tickets": _visible_tickets(request.user, calls)}
        return self.get_paginated_response(CallOut(calls, many=True, context=context).data)

    @extend_schema(responses=CallDetailOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        call = self.get_object()
        context = {
            "request": request,
            "visible_tickets": _visible_tickets(request.user, [call]),
            "can_play": services.may_play(request.user, call),
        }
        return Response(CallDetailOut(call, context=context).data)


# ---------------------------------------------------------------------------------------
# the agent's own state


def _my_agent(user: AnyUser) -> Agent:
    agent = services.agent_of(user)
    if agent is None:
        raise NotFound("您不是座席(未设置工号)", code="agent_not_found")
    return agent


def _state(agent: Agent) -> Response:
    fresh = Agent.objects.prefetch_related("groups").get(pk=agent.pk)
    return Response(AgentStateOut(fresh).data)


class AgentStateView(APIView):
    @extend_schema(operation_id="agent_state_read", responses=AgentStateOut)
    def get(self, request: Request) -> Response:
        return _state(services.agent_current(_my_agent(request.user)))

    @extend_schema(operation_id="agent_state_set", request=AgentStateIn, responses=AgentStateOut)
    def put(self, request: Request) -> Response:
        agent = _my_agent(request.user)
        form = AgentStateIn(data=request.data)
        form.is_valid(raise_exception=True)
        changed = services.agent_set_state(
            agent=agent,  # a wrap-up past its end is resolved by the service first
            state=form.validated_data["state"],
            actor=request.user,
            reason=form.validated_data.get("reason", ""),
        )
        return _state(changed)


class AgentSignInView(APIView):
    # the password is checked here: a stolen session must not make a guessing machine of it
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        operation_id="agent_sign_in",
        request=SignInIn,
        responses=AgentStateOut,
        description="座席签入:工号、分机号、密码(本人的登录密码)。工号或密码不符 400 agent_sign_in_failed;"
        "分机号无效 400 agent_extension_invalid;分机已由他人签入 400 agent_extension_taken",
    )
    def post(self, request: Request) -> Response:
        form = SignInIn(data=request.data)
        form.is_valid(raise_exception=True)
        session = getattr(request._request, "session", None)
        agent = services.agent_sign_in(
            user=request.user,
            staff_no=form.validated_data["staff_no"],
            extension=form.validated_data["extension"],
            password=form.validated_data["password"],
            session_key=(session.session_key or "") if session is not None else "",
        )
        return _state(agent)


class AgentSignOutView(APIView):
    @extend_schema(operation_id="agent_sign_out", request=None, responses=AgentStateOut)
    def post(self, request: Request) -> Response:
        return _state(services.agent_sign_out(agent=_my_agent(request.user), reason="api"))


# ---------------------------------------------------------------------------------------
# callback and outbound tasks


class CallbackViewSet(viewsets.GenericViewSet[CallbackTask]):
    lookup_value_regex = ID_REGEX
    filterset_class = TaskFilter
    serializer_class = TaskOut

    def get_queryset(self) -> QuerySet[CallbackTask]:
        return (
            services.tasks_visible_to(self.request.user)
            .select_related("assignee", "created_by", "done_by", "ticket", "call", "questionnaire")
            .prefetch_related("call__ticket_links__ticket")
            .order_by("due_at", "pk")
        )

    def get_object(self) -> CallbackTask:
        return services.task_for(self.request.user, self.kwargs["pk"])

    def _detail(self, task: CallbackTask, *, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().prefetch_related("attempt_rows__by").filter(pk=task.pk).first()
        return Response(TaskDetailOut(fresh or task).data, status=code)

    @extend_schema(responses=TaskOut(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TaskOut(page, many=True).data)

    @extend_schema(request=TaskIn, responses={201: TaskDetailOut})
    def create(self, request: Request) -> Response:
        form = TaskIn(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        questionnaire = None
        if data.get("questionnaire") is not None:
            questionnaire = Questionnaire.objects.filter(pk=data["questionnaire"], active=True).first()
            if questionnaire is None:
                raise InvalidInput("问卷不存在或已停用", code="invalid_questionnaire", field="questionnaire")
        task = services.callback_create(
            kind=data["kind"],
            phone=data["phone"],
            due_at=data["due_at"],
            actor=request.user,
            note=data.get("note", ""),
            assignee=_assignee(data.get("assignee", "")),
            ticket=access_ticket(request.user, data["ticket"]) if data.get("ticket") else None,
            questionnaire=questionnaire,
        )
        return self._detail(task, code=status.HTTP_201_CREATED)

    @extend_schema(responses=TaskDetailOut)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        request=None,
        responses={201: DialOut},
        description="点击外呼:由本人分机呼出任务号码(交换机异步发起),记一次呼叫;"
        "未签入时 400 agent_not_signed_in;任务已完成 409 callback_task_closed",
    )
    @action(detail=True, methods=["post"])
    def dial(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        call = services.callback_dial(task=task, actor=request.user)
        fresh = self.get_queryset().filter(pk=task.pk).first() or task
        linked = Call.objects.prefetch_related("ticket_links__ticket").select_related("agent").get(pk=call.pk)
        context = {"request": request, "visible_tickets": _visible_tickets(request.user, [linked])}
        body = {"task": TaskOut(fresh).data, "call": CallOut(linked, context=context).data}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompleteIn, responses=TaskDetailOut, description="完成任务:处理结果与问卷答案")
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        form = CompleteIn(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.callback_complete(
            task=task,
            actor=request.user,
            result=form.validated_data["result"],
            answers=form.validated_data.get("answers"),
        )
        return self._detail(done)

    @extend_schema(request=ReassignIn, responses=TaskDetailOut, description="改派任务(班长、管理员)")
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        form = ReassignIn(data=request.data)
        form.is_valid(raise_exception=True)
        moved = services.callback_reassign(
            task=task, actor=request.user, assignee=_assignee(form.validated_data["assignee"])
        )
        return self._detail(moved)

    @extend_schema(
        request=FromTicketIn,
        responses={201: TaskDetailOut},
        description="把网上、传真、邮件来件转为电话回复任务,限 N 小时内(班长、管理员)",
    )
    @action(detail=False, methods=["post"], url_path="from-ticket")
    def from_ticket(self, request: Request) -> Response:
        form = FromTicketIn(data=request.data)
        form.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(form.validated_data)
        task = services.callback_from_message(
            ticket=access_ticket(request.user, data["ticket"]),
            actor=request.user,
            hours=data["hours"],
            assignee=_assignee(data.get("assignee", "")),
        )
        return self._detail(task, code=status.HTTP_201_CREATED)
