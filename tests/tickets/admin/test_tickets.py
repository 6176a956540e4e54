"""The agents' admin for tickets: changelist (filters, search, urgency order, bulk actions), the
change page (status through the service, replies and notes inline), role permissions, and query
counts that do not grow with the number of tickets."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from model_bakery import baker

from agents.models import Role
from config.admin_tools import EstimatedCountPaginator
from config.db import table_row_estimate
from tickets import comments, services
from tickets.models import Category, Comment, EventKind, Priority, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")
ADD = reverse("admin:tickets_ticket_add")


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def _make_tickets(n, customer, **kwargs):
    team = baker.make_recipe("tests.agents.team")
    return baker.make_recipe("tests.tickets.ticket", customer=customer, team=team, _quantity=n, **kwargs)


def _formset_management(prefix, total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _change_post(ticket, comments=0, **overrides):
    data = {
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category_id or "",
        "tags": ", ".join(ticket.tags),
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
        "external_id": ticket.external_id or "",
        "metadata": "{}",
        **_formset_management("comments", total=comments + 1, initial=comments),
        **_formset_management("events", total=0, initial=0),
        **_formset_management("attachments", total=0, initial=0),
        "comments-0-body": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


# --- changelist -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("count", [5, 50])
def test_changelist_renders_for_every_role_in_bounded_queries(
    client, login, customer_a, role, count, django_assert_max_num_queries
):
    login(role)
    _make_tickets(count, customer_a)
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


def test_paginator_uses_the_estimate_only_unfiltered_and_on_big_tables(customer_a):
    _make_tickets(3, customer_a)
    paginator = EstimatedCountPaginator(Ticket.objects.order_by("pk"), 50)
    assert paginator.count == 3  # small table: exact
    filtered = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 50)
    assert filtered.count == 3


@pytest.mark.postgres(reason="pg_class estimate")
def test_paginator_reads_the_planner_estimate_on_postgres(customer_a, django_assert_num_queries, monkeypatch):
    _make_tickets(3, customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    assert table_row_estimate("tickets_ticket") == 3
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)
    paginator = EstimatedCountPaginator(Ticket.objects.order_by("pk"), 50)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    assert "pg_class" in captured.captured_queries[0]["sql"]
    assert "COUNT" not in captured.captured_queries[0]["sql"].upper()


def test_table_row_estimate_is_none_off_postgres_or_for_unknown_tables():
    if connection.vendor == "postgresql":
        assert table_row_estimate("no_such_table") is None
    else:
        assert table_row_estimate("tickets_ticket") is None


# --- bulk actions -----------------------------------------------------------------------------


def _action(client, action, tickets, url=CHANGELIST + "?status=all", **extra):
    data = {"action": action, "_selected_action": [t.pk for t in tickets], "index": 0, **extra}
    return client.post(url, data, follow=True)


def test_action_assign_to_me(client, login, customer_a):
    me = login(Role.AGENT)
    tickets = _make_tickets(3, customer_a)
    response = _action(client, "assign_to_me", tickets)
    ids = ", ".join(f"#{t.pk}" for t in tickets)
    assert _messages(response) == [f"Assigned to you: 3 tickets ({ids})."]
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {me.user.pk}
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNED, actor=me.user).count() == 3


def test_action_change_status_reports_forbidden_transitions(client, login, customer_a, agent):
    login(Role.AGENT)
    open_ticket, closed_ticket = _make_tickets(2, customer_a)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    response = _action(client, "change_status", [open_ticket, closed_ticket], status=Status.PENDING)
    messages = _messages(response)
    assert messages == [
        f"Status set to Pending (waiting on customer): 1 ticket (#{open_ticket.pk}).",
        f"Not changed: #{closed_ticket.pk}: status: Cannot change status from 'closed' to 'pending'; allowed: open.",
    ]
    assert Ticket.objects.get(pk=open_ticket.pk).status == Status.PENDING
    assert Ticket.objects.get(pk=closed_ticket.pk).status == Status.CLOSED


def test_action_change_status_needs_a_status(client, login, customer_a):
    login(Role.AGENT)
    tickets = _make_tickets(1, customer_a)
    response = _action(client, "change_status", tickets, status="")
    assert "Choose the new status in the 'new status' list." in _messages(response)


def test_action_change_priority(client, login, customer_a):
    me = login(Role.SENIOR_AGENT)
    tickets = _make_tickets(2, customer_a, priority=Priority.LOW)
    response = _action(client, "change_priority", tickets, priority=Priority.CRITICAL)
    assert _messages(response) == [f"Priority set to Critical: 2 tickets (#{tickets[0].pk}, #{tickets[1].pk})."]
    assert set(Ticket.objects.values_list("priority_rank", flat=True)) == {4}
    assert TicketEvent.objects.filter(kind=EventKind.UPDATED, field="priority", actor=me.user).count() == 2
    response = _action(client, "change_priority", tickets, priority="")
    assert "Choose the new priority in the 'new priority' list." in _messages(response)


def test_action_close(client, login, customer_a):
    login(Role.AGENT)
    tickets = _make_tickets(2, customer_a)
    response = _action(client, "close_tickets", tickets)
    assert _messages(response) == [f"Closed: 2 tickets (#{tickets[0].pk}, #{tickets[1].pk})."]
    assert set(Ticket.objects.values_list("status", flat=True)) == {Status.CLOSED}
    assert not Ticket.objects.filter(closed_at__isnull=True).exists()


def test_many_failures_are_summarised(client, login, customer_a, agent):
    login(Role.AGENT)
    tickets = _make_tickets(22, customer_a)
    for t in tickets:
        services.ticket_change_status(ticket=t, actor=agent.user, status=Status.CLOSED)
    messages = _messages(_action(client, "change_status", tickets, status=Status.PENDING))
    first_20 = ", ".join(f"#{t.pk}" for t in tickets[:20])
    assert messages == [
        f"Not changed: {first_20} and 2 more: status: Cannot change status from 'closed' to 'pending'; allowed: open."
    ]


def test_viewer_has_no_actions_and_cannot_post_them(client, login, customer_a):
    login(Role.VIEWER)
    tickets = _make_tickets(1, customer_a)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    offered = {name for name, _ in response.context["action_form"].fields["action"].choices}
    assert not offered & {"assign_to_me", "change_status", "change_priority", "close_tickets", "delete_selected"}
    _action(client, "close_tickets", tickets)
    assert Ticket.objects.get().status == Status.OPEN


def test_assign_to_me_refuses_a_superuser_without_agent_profile(client, customer_a, django_user_model):
    boss = django_user_model.objects.create_superuser(email="root@example.com", password="x")
    client.force_login(boss)
    tickets = _make_tickets(1, customer_a)
    response = _action(client, "assign_to_me", tickets)
    assert "Only agents who may work tickets can take them." in _messages(response)
    assert Ticket.objects.get().assignee is None


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
    response = client.post(change_url(ticket), _change_post(ticket, title="Printer now on fire", priority="high"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    ticket.refresh_from_db()
    assert (ticket.title, ticket.priority, ticket.version) == ("Printer now on fire", "high", 2)
    fields = set(TicketEvent.objects.filter(ticket=ticket, actor=me.user).values_list("field", flat=True))
    assert fields == {"title", "priority"}


def test_change_page_status_and_assignee_through_the_services(client, login, ticket):
    me = login(Role.AGENT)
    response = client.post(change_url(ticket), _change_post(ticket, status="resolved", assignee=me.user.pk))
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
    response = client.post(change_url(ticket), _change_post(ticket, status="pending"))
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
    response = client.post(change_url(ticket), _change_post(ticket, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors[field][0]


def test_inline_reply_and_internal_note(client, login, ticket):
    me = login(Role.AGENT)
    response = client.post(change_url(ticket), _change_post(ticket, **{"comments-0-body": "We are on it."}))
    assert response.status_code == 302
    response = client.post(
        change_url(ticket),
        _change_post(
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
    data = _change_post(
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
    response = client.post(change_url(ticket), _change_post(ticket, title="Changed by viewer"))
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
    _action(client, "delete_selected", [other], post="yes")
    assert not Ticket.objects.exists()
    assert OutboxEvent.objects.filter(event="ticket.deleted").count() == 2


def test_service_error_after_form_validation_is_shown_and_rolled_back(client, login, ticket, monkeypatch):
    from django.core.exceptions import ValidationError

    login(Role.AGENT)

    def refuse(**kwargs):
        raise ValidationError({"status": ["Changed meanwhile."]})

    monkeypatch.setattr(services, "ticket_update", refuse)
    response = client.post(change_url(ticket), _change_post(ticket, title="New title here"), follow=True)
    assert "Not saved: status: Changed meanwhile." in _messages(response)
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


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param("application", "Not changed: #{pk}: Locked by an integration.", id="application-error"),
        pytest.param("plain", "Not changed: #{pk}: Try later.", id="plain-validation-error"),
    ],
)
def test_bulk_action_reports_any_service_error(client, login, customer_a, monkeypatch, error, text):
    from django.core.exceptions import ValidationError

    from config.exceptions import ApplicationError

    login(Role.AGENT)
    (ticket,) = _make_tickets(1, customer_a)

    def refuse(**kwargs):
        if error == "application":
            raise ApplicationError("Locked by an integration.", code="locked")
        raise ValidationError("Try later.")

    monkeypatch.setattr(services, "ticket_assign", refuse)
    assert text.format(pk=ticket.pk) in _messages(_action(client, "assign_to_me", [ticket]))


def test_change_page_lists_attachments_read_only(client, login, ticket, agent):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(Role.VIEWER)
    comments.attachment_add(
        ticket=ticket, actor=agent.user, file=SimpleUploadedFile("error-log.txt", b"boom", content_type="text/plain")
    )
    page = client.get(f"{change_url(ticket)}?details=1").content.decode()
    assert "error-log.txt" in page
    assert "text/plain" in page


@pytest.mark.postgres(reason="pg_class estimate")
def test_unfiltered_changelist_runs_no_count_on_a_big_table(client, login, customer_a, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    login(Role.AGENT)
    _make_tickets(3, customer_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    monkeypatch.setattr(EstimatedCountPaginator, "exact_below", 1)  # "big" from one row on
    with CaptureQueriesContext(connection) as unfiltered:
        response = client.get(CHANGELIST, {"status": "all"})
    assert response.context["cl"].result_count == 3
    assert not [q["sql"] for q in unfiltered.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as filtered:
        client.get(CHANGELIST)  # the default queue (active work) is filtered: counted up to the cap
    assert [q["sql"] for q in filtered.captured_queries if "COUNT(" in q["sql"].upper()]  # filtered: exact


# --- counts and deep pages at scale (EstimatedCountPaginator) ----------------------------------


postgres_only = pytest.mark.postgres(reason="planner estimates")


def test_filtered_count_is_exact_up_to_the_cap(customer_a, django_assert_num_queries):
    _make_tickets(3, customer_a, status=Status.OPEN)
    paginator = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2)
    with django_assert_num_queries(1) as captured:
        assert paginator.count == 3
    if connection.vendor == "postgresql":
        assert "LIMIT 1001" in captured.captured_queries[0]["sql"]  # never reads more than the cap


@postgres_only
def test_filtered_count_above_the_cap_is_the_planner_estimate(customer_a, monkeypatch, django_assert_num_queries):
    _make_tickets(5, customer_a, status=Status.OPEN)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    monkeypatch.setattr(EstimatedCountPaginator, "count_up_to", 2)
    paginator = EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2)
    with django_assert_num_queries(2) as captured:
        count = paginator.count
    capped, explain = (q["sql"] for q in captured.captured_queries)
    assert "LIMIT 3" in capped
    assert explain.startswith("EXPLAIN (FORMAT JSON)")
    assert count == 5  # the estimate (ANALYZE saw all five); never below what was counted
    monkeypatch.setattr("config.admin_tools.queryset_row_estimate", lambda qs: 1)
    assert EstimatedCountPaginator(Ticket.objects.filter(status=Status.OPEN).order_by("pk"), 2).count == 3


@pytest.mark.parametrize("number", [1, 2, 3])
def test_deep_pages_read_ids_first_and_show_exactly_the_same_rows(customer_a, monkeypatch, number):
    _make_tickets(5, customer_a)
    ordered = Ticket.objects.order_by("-priority_rank", "created_at", "id")
    expected = list(ordered.values_list("pk", flat=True))[(number - 1) * 2 : number * 2]
    monkeypatch.setattr(EstimatedCountPaginator, "deferred_from", 2)
    from django.test.utils import CaptureQueriesContext

    paginator = EstimatedCountPaginator(ordered, 2)
    paginator.count  # noqa: B018 - counted outside the capture
    with CaptureQueriesContext(connection) as ctx:
        page = paginator.page(number)
        assert [t.pk for t in page.object_list] == expected
    if number > 1:
        ids_query, rows_query = (q["sql"] for q in ctx.captured_queries)
        assert "OFFSET" in ids_query
        assert "OFFSET" not in rows_query
    else:
        assert len(ctx.captured_queries) == 1


def test_changelist_ordering_is_total_and_index_shaped(client, login, customer_a):
    """(-priority_rank, created_at, id) is ticket_urgency_idx exactly: Django adds no "-pk" tie-breaker."""
    login(Role.AGENT)
    _make_tickets(2, customer_a)
    response = client.get(CHANGELIST)
    order_by = response.context["cl"].queryset.query.order_by
    assert order_by[:3] == ("-priority_rank", "created_at", "id")
    assert "-pk" not in order_by
    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_urgency_idx")
    assert index.fields == ["-priority_rank", "created_at", "id"]


@postgres_only
@pytest.mark.parametrize(
    ("params", "index"),
    [
        pytest.param({}, "ticket_urgency_idx", id="unfiltered"),
        pytest.param({"status__exact": "on_hold"}, "ticket_status_urgency_idx", id="status"),
    ],
)
def test_changelist_page_query_is_an_index_scan(client, login, customer_a, params, index):
    from django.test.utils import CaptureQueriesContext

    login(Role.AGENT)
    # A table the planner can tell apart: on a handful of rows with stale statistics either index
    # costs the same, so 300 open tickets beside 3 on hold, and fresh statistics.
    _make_tickets(300, customer_a, status=Status.OPEN, _bulk_create=True)
    _make_tickets(3, customer_a, status=Status.ON_HOLD)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    with CaptureQueriesContext(connection) as ctx:
        client.get(CHANGELIST, params)
    page_sql = next(
        q["sql"] for q in ctx.captured_queries if 'FROM "tickets_ticket"' in q["sql"] and "ORDER BY" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {page_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan
    assert "Sort Key" not in plan, plan


@postgres_only
def test_retention_query_uses_the_closed_at_partial_index(customer_a):
    from django.utils import timezone

    qs = Ticket.objects.filter(status=Status.CLOSED, closed_at__lt=timezone.now())
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_closed_at_idx" in plan, plan


def test_changelist_search_in_bounded_queries_for_common_and_rare_words(
    client, login, customer_a, monkeypatch, django_assert_max_num_queries
):
    from tickets import search

    login(Role.AGENT)
    tickets = _make_tickets(3, customer_a, title="Refund please")
    for walk_from in (10_000, 0):  # rare word (ids inlined), common word (index walk)
        monkeypatch.setattr(search, "SEARCH_WALK_FROM", walk_from)
        # 17: the action bar's macro list; the sidebar reads the caller's role and saved views, the
        # filter lists saved views; the custom-field filter's choices (fields with choices).
        with django_assert_max_num_queries(17):
            response = client.get(CHANGELIST, {"q": "refund"})
        assert {t.pk for t in response.context["cl"].result_list} == {t.pk for t in tickets}


SLA_PARTIAL_INDEXES = (
    "ticket_sla_breached_idx",
    "ticket_sla_warned_idx",
    "ticket_frt_due_open_idx",
    "ticket_res_due_open_idx",
    "ticket_frt_warn_open_idx",
    "ticket_res_warn_open_idx",
    "ticket_nrt_due_open_idx",
)


@postgres_only
@pytest.mark.parametrize(
    ("condition", "own_index"),
    [
        pytest.param("breached_q", "ticket_sla_breached_idx", id="breached"),
        # On an empty table one partial index whose predicate covers every branch may win;
        # at 1M rows the plan is a BitmapOr with ticket_sla_warned_idx (bench/README.md).
        pytest.param("at_risk_q", None, id="at-risk"),
    ],
)
def test_sla_filters_are_answered_from_partial_indexes(customer_a, condition, own_index):
    """The "SLA" filter's conditions are ORs; every branch is covered by a small partial index
    (most shared with the breach and warning scans), so few breaches never mean a walk over every
    ticket."""
    from django.utils import timezone

    from tickets.sla import rules

    qs = Ticket.objects.filter(getattr(rules, condition)(timezone.now())).values("pk")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan" not in plan, plan
    if own_index:
        assert "BitmapOr" in plan, plan
        assert own_index in plan, plan
    scans = [line for line in plan.splitlines() if "Bitmap Index Scan on" in line]
    assert all(any(index in line for index in SLA_PARTIAL_INDEXES) for line in scans), plan


@pytest.mark.parametrize("warned_stamped", [pytest.param(False, id="not-stamped"), pytest.param(True, id="stamped")])
@pytest.mark.parametrize(
    "breached_stamped", [pytest.param(False, id="not-breached"), pytest.param(True, id="breached")]
)
@pytest.mark.parametrize("responded", [pytest.param(False, id="no-response"), pytest.param(True, id="responded")])
@pytest.mark.parametrize("status", [Status.OPEN, Status.PENDING, Status.RESOLVED])
def test_index_shaped_sla_conditions_select_what_the_plain_ones_do(
    customer_a, warned_stamped, breached_stamped, responded, status
):
    """breached_q and at_risk_q were split into index-shaped branches; the tickets they select
    are those of the plain definitions."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from tickets.sla import rules

    now = timezone.now()
    hour = timedelta(hours=1)
    for warn, due in ((-hour, hour), (-2 * hour, -hour), (hour, 2 * hour), (None, None)):
        baker.make_recipe(
            "tests.tickets.ticket",
            customer=customer_a,
            status=status,
            resolved_at=now if status == Status.RESOLVED else None,
            first_responded_at=now - hour if responded else None,
            first_response_warn_at=None if warn is None else now + warn,
            first_response_due_at=None if due is None else now + due,
            resolution_warn_at=None if warn is None else now + warn,
            resolution_due_at=None if due is None else now + due,
            sla_warned_at=now - hour if warned_stamped else None,
            sla_breached_at=now - hour if breached_stamped else None,
            sla_paused_at=now - hour if status == Status.PENDING else None,  # pending pauses resolution
        )
    active = Q(status__in=["in_progress", "on_hold", "open", "pending"])
    plain_breached = (
        Q(sla_breached_at__isnull=False) | rules.first_response_overdue_q(now) | rules.resolution_overdue_q(now)
    )
    plain_at_risk = (
        (active & Q(first_responded_at__isnull=True, first_response_warn_at__lte=now))
        | (
            active
            & Q(sla_paused_at__isnull=True)
            & (Q(first_responded_at__isnull=False) | Q(first_response_due_at__isnull=True))
            & Q(resolution_warn_at__lte=now)
        )
    ) & ~plain_breached

    def ids(condition):
        return set(Ticket.objects.filter(condition).values_list("pk", flat=True))

    assert ids(rules.breached_q(now)) == ids(plain_breached)
    assert ids(rules.at_risk_q(now)) == ids(plain_at_risk)


