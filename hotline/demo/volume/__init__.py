"""Volume data for benchmarks (``hotline generate --tickets N``).

Tickets are *simulated*, not registered through the services: a million service calls
would take hours. Each ticket walks its intake unit's policy pack the way the workflow service
would move it (same stages, same order of actions, same clocks and due times computed
with the real calendar counting), with a delay drawn for every step; the walk stops
where "now" falls, so open tickets are the recent ones and old ones are closed, apart
from a few that stalled (the overdue backlog every hotline has).

What matches the real services:

* numbers ``YYYYMMDD`` + six-digit per-day sequence, reserved up front in
  ``tickets_dailysequence`` (one ``INSERT … ON CONFLICT … RETURNING`` per day), so a later
  registration — or a second run — never collides;
* ``policy`` from the intake unit, ``stage``/``status`` from the pack, ``round``,
  ``supervised``, ``handler`` (set by ``assign``, cleared by ``dispatch``/``return``),
  ``accepted_at``/``dispatched_at``/``closed_at``, ``version`` = 1 + transitions;
* ``stage_clock``/``final_clock`` in the clock format of :mod:`hotline.workflow.clocks`
  and ``due_at``/``final_due_at``/``deadline_provisional`` from
  :func:`hotline.calendar.counting.deadline` (cached per start date for day units);
* one history event per transition (``register`` is seq 1), with the payloads the
  action handlers write. ``history="minimal"`` keeps ``register`` plus the closing event.
* the region (发生地区) and the unit a ticket is dispatched to follow the matter: by the
  territorial principle and the category's responsible department, mostly, so the
  dispatch suggestion has something to learn (:mod:`.routing`).

Not simulated: extensions (``ExtensionRequest`` rows), reopening, attachments, links.

PostgreSQL loads with ``COPY … FROM STDIN`` (ids reserved from the table's sequence so
events can be written in the same pass), one transaction per batch, in writer threads
with their own connections while the next batch is simulated; inside a transaction (tests)
it writes inline. Other databases use ``bulk_create`` (there ``updated_at`` is the load
time: ``auto_now``). Numbers: ``bench/README.md``.

The package: :mod:`.common` (constants, weighted picks, the result), :mod:`.org` (units,
handlers and heads the tickets land with), :mod:`.clocks` (due times, step lengths),
:mod:`.walk` (a ticket's state while it walks its workflow), :mod:`.routing` (where a
matter happens and which department gets it), :mod:`.simulate` (arrival
times, the walk through the policy pack, the ticket's columns), :mod:`.load` (number
reservation, ``COPY``/``bulk_create``, writer threads, ``ANALYZE``) and :mod:`.run`
(:func:`generate`).
"""

from __future__ import annotations

from hotline.demo.volume.common import GenerateResult, History, Progress
from hotline.demo.volume.org import ensure_org
from hotline.demo.volume.run import generate

__all__ = ["GenerateResult", "History", "Progress", "ensure_org", "generate"]
