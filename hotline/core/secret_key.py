"""The signing key of an installation, when ``HOTLINE_SECRET_KEY`` does not give one.

Sessions, CSRF and the portal's signed tokens (the form token, the rating and survey links)
are only as secret as ``SECRET_KEY``. A key written in the source is public: with it anyone
forges a survey link and reads a ticket's progress without its query code. So without
``HOTLINE_SECRET_KEY`` each installation makes its own random key once, in
``HOTLINE_HOME/secret_key`` (mode 0600; ``HOTLINE_HOME`` is ``./var`` by default, which git
ignores), and reads it on every later start.

Imported by ``hotline.settings``: nothing here may import Django.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import warnings
from pathlib import Path
from typing import Final

KEY_FILE: Final = "secret_key"
# The key this project once shipped in settings.py, and so anyone may know: never good
# enough beyond loopback (``hotline.core.checks.secret_key_is_default``).
EMBEDDED_KEY: Final = "hotline-embedded-insecure-key-change-me-in-production"
KNOWN_KEYS: Final = frozenset({EMBEDDED_KEY, ""})
_KEY_CHARS = 64  # secrets.token_urlsafe(48): 384 random bits


def is_known_key(key: str) -> bool:
    """True for a key that is public (shipped in a source file), so signs nothing safely."""
    return key.strip() in KNOWN_KEYS


def installation_key(home: Path) -> str:
    """This installation's key from ``home/secret_key``, made on the first call.

    Several processes may start at once: the key is written to a private temporary file
    and linked into place, so the first one wins and everyone reads a complete key. When
    ``home`` cannot be written (a read-only install), the public ``EMBEDDED_KEY`` comes
    back with a warning: fine on loopback, refused anywhere else.
    """
    path = home / KEY_FILE
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        return _fallback(f"cannot read {path}: {exc}")
    try:
        home.mkdir(parents=True, exist_ok=True)
        _create(path)
        return _read(path)
    except OSError as exc:
        return _fallback(f"cannot write {path}: {exc}")


def _read(path: Path) -> str:
    for _ in range(50):  # a key being linked into place by another process is complete
        key = path.read_text(encoding="ascii").strip()
        if key:
            if path.stat().st_mode & 0o077:
                with contextlib.suppress(OSError):  # someone else's file: leave it be
                    path.chmod(0o600)
            return key
        time.sleep(0.01)
    raise OSError(f"{path} is empty")


def _create(path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(_KEY_CHARS * 3 // 4) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: use theirs
            os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _fallback(reason: str) -> str:
    warnings.warn(
        f"HOTLINE_SECRET_KEY is not set and {reason}; using the public embedded key "
        "(serving beyond loopback is refused until HOTLINE_SECRET_KEY is set)",
        RuntimeWarning,
        stacklevel=3,
    )
    return EMBEDDED_KEY
