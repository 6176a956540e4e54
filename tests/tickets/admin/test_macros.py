"""Macros in the admin: list, add, change; agents keep personal macros, seniors edit shared ones."""

from __future__ import annotations

import pytest

from agents.models import Role
from tickets.models.macros import Macro

URL = "/admin/tickets/macro/"


def form(**data):
    base = {
        "name": "Refund issued",
        "visibility": "public",
        "body": "Hi {{ customer_name }},\r\nyour refund is on its way.",
        "set_status": "resolved",
        "set_priority": "",
        "add_tags": "refund, done",
        "remove_tags": "",
        "is_active": "on",
    }
    base.update(data)
    return base


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.SENIOR_AGENT, Role.ADMIN])
def test_changelist_and_search_render(client, login, role):
    Macro.objects.create(name="Shared one", body="x", set_status="pending", add_tags=["a"], remove_tags=["b"])
    login(role)
    response = client.get(URL, {"q": "Shared"})
    assert response.status_code == 200
    assert "Shared one" in response.content.decode()
    assert "status → pending; +a; -b" in response.content.decode()


def test_senior_agent_adds_a_shared_macro(client, login):
    login(Role.SENIOR_AGENT)
    response = client.post(f"{URL}add/", form(owner=""))
    assert response.status_code == 302, response.content.decode()
    macro = Macro.objects.get()
    assert (macro.owner, macro.add_tags, macro.body) == (
        None,
        ["refund", "done"],
        "Hi {{ customer_name }},\nyour refund is on its way.",
    )


def test_an_agents_macro_is_personal(client, login):
    agent = login(Role.AGENT)
    assert client.post(f"{URL}add/", form()).status_code == 302
    assert Macro.objects.get().owner == agent.user


def test_agent_cannot_change_a_shared_macro(client, login):
    shared = Macro.objects.create(name="Shared", body="x")
    login(Role.AGENT)
    response = client.post(f"{URL}{shared.pk}/change/", form(name="Hijacked"))
    assert response.status_code == 403
    assert Macro.objects.get().name == "Shared"


def test_unknown_placeholder_is_a_form_error(client, login):
    login(Role.ADMIN)
    response = client.post(f"{URL}add/", form(body="Hello {{ password }}"))
    assert response.status_code == 200
    assert "Unknown placeholder(s): password." in response.content.decode()
    assert Macro.objects.count() == 0
