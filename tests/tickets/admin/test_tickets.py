"""The agents' admin for tickets: the changelist (filters, search, urgency order), the details form
(status through the service, replies and notes inline), role permissions, and query counts that do
not grow with the number of tickets. Bulk actions: test_ticket_actions.py; counts, deep pages and
index plans at scale: test_changelist_scale.py."""

import pytest
from django.urls import reverse
from model_bakery import baker

from agents.models import Role
from tests.tickets.admin.helpers import (
    ADD,
    CHANGELIST,
    bulk_action,
    change_post,
    change_url,
    make_tickets,
    messages_of,
)
from tickets import comments, services
from tickets.models import Category, Comment, EventKind, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


# --- changelist -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("count", [5, 50])
def test_changelist_renders_for_every_role_in_bounded_queries(
    client, login, customer_a, role, count, django_assert_max_num_queries
):
    login(role)
    make_tickets(count, customer_a)
    # 14: the action bar's macro list; the sidebar's role and saved views, and the saved-view
    # filter's list, are 3 more; the custom field filter's choices one.
    with django_assert_max_num_queries(14):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].result_count == count
    # Whatever the number of tickets, the page is the same few queries (no N+1 on customer/assignee/team).


def test_changelist_most_urgent_first(client, login, customer_a):
    login(Role.AGENT)
    low = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority=Priority.LOW)
    critical = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority=Priority.CRITICAL)
    high_old = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority=Priority.HIGH)
    high_new = baker.make_recipe("tests.tickets.ticket", customer=customer_a, priority=Priority.HIGH)
    Ticket.objects.filter(pk=high_old.pk).update(created_at=high_new.created_at.replace(year=2020))
    response = client.get(CHANGELIST)
    assert [t.pk for t in response.context["cl"].result_list] == [critical.pk, high_old.pk, high_new.pk, low.pk]


def test_changelist_filters(client, login, customer_a, make_agent):
    me = login(Role.AGENT)
    other = make_agent(Role.AGENT)
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    mine = baker.make_recipe("tests.tickets.ticket", customer=customer_a, assignee=me.user, category=category)
    theirs = baker.make_recipe(
        "tests.tickets.ticket", customer=customer_a, assignee=other.user, escalated=True, escalated_at=mine.created_at
    )
    unassigned = baker.make_recipe("tests.tickets.ticket", customer=customer_a, status=Status.PENDING)

    def ids(query):
        response = client.get(CHANGELIST, query)
        assert response.status_code == 200
        return {t.pk for t in response.context["cl"].result_list}

    assert ids({"assignee": "me"}) == {mine.pk}
    assert ids({"assignee": "none"}) == {unassigned.pk}
    assert ids({"assignee": str(other.user.pk)}) == {theirs.pk}
    assert ids({"status__exact": "pending"}) == {unassigned.pk}
    assert ids({"category__id__exact": category.pk}) == {mine.pk}
    assert ids({"escalated__exact": "1"}) == {theirs.pk}
    assert ids({"created_at__gte": "2000-01-01 00:00:00+00:00"}) == {mine.pk, theirs.pk, unassigned.pk}
    assert ids({"created_at__lt": "2000-01-01 00:00:00+00:00"}) == set()


def test_changelist_search_by_id_title_and_customer_email(client, login, customer_a, customer_b):
    login(Role.AGENT)
    printer = baker.make_recipe("tests.tickets.ticket", customer=customer_a, title="Printer jams")
    invoice = baker.make_recipe("tests.tickets.ticket", customer=customer_b, title="Invoice wrong")

    def ids(term):
        return {t.pk for t in client.get(CHANGELIST, {"q": term}).context["cl"].result_list}

    assert ids("printer") == {printer.pk}
    assert ids(str(invoice.pk)) == {invoice.pk}
    assert ids("bob@globex.example") == {invoice.pk}


# --- the details form (?details=1; the ticket page itself: test_workspace.py) -------------------


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("replies", [1, 10])
def test_change_page_renders_for_every_role_in_bounded_queries(
    client, login, ticket, agent, role, replies, django_assert_max_num_queries
):
    login(role)
    for n in range(replies):
        comments.comment_add(ticket=ticket, actor=agent.user, body=f"Reply {n}", is_internal=n % 2 == 1)
    with django_assert_max_num_queries(12):
        response = client.get(f"{change_url(ticket)}?details=1")
    assert response.status_code == 200
    assert "Reply 0" in response.content.decode()


