"""The PDF of a document: the layout rendered by ``reports/documents/document.html`` and
printed by WeasyPrint with the Noto CJK fonts (Debian's ``fonts-noto-cjk``), embedded.

Nothing is fetched while printing (the template has no external resources and the URL
fetcher refuses every address), so a document prints the same offline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from hotline.reports.documents.layout import Layout, show

WIDE_TABLE = 9  # columns: more than this prints the page in landscape


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"documents fetch nothing: {url}")


def html(layout: Layout, *, generated_at: datetime, version: int) -> str:
    sections = [
        {
            "heading": s.heading,
            "paragraphs": s.paragraphs,
            "tables": [
                {
                    "title": t.title,
                    "note": t.note,
                    "columns": [c.label for c in t.columns],
                    "rows": [
                        [
                            {"text": show(v, t.fmt(r, c)), "numeric": t.fmt(r, c) != "text"}
                            for c, v in enumerate(row)
                        ]
                        for r, row in enumerate(t.rows)
                    ],
                }
                for t in s.tables
            ],
        }
        for s in layout.sections
    ]
    context = {
        "layout": layout,
        "sections": sections,
        "landscape": any(len(t.columns) > WIDE_TABLE for t in layout.tables()),
        "generated_at": f"{timezone.localtime(generated_at):%Y-%m-%d %H:%M}",
        "version": version,
    }
    # stored documents are in the site's language, whoever asked for them
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("reports/documents/document.html", context)


def render_pdf(layout: Layout, *, generated_at: datetime, version: int) -> bytes:
    from weasyprint import HTML  # imported here: loading pango takes a moment

    document = HTML(string=html(layout, generated_at=generated_at, version=version), url_fetcher=_no_fetch)
    pdf: bytes = document.write_pdf()
    return pdf
