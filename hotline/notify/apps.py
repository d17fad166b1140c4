from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "hotline.notify"
    label = "notify"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from hotline.notify.events import on_ticket_event
        from hotline.workflow.events import on_event

        on_event(on_ticket_event)
