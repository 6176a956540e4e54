"""Full-text search over tickets (title, description, comments) on PostgreSQL, with a plain
`icontains` fallback elsewhere; also finds a ticket by number or its customer's email."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet
from django.db.models.functions import Lower

from config.api.ids import id_or_none
from config.db import queryset_row_estimate
from customers.models import Customer
from tickets.models import Comment, Ticket

# --- full-text search ---------------------------------------------------------------------------
# The GIN expression indexes in migrations (tickets 'add_search_indexes') index exactly these
# expressions; change one and the other together, or PostgreSQL stops using the index
# (tests/tickets/test_selectors.py checks the plan).
SEARCH_CONFIG = "english"
EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Up to this many tickets found through their comments are inlined in the search query as ids.
SEARCH_INLINE_IDS = 2_000
# From this many estimated matches (PostgreSQL's GIN statistics), a word counts as common.
SEARCH_WALK_FROM = 10_000


def ticket_search_vector() -> SearchVector:
    return SearchVector("title", "description", config=SEARCH_CONFIG)


def comment_search_vector() -> SearchVector:
    return SearchVector("body", config=SEARCH_CONFIG)


class InArray(Func):
    """`<expression> = ANY(ARRAY(<subquery>))`, a condition.

    Unlike `IN (<subquery>)` OR-ed with another condition (a hashed sub-plan, or a join the
    planner may push below the LIMIT), the array is an init-plan evaluated once: each row walked
    is then checked against a plain parameter. Used for the (rare) many comment matches of a
    common word."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression: Any, queryset: QuerySet) -> None:
        super().__init__(expression, ArraySubquery(queryset))

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list]:
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        return f"({lhs} = ANY({rhs}))", [*lhs_params, *rhs_params]


def ticket_search(queryset: QuerySet[Ticket], term: str, *, include_internal: bool = True) -> QuerySet[Ticket]:
    """Tickets of `queryset` matching `term`: full text over title, description and comments
    (internal notes too unless `include_internal=False`, e.g. for customers); a number also
    matches the ticket id, an email address the customer's email.

    PostgreSQL, built for a million tickets (`websearch_to_tsquery` against the GIN-indexed
    vectors; no UNION of every match joined back and sorted):
    - comments' matches (comment_search_gin) are looked up first, up to SEARCH_INLINE_IDS;
    - a rare word (planner estimate under SEARCH_WALK_FROM, then at most SEARCH_INLINE_IDS real
      matches through ticket_search_gin) is resolved to ids, and the page query is a primary-key
      lookup of those few ids, sorted (exact, tiny);
    - a common word ("refund", 40k rows) is matched in the page query itself, so the planner
      walks the index of the caller's ordering (the changelist's ticket_urgency_idx, the API's
      ticket_created_idx) and stops at the end of the page instead of sorting every match.
    Ids are inlined as literals because the planner then knows how few they are; an opaque
    sub-plan makes it guess thousands and walk the whole table for a word nobody used.
    SQLite: `icontains`."""
    term = (term or "").strip()
    if not term:
        return queryset
    comments = Comment.objects.all() if include_internal else Comment.objects.filter(is_internal=False)
    number = term.lstrip("#")
    ticket_id = id_or_none(number)
    email = term.lower() if EMAIL_LIKE.match(term) else None
    if connection.vendor != "postgresql":
        q = Q(title__icontains=term) | Q(description__icontains=term)
        q |= Q(pk__in=comments.filter(body__icontains=term).values("ticket_id"))
        if ticket_id is not None:
            q |= Q(pk=ticket_id)
        if email is not None:
            q |= Q(pk__in=Ticket.objects.alias(customer_email=Lower("customer__email")).filter(customer_email=email))
        return queryset.filter(q)
    query = SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")
    comment_matches = comments.alias(search=comment_search_vector()).filter(search=query)
    comment_ids = _ids_up_to(comment_matches.values_list("ticket_id", flat=True))
    matching = Ticket.objects.alias(search=ticket_search_vector()).filter(search=query).values_list("pk", flat=True)
    ticket_ids = _ids_up_to(matching) if queryset_row_estimate(matching) < SEARCH_WALK_FROM else None
    ids: set[int] = set(ticket_ids or ()) | set(comment_ids or ())
    q = Q()
    if ticket_ids is None:
        # A common word: checked row by row while the caller's ordering index is walked, so the
        # first page stops after a few thousand rows instead of fetching and sorting every match.
        queryset = queryset.alias(_search=ticket_search_vector())
        q |= Q(_search=query)
    if comment_ids is None:
        q |= Q(InArray(F("pk"), comment_matches.values("ticket_id")))
    if ticket_id is not None:
        ids.add(ticket_id)
    if email is not None:
        # customer_email_ci_unique (lower(email)) finds the customer; ticket_customer_created_idx their tickets.
        customer_ids = list(
            Customer.objects.alias(email_ci=Lower("email")).filter(email_ci=email).values_list("pk", flat=True)
        )
        if customer_ids:
            q |= Q(customer_id__in=customer_ids)
    if ids:
        q |= Q(pk__in=sorted(ids))
    if not q:
        return queryset.none()
    return queryset.filter(q)


def _ids_up_to(values: QuerySet, limit: int | None = None) -> list[int] | None:
    """The distinct ids of `values` (at most `limit` rows read), or None when there are more.
    No DISTINCT in SQL: with it the planner may walk an index in id order instead of the GIN."""
    limit = SEARCH_INLINE_IDS if limit is None else limit
    found = list(values.order_by()[: limit + 1])
    return None if len(found) > limit else sorted(set(found))
