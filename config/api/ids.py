"""Ids from the URL. Routes under /tickets/{ticket_pk}/ take the id as text so that a bad one is a
plain 404 from the view, not Django's HTML page; `str.isdigit()` was not enough for that, since it
accepts characters `int()` refuses (superscripts such as "²", a 500)."""

from __future__ import annotations

import re

from django.http import Http404

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits, within a 64-bit primary key


def id_or_none(value: object) -> int | None:
    """The id `value` spells, or None when it is not a plain (ASCII, positive) whole number."""
    text = str(value)
    return int(text) if _ID.fullmatch(text) else None


def id_or_404(value: object) -> int:
    pk = id_or_none(value)
    if pk is None:
        raise Http404
    return pk
