"""Cc addresses of the email channel and agents who follow a ticket are one model (TicketFollower):
a Cc'd agent is an agent follower, a Cc'd colleague a customer follower, both listed by the same API,
and each is mailed by the same rule (agents: notes too; customers: public replies only)."""

from __future__ import annotations

import pytest
from model_bakery import baker

from agents.models import Role
from tickets.comments import comment_add
from tickets.inbound.services import inbound_email_process
from tickets.models import Ticket, TicketFollower

pytestmark = pytest.mark.django_db

RAW = b"""Return-Path: <alice@acme.example>
From: Alice Example <alice@acme.example>
To: Support <support@helpdesk.test>
Cc: Bob Colleague <bob@acme.example>, Fox Mulder <fox@support.example.com>
Subject: VPN drops every hour
Message-ID: <cc-one-model@acme.example>
Date: Mon, 1 Dec 2026 11:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Since this morning the VPN disconnects every hour.
"""


def _mail(mailoutbox) -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject.split("] ", 1)[-1]) for m in mailoutbox)


def test_cc_addresses_and_agent_followers_share_one_model(
    customer_a, make_agent, api_client_for, mailoutbox, django_capture_on_commit_callbacks
):
    bob = baker.make_recipe("tests.customers.customer", email="bob@acme.example", organization=customer_a.organization)
    fox = make_agent(Role.AGENT, email="fox@support.example.com", name="Fox Mulder")
    dana = make_agent(Role.AGENT, email="dana@support.example.com", name="Dana Scully")

    with django_capture_on_commit_callbacks(execute=True):
        result = inbound_email_process(raw=RAW)
    ticket = Ticket.objects.get(pk=result.ticket_id)
    rows = TicketFollower.objects.filter(ticket=ticket).order_by("email")
    assert [(f.email, f.customer_id, f.user_id, f.source) for f in rows] == [
        ("bob@acme.example", bob.pk, None, "email_cc"),
        ("fox@support.example.com", None, fox.user_id, "email_cc"),  # a Cc'd agent is an agent follower
    ]

    api = api_client_for(dana.user)
    assert api.post(f"/api/v1/tickets/{ticket.pk}/followers/", {}, format="json").status_code == 201
    listed = api.get(f"/api/v1/tickets/{ticket.pk}/followers/").json()
    assert [(f["email"], f["source"]) for f in listed] == [
        ("bob@acme.example", "email_cc"),
        ("dana@support.example.com", "manual"),
        ("fox@support.example.com", "email_cc"),
    ]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, actor=dana.user, body="Checking the VPN concentrator.", is_internal=True)
    assert _mail(mailoutbox) == [("fox@support.example.com", "Update on a ticket you follow: VPN drops every hour")]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, actor=fox.user, body="We replaced the VPN gateway.")
    assert _mail(mailoutbox) == [
        ("alice@acme.example", "Re: VPN drops every hour"),
        ("bob@acme.example", "Re: VPN drops every hour"),
        ("dana@support.example.com", "Update on a ticket you follow: VPN drops every hour"),
    ]
