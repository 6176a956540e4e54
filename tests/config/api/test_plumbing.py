"""config/api plumbing the endpoint tests reach only partly: the idempotency wrapper releasing its key
on an error answer, and the default pagination's ordering fallback."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from agents.models import Agent, Team
from config.api.idempotency import idempotent
from config.api.models import IdempotencyKey
from config.api.pagination import DefaultCursorPagination


def test_idempotent_releases_the_key_when_the_handler_answers_an_error(agent):
    factory = APIRequestFactory()
    raw = factory.post("/x/", {"a": 1}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    force_authenticate(raw, user=agent.user)
    request = Request(raw, parsers=[JSONParser()])
    request.user = agent.user
    response = idempotent(request, lambda: Response({"detail": "nope"}, status=409))
    assert response.status_code == 409
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize(
    ("model", "expected"),
    [pytest.param(Team, ("name",), id="meta-ordering"), pytest.param(Agent, ("-pk",), id="fallback-pk")],
)
def test_pagination_orders_by_model_when_the_view_declares_nothing(db, model, expected):
    paginator = DefaultCursorPagination()
    view = SimpleNamespace(filter_backends=[])
    assert paginator.get_ordering(None, model.objects.all(), view) == expected
