"""Static files with content hashes in their names, compressed, served by WhiteNoise.

``collectstatic`` (run by ``hotline serve``) writes each file as ``name.<hash>.ext`` with
gzip copies and a manifest; pages link the hashed names, which WhiteNoise serves with a
year-long ``Cache-Control: immutable``. A new release changes the hash, so no browser keeps
an old file. Where nothing has been collected (tests, ``runserver`` on a fresh checkout)
the plain names are linked instead of failing.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(
    patterns: tuple[tuple[str, tuple[Any, ...]], ...],
) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    kept = []
    for glob, rules in patterns:
        rules = tuple(r for r in rules if "sourceMappingURL" not in (r[0] if isinstance(r, tuple) else r))
        if rules:
            kept.append((glob, rules))
    return tuple(kept)


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # whitenoise ships no type information
    # The vendored Bootstrap names source maps that scripts/assets does not copy (nobody
    # debugs Bootstrap here): leave those comments alone instead of failing on the missing
    # file. url() and @import in CSS are still rewritten to the hashed names.
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest: collectstatic has not run here
            return name
        return str(super().stored_name(name))
