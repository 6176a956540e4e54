"""The API's request parsers: DRF's JSON, form and multipart parsers behind one input rule
(config/text_input.py). JSON nested deeper than MAX_JSON_DEPTH, or text holding a NUL or an
unpaired surrogate, is a 400 naming the field, before any view, serializer or database sees it."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from config.text_input import BAD_TEXT_MESSAGE, MAX_JSON_DEPTH, is_bad_text, json_problem


def _refuse(problem: tuple[str, str] | None) -> None:
    if problem is not None:
        field, message = problem
        raise ValidationError({field: [message]})


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels.") from exc
        _refuse(json_problem(data))
        return data


def _form_problem(data: Any) -> tuple[str, str] | None:
    for key, values in data.lists():
        for value in values:
            if is_bad_text(key) or (isinstance(value, str) and is_bad_text(value)):
                return key, BAD_TEXT_MESSAGE
    return None


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse(_form_problem(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse(_form_problem(parsed.data))
        return parsed
