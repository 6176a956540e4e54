"""The root URL and the API root answer something useful."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_desk(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_api_root_lists_docs_schema_and_resources(api_client):
    response = api_client.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert body["docs"] == "http://testserver/api/v1/docs/"
    assert body["schema"] == "http://testserver/api/v1/schema/"
    assert body["auth"] == "http://testserver/api/v1/auth/token/"
    assert body["resources"]["tickets"] == "http://testserver/api/v1/tickets/"
    assert body["resources"]["customers"] == "http://testserver/api/v1/customers/"
