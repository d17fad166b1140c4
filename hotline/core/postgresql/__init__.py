"""Django's PostgreSQL backend with one addition: a second, autocommit connection for the
few statements that must not wait for the caller's transaction (``base.DatabaseWrapper``)."""
