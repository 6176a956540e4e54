"""The API's orjson renderer writes the bytes DRF's JSONRenderer wrote: each case below has its
expected output written out, and DRF's own renderer must agree with it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from config.api.renderers import FastJSONRenderer

CASES = [
    pytest.param({"a": 1, "b": [True, None, "x"]}, b'{"a":1,"b":[true,null,"x"]}', id="compact"),
    pytest.param({"name": "Zoë ☃ 日本"}, '{"name":"Zoë ☃ 日本"}'.encode(), id="utf-8-not-escaped"),
    pytest.param({"s": "a\u2028b\u2029c"}, b'{"s":"a\\u2028b\\u2029c"}', id="line-separators-escaped"),
    pytest.param({"s": 'quote " and \\ and \n'}, b'{"s":"quote \\" and \\\\ and \\n"}', id="escapes"),
    pytest.param(
        {"at": datetime(2026, 3, 1, 9, 30, 5, 123456, tzinfo=UTC)},
        b'{"at":"2026-03-01T09:30:05.123456Z"}',
        id="utc-datetime-as-z",
    ),
    pytest.param(
        {"at": datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2)))},
        b'{"at":"2026-03-01T09:30:00+02:00"}',
        id="offset-datetime",
    ),
    pytest.param({"day": date(2026, 12, 24), "t": time(8, 15)}, b'{"day":"2026-12-24","t":"08:15:00"}', id="date-time"),
    pytest.param({"d": timedelta(minutes=90)}, b'{"d":"5400.0"}', id="timedelta-seconds"),
    pytest.param({"x": Decimal("12.50")}, b'{"x":12.5}', id="decimal-as-number"),
    pytest.param(
        {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        b'{"id":"12345678-1234-5678-1234-567812345678"}',
        id="uuid",
    ),
    pytest.param({"msg": gettext_lazy("Not found.")}, b'{"msg":"Not found."}', id="lazy-string"),
    pytest.param({1: "one", 2: "two"}, b'{"1":"one","2":"two"}', id="int-keys"),
    pytest.param({"n": 2**70}, b'{"n":1180591620717411303424}', id="beyond-64-bits-via-drf"),
    pytest.param({"f": 0.1, "g": 2.5, "h": -3.0}, b'{"f":0.1,"g":2.5,"h":-3.0}', id="floats"),
    pytest.param(
        ReturnList([ReturnDict({"id": 1}, serializer=None)], serializer=None), b'[{"id":1}]', id="serializer-data"
    ),
    pytest.param({"t": (1, 2)}, b'{"t":[1,2]}', id="tuple"),
]


@pytest.mark.parametrize(("data", "expected"), CASES)
def test_same_bytes_as_drf(data, expected):
    assert FastJSONRenderer().render(data, "application/json") == expected
    assert JSONRenderer().render(data, "application/json") == expected


def test_nothing_renders_as_empty_body():
    assert FastJSONRenderer().render(None) == b""


def test_an_indent_request_is_drf_indented_output():
    rendered = FastJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert rendered == b'{\n  "a": [\n    1\n  ]\n}'


def test_api_responses_use_it(api_agent, ticket):
    response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response["Content-Type"] == "application/json"
    assert response.content == JSONRenderer().render(response.data)
