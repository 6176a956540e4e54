"""One rule for text coming in from outside (API bodies, admin forms, inbound email): no NUL
characters and no unpaired UTF-16 surrogates, and JSON no deeper than `MAX_JSON_DEPTH`.

PostgreSQL can store neither a NUL (text and jsonb refuse it) nor a lone surrogate (it is not
valid UTF-8), and deeply nested JSON makes Python recurse past its limit; each used to surface as
a 500. The API refuses them with a 400 naming the field (config/api/parsers.py), forms through
`validate_clean_text`, and inbound email, which cannot be refused, is cleaned with `clean_text`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError

MAX_JSON_DEPTH = 32
BAD_TEXT_MESSAGE = "Must not contain NUL characters or unpaired surrogates."
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def is_bad_text(value: str) -> bool:
    """True when `value` holds a NUL or a surrogate code point (a valid pair is decoded to one
    code point by Python's JSON and form decoders, so any surrogate left is unpaired)."""
    return _BAD_CHARACTER.search(value) is not None


def clean_text(value: str) -> str:
    """`value` with NULs removed and lone surrogates replaced by U+FFFD (for input that must be
    kept rather than refused, such as an email someone sent)."""
    return _BAD_CHARACTER.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", value)


def _walk(value: Any) -> Iterator[tuple[str, Any, int]]:
    """Every node of a parsed JSON value (dict keys included) with its dotted path and its depth
    (the number of containers around it), without recursion."""
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        path, node, depth = stack.pop()
        yield path, node, depth
        if isinstance(node, dict):
            children = [(str(key), child) for key, child in node.items()]
            for key in node:
                yield (f"{path}.{key}" if path else str(key)), key, depth + 1
        elif isinstance(node, list | tuple):
            children = [(str(index), child) for index, child in enumerate(node)]
        else:
            continue
        stack.extend(((f"{path}.{name}" if path else name), child, depth + 1) for name, child in children)


def json_problem(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> tuple[str, str] | None:
    """The first problem in a parsed JSON document as (field, message), or None: the field is the
    top-level key (what a client sent), the message names the nested path when there is one."""
    for path, node, depth in _walk(value):
        field, _, rest = path.partition(".")
        if not isinstance(value, dict):  # a top-level list has no field names
            field, rest = "", path
        if isinstance(node, dict | list | tuple) and depth >= max_depth:
            return field or "non_field_errors", f"Nested deeper than {max_depth} levels."
        if isinstance(node, str) and is_bad_text(node):
            return field or "non_field_errors", BAD_TEXT_MESSAGE + (f" (at {path})" if rest else "")
    return None


def validate_clean_text(value: Any) -> None:
    """Django validator (model and form fields, including JSON ones): refuse NUL and lone surrogates
    anywhere in the value, and JSON nested too deeply."""
    if isinstance(value, str):
        if is_bad_text(value):
            raise ValidationError(BAD_TEXT_MESSAGE, code="bad_text")
        return
    problem = json_problem(value)
    if problem is not None:
        raise ValidationError(problem[1], code="bad_text")
