"""Every write to the knowledge base: articles (each save a new version), restore, categories and
sections, views and helpful votes. Agents write (viewers read only); anybody may vote once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from agents.models import Role, User
from agents.selectors import user_role
from config.exceptions import ApplicationError
from tickets.knowledge.models import (
    Article,
    ArticleStatus,
    ArticleVersion,
    ArticleVisibility,
    ArticleVote,
    KBCategory,
    Section,
)
from tickets.knowledge.rendering import render_markdown

WRITER_ROLES = frozenset({Role.ADMIN, Role.SENIOR_AGENT, Role.AGENT})
ARTICLE_FIELDS = ("title", "slug", "body", "section", "status", "visibility")


def _require_writer(actor: AbstractBaseUser | None) -> None:
    if user_role(actor) not in WRITER_ROLES:
        raise ApplicationError("Only agents write knowledge-base articles.", code="forbidden", http_status=403)


def _require_senior(actor: AbstractBaseUser | None) -> None:
    if user_role(actor) not in (Role.ADMIN, Role.SENIOR_AGENT):
        raise ApplicationError(
            "Only admins and senior agents arrange knowledge-base categories and sections.",
            code="forbidden",
            http_status=403,
        )


def _clean_text(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "title" in data:
        title = " ".join(str(data["title"] or "").split())
        if not title:
            errors["title"] = ["This field may not be blank."]
        elif len(title) > 200:
            errors["title"] = ["At most 200 characters."]
        cleaned["title"] = title
    if "body" in data:
        body = str(data["body"] or "").replace("\r\n", "\n")
        if not body.strip():
            errors["body"] = ["This field may not be blank."]
        cleaned["body"] = body
    return cleaned


def _clean_choices(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, choices in (("status", ArticleStatus.values), ("visibility", ArticleVisibility.values)):
        if field in data:
            if data[field] not in choices:
                errors[field] = [f"Choose one of: {', '.join(choices)}."]
            cleaned[field] = data[field]
    if "section" in data:
        if not isinstance(data["section"], Section):
            errors["section"] = ["Choose a section."]
        cleaned["section"] = data["section"]
    return cleaned


def _clean(data: dict[str, Any], *, article: Article | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = {**_clean_text(data, errors), **_clean_choices(data, errors)}
    slug_source = data.get("slug") or (cleaned.get("title") if article is None else None)
    if slug_source:
        slug = slugify(str(slug_source))[:200]
        if not slug:
            errors["slug"] = ["Use letters, numbers or hyphens."]
        elif Article.objects.filter(slug=slug).exclude(pk=article.pk if article else 0).exists():
            errors["slug"] = [f"Another article already uses '{slug}'."]
        cleaned["slug"] = slug
    if errors:
        raise ValidationError(errors)
    return cleaned


def _version(article: Article, *, actor: AbstractBaseUser | None, note: str = "") -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        note=note,
        created_by=actor if isinstance(actor, User) else None,
    )


@transaction.atomic
def article_create(*, actor: AbstractBaseUser | None, data: dict[str, Any]) -> Article:
    _require_writer(actor)
    missing = {f: ["This field is required."] for f in ("title", "body", "section") if f not in data}
    if missing:
        raise ValidationError(missing)
    cleaned = _clean(data, article=None)
    article = Article(**cleaned, author=actor if isinstance(actor, User) else None)
    article.body_html = render_markdown(article.body)
    if article.status == ArticleStatus.PUBLISHED:
        article.published_at = timezone.now()
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as exc:  # a concurrent create took the slug
        raise ValidationError({"slug": ["Another article already uses this slug."]}) from exc
    _version(article, actor=actor, note="Created")
    return article


@transaction.atomic
def article_update(
    *, article: Article, actor: AbstractBaseUser | None, data: dict[str, Any], note: str = ""
) -> Article:
    """Change an article; a change of title or body is a new version. Saving without changes writes nothing."""
    _require_writer(actor)
    unknown = set(data) - set(ARTICLE_FIELDS)
    if unknown:
        raise ValidationError({f: ["This field cannot be changed."] for f in sorted(unknown)})
    article = Article.objects.select_for_update().get(pk=article.pk)
    cleaned = _clean(data, article=article)
    changed = [f for f, v in cleaned.items() if getattr(article, f) != v]
    if not changed:
        return article
    for field in changed:
        setattr(article, field, cleaned[field])
    if "body" in changed:
        article.body_html = render_markdown(article.body)
    if "status" in changed and article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    new_version = bool({"title", "body"} & set(changed))
    if new_version:
        article.version += 1
    article.save()
    if new_version:
        _version(article, actor=actor, note=note)
    return article


@transaction.atomic
def article_restore(*, article: Article, actor: AbstractBaseUser | None, number: int) -> Article:
    """Bring back the title and body of version `number` (as a new version; history is kept)."""
    _require_writer(actor)
    version = ArticleVersion.objects.filter(article=article, number=number).first()
    if version is None:
        raise ValidationError({"version": [f"This article has no version {number}."]})
    return article_update(
        article=article,
        actor=actor,
        data={"title": version.title, "body": version.body},
        note=f"Restored version {number}",
    )


@transaction.atomic
def article_delete(*, article: Article, actor: AbstractBaseUser | None) -> None:
    _require_senior(actor)
    article.delete()


def article_view_record(*, article: Article) -> None:
    """One more view (a single UPDATE, safe under concurrency)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_vote(*, article: Article, voter: str, helpful: bool) -> ArticleVote:
    """Record `voter`'s answer to "was this helpful?". Once per person: a second answer replaces
    the first (the counts move with it), it never adds a vote."""
    if not voter:
        raise ValidationError({"voter": ["Sign in or enable cookies to vote."]})
    article = Article.objects.select_for_update().get(pk=article.pk)
    vote = ArticleVote.objects.filter(article=article, voter=voter).first()
    if vote is not None and vote.helpful == helpful:
        return vote
    if vote is None:
        vote = ArticleVote.objects.create(article=article, voter=voter, helpful=helpful)
    else:
        # take the old answer back
        field = "helpful_yes" if vote.helpful else "helpful_no"
        Article.objects.filter(pk=article.pk).update(**{field: F(field) - 1})
        vote.helpful = helpful
        vote.save(update_fields=["helpful"])
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    return vote


@transaction.atomic
def kb_category_save(*, actor: AbstractBaseUser | None, category: KBCategory) -> KBCategory:
    _require_senior(actor)
    category.slug = category.slug or slugify(category.name)
    category.save()
    return category


@transaction.atomic
def section_save(*, actor: AbstractBaseUser | None, section: Section) -> Section:
    _require_senior(actor)
    section.slug = section.slug or slugify(section.name)
    section.save()
    return section
