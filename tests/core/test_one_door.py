"""Nothing outside the ticket core writes tickets or their history (the one door, ADR 0004).

A static read of the package: outside ``hotline.workflow`` (the commands) and the models and
migrations of ``hotline.tickets``, no code creates, updates, deletes or saves a ``Ticket`` or
a ``TicketEvent``, and nobody but the core calls ``record_event``. The volume generator
(``hotline.demo.volume``) bulk-loads rows it computed with the core's own rules for the
benchmarks and is the one named exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

import hotline

ROOT = Path(hotline.__file__).parent
CORE = ("workflow/",)
ALLOWED = ("tickets/models.py", "tickets/migrations/", "demo/volume/")
WRITES = {"create", "bulk_create", "update", "bulk_update", "delete", "get_or_create", "update_or_create"}
TICKET_NAMES = {"ticket", "locked_ticket"}


def _outside_core() -> list[Path]:
    files = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(CORE) or rel.startswith(ALLOWED):
            continue
        files.append(path)
    return files


def _writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "hotline.workflow.events":
            if any(alias.name == "record_event" for alias in node.names):
                found.append(f"line {node.lineno}: imports record_event")
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver = ast.unparse(node.func.value)
        method = node.func.attr
        on_model = receiver.startswith(("Ticket.objects", "TicketEvent.objects"))
        if on_model and method in WRITES:
            found.append(f"line {node.lineno}: {receiver}.{method}()")
        if method == "save" and receiver in TICKET_NAMES:
            found.append(f"line {node.lineno}: {receiver}.save()")
    return found


def test_nothing_outside_the_core_writes_tickets_or_events() -> None:
    offenders = {str(path.relative_to(ROOT)): hits for path in _outside_core() if (hits := _writes(path))}
    assert offenders == {}


def test_the_guard_sees_a_write(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from hotline.workflow.events import record_event\n"
        "def f(ticket):\n"
        "    ticket.save()\n"
        "    Ticket.objects.filter(pk=1).update(stage='x')\n"
        "    TicketEvent.objects.create(seq=1)\n"
    )
    assert len(_writes(sample)) == 4
