"""Running Hotline in production (运维): the server, probes, metrics, logs, backups.

``hotline serve`` (gunicorn + WhiteNoise), ``/healthz`` and ``/readyz``, Prometheus
metrics at ``/metrics``, one JSON log line per request with its request id, and
``hotline backup`` / ``hotline restore``. ADR 0014; the operator's guide is
``docs/guide/deploy.md``.

This package's ``__init__`` and ``logs`` import nothing from Django: gunicorn's master
loads the log formatter before Django is set up.
"""
