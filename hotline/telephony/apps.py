from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "hotline.telephony"
    label = "telephony"
    verbose_name = "电话与座席"

    def ready(self) -> None:
        from hotline.telephony.listeners import on_ticket_event
        from hotline.workflow.events import on_event

        on_event(on_ticket_event)  # after followup's (INSTALLED_APPS order): visits as tasks
