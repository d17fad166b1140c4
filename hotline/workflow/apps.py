from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "hotline.workflow"
    label = "workflow"
    verbose_name = "流程"

    def ready(self) -> None:
        from hotline.workflow.events import on_event
        from hotline.workflow.major import on_batch_confirmed

        on_event(on_batch_confirmed)  # 批量客户投诉 → 重大投诉 (the pack's major.rules.min_complainants)
