"""Keeping secrets and recordings private.

- :func:`secrets_in` lists the credentials a run knows (the API key, and any
  password, user name or query value in the base URL); :func:`redact` replaces
  them, and ``Authorization`` / ``api-key`` header values, in any text.
- :func:`endpoint_without_credentials` is a base URL fit to be written down.
- :class:`SafeOutput` wraps stdout/stderr so nothing printed carries a secret or
  a raw terminal control sequence (an answer holding ANSI escapes is shown inert).
- :func:`private_dir` and :func:`create_private_file` make folders 0700 and files
  0600, the latter by exclusive creation that never follows a symbolic link.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import parse_qsl, urlsplit, urlunsplit

REDACTED = "[redacted]"
MIN_SECRET_CHARS = 4
"""Shorter values (``?v=1``) are not treated as secrets: replacing them would mangle text."""

_HEADER_VALUE = re.compile(
    r"(?i)\b(authorization|api[-_]key|x-api-key)(\s*[:=]\s*)(bearer\s+|basic\s+)?([^\s,;&\"'\\]+)"
)
_CREDENTIAL = re.compile(r"(?i)key|token|secret|passw|auth|sig|cred")
"""Query parameter names whose values are credentials."""
_CONTROL = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: ESC ] ... BEL or ESC \
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ ... final byte
    r"|\x1b[@-_]"  # other two-byte sequences
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
"""ANSI escape sequences (OSC, CSI, two-byte) and C0 control characters other than tab,
newline and return."""


def secrets_in(api_key: str | None, base_url: str | None) -> list[str]:
    """The credential strings of a configuration, longest first."""
    found: set[str] = set()
    if api_key and api_key.strip():
        found.add(api_key.strip())
    if base_url:
        parts = urlsplit(base_url)
        if parts.password:
            found.add(parts.password)
        found.update(value for name, value in parse_qsl(parts.query) if _CREDENTIAL.search(name))
    return sorted((s for s in found if len(s) >= MIN_SECRET_CHARS), key=len, reverse=True)


_KNOWN: set[str] = set()
"""Secrets met while loading settings (the config file may hold the key)."""


def note_secrets(secrets: Iterable[str]) -> None:
    _KNOWN.update(secrets)


def known_secrets() -> list[str]:
    """The secrets of the environment and of any settings loaded so far, longest first."""
    found = set(_KNOWN)
    found.update(secrets_in(os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL")))
    return sorted(found, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret and every credential header value replaced."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _HEADER_VALUE.sub(lambda m: f"{m[1]}{m[2]}{m[3] or ''}{REDACTED}", text)


def endpoint_without_credentials(url: str) -> str:
    """``url`` without user name, password, query string or fragment."""
    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def printable(text: str) -> str:
    """``text`` without terminal control sequences (tab, newline and return kept)."""
    return _CONTROL.sub("", text)


class SafeOutput:
    """A text stream that redacts known secrets and drops control sequences before writing."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(printable(redact(text, known_secrets())))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


# private files

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) readable by the owner only.

    A folder that already exists keeps its mode, except that a symbolic link in
    its place is refused (OSError), so files meant for it cannot land elsewhere.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        with suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)
    if path.is_symlink():
        raise OSError(40, "is a symbolic link", str(path))  # ELOOP
    return path


def create_private_file(path: Path) -> int:
    """Create ``path`` exclusively (0600, never through a symbolic link); returns the fd."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.open(path, flags, PRIVATE_FILE_MODE)


def tighten(path: Path, mode: int) -> None:
    """Set ``path``'s mode when it is more open than ``mode``; silent where that is impossible."""
    try:
        if path.exists() and not path.is_symlink() and path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except OSError:
        pass  # read-only file system, or not ours: reading still works


def open_private(path: Path) -> BinaryIO:
    """``path`` opened for writing (0600 when created), never through a symbolic link."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), "wb")
