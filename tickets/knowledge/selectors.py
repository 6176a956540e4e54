"""Every read of the knowledge base, scoped to the reader: anybody sees published public articles;
agents (any role, viewers included) also internal ones and drafts. Search is full text on
PostgreSQL (GIN-indexed, ranked: title before body) and `icontains` elsewhere."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import CombinedExpression

from agents.selectors import is_agent
from tickets.knowledge.models import Article, ArticleStatus, ArticleVisibility, KBCategory, Section

SEARCH_CONFIG = "english"


def article_search_vector() -> CombinedExpression:
    """Exactly the expression of the GIN index (migration knowledge 0002): change both together."""
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="B", config=SEARCH_CONFIG
    )


def article_visible_to(user: AbstractBaseUser | None, *, include_drafts: bool = False) -> QuerySet[Article]:
    """Published public articles for everybody; agents also internal ones (and drafts when asked)."""
    qs = Article.objects.select_related("section__category")
    if is_agent(user):
        return qs if include_drafts else qs.filter(status=ArticleStatus.PUBLISHED)
    return qs.filter(status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC)


def article_search(queryset: QuerySet[Article], term: str) -> QuerySet[Article]:
    """Articles of `queryset` matching `term`, best first (title matches outrank body matches)."""
    term = (term or "").strip()
    if not term:
        return queryset
    if connection.vendor != "postgresql":
        return queryset.filter(Q(title__icontains=term) | Q(body__icontains=term)).order_by("title", "id")
    query = SearchQuery(term, config=SEARCH_CONFIG, search_type="websearch")
    return (
        queryset.alias(search=article_search_vector())
        .filter(search=query)
        .annotate(rank=SearchRank(article_search_vector(), query))
        .order_by("-rank", "title", "id")
    )


def article_suggest(*, user: AbstractBaseUser | None, term: str, limit: int = 5) -> list[Article]:
    """Articles for a ticket title being typed (the portal's suggestions): public ones only for
    customers; needs at least 3 characters."""
    term = (term or "").strip()
    if len(term) < 3:
        return []
    # Every word may match, not all of them: a title is rarely phrased as the article is.
    words = [w for w in term.replace('"', " ").split() if len(w) > 2] or [term]
    visible = article_visible_to(user)
    if connection.vendor != "postgresql":
        any_word = Q()
        for word in words:
            any_word |= Q(title__icontains=word) | Q(body__icontains=word)
        return list(visible.filter(any_word).order_by("title", "id")[:limit])
    return list(article_search(visible, " or ".join(words))[:limit])


def article_get(*, user: AbstractBaseUser | None, slug: str) -> Article | None:
    return article_visible_to(user, include_drafts=True).filter(slug=slug).first()


def kb_home(*, user: AbstractBaseUser | None) -> QuerySet[KBCategory]:
    """Categories with their sections and each section's visible articles (three queries)."""
    articles = article_visible_to(user).select_related(None).order_by("title")
    return KBCategory.objects.prefetch_related(
        Prefetch("sections", queryset=Section.objects.order_by("position", "name")),
        Prefetch("sections__articles", queryset=articles, to_attr="visible_articles"),
    )


def article_most_viewed(*, user: AbstractBaseUser | None, limit: int = 5) -> list[Article]:
    return list(article_visible_to(user).order_by(F("view_count").desc(), "title")[:limit])
