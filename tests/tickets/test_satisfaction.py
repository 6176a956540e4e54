"""CSAT: the survey mailed on resolving, its signed single-use expiring links, the rating on the
ticket (admin, API), the outbox event rules react to, and the figures in the reports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from freezegun import freeze_time

from notifications.models import OutboxEvent
from tickets import satisfaction
from tickets.models import Satisfaction, Status, TicketEvent
from tickets.services import ticket_change_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def resolved(make_ticket, agent, django_capture_on_commit_callbacks):
    ticket = make_ticket(title="Printer on fire", assignee=agent.user)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    return ticket


def _survey_mail():
    [message] = [m for m in mail.outbox if m.subject.endswith("How did we do? Printer on fire")]
    return message


def _link(message, rating: str) -> str:
    return re.search(rf"http://testserver(/portal/satisfaction/\S+\?rating={rating})", message.body).group(1)


def test_resolving_mails_the_customer_a_survey_with_good_and_bad_links(resolved):
    message = _survey_mail()
    assert message.to == ["alice@acme.example"]
    assert message.subject == f"[#{resolved.pk}] How did we do? Printer on fire"
    assert "Good: http://testserver/portal/satisfaction/" in message.body
    assert "Bad:  http://testserver/portal/satisfaction/" in message.body
    assert 'href="http://testserver/portal/satisfaction/' in message.alternatives[0][0]


def test_customers_who_opted_out_get_no_survey(make_ticket, agent, customer_a, django_capture_on_commit_callbacks):
    customer_a.email_opt_out = True
    customer_a.save()
    ticket = make_ticket(title="Printer on fire")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    assert [m for m in mail.outbox if "How did we do?" in m.subject] == []


def test_closing_without_resolving_sends_no_survey(make_ticket, agent, django_capture_on_commit_callbacks):
    ticket = make_ticket(title="Printer on fire")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    assert [m for m in mail.outbox if "How did we do?" in m.subject] == []


def test_the_link_shows_the_question_and_records_one_rating(client, resolved, django_capture_on_commit_callbacks):
    link = _link(_survey_mail(), "bad")
    page = client.get(link)  # opening records nothing (mail scanners open links)
    assert page.status_code == 200
    assert re.search(r'value="bad"[^>]*checked', page.content.decode())
    resolved.refresh_from_db()
    assert resolved.satisfaction == ""

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"rating": "bad", "comment": "Took three days."})
    assert response.status_code == 200
    assert "Thank you for your feedback" in response.content.decode()
    resolved.refresh_from_db()
    assert (resolved.satisfaction, resolved.satisfaction_comment) == (Satisfaction.BAD, "Took three days.")
    assert resolved.satisfaction_rated_at is not None
    event = OutboxEvent.objects.get(event="ticket.satisfaction_rated")
    assert (event.payload["rating"], event.payload["comment"], event.payload["ticket"]["id"]) == (
        "bad",
        "Took three days.",
        resolved.pk,
    )
    audit = TicketEvent.objects.get(ticket=resolved, field="satisfaction")
    assert (audit.old_value, audit.new_value, audit.note) == (None, "bad", "Took three days.")

    again = client.post(_link(_survey_mail(), "good"), {"rating": "good"})
    assert again.status_code == 410
    assert "This survey link no longer works" in again.content.decode()
    resolved.refresh_from_db()
    assert resolved.satisfaction == Satisfaction.BAD


def test_a_link_expires(client, resolved, settings):
    settings.CSAT_LINK_DAYS = 14
    link = _link(_survey_mail(), "good")
    with freeze_time(timezone.now() + timedelta(days=15)):
        assert client.get(link).status_code == 410
        assert client.post(link, {"rating": "good"}).status_code == 410


def test_a_reopened_ticket_gets_a_new_survey_and_the_old_link_dies(
    client, resolved, agent, django_capture_on_commit_callbacks
):
    old_link = _link(_survey_mail(), "good")
    client.post(old_link, {"rating": "bad"})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_change_status(ticket=resolved, actor=agent.user, status=Status.OPEN)
    assert client.get(old_link).status_code == 410
    mail.outbox.clear()
    with freeze_time(timezone.now() + timedelta(minutes=5)), django_capture_on_commit_callbacks(execute=True):
        ticket_change_status(ticket=ticket, actor=agent.user, status=Status.RESOLVED)
    new_link = _link(_survey_mail(), "good")
    with freeze_time(timezone.now() + timedelta(minutes=6)):
        assert client.post(new_link, {"rating": "good"}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.satisfaction == Satisfaction.GOOD


@pytest.mark.parametrize(
    ("token", "rating", "comment", "field"),
    [
        pytest.param("forged", "good", "", "token", id="forged-token"),
        pytest.param(None, "meh", "", "rating", id="bad-rating"),
        pytest.param(None, "good", "x" * 2001, "comment", id="comment-too-long"),
    ],
)
def test_the_service_refuses_bad_answers_naming_the_field(resolved, token, rating, comment, field):
    with pytest.raises(ValidationError) as exc:
        satisfaction.ticket_rate_satisfaction(
            token=token or satisfaction.survey_token(resolved), rating=rating, comment=comment
        )
    assert list(exc.value.message_dict) == [field]
    resolved.refresh_from_db()
    assert resolved.satisfaction == ""


def test_a_bad_form_is_a_400_naming_the_field(client, resolved):
    response = client.post(_link(_survey_mail(), "good"), {"rating": "meh"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_rating_is_on_the_ticket_in_the_api(api_agent, resolved):
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="good", comment="Quick!")
    body = api_agent.get(f"/api/v1/tickets/{resolved.pk}/").json()
    assert body["satisfaction"]["rating"] == "good"
    assert body["satisfaction"]["comment"] == "Quick!"
    assert body["satisfaction"]["rated_at"] is not None


def test_an_unrated_ticket_has_no_satisfaction_in_the_api(api_agent, make_ticket):
    ticket = make_ticket()
    assert api_agent.get(f"/api/v1/tickets/{ticket.pk}/").json()["satisfaction"] is None


def test_the_rating_shows_on_the_agents_ticket_page(admin_client_, resolved):
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="bad", comment="Slow.")
    page = admin_client_.get(f"/admin/tickets/ticket/{resolved.pk}/change/").content.decode()
    assert 'id="ws-satisfaction"' in page
    assert "Slow." in page


# --- CSAT in the reports --------------------------------------------------------------------------


def _rated(make_ticket, rating, **fields):
    return make_ticket(satisfaction=rating, satisfaction_rated_at=timezone.now(), **fields)


def test_csat_per_team_and_in_the_totals(make_ticket, make_agent):
    from model_bakery import baker

    from tickets import reports

    red, blue = baker.make_recipe("tests.agents.team", name="Red"), baker.make_recipe("tests.agents.team", name="Blue")
    for rating, team in [("good", red), ("good", red), ("bad", red), ("bad", blue)]:
        _rated(make_ticket, rating, team=team)
    make_ticket(team=blue)  # not rated: not counted
    start, end = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    rows = {
        r["label"]: (r["csat_good"], r["csat_rated"], r["csat_percent"])
        for r in reports.report_rows(dimension="team", start=start, end=end, user=None)
    }
    assert rows == {"Red": (2, 3, 66.7), "Blue": (0, 1, 0.0)}
    totals = reports.report_totals(start=start, end=end, user=None)
    assert (totals["csat_good"], totals["csat_rated"], totals["csat_percent"]) == (2, 4, 50.0)


def test_csat_on_the_reports_page_and_the_dashboard(admin_client_, make_ticket):
    _rated(make_ticket, "good")
    _rated(make_ticket, "bad")
    page = admin_client_.get("/admin/tickets/ticket/reports/").content.decode()
    assert 'data-total="csat">50.0% (1/2)' in page
    dashboard = admin_client_.get("/admin/").content.decode()
    assert 'data-figure="csat">50.0% (1/2)' in dashboard


# --- rules react to ratings -----------------------------------------------------------------------


def test_a_trigger_reopens_a_ticket_rated_bad(resolved):
    from tickets.models import Trigger
    from tickets.rules.services import rule_save

    rule_save(
        rule=Trigger(
            name="Reopen on a bad rating",
            conditions={
                "all": [
                    {"field": "event", "operator": "is", "value": "satisfaction_rated"},
                    {"field": "satisfaction", "operator": "is", "value": "bad"},
                ],
                "any": [],
            },
            actions=[{"action": "set_status", "value": "open"}],
        ),
        actor=None,
    )
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="bad", comment="No.")
    resolved.refresh_from_db()
    assert (resolved.status, resolved.satisfaction) == (Status.OPEN, Satisfaction.BAD)


def test_a_good_rating_leaves_the_ticket_resolved_under_the_same_trigger(resolved):
    from tickets.models import Trigger
    from tickets.rules.services import rule_save

    rule_save(
        rule=Trigger(
            name="Reopen on a bad rating",
            conditions={
                "all": [
                    {"field": "event", "operator": "is", "value": "satisfaction_rated"},
                    {"field": "satisfaction", "operator": "is", "value": "bad"},
                ],
                "any": [],
            },
            actions=[{"action": "set_status", "value": "open"}],
        ),
        actor=None,
    )
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="good")
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED
