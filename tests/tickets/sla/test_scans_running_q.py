"""Which tickets' clocks run, per metric (tickets/sla/scans.py running_q): a ticket's own policy
pauses a clock in the statuses it lists; tickets without a policy follow the default one. The
expected sets are written out by hand for a table of (policy, status) tickets (found by mutation
testing)."""

from __future__ import annotations

import pytest
from django.db.models import Q
from model_bakery import baker

from tests.tickets.conftest import sla_defaults_create
from tickets.models import SLAPolicy, Ticket
from tickets.sla import scans

pytestmark = pytest.mark.django_db

# ticket key: (policy, status); policy None is a ticket without one (it follows the default).
TICKETS = {
    "default-open": ("default", "open"),
    "default-pending": ("default", "pending"),
    "default-on_hold": ("default", "on_hold"),
    "hold-open": ("hold", "open"),
    "hold-on_hold": ("hold", "on_hold"),
    "hold-pending": ("hold", "pending"),
    "chat-pending": ("chat", "pending"),
    "chat-on_hold": ("chat", "on_hold"),
    "none-pending": (None, "pending"),
    "none-on_hold": (None, "on_hold"),
}
RUNNING = {
    # default pauses first response in pending (and so do tickets without a policy); hold: on hold
    "first_response": {
        "default-open",
        "default-on_hold",
        "hold-open",
        "hold-pending",
        "chat-pending",
        "chat-on_hold",
        "none-on_hold",
    },
    # only chat pauses the next reply (pending)
    "next_reply": set(TICKETS) - {"chat-pending"},
    # default: pending and on hold; hold: never; chat: pending
    "resolution": {"default-open", "hold-open", "hold-on_hold", "hold-pending", "chat-on_hold"},
}


@pytest.fixture
def tickets(customer_a) -> dict[str, Ticket]:
    sla_defaults_create()  # the shipped default policy (a transactional test may have flushed it)
    default = SLAPolicy.objects.get(is_default=True)
    default.pause_statuses = {"first_response": ["pending"], "next_reply": [], "resolution": ["on_hold", "pending"]}
    default.save()
    policies = {
        "default": default,
        "hold": SLAPolicy.objects.create(
            name="Hold",
            position=1,
            pause_statuses={"first_response": ["on_hold"], "next_reply": [], "resolution": []},
        ),
        "chat": SLAPolicy.objects.create(
            name="Chat",
            position=2,
            pause_statuses={"first_response": [], "next_reply": ["pending"], "resolution": ["pending"]},
        ),
        None: None,
    }
    return {
        key: baker.make_recipe("tests.tickets.ticket", customer=customer_a, sla_policy=policies[name], status=status)
        for key, (name, status) in TICKETS.items()
    }


def running(tickets: dict[str, Ticket], metric: str) -> set[str]:
    pks = set(Ticket.objects.filter(scans.running_q(metric)).values_list("pk", flat=True))
    return {key for key, ticket in tickets.items() if ticket.pk in pks}


@pytest.mark.parametrize("metric", list(RUNNING))
def test_running_clocks_per_metric(tickets, metric):
    assert running(tickets, metric) == RUNNING[metric]


def test_no_policy_pausing_a_metric_is_no_condition(tickets):
    SLAPolicy.objects.filter(name="Chat").delete()

    assert scans.running_q("next_reply") == Q()
    assert running(tickets, "next_reply") == set(TICKETS)  # the chat tickets lost their policy


def test_a_metric_no_policy_lists_runs_everywhere(tickets):
    assert scans.running_q("escalation") == Q()
