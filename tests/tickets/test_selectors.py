"""Ticket reads: scoping, conversation visibility and full-text search (PostgreSQL and SQLite)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from config.db import queryset_row_estimate
from tickets import comments, search, services
from tickets.models import Ticket
from tickets.search import ticket_search
from tickets.selectors import comment_list, event_list, ticket_get, ticket_list, ticket_visible_to

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.postgres(reason="full-text search")


@pytest.fixture
def corpus(customer_a, customer_b, agent):
    printer = services.ticket_create(
        actor=agent.user, title="Printer jams constantly", description="Paper stuck.", customer=customer_a
    )
    invoice = services.ticket_create(
        actor=agent.user, title="Invoice is wrong", description="We were charged twice.", customer=customer_b
    )
    login = services.ticket_create(actor=agent.user, title="Cannot sign in", customer=customer_b)
    comments.comment_add(ticket=login, actor=agent.user, body="Refund approved by finance.", is_internal=True)
    comments.comment_add(ticket=login, customer=customer_b, body="My keyboard smells of coffee.")
    return {"printer": printer, "invoice": invoice, "login": login}


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("printer", {"printer"}, id="title-word"),
        pytest.param("charged", {"invoice"}, id="description-word"),
        pytest.param("keyboard", {"login"}, id="public-comment"),
        pytest.param("refund", {"login"}, id="internal-note"),
        pytest.param("nothing-like-this", set(), id="no-match"),
        pytest.param("bob@globex.example", {"invoice", "login"}, id="customer-email"),
        pytest.param("BOB@GLOBEX.EXAMPLE", {"invoice", "login"}, id="customer-email-any-case"),
        pytest.param("   ", {"printer", "invoice", "login"}, id="blank-term-no-filter"),
    ],
)
def test_ticket_search(corpus, term, expected):
    found = _ids(ticket_search(Ticket.objects.all(), term))
    assert found == {corpus[name].pk for name in expected}


def test_ticket_search_by_number(corpus):
    pk = corpus["invoice"].pk
    assert pk in _ids(ticket_search(Ticket.objects.all(), str(pk)))
    assert pk in _ids(ticket_search(Ticket.objects.all(), f"#{pk}"))


def test_ticket_search_can_leave_internal_notes_out(corpus):
    assert _ids(ticket_search(Ticket.objects.all(), "refund", include_internal=False)) == set()
    assert _ids(ticket_search(Ticket.objects.all(), "keyboard", include_internal=False)) == {corpus["login"].pk}


def test_ticket_search_keeps_the_given_scope(corpus, customer_a):
    scoped = Ticket.objects.filter(customer=customer_a)
    assert _ids(ticket_search(scoped, "charged")) == set()


@postgres_only
def test_ticket_search_stems_words_on_postgres(corpus):
    assert _ids(ticket_search(Ticket.objects.all(), "jamming printers")) == {corpus["printer"].pk}
    assert _ids(ticket_search(Ticket.objects.all(), '"sign in" -printer')) == {corpus["login"].pk}


def _plan(sql, params):
    with connection.cursor() as cursor:
        # Only a bitmap scan is left: it must be on the GIN index, whose expression must match.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize(
    ("table", "index"),
    [
        pytest.param("tickets_ticket", "ticket_search_gin", id="ticket"),
        pytest.param("tickets_comment", "comment_search_gin", id="comment"),
    ],
)
def test_search_uses_the_gin_indexes(corpus, table, index):
    """The query expression must match the index expression exactly, or PostgreSQL scans: the
    queries that resolve a rare word's matches read the GIN indexes."""
    with CaptureQueriesContext(connection) as ctx:
        assert _ids(ticket_search(Ticket.objects.all(), "printer")) == {corpus["printer"].pk}
    lookups = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"] and "to_tsvector" in q["sql"]
    ]
    assert len(lookups) == 1, ctx.captured_queries
    # The captured SQL has its parameters inlined already.
    plan = _plan(lookups[0], None)
    assert index in plan, plan


@postgres_only
def test_search_for_a_common_word_filters_in_the_page_query_with_the_gin_expression(corpus, monkeypatch):
    """A common word is matched in the page's own query (the planner walks the ordering index and
    stops at the end of the page) with the indexed expression, so a GIN plan stays possible."""
    monkeypatch.setattr(search, "SEARCH_WALK_FROM", 0)
    qs = ticket_search(Ticket.objects.all(), "printer")
    sql, params = qs.query.sql_with_params()
    assert "to_tsvector(" in sql.split(" WHERE ", 1)[1]
    assert "ticket_search_gin" in _plan(sql, params)
    assert _ids(qs) == {corpus["printer"].pk}


