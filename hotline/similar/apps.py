from django.apps import AppConfig


class SimilarConfig(AppConfig):
    name = "hotline.similar"
    label = "similar"
    verbose_name = "重复与批量投诉"

    def ready(self) -> None:
        from hotline.similar.listeners import on_ticket_committed, on_ticket_event
        from hotline.workflow.events import on_event, on_event_committed

        on_event(
            on_ticket_event
        )  # a registration leaves a Pending row; a parent's answer reaches its children
        on_event_committed(on_ticket_committed)  # detection, after the registration has committed
