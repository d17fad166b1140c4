"""The one error a bad policy pack raises: it names the file and the path inside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from hotline.core.errors import ConfigurationError


class PackIssue(NamedTuple):
    """One problem in a pack: ``path`` is dotted (``workflows.standard.stages.x``), ``""``
    for the file as a whole."""

    path: str
    message: str

    def render(self, file: str) -> str:
        return f"{file}: {self.path}: {self.message}" if self.path else f"{file}: {self.message}"


class PackError(ConfigurationError):
    """A policy pack failed to load. Nothing of it is used (all or nothing).

    ``str(error)`` is one line per problem, each ``<file>: <path>: <problem>``, e.g.
    ``enterprise.yaml: workflows.standard.stages.handling.actions.reply.to: unknown stage 'replyed'``.
    """

    code = "policy_pack_invalid"
    title = "政策包配置错误"

    def __init__(self, file: str, issues: Sequence[PackIssue]) -> None:
        self.file = file
        self.issues = tuple(issues) or (PackIssue("", "invalid policy pack"),)
        lines = [issue.render(file) for issue in self.issues]
        if len(lines) > 1:
            lines.insert(0, f"{file}: {len(lines)} problems")
        super().__init__("\n".join(lines), file=file)
