"""The customer's pages: scoping (never another organisation's ticket, an internal note or its
file), opening a ticket with files, replying, closing and reopening, and exact query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from model_bakery import baker

from tickets.comments import comment_add
from tickets.models import Attachment, Channel, Status, Ticket

pytestmark = pytest.mark.django_db


def _done_fields(status: str) -> dict:
    """resolved_at / closed_at as the lifecycle's constraints want them for `status`."""
    now = timezone.now()
    return {
        Status.RESOLVED: {"resolved_at": now},
        Status.CLOSED: {"resolved_at": now, "closed_at": now},
    }.get(status, {})


def _file(name="notes.txt", content=b"Tray 2 smoked at 09:40.", content_type="text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- who may see what ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/portal/tickets/new/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/tickets/new/"


def test_an_agent_gets_a_page_pointing_to_the_desk(client, agent):
    client.force_login(agent.user)
    response = client.get("/portal/")
    assert response.status_code == 403
    assert "This is the customer portal" in response.content.decode()


def test_the_list_shows_my_tickets_with_status_and_last_update(portal_client, make_ticket, customer_b):
    make_ticket(title="Printer on fire", status=Status.PENDING)
    baker.make_recipe(
        "tests.tickets.ticket", title="Globex secret", customer=customer_b, organization=customer_b.organization
    )
    page = portal_client.get("/portal/").content.decode()
    assert "Printer on fire" in page
    assert "Pending (waiting on customer)" in page
    assert "updated" in page
    assert "Globex secret" not in page


@pytest.mark.parametrize(
    ("share_tickets", "visible"),
    [pytest.param(True, True, id="organisation-shares"), pytest.param(False, False, id="organisation-private")],
)
def test_colleagues_tickets_follow_the_organisation_setting(portal_client, colleague_a, org_a, share_tickets, visible):
    org_a.share_tickets = share_tickets
    org_a.save()
    theirs = baker.make_recipe("tests.tickets.ticket", title="Carol VPN", customer=colleague_a, organization=org_a)
    listed = portal_client.get("/portal/?scope=organization").content.decode()
    assert ("Carol VPN" in listed) is visible
    assert ("My organisation" in listed) is visible
    assert "Carol VPN" not in portal_client.get("/portal/?scope=mine").content.decode()
    assert portal_client.get(f"/portal/tickets/{theirs.pk}/").status_code == (200 if visible else 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "/portal/tickets/{pk}/", id="page"),
        pytest.param("post", "/portal/tickets/{pk}/reply/", id="reply"),
        pytest.param("post", "/portal/tickets/{pk}/status/", id="close"),
    ],
)
def test_another_organisations_ticket_is_a_404_everywhere(portal_client, customer_b, method, path):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    response = getattr(portal_client, method)(path.format(pk=other.pk), {"body": "hi", "action": "close"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == Status.OPEN
    assert other.comments.count() == 0


def test_the_ticket_page_shows_the_public_conversation_only(portal_client, make_ticket, agent):
    ticket = make_ticket(title="Printer on fire", description="Smoke from tray 2.")
    comment_add(ticket=ticket, body="A technician is on the way.", actor=agent.user)
    note = comment_add(
        ticket=ticket,
        body="Customer is grumpy, be nice.",
        actor=agent.user,
        is_internal=True,
        files=[_file("secret.txt")],
    )
    page = portal_client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Smoke from tray 2." in page
    assert "A technician is on the way." in page
    assert agent.user.name in page
    assert "grumpy" not in page
    assert "secret.txt" not in page
    hidden = note.attachments.get()
    assert portal_client.get(f"/portal/files/{hidden.pk}/").status_code == 404


def test_files_download_within_scope_only(portal_client, make_ticket, customer_b, agent):
    mine = make_ticket()
    comment_add(ticket=mine, body="Here is the log.", actor=agent.user, files=[_file("log.txt", b"line 1")])
    theirs = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)
    comment_add(ticket=theirs, body="Their file.", actor=agent.user, files=[_file("globex.txt")])
    ok = portal_client.get(f"/portal/files/{Attachment.objects.get(filename='log.txt').pk}/")
    assert ok.status_code == 200
    assert ok["Content-Disposition"] == 'attachment; filename="log.txt"'
    assert b"".join(ok.streaming_content) == b"line 1"
    assert portal_client.get(f"/portal/files/{Attachment.objects.get(filename='globex.txt').pk}/").status_code == 404


# --- opening a ticket -----------------------------------------------------------------------------


def test_a_customer_opens_a_ticket_with_a_category_and_files(
    portal_client, customer_a, django_capture_on_commit_callbacks
):
    billing = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    with django_capture_on_commit_callbacks(execute=True):
        response = portal_client.post(
            "/portal/tickets/new/",
            {
                "title": "Invoice 42 is wrong",
                "category": billing.pk,
                "description": "We were charged twice.",
                "files": [_file("invoice.pdf", b"%PDF-1.4", "application/pdf"), _file("notes.txt")],
            },
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert (ticket.title, ticket.description, ticket.category, ticket.channel) == (
        "Invoice 42 is wrong",
        "We were charged twice.",
        billing,
        Channel.WEB,
    )
    assert ticket.customer == customer_a
    assert ticket.organization == customer_a.organization
    assert sorted(ticket.attachments.values_list("filename", flat=True)) == ["invoice.pdf", "notes.txt"]
    page = portal_client.get(response["Location"]).content.decode()
    assert "we received your request" in page
    assert "invoice.pdf" in page


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        pytest.param({"title": "", "description": "x"}, "This field is required.", id="no-title"),
        pytest.param({"title": "Help", "description": ""}, "This field is required.", id="no-description"),
        pytest.param({"title": "x" * 201, "description": "x"}, "at most 200 characters", id="title-too-long"),
        pytest.param(
            {"title": "Help", "description": "x", "category": "999999"}, "Select a valid choice", id="bad-category"
        ),
        pytest.param({"title": "Help", "description": "x\x00y"}, "Null characters are not allowed", id="nul"),
    ],
)
def test_a_bad_ticket_form_names_the_field_and_creates_nothing(portal_client, data, field_error):
    response = portal_client.post("/portal/tickets/new/", data)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert Ticket.objects.count() == 0


