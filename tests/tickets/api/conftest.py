"""Objects the API tests act on: a ticket in each organisation, with a reply and a note."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from model_bakery import baker

from tickets.comments import comment_add


@pytest.fixture
def ticket_b(customer_b):
    return baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)


@pytest.fixture
def conversation(ticket, agent, customer_a):
    """The org-A ticket with a customer reply, an agent reply and an internal note."""
    return SimpleNamespace(
        ticket=ticket,
        reply=comment_add(ticket=ticket, body="It still fails.", actor=customer_a.user, customer=customer_a),
        answer=comment_add(ticket=ticket, body="Try clearing the cache.", actor=agent.user),
        note=comment_add(ticket=ticket, body="Secret: customer is on legacy plan.", actor=agent.user, is_internal=True),
    )
