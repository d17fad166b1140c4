from django.apps import AppConfig


class CallersConfig(AppConfig):
    name = "hotline.callers"
    label = "callers"
    verbose_name = "来电人与黑名单"

    def ready(self) -> None:
        from hotline.callers.services import ensure_not_blocked
        from hotline.workflow.registration import on_registration

        # every door's registration refuses a blocklisted number
        on_registration(ensure_not_blocked)