def test_a_refused_file_is_named_and_no_ticket_is_created(portal_client):
    response = portal_client.post(
        "/portal/tickets/new/",
        {"title": "Help", "description": "x", "files": [_file("virus.exe", b"MZ", "application/x-msdownload")]},
    )
    assert response.status_code == 200
    assert "virus.exe" in response.content.decode()
    assert Ticket.objects.count() == 0


# --- replying, closing, reopening -----------------------------------------------------------------


def test_a_reply_with_a_file_joins_the_conversation_and_reopens_a_resolved_ticket(
    portal_client, make_ticket, customer_a
):
    ticket = make_ticket(status=Status.RESOLVED, **_done_fields(Status.RESOLVED))
    response = portal_client.post(
        f"/portal/tickets/{ticket.pk}/reply/",
        {"body": "Still broken, see photo.", "files": [_file("photo.png", b"\x89PNG", "image/png")]},
    )
    assert response.status_code == 302
    comment = ticket.comments.get()
    assert (comment.body, comment.customer, comment.author, comment.is_internal, comment.channel) == (
        "Still broken, see photo.",
        customer_a,
        customer_a.user,
        False,
        Channel.WEB,
    )
    assert list(comment.attachments.values_list("filename", flat=True)) == ["photo.png"]
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_an_empty_reply_is_refused_on_its_field(portal_client, make_ticket):
    ticket = make_ticket()
    response = portal_client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert ticket.comments.count() == 0


@pytest.mark.parametrize(
    ("start", "action", "expected", "message"),
    [
        pytest.param(Status.OPEN, "close", Status.CLOSED, "Request closed.", id="close-open"),
        pytest.param(Status.RESOLVED, "close", Status.CLOSED, "Request closed.", id="close-resolved"),
        pytest.param(Status.RESOLVED, "reopen", Status.OPEN, "Request reopened.", id="reopen-resolved"),
        pytest.param(Status.CLOSED, "reopen", Status.OPEN, "Request reopened.", id="reopen-closed"),
        pytest.param(Status.OPEN, "reopen", Status.OPEN, "This request is still open.", id="reopen-open"),
        pytest.param(Status.CLOSED, "close", Status.CLOSED, "This request is already closed.", id="close-closed"),
        pytest.param(Status.OPEN, "delete", Status.OPEN, "Choose close or reopen.", id="unknown-action"),
    ],
)
def test_close_and_reopen(portal_client, make_ticket, start, action, expected, message):
    ticket = make_ticket(status=start, **_done_fields(start))
    response = portal_client.post(f"/portal/tickets/{ticket.pk}/status/", {"action": action}, follow=True)
    assert message in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == expected


# --- emails link to the portal --------------------------------------------------------------------


def test_the_customers_mail_links_to_the_portal_page(make_ticket, agent, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    settings.SITE_URL = "https://support.example.com"
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(ticket=ticket, body="Fixed it.", actor=agent.user)
    [message] = [m for m in mail.outbox if m.to == ["alice@acme.example"]]
    assert f"https://support.example.com/portal/tickets/{ticket.pk}/" in message.body
    assert f'href="https://support.example.com/portal/tickets/{ticket.pk}/"' in message.alternatives[0][0]


# --- query counts -------------------------------------------------------------------------------------


def test_the_list_page_query_count_does_not_grow_with_tickets(portal_client, make_ticket, django_assert_num_queries):
    for _ in range(5):
        make_ticket()
    # session, user (agent profile and customer record joined: the role check and the scope),
    # organisation (shares?), the page count, the page of tickets
    with django_assert_num_queries(5):
        assert portal_client.get("/portal/?scope=organization").status_code == 200


def test_the_ticket_page_query_count_does_not_grow_with_replies(
    portal_client, make_ticket, agent, django_assert_num_queries
):
    ticket = make_ticket()
    for n in range(4):
        comment_add(ticket=ticket, body=f"Reply {n}", actor=agent.user, files=[_file(f"f{n}.txt")])
    # session, user (agent profile and customer record joined), ticket, the custom fields shown to
    # customers, its files, replies, their files
    with django_assert_num_queries(7):
        assert portal_client.get(f"/portal/tickets/{ticket.pk}/").status_code == 200
