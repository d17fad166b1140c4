"""Statistics documents (统计文档): the monthly analysis report (001 L110–112), the quarterly
table for the regulator (004 L498), the weekly return-visit summary (002 L29) and the
circular ranking units (通报, 001 L34) — each a PDF and an Excel file made from one set of
figures read through ``reports.selectors.stats`` (so a document's numbers are the API's).

- ``layout``: the shape both files print (sections of paragraphs and tables) and its formats;
- ``figures``: what each kind contains, built from the measures;
- ``pdf`` / ``xlsx``: the two renderers;
- ``services``: generate one (versioned) and the scheduler's ``generate_due``;
- ``selectors``: who may see which document (``documents_for(user)``, ``access_document``);
- ``outbox``: subscribers (``ReportSubscription``) and their messages.
"""
