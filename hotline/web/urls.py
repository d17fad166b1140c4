"""The staff workbench. Two route modules, so the worklists and the ticket screens grow apart."""

from django.urls import include, path

from hotline.web.views import call_control, calls, phone

app_name = "web"
urlpatterns = [
    path("", include("hotline.web.urls_work")),
    path("", include("hotline.web.urls_ticket")),
    path("", include("hotline.web.urls_scripts")),  # 规范应答 on the intake screen
    path("", include("hotline.web.urls_kb")),  # 知识库, scripts, phrases
    path("", include("hotline.web.urls_search")),  # one search box
    path("", include("hotline.web.urls_rectification")),  # 整改通知
    path("", include("hotline.web.urls_reports")),  # 报表中心
    path("", include("hotline.web.urls_exports")),  # 导出
    path("", include("hotline.web.urls_assessment")),  # 考核
    path("", include("hotline.web.urls_similar")),  # 重复投诉提示, 批量投诉
    path("", include("hotline.web.urls_floor")),  # 班长席, 大屏, 转满意度评价 (issue 13)
    # the phone (issue 12): 座席, the event stream and the screen pop, 通话记录, 回呼/外呼任务
    path("agent/", phone.agent, name="agent"),
    path("agent/bar/", phone.agent_bar, name="agent-bar"),
    path("agent/state/", phone.agent_state, name="agent-state"),
    path("agent/groups/<int:pk>/<str:action>/", phone.agent_group, name="agent-group"),
    path("agent/sign-out/", phone.agent_sign_out, name="agent-sign-out"),
    path("agent/events/", phone.agent_events, name="agent-events"),
    path("agent/control/", call_control.control_panel, name="call-control"),  # 转接、三方、保持、抢接
    path("agent/control/<int:pk>/<str:action>/", call_control.control_action, name="call-control-act"),
    path("calls/", calls.call_list, name="calls"),
    path("calls/tasks/", calls.task_list, name="call-tasks"),
    path("calls/tasks/new/", calls.task_new, name="call-task-new"),
    path("calls/tasks/autodial/", call_control.task_autodial, name="call-task-autodial"),  # 自动外呼
    path("calls/tasks/<int:pk>/", calls.task_detail, name="call-task"),
    path("calls/tasks/<int:pk>/dial/", calls.task_dial, name="call-task-dial"),
    path("calls/dial/<str:number>/", calls.ticket_dial, name="call-ticket-dial"),
    path("calls/tasks/<int:pk>/complete/", calls.task_complete, name="call-task-complete"),
    path("calls/tasks/<int:pk>/reassign/", calls.task_reassign, name="call-task-reassign"),
    path("calls/<int:pk>/", calls.call_detail, name="call"),
    path("calls/<int:pk>/pop/", phone.call_pop, name="call-pop"),
    path("calls/<int:pk>/recording/", calls.call_recording, name="call-recording"),
]
