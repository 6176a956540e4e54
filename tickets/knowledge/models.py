"""Knowledge-base data: categories hold sections, sections hold articles; each saved article keeps
its versions; one helpful vote per person per article."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ArticleVisibility(models.TextChoices):
    PUBLIC = "public", _("Public (everyone)")
    INTERNAL = "internal", _("Internal (agents only)")


class KBCategory(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "knowledge-base category"
        verbose_name_plural = "knowledge-base categories"

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    category = models.ForeignKey(KBCategory, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["category__position", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["category", "slug"], name="kb_section_slug_unique")]

    def __str__(self) -> str:
        return f"{self.category.name} / {self.name}"


class Article(models.Model):
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField(help_text="Markdown.")
    # The body rendered to sanitised HTML on every save (knowledge/rendering.py).
    body_html = models.TextField(editable=False, default="")
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    visibility = models.CharField(max_length=10, choices=ArticleVisibility.choices, default=ArticleVisibility.PUBLIC)
    version = models.PositiveIntegerField(default=1, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    view_count = models.PositiveIntegerField(default=0, editable=False)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=ArticleStatus.values), name="kb_article_status_valid"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=ArticleVisibility.values), name="kb_article_visibility_valid"
            ),
        ]
        indexes = [
            # The public pages and the API list published articles of one visibility, by section.
            models.Index(fields=["status", "visibility", "section"], name="kb_article_listing_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == ArticleVisibility.PUBLIC


class ArticleVersion(models.Model):
    """What an article said after each save (number = the article's version then)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.article.title} v{self.number}"


class ArticleVote(models.Model):
    """One "was this helpful?" answer per person per article: a login (`user:<id>`) or, signed
    out, a browser session (`session:<key>`)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=80)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "voter"], name="kb_vote_once_per_person")]

    def __str__(self) -> str:
        return f"{'yes' if self.helpful else 'no'} on {self.article_id}"