def test_change_page_writes_field_changes_through_ticket_update(client, login, ticket):
    me = login(Role.AGENT)
    response = client.post(change_url(ticket), change_post(ticket, title="Printer now on fire", priority="high"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.version) == ("Printer now on fire", "high", 2)
    fields = set(TicketEvent.objects.filter(ticket=ticket, actor=me.user).values_list("field", flat=True))
    assert fields == {"title", "priority"}


def test_change_page_status_and_assignee_through_the_services(client, login, ticket):
    me = login(Role.AGENT)
    response = client.post(change_url(ticket), change_post(ticket, status="resolved", assignee=me.user.pk))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.resolved_at is not None
    assert ticket.assignee == me.user
    kinds = set(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {EventKind.STATUS_CHANGED, EventKind.ASSIGNED}


def test_change_page_shows_a_forbidden_transition_on_status(client, login, ticket, agent):
    login(Role.AGENT)
    ticket = services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    response = client.post(change_url(ticket), change_post(ticket, status="pending"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Cannot change status from 'closed' to 'pending'" in errors["status"][0]
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("title", "<script>alert(1)</script>", "HTML markup", id="xss-title"),
        pytest.param("title", "ab", "at least 3", id="short-title"),
        pytest.param("tags", "ok, not ok", "not a valid tag", id="bad-tag"),
    ],
)
def test_change_page_validation_errors_name_the_field(client, login, ticket, field, value, message):
    login(Role.AGENT)
    response = client.post(change_url(ticket), change_post(ticket, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field][0]


def test_inline_reply_and_internal_note(client, login, ticket):
    me = login(Role.AGENT)
    response = client.post(change_url(ticket), change_post(ticket, **{"comments-0-body": "We are on it."}))
    assert response.status_code == 302
    response = client.post(
        change_url(ticket),
        change_post(
            ticket,
            comments=1,
            **{
                "comments-1-body": "VIP customer.",
                "comments-1-is_internal": "on",
                "comments-0-id": Comment.objects.get().pk,
            },
        ),
    )
    assert response.status_code == 302
    reply, note = Comment.objects.order_by("id")
    assert (reply.body, reply.is_internal, reply.author, reply.channel) == ("We are on it.", False, me.user, "admin")
    assert (note.body, note.is_internal) == ("VIP customer.", True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at == reply.created_at
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.COMMENTED).count() == 2


def test_ticket_tags_render_comma_separated(client, login, customer_a):
    login(Role.AGENT)
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, tags=["vip", "billing"])
    assert 'value="vip, billing"' in client.get(change_url(ticket)).content.decode()


def test_add_ticket_through_the_service(client, login, customer_a):
    me = login(Role.AGENT)
    data = change_post(
        Ticket(title="Phone call: refund", priority="high", status="open", tags=["phone"]),
        customer=customer_a.pk,
        assignee=me.user.pk,
        status="in_progress",
    )
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.channel, ticket.status, ticket.assignee) == (
        "Phone call: refund",
        "admin",
        "in_progress",
        me.user,
    )
    assert ticket.organization == customer_a.organization
    kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.STATUS_CHANGED, EventKind.ASSIGNED]


def test_viewer_can_look_but_not_change(client, login, ticket):
    login(Role.VIEWER)
    page = client.get(f"{change_url(ticket)}?details=1")
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(change_url(ticket), change_post(ticket, title="Changed by viewer"))
    assert response.status_code == 403
    assert client.get(ADD).status_code == 403
    assert Ticket.objects.get().title == ticket.title


@pytest.mark.parametrize("role", [Role.AGENT, Role.SENIOR_AGENT, Role.VIEWER])
def test_only_admins_delete(client, login, ticket, role):
    login(role)
    url = reverse("admin:tickets_ticket_delete", args=[ticket.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_admin_deletes_through_the_service(client, login, ticket, customer_a):
    from notifications.models import OutboxEvent

    login(Role.ADMIN)
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    response = client.post(reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"})
    assert response.status_code == 302
    bulk_action(client, "delete_selected", [other], post="yes")
    assert not Ticket.objects.exists()
    assert OutboxEvent.objects.filter(event="ticket.deleted").count() == 2


def test_service_error_after_form_validation_is_shown_and_rolled_back(client, login, ticket, monkeypatch):
    from django.core.exceptions import ValidationError

    login(Role.AGENT)

    def refuse(**kwargs):
        raise ValidationError({"status": ["Changed meanwhile."]})

    monkeypatch.setattr(services, "ticket_update", refuse)
    response = client.post(change_url(ticket), change_post(ticket, title="New title here"), follow=True)
    assert "Not saved: status: Changed meanwhile." in messages_of(response)
    assert Ticket.objects.get().title == ticket.title


# --- categories ---------------------------------------------------------------------------------


def test_category_admin_shows_and_edits_the_routing_team(client, login):
    login(Role.ADMIN)
    billing = baker.make_recipe("tests.agents.team", name="Billing")
    category = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    url = reverse("admin:tickets_category_changelist")
    assert client.get(url, {"q": "bill"}).status_code == 200
    response = client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": category.pk,
            "form-0-team": billing.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert Category.objects.get().team == billing
    assert client.get(reverse("admin:tickets_category_add")).status_code == 200
    assert client.get(reverse("admin:tickets_category_change", args=[category.pk])).status_code == 200


def test_change_page_lists_attachments_read_only(client, login, ticket, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(Role.VIEWER)
    comments.attachment_add(
        ticket=ticket, actor=agent.user, file=SimpleUploadedFile("error-log.txt", b"boom", content_type="text/plain")
    )
    page = client.get(f"{change_url(ticket)}?details=1").content.decode()
    assert "error-log.txt" in page
    assert "text/plain" in page
