"""What an uploaded file is and what it may be called: the content type comes from the bytes
(magic numbers, the `filetype` library), never from the client, and names lose everything that
could act as a path or break a header or the database."""

from __future__ import annotations

import unicodedata
from pathlib import PurePosixPath
from typing import Any

import filetype

SNIFF_BYTES = 8192
MAX_NAME = 255
# Formats without a magic number: the client's word is taken only among these, and only for bytes
# that look like text; any other text is text/plain.
TEXT_TYPES = frozenset({"text/plain", "text/csv", "application/json", "message/rfc822"})
BINARY = "application/octet-stream"


def _head(upload: Any) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(SNIFF_BYTES) or b""
    upload.seek(position)
    return head if isinstance(head, bytes) else head.encode()


def detect_content_type(upload: Any) -> str:
    """The type the bytes show: a known magic number wins (a PNG stays image/png whatever the client
    said; an executable named .pdf is not a PDF); bytes without one are text when they hold no NUL,
    then the claimed text type is kept (CSV, JSON, mail) or text/plain; anything else is binary."""
    head = _head(upload)
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return str(kind.mime)
    if b"\x00" in head:
        return BINARY
    claimed = (getattr(upload, "content_type", None) or "").split(";", 1)[0].strip().lower()
    return claimed if claimed in TEXT_TYPES else "text/plain"


def safe_filename(name: str | None) -> str:
    """The last part of a client's file name (`\\` counts as a separator too), without control,
    format or surrogate characters, leading dots or outer spaces, at most 255 characters with the
    extension kept; `file` when nothing is left."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    base = base.strip().lstrip(".").strip()
    if len(base) > MAX_NAME:
        suffix = PurePosixPath(base).suffix[:20]
        base = base[: MAX_NAME - len(suffix)] + suffix
    return base or "file"
