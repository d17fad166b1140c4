from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "hotline.reports"
    label = "reports"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from hotline.reports.facts import on_ticket_event
        from hotline.workflow.events import on_event

        on_event(on_ticket_event)
