"""Every policy pack this process knows, loaded once (lazily, thread-safe).

Packs come from ``hotline/policies/packs/*.yaml`` and from each directory listed in the
environment variable ``HOTLINE_POLICY_DIRS`` (separated by ``os.pathsep``). A broken pack
is never skipped: the first lookup raises :class:`PackError` (and so does every later one
until it is fixed), so a typo cannot silently fall back to other rules.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from hotline.core.errors import ConfigurationError, InvalidInput
from hotline.policies.errors import PackError, PackIssue
from hotline.policies.loader import load_pack
from hotline.policies.schema import Pack

PACKS_DIR = Path(__file__).resolve().parent / "packs"
ENV_VAR = "HOTLINE_POLICY_DIRS"

_lock = threading.Lock()
_packs: Mapping[str, Pack] | None = None


def pack_dirs() -> list[Path]:
    """The shipped directory, then each directory of ``HOTLINE_POLICY_DIRS`` in order."""
    dirs = [PACKS_DIR]
    for entry in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if not entry.strip():
            continue
        path = Path(entry.strip()).expanduser()
        if not path.is_dir():
            raise ConfigurationError(
                f"{ENV_VAR}: '{entry}' is not a directory", code="policy_dir_missing", path=entry
            )
        dirs.append(path)
    return dirs


def pack_files() -> list[Path]:
    """Every ``*.yaml`` file of :func:`pack_dirs`, sorted by name within each directory."""
    return [file for directory in pack_dirs() for file in sorted(directory.glob("*.yaml"))]


def load_all() -> dict[str, Pack]:
    """Load and validate every pack now (no cache). Raises :class:`PackError` on the first
    broken file, or when two files define the same code."""
    packs: dict[str, Pack] = {}
    for file in pack_files():
        pack = load_pack(file)
        if pack.code in packs:
            raise PackError(
                file.name,
                [
                    PackIssue(
                        "code", f"pack '{pack.code}' is defined twice: {packs[pack.code].path} and {file}"
                    )
                ],
            )
        packs[pack.code] = pack
    return packs


def _loaded() -> Mapping[str, Pack]:
    global _packs
    packs = _packs
    if packs is None:
        with _lock:
            if _packs is None:
                _packs = MappingProxyType(load_all())
            packs = _packs
    return packs


def reset() -> None:
    """Forget the loaded packs; the next lookup loads them again (tests, after editing a pack)."""
    global _packs
    with _lock:
        _packs = None


def get_pack(code: str) -> Pack:
    pack = _loaded().get(code)
    if pack is None:
        raise InvalidInput(f"未知的政策包“{code}”", code="unknown_policy_pack", field="policy")
    return pack


def all_packs() -> list[Pack]:
    """Every pack, by code."""
    packs = _loaded()
    return [packs[code] for code in sorted(packs)]


def pack_choices() -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a select box."""
    return [(pack.code, pack.name) for pack in all_packs()]
