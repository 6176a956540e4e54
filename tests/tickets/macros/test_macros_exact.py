"""tickets/macros: who sees which macro (selectors: shared and one's own, active only, agents only)
and, value by value, what rendering, previewing, applying and saving do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from model_bakery import baker

from agents.models import Role, Team
from config.exceptions import ApplicationError
from tickets.macros.selectors import macro_get, macro_list
from tickets.macros.services import (
    macro_apply,
    macro_changes,
    macro_preview,
    macro_render,
    macro_save,
    validate_macro_body,
)
from tickets.models import Comment, Ticket, TicketEvent
from tickets.models.macros import Macro

pytestmark = pytest.mark.django_db

KNOWN = "{{ customer_name }}, {{ customer_email }}, {{ ticket_reference }}, {{ ticket_title }}, {{ agent_name }}"


# --- selectors --------------------------------------------------------------------------------


@pytest.fixture
def shelf(make_agent):
    me, colleague = make_agent(Role.AGENT), make_agent(Role.AGENT)
    Macro.objects.create(name="b shared", body="x")
    Macro.objects.create(name="a shared", body="x")
    Macro.objects.create(name="retired", body="x", is_active=False)
    Macro.objects.create(name="c mine", body="x", owner=me.user)
    Macro.objects.create(name="mine retired", body="x", owner=me.user, is_active=False)
    Macro.objects.create(name="theirs", body="x", owner=colleague.user)
    return me, colleague


def names(qs) -> list[str]:
    return list(qs.values_list("name", flat=True))


def test_an_agent_sees_the_active_shared_macros_and_their_own(shelf):
    me, colleague = shelf
    assert names(macro_list(user=me.user)) == ["a shared", "b shared", "c mine"]
    assert names(macro_list(user=colleague.user)) == ["a shared", "b shared", "theirs"]


def test_a_viewer_sees_the_shared_ones(shelf, make_agent):
    assert names(macro_list(user=make_agent(Role.VIEWER).user)) == ["a shared", "b shared"]


@pytest.mark.parametrize("who", ["customer", "anonymous", "none"])
def test_nobody_but_agents_sees_macros(shelf, customer_a, who):
    user = {"customer": customer_a.user, "anonymous": AnonymousUser(), "none": None}[who]
    assert names(macro_list(user=user)) == []
    assert macro_get(user=user, pk=Macro.objects.get(name="a shared").pk) is None


def test_macro_get_finds_only_a_usable_macro(shelf):
    me, _ = shelf
    mine = Macro.objects.get(name="c mine")
    assert macro_get(user=me.user, pk=mine.pk) == mine
    assert macro_get(user=me.user, pk=Macro.objects.get(name="theirs").pk) is None
    assert macro_get(user=me.user, pk=Macro.objects.get(name="retired").pk) is None


def test_ties_in_name_are_ordered_by_id(make_agent):
    me, other = make_agent(Role.AGENT), make_agent(Role.AGENT)
    second = Macro.objects.create(name="same", body="x", owner=other.user)
    first = Macro.objects.create(name="same", body="x", owner=me.user)
    shared = Macro.objects.create(name="same", body="x")
    assert list(macro_list(user=me.user).values_list("pk", flat=True)) == sorted([first.pk, shared.pk])
    assert second.pk not in macro_list(user=me.user).values_list("pk", flat=True)


def test_macro_list_joins_what_the_list_shows(shelf, django_assert_num_queries):
    me, _ = shelf
    team = baker.make_recipe("tests.agents.team", name="T")
    Macro.objects.filter(name="c mine").update(set_team=team, set_assignee=me.user)
    queryset = macro_list(user=me.user)
    with django_assert_num_queries(1):
        rows = [
            (m.name, m.set_team and m.set_team.name, m.set_assignee and m.set_assignee.email, m.owner and m.owner.email)
            for m in queryset
        ]
    assert rows[-1] == ("c mine", "T", me.user.email, me.user.email)


# --- rendering and validation -----------------------------------------------------------------


def test_validate_macro_body_names_each_unknown_placeholder_once_sorted():
    with pytest.raises(ValidationError) as exc:
        validate_macro_body("{{ zeta }} {{ alpha }} {{zeta}} {{ customer_name }}")
    assert exc.value.messages == [f"Unknown placeholder(s): alpha, zeta. Use: {KNOWN}."]
    assert validate_macro_body("") == ""
    assert validate_macro_body(None) is None


def test_render_fills_each_placeholder_and_keeps_unknown_ones(ticket, agent):
    macro = Macro(body="  {{customer_name}} <{{ customer_email }}> {{ ticket_title }} {{ nope }} {{ agent_name }}  ")
    assert macro_render(macro=macro, ticket=ticket, actor=agent.user) == (
        f"Alice <alice@acme.example> {ticket.title} {{{{ nope }}}} {agent.user.get_full_name()}"
    )


def test_render_falls_back_to_the_email_and_the_system(customer_a, make_ticket):
    customer_a.name = ""
    customer_a.save()
    ticket = make_ticket()
    assert macro_render(macro=Macro(body="{{ customer_name }} / {{ agent_name }}"), ticket=ticket, actor=None) == (
        "alice@acme.example / System"
    )


# --- changes and preview ----------------------------------------------------------------------


def test_macro_changes_lists_only_what_differs(ticket, senior_agent):
    team = baker.make(Team, name="Tier 2")
    ticket.tags = ["new", "web"]
    ticket.status = "open"
    macro = Macro(
        set_status="open",
        set_priority="critical",
        set_team=team,
        set_assignee=senior_agent.user,
        add_tags=["web", "vip"],
        remove_tags=["new", "absent"],
    )
    changes, words = macro_changes(macro=macro, ticket=ticket)
    assert changes == {"priority": "critical", "team": team, "assignee": senior_agent.user, "tags": ["web", "vip"]}
    assert words == [
        "priority → critical",
        "team → Tier 2",
        f"assign {senior_agent.user.get_full_name()}",
        "add tags vip",
        "remove tags new",
    ]


def test_macro_changes_of_a_macro_that_changes_nothing(ticket, senior_agent):
    team = baker.make(Team, name="Tier 2")
    ticket.tags = ["web"]
    ticket.team, ticket.assignee, ticket.priority, ticket.status = team, senior_agent.user, "high", "pending"
    macro = Macro(
        set_status="pending",
        set_priority="high",
        set_team=team,
        set_assignee=senior_agent.user,
        add_tags=["web"],
        remove_tags=None,
    )
    assert macro_changes(macro=macro, ticket=ticket) == ({}, [])
    assert macro_changes(macro=Macro(add_tags=None, remove_tags=[]), ticket=ticket) == ({}, [])


def test_macro_changes_only_removing_tags(ticket):
    ticket.tags = ["a", "b"]
    assert macro_changes(macro=Macro(remove_tags=["a"]), ticket=ticket) == ({"tags": ["b"]}, ["remove tags a"])
    assert macro_changes(macro=Macro(set_status="resolved"), ticket=ticket) == (
        {"status": "resolved"},
        ["status → resolved"],
    )


def test_preview_exactly(ticket, agent):
    macro = Macro(body="Note for {{ customer_name }}", visibility="internal", set_priority="low")
    preview = macro_preview(macro=macro, ticket=ticket, actor=agent.user)
    assert (preview.body, preview.is_internal, preview.actions, preview.changes) == (
        "Note for Alice",
        True,
        ["priority → low"],
        {"priority": "low"},
    )


# --- apply ------------------------------------------------------------------------------------


def test_apply_with_an_edited_body(ticket, agent):
    macro = Macro.objects.create(name="m", body="Rendered {{ customer_name }}", set_priority="high")
    locked, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user, body="  Edited\r\nreply  ")
    assert Comment.objects.get(pk=comment.pk).body == "Edited\nreply"
    assert (comment.is_internal, comment.author) == (False, agent.user)
    assert Ticket.objects.get(pk=locked.pk).priority == "high"
    assert locked.priority == "high"


def test_apply_without_text_writes_no_comment_and_without_changes_no_update(ticket, agent):
    macro = Macro.objects.create(name="m", body="", set_priority="high")
    _locked, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user)
    assert comment is None
    assert not Comment.objects.exists()
    macro_only_text = Macro.objects.create(name="n", body="Just words")
    version = Ticket.objects.get(pk=ticket.pk).version
    _, comment = macro_apply(macro=macro_only_text, ticket=ticket, actor=agent.user)
    assert comment.body == "Just words"
    assert list(TicketEvent.objects.filter(ticket=ticket, kind="updated").values_list("field", flat=True)) == [
        "priority"
    ]
    assert Ticket.objects.get(pk=ticket.pk).version == version + 1  # the reply is the first response


def test_an_internal_macro_writes_a_note(ticket, agent):
    macro = Macro.objects.create(name="m", body="Internal", visibility="internal")
    _, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user)
    assert Comment.objects.get(pk=comment.pk).is_internal is True


def test_apply_refusals_are_exact(ticket, agent, make_agent):
    other = make_agent(Role.AGENT)
    foreign = Macro.objects.create(name="theirs", body="x", owner=other.user)
    retired = Macro.objects.create(name="retired", body="x", is_active=False)
    for macro in (foreign, retired):
        with pytest.raises(ApplicationError) as exc:
            macro_apply(macro=macro, ticket=ticket, actor=agent.user)
        assert (exc.value.message, exc.value.code, exc.value.http_status) == ("No such macro.", "not_found", 404)
    mine = Macro.objects.create(name="mine", body="Mine", owner=agent.user)
    assert macro_apply(macro=mine, ticket=ticket, actor=agent.user)[1].body == "Mine"


def test_apply_on_a_stale_page_is_refused(ticket, agent):
    macro = Macro.objects.create(name="m", body="Reply", set_priority="high")
    with pytest.raises(ApplicationError) as exc:
        macro_apply(macro=macro, ticket=ticket, actor=agent.user, expected_version=ticket.version + 1)
    assert exc.value.code == "stale_version"
    event = TicketEvent.objects.create(ticket=ticket, kind="commented")
    with pytest.raises(ApplicationError):
        macro_apply(macro=macro, ticket=ticket, actor=agent.user, seen_event_id=event.pk - 1)
    with pytest.raises(ApplicationError) as exc:
        macro_apply(macro=macro, ticket=ticket, actor=agent.user, if_match=[ticket.version + 5])
    assert exc.value.http_status == 412
    assert not Comment.objects.exists()


# --- save -------------------------------------------------------------------------------------


def test_macro_save_normalises_and_checks(agent):
    macro = macro_save(
        macro=Macro(name="s", body=" Hello\r\n{{ customer_name }} ", add_tags=["VIP"], remove_tags=["Old "]),
        actor=agent.user,
    )
    stored = Macro.objects.get(pk=macro.pk)
    assert (stored.body, stored.add_tags, stored.remove_tags) == ("Hello\n{{ customer_name }}", ["vip"], ["old"])
    with pytest.raises(ValidationError) as exc:
        macro_save(macro=Macro(name="t", body="{{ x }}", add_tags="vip", remove_tags=5), actor=agent.user)
    assert set(exc.value.message_dict) == {"body", "add_tags", "remove_tags"}
    assert exc.value.message_dict["body"] == [f"Unknown placeholder(s): x. Use: {KNOWN}."]
    assert Macro.objects.count() == 1


# --- the exact words, codes and messages --------------------------------------------------------


def test_apply_signs_with_the_acting_agents_name(ticket, agent):
    agent.user.name = "Dana Reyes"
    agent.user.save(update_fields=["name"])
    macro = Macro.objects.create(name="sign", body="Regards, {{ agent_name }}")

    _, comment = macro_apply(macro=macro, ticket=ticket, actor=agent.user)

    assert Comment.objects.get(pk=comment.pk).body == "Regards, Dana Reyes"


def test_macro_changes_joins_several_tags_with_a_comma(ticket):
    ticket.tags = ["new", "old", "web"]
    macro = Macro(add_tags=["vip", "web", "urgent"], remove_tags=["new", "old"])

    _, words = macro_changes(macro=macro, ticket=ticket)

    assert words == ["add tags vip, urgent", "remove tags new, old"]


def test_an_unknown_placeholder_is_refused_with_its_code():
    with pytest.raises(ValidationError) as exc:
        validate_macro_body("Hi {{ nickname }}")
    assert [(e.code, e.message) for e in exc.value.error_list] == [
        ("placeholder", f"Unknown placeholder(s): nickname. Use: {KNOWN}.")
    ]


def test_macro_save_names_each_tag_fields_reason(agent):
    with pytest.raises(ValidationError) as exc:
        macro_save(macro=Macro(name="t", body="ok", add_tags="vip", remove_tags=5), actor=agent.user)
    assert exc.value.message_dict == {
        "add_tags": ["Tags must be a list of strings."],
        "remove_tags": ["Tags must be a list of strings."],
    }
