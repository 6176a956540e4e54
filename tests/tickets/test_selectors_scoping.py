"""tickets/selectors.py, fact by fact: who sees which ticket (customers, colleagues, anonymous
callers, superusers), what the JSON filters of `ticket_list` accept and the exact errors they
raise, the joins each read carries, and the rows of `link_list`. Every expected value is written
out here, never derived from the code under test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from model_bakery import baker
from rest_framework.exceptions import ValidationError as DRFValidationError

from agents.models import Role, TicketScope
from config.exceptions import ApplicationError
from customers.models import Organization
from tickets.filters import TicketFilter
from tickets.models import Comment, Status, TicketEvent, TicketLink, TicketType
from tickets.selectors import comment_list, event_list, link_list, ticket_get, ticket_list, ticket_visible_to

pytestmark = pytest.mark.django_db


def _titles(queryset) -> list[str]:
    return sorted(queryset.values_list("title", flat=True))


def _ticket(customer, title, **fields):
    fields.setdefault("organization", customer.organization)
    return baker.make_recipe("tests.tickets.ticket", customer=customer, title=title, **fields)


@pytest.fixture
def colleagues(customer_a, customer_b, org_a, org_b, django_user_model):
    """Alice and Carol work at Acme, Bob at Globex; one ticket each, and one of Alice's that is
    filed under Globex (she reported it for them). Neither organisation shares tickets."""
    Organization.objects.filter(pk__in=[org_a.pk, org_b.pk]).update(share_tickets=False)
    user = django_user_model.objects.create_user(email="carol@acme.example", password="x")
    carol = baker.make_recipe("tests.customers.customer", email="carol@acme.example", organization=org_a, user=user)
    _ticket(customer_a, "alice's")
    _ticket(carol, "carol's")
    _ticket(customer_b, "bob's")
    _ticket(customer_a, "alice's for globex", organization=customer_b.organization)
    return carol


@pytest.mark.parametrize(
    ("share", "alice_sees", "bob_sees"),
    [
        pytest.param(False, ["alice's", "alice's for globex"], ["bob's"], id="private"),
        pytest.param(True, ["alice's", "alice's for globex", "carol's"], ["alice's for globex", "bob's"], id="shared"),
    ],
)
def test_a_customer_sees_their_own_tickets_and_their_organisations_when_it_shares(
    colleagues, customer_a, customer_b, org_a, org_b, share, alice_sees, bob_sees
):
    org_a.share_tickets = org_b.share_tickets = share
    org_a.save()
    org_b.save()

    assert _titles(ticket_visible_to(customer_a.user)) == alice_sees
    assert _titles(ticket_visible_to(customer_b.user)) == bob_sees


def test_only_the_sharing_organisation_opens_up(colleagues, customer_a, customer_b, org_a, org_b):
    """Globex shares, Acme does not: Alice still sees only her own (never Globex's), Bob sees
    everything filed under Globex."""
    org_a.share_tickets, org_b.share_tickets = False, True
    org_a.save()
    org_b.save()

    assert _titles(ticket_visible_to(customer_a.user)) == ["alice's", "alice's for globex"]
    assert _titles(ticket_visible_to(colleagues.user)) == ["carol's"]
    assert _titles(ticket_visible_to(customer_b.user)) == ["alice's for globex", "bob's"]


def test_nobody_without_a_role_sees_anything(colleagues, django_user_model):
    stranger = django_user_model.objects.create_user(email="stranger@example.org", password="x")

    assert _titles(ticket_visible_to(None)) == []
    assert _titles(ticket_visible_to(stranger)) == []
    assert _titles(ticket_list(user=stranger, filters={"status": "open"})) == []


def test_a_superuser_without_an_agent_profile_sees_everything(colleagues, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@example.org", password="x")

    assert _titles(ticket_visible_to(root)) == ["alice's", "alice's for globex", "bob's", "carol's"]


def test_filters_never_widen_the_scope(colleagues, customer_a, make_agent):
    everything = ["alice's", "alice's for globex", "bob's", "carol's"]
    agent = make_agent(Role.AGENT)

    assert _titles(ticket_list(user=customer_a.user, filters={"status": ["open"]})) == [
        "alice's",
        "alice's for globex",
    ]
    assert _titles(ticket_list(user=agent.user, filters={"status": ["open"]})) == everything


def test_ticket_get_finds_only_visible_tickets(colleagues, customer_a, customer_b):
    carol_ticket = colleagues.tickets.get()

    assert ticket_get(user=customer_a.user, pk=carol_ticket.pk) is None
    assert ticket_get(user=colleagues.user, pk=carol_ticket.pk) == carol_ticket
    assert ticket_get(user=customer_b.user, pk=carol_ticket.pk) is None


def test_an_agent_limited_to_their_teams_sees_their_teams_and_their_own(customer_a, make_agent):
    mine, theirs = baker.make_recipe("tests.agents.team", _quantity=2)
    me = make_agent(Role.AGENT)
    me.ticket_scope = TicketScope.TEAMS
    me.save(update_fields=["ticket_scope"])
    me.teams.add(mine)
    other = make_agent(Role.AGENT)
    other.teams.add(theirs)
    _ticket(customer_a, "mine", team=mine)
    _ticket(customer_a, "theirs", team=theirs)
    _ticket(customer_a, "theirs, mine to do", team=theirs, assignee=me.user)
    _ticket(customer_a, "nobody's")

    assert _titles(ticket_visible_to(me.user)) == ["mine", "theirs, mine to do"]


# --- ticket_list's JSON filters -------------------------------------------------------------------


@pytest.fixture
def board(customer_a, agent):
    team = baker.make_recipe("tests.agents.team")
    open_ = _ticket(customer_a, "open", status=Status.OPEN)
    pending = _ticket(
        customer_a, "pending", status=Status.PENDING, escalated=True, escalated_at=timezone.now(), team=team
    )
    solved = _ticket(customer_a, "solved", status=Status.RESOLVED, resolved_at=timezone.now(), assignee=agent.user)
    return {"open": open_, "pending": pending, "solved": solved, "team": team}


def _error(filters, user):
    with pytest.raises(ApplicationError) as caught:
        ticket_list(user=user, filters=filters)
    error = caught.value
    assert (error.message, error.code) == ("Invalid filters.", "invalid_filters")
    return error.extra


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(None, ["open", "pending", "solved"], id="none"),
        pytest.param({}, ["open", "pending", "solved"], id="empty"),
        pytest.param({"status": ["open", "pending"]}, ["open", "pending"], id="list"),
        pytest.param({"status": ("pending", "resolved")}, ["pending", "solved"], id="tuple"),
        pytest.param({"status": "open,resolved"}, ["open", "solved"], id="comma-string"),
        pytest.param({"status": "pending"}, ["pending"], id="one-string"),
        pytest.param({"escalated": True}, ["pending"], id="boolean-true"),
        pytest.param({"escalated": False}, ["open", "solved"], id="boolean-false"),
        pytest.param({"assignee": "me"}, ["solved"], id="assignee-me"),
        pytest.param({"assignee": "none", "status": ["resolved", "open"]}, ["open"], id="two-filters"),
    ],
)
def test_ticket_list_filters(board, agent, filters, expected):
    assert _titles(ticket_list(user=agent.user, filters=filters)) == expected


def test_ticket_list_filters_by_a_number(board, agent):
    assert _titles(ticket_list(user=agent.user, filters={"team": board["team"].pk})) == ["pending"]


def test_ticket_list_leaves_the_callers_filters_alone(board, agent):
    filters = {"ids": [board["open"].pk], "status": ["open"]}
    assert _titles(ticket_list(user=agent.user, filters=filters)) == ["open"]
    assert filters == {"ids": [board["open"].pk], "status": ["open"]}


def test_ticket_list_ids_select_among_the_visible(board, agent):
    picked = [board["open"].pk, board["solved"].pk]

    assert _titles(ticket_list(user=agent.user, filters={"ids": picked})) == ["open", "solved"]
    assert _titles(ticket_list(user=agent.user, filters={"ids": picked, "status": ["resolved"]})) == ["solved"]
    assert _titles(ticket_list(user=agent.user, filters={"ids": []})) == []


@pytest.mark.parametrize(
    "ids",
    [
        pytest.param("1,2", id="string"),
        pytest.param(7, id="number"),
        pytest.param([1, "2"], id="one-string-in-list"),
        pytest.param([0], id="zero"),
        pytest.param([True], id="boolean"),
        pytest.param(["x", "y"], id="all-strings"),
    ],
)
def test_ticket_list_refuses_ids_that_are_not_a_list_of_ids(board, agent, ids):
    assert _error({"ids": ids}, agent.user) == {"filters": {"ids": ["A list of ticket ids."]}}


@pytest.mark.parametrize("filters", [pytest.param("status=open", id="string"), pytest.param(["open"], id="list")])
def test_ticket_list_refuses_filters_that_are_not_an_object(board, agent, filters):
    assert _error(filters, agent.user) == {"filters": ["Must be an object."]}


def test_ticket_list_names_unknown_and_invalid_filters(board, agent):
    extra = _error({"colour": "red", "status": ["bogus"], "escalated": "maybe", "shape": "round"}, agent.user)

    assert extra == {
        "filters": {
            "colour": ["Unknown filter."],
            "shape": ["Unknown filter."],
            "status": ["Select a valid choice. bogus is not one of the available choices."],
            "escalated": ["Use true or false."],
        }
    }


def test_ticket_list_spells_booleans_as_the_query_string_does(board, agent):
    """true/false in lower case, as `?status=true` would arrive (a choice filter names the value)."""
    extra = _error({"status": True, "priority": [False, "low"]}, agent.user)

    assert extra == {
        "filters": {
            "status": ["Select a valid choice. true is not one of the available choices."],
            "priority": ["Select a valid choice. false is not one of the available choices."],
        }
    }


def test_ticket_list_names_a_filter_method_error(board, agent):
    assert _error({"assignee": "somebody"}, agent.user) == {"filters": {"assignee": ["Use a user id, 'me' or 'none'."]}}


def test_ticket_list_puts_a_filter_methods_plain_list_error_under_non_field_errors(board, agent, monkeypatch):
    def broken(self, queryset, name, value):
        raise DRFValidationError(["Broken filter."])

    monkeypatch.setattr(TicketFilter, "filter_tag", broken)

    assert _error({"tag": "vip"}, agent.user) == {"filters": {"non_field_errors": ["Broken filter."]}}


# --- custom fields through ticket_list ------------------------------------------------------------


@pytest.fixture
def fields(board):
    baker.make_recipe("tests.tickets.custom_field", key="plan", is_customer_visible=True)
    baker.make_recipe("tests.tickets.custom_field", key="risk", is_customer_visible=False)
    for name, plan, risk in (("open", "gold", "high"), ("pending", "silver", "high"), ("solved", "gold", "low")):
        board[name].custom_fields = {"plan": plan, "risk": risk}
        board[name].save(update_fields=["custom_fields"])


def test_ticket_list_filters_by_custom_fields(fields, agent):
    assert _titles(ticket_list(user=agent.user, filters={"cf_plan": "gold"})) == ["open", "solved"]
    assert _titles(ticket_list(user=agent.user, filters={"cf_plan": "gold", "cf_risk": "high"})) == ["open"]
    assert _titles(ticket_list(user=agent.user, filters={"cf_risk": "low", "status": ["resolved"]})) == ["solved"]


def test_a_customer_filters_only_by_fields_shown_to_customers(fields, customer_a):
    assert _titles(ticket_list(user=customer_a.user, filters={"cf_plan": "silver"})) == ["pending"]
    assert _error({"cf_risk": "high"}, customer_a.user) == {"filters": {"cf_risk": ["Unknown custom field."]}}


def test_ticket_list_names_bad_custom_fields_with_the_other_errors(fields, agent):
    assert _error({"cf_nope": "x", "colour": "red"}, agent.user) == {
        "filters": {"cf_nope": ["Unknown custom field."], "colour": ["Unknown filter."]}
    }


# --- what each read joins -------------------------------------------------------------------------


def test_ticket_list_joins_every_relation_a_row_shows(customer_a, agent, django_assert_num_queries):
    kind = baker.make(TicketType, slug="outage", name="Outage")
    category = baker.make_recipe("tests.tickets.category", slug="billing", name="Billing")
    team = baker.make_recipe("tests.agents.team", name="Tier 1")
    _ticket(customer_a, "joined", team=team, assignee=agent.user, category=category, ticket_type=kind)
    queryset = ticket_list(user=agent.user)

    with django_assert_num_queries(1):
        [row] = list(queryset)
        shown = (
            row.customer.email,
            row.organization.name,
            row.team.name,
            row.assignee.email,
            row.category.slug,
            row.ticket_type.slug,
        )

    assert shown == ("alice@acme.example", "Acme Corp", "Tier 1", agent.user.email, "billing", "outage")


def test_comment_list_joins_authors_customers_and_attachments(ticket, agent, customer_a, django_assert_num_queries):
    baker.make(Comment, ticket=ticket, author=agent.user, body="From the desk")
    baker.make(Comment, ticket=ticket, customer=customer_a, body="From Alice")
    baker.make(Comment, ticket=ticket, author=agent.user, body="Internal", is_internal=True)
    queryset = comment_list(ticket=ticket, user=agent.user)

    with django_assert_num_queries(2):
        rows = [
            (c.body, c.author.email if c.author else None, c.customer.email if c.customer else None)
            for c in queryset
            if not list(c.attachments.all())
        ]

    assert sorted(rows) == [
        ("From Alice", None, "alice@acme.example"),
        ("From the desk", agent.user.email, None),
        ("Internal", agent.user.email, None),
    ]


@pytest.mark.parametrize("who", ["customer", "anonymous"])
def test_comment_list_hides_internal_notes_from_customers_and_anonymous(ticket, agent, customer_a, who):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    baker.make(Comment, ticket=ticket, author=agent.user, body="Public")
    baker.make(Comment, ticket=ticket, author=agent.user, body="Internal", is_internal=True)
    baker.make(Comment, ticket=other, author=agent.user, body="Elsewhere")
    user = customer_a.user if who == "customer" else None

    assert [c.body for c in comment_list(ticket=ticket, user=user)] == ["Public"]
    assert sorted(c.body for c in comment_list(ticket=ticket, user=agent.user)) == ["Internal", "Public"]


def test_event_list_joins_the_actor(ticket, agent, django_assert_num_queries):
    other = baker.make_recipe("tests.tickets.ticket", customer=ticket.customer)
    baker.make(TicketEvent, ticket=ticket, actor=agent.user, kind="commented")
    baker.make(TicketEvent, ticket=other, actor=agent.user, kind="commented")
    queryset = event_list(ticket=ticket)

    with django_assert_num_queries(1):
        assert [(e.kind, e.actor.email) for e in queryset] == [("commented", agent.user.email)]


# --- link_list ------------------------------------------------------------------------------------


def test_link_list_reads_every_link_from_the_tickets_side(customer_a, django_assert_num_queries):
    here, parent, child, dup, origin, merged, unrelated = (
        _ticket(customer_a, name) for name in ("here", "parent", "child", "dup", "origin", "merged", "unrelated")
    )
    start = timezone.now() - timedelta(hours=1)
    made = [
        # stored (from, to, kind), oldest first; ids deliberately not in time order
        (here, parent, "child_of", start + timedelta(minutes=5)),
        (child, here, "child_of", start + timedelta(minutes=1)),
        (dup, here, "duplicate_of", start + timedelta(minutes=2)),
        (here, origin, "split_from", start + timedelta(minutes=4)),
        (merged, here, "merged_into", start + timedelta(minutes=3)),
        (here, dup, "related", start + timedelta(minutes=6)),
    ]
    links = [TicketLink.objects.create(from_ticket=a, to_ticket=b, kind=k, created_at=at) for a, b, k, at in made]
    TicketLink.objects.create(from_ticket=unrelated, to_ticket=parent, kind="related")
    by_kind = {link.kind + str(link.from_ticket_id == here.pk): link for link in links}

    with django_assert_num_queries(1):
        rows = link_list(ticket=here)
        seen = [(row["ticket"].title, row["kind"]) for row in rows]

    assert seen == [
        ("child", "parent_of"),
        ("dup", "has_duplicate"),
        ("merged", "merged_from"),
        ("origin", "split_from"),
        ("parent", "child_of"),
        ("dup", "related"),
    ]
    assert rows[0] == {
        "id": by_kind["child_ofFalse"].pk,
        "kind": "parent_of",
        "label": "Parent of",
        "ticket": child,
        "created_at": start + timedelta(minutes=1),
        "removable": True,
    }
    assert [(row["label"], row["removable"]) for row in rows] == [
        ("Parent of", True),
        ("Has duplicate", True),
        ("Merged from", False),
        ("Split from", False),
        ("Child of", True),
        ("Related to", True),
    ]
    assert rows[4]["id"] == by_kind["child_ofTrue"].pk
    assert rows[4]["created_at"] == start + timedelta(minutes=5)


def test_link_list_of_an_unlinked_ticket_is_empty(ticket):
    assert link_list(ticket=ticket) == []


def test_link_list_breaks_ties_in_time_by_id(customer_a):
    """Links made in the same instant (a merge makes two) keep the order they were made in,
    whichever side of them the ticket is on."""
    here, *others = (_ticket(customer_a, f"t{n}") for n in range(6))
    same = timezone.now()
    specs = [
        (others[0], here, "related"),
        (here, others[1], "child_of"),
        (others[2], here, "duplicate_of"),
        (here, others[3], "related"),
        (others[4], here, "child_of"),
    ]
    made = [TicketLink.objects.create(from_ticket=a, to_ticket=b, kind=k, created_at=same) for a, b, k in specs]

    assert [row["id"] for row in link_list(ticket=here)] == [link.pk for link in made]
