"""The action language (tickets/rules/actions.py): every refusal with its exact message, the
normalised actions, and the words of a dry run, from hand-written tables."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Role
from tickets.rules import actions
from tickets.rules.actions import describe, planned_changes, validate_actions

pytestmark = pytest.mark.django_db

ALL_ACTIONS = (
    "set_status, set_priority, escalate, set_team, set_category, assign, assign_by_strategy, unassign, "
    "add_tags, remove_tags, add_note, apply_macro, publish_event, send_email"
)


def _refusal(value, context="trigger") -> str:
    with pytest.raises(ValidationError) as caught:
        validate_actions(value, context=context)
    return caught.value.messages[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("x", 'A rule needs at least one action (a list of {"action", "value"}).', id="not-a-list"),
        pytest.param([], 'A rule needs at least one action (a list of {"action", "value"}).', id="empty"),
        pytest.param(["x"], 'action #1: an action is {"action", "value"}.', id="not-an-object"),
        pytest.param([{"value": 1}], 'action #1: an action is {"action", "value"}.', id="no-action-key"),
        pytest.param([{"action": "fly"}], f"action #1: unknown action 'fly'; use one of: {ALL_ACTIONS}.", id="unknown"),
        pytest.param(
            [{"action": "escalate"}, {"action": "set_status", "value": "done"}],
            "action #2 (set_status): 'done' is not a status (open, in_progress, pending, on_hold, resolved, closed).",
            id="status-second",
        ),
        pytest.param(
            [{"action": "set_priority", "value": "urgent"}],
            "action #1 (set_priority): 'urgent' is not a priority (low, medium, high, critical).",
            id="priority",
        ),
        pytest.param(
            [{"action": "set_team", "value": "1"}], "action #1 (set_team): no team with id '1'.", id="team-str"
        ),
        pytest.param(
            [{"action": "set_team", "value": 999999}], "action #1 (set_team): no team with id 999999.", id="team"
        ),
        pytest.param(
            [{"action": "set_category", "value": 5}], "action #1 (set_category): no category with slug 5.", id="cat-int"
        ),
        pytest.param(
            [{"action": "set_category", "value": "nope"}],
            "action #1 (set_category): no category with slug 'nope'.",
            id="category",
        ),
        pytest.param(
            [{"action": "assign", "value": "x"}], "action #1 (assign): 'x' is not an agent's user id.", id="user"
        ),
        pytest.param(
            [{"action": "assign", "value": 999999}],
            "action #1 (assign): 999999 is not an agent's user id.",
            id="no-user",
        ),
        pytest.param(
            [{"action": "add_tags", "value": []}], "action #1 (add_tags): name at least one tag.", id="no-tags"
        ),
        pytest.param(
            [{"action": "remove_tags", "value": "vip"}],
            "action #1 (remove_tags): Tags must be a list of strings.",
            id="tags-not-a-list",
        ),
        pytest.param(
            [{"action": "add_note", "value": "  "}], "action #1 (add_note): the note needs a text.", id="blank"
        ),
        pytest.param(
            [{"action": "add_note", "value": 5}], "action #1 (add_note): the note needs a text.", id="note-int"
        ),
        pytest.param(
            [{"action": "apply_macro", "value": "1"}],
            "action #1 (apply_macro): '1' is not an active shared macro's id.",
            id="macro-str",
        ),
        pytest.param(
            [{"action": "publish_event", "value": " "}],
            "action #1 (publish_event): the event needs a name of 1-60 characters.",
            id="event-blank",
        ),
        pytest.param(
            [{"action": "publish_event", "value": "x" * 61}],
            "action #1 (publish_event): the event needs a name of 1-60 characters.",
            id="event-long",
        ),
        pytest.param(
            [{"action": "publish_event", "value": 5}],
            "action #1 (publish_event): the event needs a name of 1-60 characters.",
            id="event-int",
        ),
        pytest.param(
            [{"action": "send_email", "value": "boss"}],
            'action #1 (send_email): {"to", "subject", "body"} (and "address" when to is address).',
            id="email-not-an-object",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "boss", "subject": "s", "body": "b"}}],
            "action #1 (send_email): to must be one of customer, assignee, team, address.",
            id="email-to",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "address", "address": " nope ", "subject": "s", "body": "b"}}],
            "action #1 (send_email): address 'nope' is not an email address.",
            id="email-address",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "address", "subject": "s", "body": "b"}}],
            "action #1 (send_email): address '' is not an email address.",
            id="email-no-address",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "team", "body": "b"}}],
            "action #1 (send_email): the email needs a subject.",
            id="email-no-subject",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "team", "subject": "  ", "body": "b"}}],
            "action #1 (send_email): the email needs a subject.",
            id="email-blank-subject",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "team", "subject": "s", "body": 3}}],
            "action #1 (send_email): the email needs a body.",
            id="email-no-body",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "team", "subject": "s" * 201, "body": "b"}}],
            "action #1 (send_email): the subject is at most 200 characters.",
            id="email-long-subject",
        ),
        pytest.param(
            [{"action": "send_email", "value": {"to": "team", "subject": "Hi {{ nobody }}", "body": "b"}}],
            "action #1 (send_email): subject: Unknown placeholder(s): nobody. Use: ",
            id="email-placeholder",
        ),
    ],
)
def test_refusals_name_the_action_and_the_fault(value, message):
    assert _refusal(value).startswith(message)
    if not message.endswith("Use: "):
        assert _refusal(value) == message


def test_a_trigger_only_action_is_refused_in_automations():
    assert _refusal([{"action": "assign_by_strategy"}], context="automation") == (
        "action #1 (assign_by_strategy): not available in automations."
    )
    assert _refusal([{"action": "apply_macro", "value": 1}], context="automation") == (
        "action #1 (apply_macro): not available in automations."
    )


def test_references_must_exist_and_be_usable(make_agent, django_user_model):
    team = baker.make("agents.Team", name="Billing")
    baker.make_recipe("tests.tickets.category", slug="billing")
    agent = make_agent(Role.AGENT)
    customer_user = django_user_model.objects.create_user(email="c@x.example", password="x-Secret-123", name="C")
    shared = baker.make("tickets.Macro", name="Shared", body="Hi", owner=None, is_active=True)
    private = baker.make("tickets.Macro", name="Private", body="Hi", owner=agent.user, is_active=True)
    inactive = baker.make("tickets.Macro", name="Old", body="Hi", owner=None, is_active=False)

    assert validate_actions(
        [
            {"action": "set_team", "value": team.pk},
            {"action": "set_category", "value": "billing"},
            {"action": "set_category", "value": None},
            {"action": "assign", "value": agent.user_id},
            {"action": "apply_macro", "value": shared.pk},
        ],
        context="trigger",
    ) == [
        {"action": "set_team", "value": team.pk},
        {"action": "set_category", "value": "billing"},
        {"action": "set_category", "value": None},
        {"action": "assign", "value": agent.user_id},
        {"action": "apply_macro", "value": shared.pk},
    ]
    assert _refusal([{"action": "assign", "value": customer_user.pk}]) == (
        f"action #1 (assign): {customer_user.pk} is not an agent's user id."
    )
    for macro in (private, inactive):
        assert _refusal([{"action": "apply_macro", "value": macro.pk}]) == (
            f"action #1 (apply_macro): {macro.pk} is not an active shared macro's id."
        )


def test_actions_are_normalised():
    assert validate_actions(
        [
            {"action": "escalate", "value": "ignored"},
            {"action": "unassign"},
            {"action": "set_status", "value": "pending"},
            {"action": "set_priority", "value": "high"},
            {"action": "add_tags", "value": [" VIP ", "vip", "refund"]},
            {"action": "add_note", "value": "  line one\r\nline two  "},
            {"action": "publish_event", "value": " crm.sync "},
            {"action": "publish_event", "value": "x" * 60},
            {
                "action": "send_email",
                "value": {
                    "to": "address",
                    "address": " boss@acme.example ",
                    "subject": " Ticket   {{ ticket_reference }}\n waiting ",
                    "body": " Hello\r\nthere ",
                    "extra": "dropped",
                },
            },
            {
                "action": "send_email",
                "value": {"to": "customer", "address": "x@y.example", "subject": "s" * 200, "body": "b"},
            },
        ],
        context="automation",
    ) == [
        {"action": "escalate"},
        {"action": "unassign"},
        {"action": "set_status", "value": "pending"},
        {"action": "set_priority", "value": "high"},
        {"action": "add_tags", "value": ["vip", "refund"]},
        {"action": "add_note", "value": "line one\nline two"},
        {"action": "publish_event", "value": "crm.sync"},
        {"action": "publish_event", "value": "x" * 60},
        {
            "action": "send_email",
            "value": {
                "to": "address",
                "address": "boss@acme.example",
                "subject": "Ticket {{ ticket_reference }} waiting",
                "body": "Hello\nthere",
            },
        },
        {"action": "send_email", "value": {"to": "customer", "subject": "s" * 200, "body": "b"}},
    ]


@pytest.mark.parametrize(
    ("action", "words"),
    [
        pytest.param({"action": "escalate"}, "Raise priority one step and mark escalated", id="no-value"),
        pytest.param({"action": "set_status", "value": "open"}, "Set status: open", id="value"),
        pytest.param({"action": "add_tags", "value": ["a", "b"]}, "Add tags: a, b", id="list"),
        pytest.param(
            {"action": "send_email", "value": {"to": "address", "address": "a@b.example", "subject": "S"}},
            "Email a@b.example: S",
            id="email-address",
        ),
        pytest.param({"action": "send_email", "value": {"to": "team", "subject": "S"}}, "Email team: S", id="email-to"),
        pytest.param(
            {"action": "send_email", "value": None},
            "Email the customer, the assignee, the team or an address: None",
            id="email-without-value",
        ),
    ],
)
def test_describe(action, words):
    assert describe(action) == words


def test_tags_after():
    assert actions._tags_after(["a", "b"], "remove_tags", ["b", "c"]) == ["a"]
    assert actions._tags_after(["a", "b"], "add_tags", ["b", "c", "d"]) == ["a", "b", "c", "d"]


def _ticket(**fields):
    from tickets.models import Ticket

    defaults = {"status": "open", "priority": "medium", "tags": ["a"], "team_id": None, "assignee_id": None}
    return Ticket(**{**defaults, **fields})


def test_planned_changes_in_words():
    ticket = _ticket()

    assert planned_changes(
        [
            {"action": "set_status", "value": "open"},
            {"action": "set_status", "value": "pending"},
            {"action": "set_priority", "value": "medium"},
            {"action": "set_priority", "value": "high"},
            {"action": "escalate"},
            {"action": "set_team", "value": None},
            {"action": "set_team", "value": 3},
            {"action": "set_category", "value": None},
            {"action": "set_category", "value": "billing"},
            {"action": "assign", "value": None},
            {"action": "assign", "value": 5},
            {"action": "unassign"},
            {"action": "add_tags", "value": ["a"]},
            {"action": "add_tags", "value": ["b"]},
            {"action": "remove_tags", "value": ["a"]},
            {"action": "remove_tags", "value": ["b"]},
            {"action": "add_note", "value": "Checked"},
            {"action": "assign_by_strategy"},
            {"action": "publish_event", "value": "crm.sync"},
            {"action": "apply_macro", "value": 4},
            {"action": "send_email", "value": {"to": "team", "subject": "S"}},
        ],
        ticket,
    ) == [
        "status open → pending",
        "priority medium → high",
        "escalated, priority medium → high",
        "team None → 3",
        "category None → billing",
        "assignee None → 5",
        "tags a → a, b",
        "tags a, b → b",
        "tags b → (none)",
        "Add an internal note: Checked",
        "Assign with the team's strategy",
        "Publish a webhook event (ticket.rule_event, with this name): crm.sync",
        "Apply a macro: 4",
        "Email team: S",
    ]
    assert ticket.tags == ["a"]  # nothing is written


def test_planned_changes_of_an_assigned_closed_ticket():
    category = baker.make_recipe("tests.tickets.category", slug="billing")
    ticket = _ticket(status="closed", assignee_id=5, team_id=3, category=category, tags=[])

    assert planned_changes(
        [
            {"action": "set_status", "value": "pending"},
            {"action": "set_team", "value": 3},
            {"action": "set_category", "value": "billing"},
            {"action": "set_category", "value": None},
            {"action": "assign", "value": 5},
            {"action": "unassign"},
            {"action": "remove_tags", "value": ["x"]},
            {"action": "add_tags", "value": ["x"]},
        ],
        ticket,
    ) == [
        "status closed → pending refused (not an allowed transition)",
        "category billing → None",
        "assignee 5 → none",
        "tags (none) → x",
    ]