@pytest.mark.parametrize(
    ("action", "extra", "expected"),
    [
        pytest.param(
            "close_tickets",
            {},
            ["Closed: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already closed."],
            id="close-skips-closed",
        ),
        pytest.param(
            "change_status",
            {"status": "closed"},
            ["Status set to Closed: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already closed."],
            id="status-skips-same",
        ),
        pytest.param(
            "change_priority",
            {"priority": "low"},
            ["Priority set to Low: 1 ticket (#{open}).", "Skipped 1 ticket (#{closed}): already low priority."],
            id="priority-skips-same",
        ),
    ],
)
def test_bulk_actions_report_what_changed_and_what_was_skipped(
    client, login, customer_a, agent, action, extra, expected
):
    login(Role.AGENT)
    open_ticket, closed_ticket = _make_tickets(2, customer_a, priority=Priority.MEDIUM)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    Ticket.objects.filter(pk=closed_ticket.pk).update(priority=Priority.LOW)
    messages = _messages(_action(client, action, [open_ticket, closed_ticket], **extra))
    assert messages == [m.format(open=open_ticket.pk, closed=closed_ticket.pk) for m in expected]


def test_assign_to_me_skips_tickets_already_mine(client, login, customer_a):
    me = login(Role.AGENT)
    mine, other = _make_tickets(2, customer_a)
    services.ticket_assign(ticket=mine, actor=me.user, assignee=me.user)
    messages = _messages(_action(client, "assign_to_me", [mine, other]))
    assert messages == [
        f"Assigned to you: 1 ticket (#{other.pk}).",
        f"Skipped 1 ticket (#{mine.pk}): already assigned to you.",
    ]


def test_assign_by_strategy_skips_tickets_without_a_team(client, login, customer_a):
    login(Role.AGENT)
    ticket = baker.make_recipe("tests.tickets.ticket", customer=customer_a, team=None)
    messages = _messages(_action(client, "assign_by_team_strategy", [ticket]))
    assert messages == [f"Skipped 1 ticket (#{ticket.pk}): no team to choose an agent from."]


def test_bulk_action_reports_selected_tickets_the_queue_no_longer_shows(client, login, customer_a, agent):
    login(Role.AGENT)
    open_ticket, closed_ticket = _make_tickets(2, customer_a)
    services.ticket_change_status(ticket=closed_ticket, actor=agent.user, status=Status.CLOSED)
    messages = _messages(_action(client, "close_tickets", [open_ticket, closed_ticket], url=CHANGELIST))
    assert messages == [
        f"Closed: 1 ticket (#{open_ticket.pk}).",
        f"Skipped 1 ticket (#{closed_ticket.pk}): no longer match this queue's filters (changed meanwhile?).",
    ]
