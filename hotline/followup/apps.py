from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "hotline.followup"
    label = "followup"
    verbose_name = "催办与回访"

    def ready(self) -> None:
        from hotline.followup.listeners import on_ticket_event
        from hotline.workflow.events import on_event

        on_event(on_ticket_event)
