"""Suggestions while typing a new request's subject, and deflection: an opened suggestion that no
request followed; the rate in the reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tickets import reports
from tickets.knowledge import services as kb
from tickets.knowledge.models import KBCategory, Section
from tickets.models import Deflection, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(make_agent):
    author = make_agent("agent").user
    section = Section.objects.create(
        category=KBCategory.objects.create(name="Account", slug="account"), name="Sign-in", slug="sign-in"
    )

    def make(title, **extra):
        return kb.article_create(
            actor=author, data={"title": title, "body": "Steps.", "section": section, "status": "published", **extra}
        )

    return {
        "public": make("Reset your password"),
        "internal": make("Password override tool", visibility="internal"),
        "draft": make("Password draft", status="draft"),
    }


def test_suggestions_list_public_articles_for_the_subject(portal_client, articles):
    response = portal_client.get("/portal/suggest/?title=password")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Reset your password" in text
    assert "/portal/suggested/reset-your-password/?title=password" in text
    assert "override" not in text
    assert "draft" not in text.lower()


def test_no_suggestions_for_short_subjects(portal_client, articles):
    assert portal_client.get("/portal/suggest/?title=pa").content.decode().strip() == ""


def test_suggestions_need_a_customer(client, articles):
    assert client.get("/portal/suggest/?title=password").status_code == 302


def test_opening_a_suggestion_records_it_and_shows_the_article(portal_client, articles, customer_a):
    response = portal_client.get("/portal/suggested/reset-your-password/?title=forgot%20my%20password")
    assert response.status_code == 302
    assert response["Location"] == "/kb/articles/reset-your-password/"
    deflection = Deflection.objects.get()
    assert (deflection.customer, deflection.article, deflection.query, deflection.ticket) == (
        customer_a,
        articles["public"],
        "forgot my password",
        None,
    )


def test_an_internal_article_cannot_be_opened_as_a_suggestion(portal_client, articles):
    assert portal_client.get("/portal/suggested/password-override-tool/").status_code == 404
    assert Deflection.objects.count() == 0


def test_a_request_sent_after_reading_marks_the_suggestion_as_not_deflecting(portal_client, articles):
    portal_client.get("/portal/suggested/reset-your-password/?title=password")
    portal_client.post("/portal/tickets/new/", {"title": "Still locked out", "description": "Did not help."})
    ticket = Ticket.objects.get()
    assert Deflection.objects.get().ticket == ticket
    # the next request starts afresh
    portal_client.post("/portal/tickets/new/", {"title": "Another thing", "description": "x"})
    assert Deflection.objects.get().ticket == ticket


def test_the_deflection_rate(customer_a, articles):
    start = timezone.now()
    with freeze_time(start):
        followed = Deflection.objects.create(customer=customer_a, article=articles["public"], query="a")
        Deflection.objects.create(customer=customer_a, article=articles["public"], query="b")
        Deflection.objects.create(customer=customer_a, article=articles["public"], query="c")
        ticket = Ticket.objects.create(customer=customer_a, title="x")
        followed.ticket = ticket
        followed.save()
    with freeze_time(start + timedelta(hours=30)):
        Deflection.objects.create(customer=customer_a, article=articles["public"], query="d")  # still pending
        summary = reports.deflection_summary(start=start - timedelta(days=1), end=start + timedelta(days=2))
    assert summary == {"opened": 4, "followed": 1, "deflected": 2, "pending": 1, "rate": 66.7}


def test_the_reports_page_and_api_show_the_deflection_rate(admin_client_, api_admin, customer_a, articles):
    with freeze_time(timezone.now() - timedelta(days=2)):
        Deflection.objects.create(customer=customer_a, article=articles["public"], query="a")
    page = admin_client_.get("/admin/tickets/ticket/reports/").content.decode()
    assert 'data-total="deflection">100.0% (1/1)' in page
    body = api_admin.get("/api/v1/reports/").json()
    assert body["deflection"] == {"opened": 1, "followed": 0, "deflected": 1, "pending": 0, "rate": 100.0}
