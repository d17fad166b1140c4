"""上级转办: partner systems push tickets in over a signed HTTP API and hear our answer back (ADR 0025)."""
