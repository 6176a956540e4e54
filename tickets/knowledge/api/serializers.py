"""Knowledge-base articles in the API: what anybody reads, what agents write (named fields only)."""

from __future__ import annotations

from rest_framework import serializers

from config.api.serializers import StrictFieldsMixin
from tickets.knowledge.models import Article, ArticleStatus, ArticleVersion, ArticleVisibility, Section


class ArticleSerializer(serializers.ModelSerializer):
    section = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    category = serializers.CharField(source="section.category.slug", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "body",
            "body_html",
            "category",
            "section",
            "status",
            "visibility",
            "version",
            "view_count",
            "helpful_yes",
            "helpful_no",
            "url",
            "published_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, obj: Article) -> str:
        from django.urls import reverse

        return reverse("kb:article", args=[obj.slug])


class ArticleWriteSerializer(StrictFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=200, required=False)
    body = serializers.CharField(max_length=200_000, trim_whitespace=False)
    section = serializers.PrimaryKeyRelatedField(queryset=Section.objects.all())
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    visibility = serializers.ChoiceField(choices=ArticleVisibility.choices, required=False)


class ArticleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "note", "created_by", "created_at"]
        read_only_fields = fields


class ArticleRestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