@postgres_only
def test_search_resolves_a_rare_word_to_ids_in_bounded_queries(corpus, django_assert_num_queries):
    """Comments' matches, the estimate, the tickets' matches, then the page: four queries, and the
    page query is a primary-key lookup (no to_tsvector on every walked row)."""
    with django_assert_num_queries(4) as captured:
        assert _ids(ticket_search(Ticket.objects.all(), "printer")) == {corpus["printer"].pk}
    page_sql = captured.captured_queries[-1]["sql"]
    assert "to_tsvector" not in page_sql
    assert f'"tickets_ticket"."id" IN ({corpus["printer"].pk})' in page_sql


@pytest.mark.parametrize(
    ("walk_from", "inline_ids"),
    [
        pytest.param(None, None, id="rare-words-inlined"),
        pytest.param(0, None, id="common-words-walk"),
        pytest.param(0, 0, id="common-words-walk-and-many-comment-matches"),
        pytest.param(None, 0, id="more-matches-than-inlined"),
    ],
)
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("printer", {"printer"}, id="title-word"),
        pytest.param("refund", {"login"}, id="internal-note"),
        pytest.param("keyboard", {"login"}, id="public-comment"),
        pytest.param("bob@globex.example", {"invoice", "login"}, id="customer-email"),
        pytest.param("nothing-like-this", set(), id="no-match"),
    ],
)
def test_every_search_plan_finds_the_same_tickets(corpus, monkeypatch, walk_from, inline_ids, term, expected):
    if walk_from is not None:
        monkeypatch.setattr(search, "SEARCH_WALK_FROM", walk_from)
    if inline_ids is not None:
        monkeypatch.setattr(search, "SEARCH_INLINE_IDS", inline_ids)
    assert _ids(ticket_search(Ticket.objects.all(), term)) == {corpus[name].pk for name in expected}
    number = ticket_search(Ticket.objects.all(), str(corpus["invoice"].pk))
    assert corpus["invoice"].pk in _ids(number)


@postgres_only
def test_queryset_row_estimate_reads_the_plan_without_running_it(corpus, django_assert_num_queries):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    with django_assert_num_queries(1) as captured:
        assert queryset_row_estimate(Ticket.objects.all()) == 3
    assert captured.captured_queries[0]["sql"].startswith("EXPLAIN (FORMAT JSON)")


def test_visible_to_scopes_by_role(corpus, agent, customer_a, customer_b, django_user_model):
    assert _ids(ticket_visible_to(agent.user)) == {t.pk for t in corpus.values()}
    assert _ids(ticket_list(user=customer_a.user)) == {corpus["printer"].pk}
    assert _ids(ticket_list(user=customer_b.user)) == {corpus["invoice"].pk, corpus["login"].pk}
    nobody = django_user_model.objects.create_user(email="nobody@example.com", password="x")
    assert not ticket_visible_to(nobody).exists()
    assert not ticket_visible_to(None).exists()
    assert ticket_get(user=customer_a.user, pk=corpus["invoice"].pk) is None
    assert ticket_get(user=agent.user, pk=corpus["invoice"].pk) == corpus["invoice"]


def test_customer_without_organization_sees_only_their_own(agent, customer_a, django_user_model):
    user = django_user_model.objects.create_user(email="solo@example.net", password="x")
    solo = baker.make_recipe("tests.customers.customer", email="solo@example.net", user=user)
    mine = services.ticket_create(actor=agent.user, title="My own issue", customer=solo)
    services.ticket_create(actor=agent.user, title="Someone else's", customer=customer_a)
    assert _ids(ticket_list(user=user)) == {mine.pk}


def test_comment_list_hides_internal_notes_from_customers(corpus, agent, customer_b, django_assert_num_queries):
    login = corpus["login"]
    assert comment_list(ticket=login, user=agent.user).count() == 2
    customer_view = list(comment_list(ticket=login, user=customer_b.user))
    assert [c.is_internal for c in customer_view] == [False]
    with django_assert_num_queries(2):  # comments with authors, then attachments
        for comment in comment_list(ticket=login, user=agent.user):
            str(comment.author)
            list(comment.attachments.all())


def test_event_list_in_order(corpus):
    kinds = list(event_list(ticket=corpus["login"]).values_list("kind", flat=True))
    assert kinds == ["created", "commented", "commented"]


@pytest.mark.parametrize(
    "term",
    [
        pytest.param("99999999999999999999999", id="number-beyond-bigint"),
        pytest.param('"unterminated quote', id="unbalanced-quote"),
        pytest.param("the and of", id="stop-words-only"),
        pytest.param("a & b | !c", id="tsquery-operators"),
        pytest.param("x@y", id="almost-an-email"),
    ],
)
def test_ticket_search_never_fails_on_odd_input(corpus, term):
    assert _ids(ticket_search(Ticket.objects.all(), term)) == set()
