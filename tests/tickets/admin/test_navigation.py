"""The sidebar by role (tickets/admin/navigation.py) and the Operations tables' permission."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agents.models import Role

pytestmark = pytest.mark.django_db

COMMON = ["Work", "Desk", "Knowledge base", "Jobs"]


@pytest.mark.parametrize(
    ("role", "sections"),
    [
        pytest.param(Role.VIEWER, COMMON, id="viewer"),
        pytest.param(Role.AGENT, COMMON, id="agent"),
        pytest.param(Role.SENIOR_AGENT, ["Work", "Desk", "Knowledge base", "Reports", "Jobs"], id="senior-agent"),
        pytest.param(
            Role.ADMIN, ["Work", "Desk", "Knowledge base", "Reports", "Jobs", "Configuration", "Operations"], id="admin"
        ),
    ],
)
def test_sidebar_sections_by_role(client, login, role, sections):
    login(role)
    navigation = client.get(reverse("admin:index")).context["sidebar_navigation"]
    assert [group["title"] for group in navigation] == sections
    titles = [item["title"] for group in navigation for item in group["items"]]
    assert titles.count("API keys") == (1 if role == Role.ADMIN else 0)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        pytest.param(Role.VIEWER, 403, id="viewer"),
        pytest.param(Role.AGENT, 403, id="agent"),
        pytest.param(Role.SENIOR_AGENT, 403, id="senior-agent"),
        pytest.param(Role.ADMIN, 200, id="admin"),
    ],
)
@pytest.mark.parametrize("model", ["outboxevent", "consumerrun", "webhookdelivery", "emaillog"])
def test_operations_tables_are_for_admins(client, login, role, status, model):
    login(role)
    assert client.get(reverse(f"admin:notifications_{model}_changelist")).status_code == status


def test_the_api_key_library_page_is_not_registered(admin_client_):
    assert admin_client_.get("/admin/rest_framework_api_key/apikey/").status_code == 404
