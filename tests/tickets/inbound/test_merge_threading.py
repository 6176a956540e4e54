"""Mail answering a merged ticket's thread lands on the ticket it was merged into."""

from __future__ import annotations

import pytest

from tests.tickets.inbound.test_services import _raw
from tickets.inbound.services import inbound_email_process
from tickets.models import Comment
from tickets.ticket_merge import ticket_merge


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"subject": "Re: [#{source}] Printer"}, id="subject-reference"),
        pytest.param(
            {"subject": "Re: printer", "In_Reply_To": "<ticket-{source}.abcdef@helpdesk.test>"}, id="in-reply-to"
        ),
    ],
)
def test_a_reply_to_the_source_lands_on_the_target(make_ticket, agent, headers):
    source, target = make_ticket(), make_ticket()
    ticket_merge(source=source, target=target, actor=agent.user)
    filled = {name: value.format(source=source.pk) for name, value in headers.items()}
    result = inbound_email_process(raw=_raw(sender=source.customer.email, body="Any news?", **filled))
    assert (result.action, result.ticket_id) == ("reply", target.pk)
    assert Comment.objects.get(pk=result.comment_id).ticket_id == target.pk


def test_the_source_customer_of_another_organisation_still_replies_on_the_target(make_ticket, agent, customer_b):
    target = make_ticket()
    source = make_ticket(customer=customer_b, organization=customer_b.organization)
    ticket_merge(source=source, target=target, actor=agent.user, confirm_organization_mismatch=True)
    result = inbound_email_process(raw=_raw(sender=customer_b.email, subject=f"Re: [#{source.pk}] x", body="Hello?"))
    assert (result.action, result.ticket_id) == ("reply", target.pk)
    assert Comment.objects.get(pk=result.comment_id).customer_id == customer_b.pk
