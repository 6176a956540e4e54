"""Least privilege: who a ticket may be assigned to by hand, and who may dump tickets in bulk."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agents.models import Role
from agents.services import api_key_create
from config.exceptions import ApplicationError
from tickets import exports, services
from tickets.models import ExportJob


def _assignee(kind: str, make_agent, customer_b):
    if kind == "api-key":
        return api_key_create(name="Integration", role=Role.AGENT)[0].user
    if kind == "customer":
        return customer_b.user
    if kind == "inactive-agent":
        agent = make_agent(Role.AGENT)
        agent.user.is_active = False
        agent.user.save(update_fields=["is_active"])
        return agent.user
    if kind == "unavailable-agent-at-capacity":
        agent = make_agent(Role.AGENT)
        agent.is_available, agent.max_open_tickets = False, 0
        agent.save(update_fields=["is_available", "max_open_tickets"])
        return agent.user
    return make_agent(kind).user


@pytest.mark.parametrize(
    ("kind", "refusal"),
    [
        pytest.param(Role.ADMIN, None, id="admin"),
        pytest.param(Role.SENIOR_AGENT, None, id="senior-agent"),
        pytest.param(Role.AGENT, None, id="agent"),
        pytest.param("unavailable-agent-at-capacity", None, id="manual-overrides-availability-and-capacity"),
        pytest.param(Role.VIEWER, "Tickets cannot be assigned to a viewer (the role is read-only).", id="viewer"),
        pytest.param("api-key", "Tickets cannot be assigned to an API key.", id="api-key-service-user"),
        pytest.param("inactive-agent", "Tickets can only be assigned to active agents.", id="inactive-agent"),
        pytest.param("customer", "Tickets can only be assigned to active agents.", id="customer"),
    ],
)
def test_manual_assignment_only_to_active_working_agents(ticket, agent, make_agent, customer_b, kind, refusal):
    assignee = _assignee(kind, make_agent, customer_b)

    if refusal is None:
        assert services.ticket_assign(ticket=ticket, actor=agent.user, assignee=assignee).assignee == assignee
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.ticket_assign(ticket=ticket, actor=agent.user, assignee=assignee)
        assert excinfo.value.message_dict == {"assignee": [refusal]}
        ticket.refresh_from_db()
        assert ticket.assignee is None


@pytest.mark.parametrize(
    "kind", [pytest.param(Role.VIEWER, id="viewer"), pytest.param("api-key", id="api-key-service-user")]
)
def test_the_api_refuses_assigning_to_a_viewer_or_an_api_key(api_agent, ticket, make_agent, customer_b, kind):
    assignee = _assignee(kind, make_agent, customer_b)

    by_assign = api_agent.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"agent": assignee.pk}, format="json")
    by_patch = api_agent.patch(f"/api/v1/tickets/{ticket.pk}/", {"assignee": assignee.pk}, format="json")

    message = f"No active agent with id {assignee.pk} may be assigned tickets."
    assert (by_assign.status_code, by_assign.json()) == (400, {"agent": [message]})
    assert (by_patch.status_code, by_patch.json()) == (400, {"assignee": [message]})


def test_a_viewer_may_not_export(viewer_agent):
    with pytest.raises(ApplicationError) as excinfo:
        exports.export_job_create(actor=viewer_agent.user, format="csv")

    assert excinfo.value.http_status == 403
    assert not ExportJob.objects.exists()


def test_an_export_queued_by_a_since_demoted_agent_is_refused(agent, django_capture_on_commit_callbacks):
    job = exports.export_job_create(actor=agent.user, format="csv")
    agent.role = Role.VIEWER
    agent.save(update_fields=["role"])

    exports.export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.error) == (
        "failed",
        "Refused: the requester's role is now viewer, which may not change tickets.",
    )
