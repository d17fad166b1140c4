from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "hotline.search"
    label = "search"
    verbose_name = "检索"

    def ready(self) -> None:
        # inside the writing transaction: the index commits with the change (hotline.search.index)
        from hotline.knowledge.services import on_article_saved
        from hotline.search.index import article_indexed, ticket_indexed
        from hotline.workflow.events import on_event

        on_event(ticket_indexed)
        on_article_saved(article_indexed)
