from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "hotline.exchange"
    label = "exchange"
    verbose_name = "上级转办"

    def ready(self) -> None:
        from hotline.exchange.callbacks import on_ticket_event, send
        from hotline.exchange.models import PARTNER_CHANNEL
        from hotline.notify.channels import register_sender
        from hotline.workflow.events import on_event

        on_event(on_ticket_event)
        register_sender(PARTNER_CHANNEL, send)
