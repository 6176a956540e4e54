"""Agents manage the knowledge base in the admin: categories, sections, articles (Markdown with a
rendered preview, draft/published, public/internal) and each article's versions, restored with
one button. Saves go through knowledge/services.py (each a new version)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from unfold.admin import ModelAdmin, TabularInline

from config.admin_tools import SERVICE_ERRORS, ReadOnlyInlineMixin, ServiceErrorsMixin, service_error_text
from tickets.knowledge import services
from tickets.knowledge.models import Article, ArticleVersion, KBCategory, Section


@admin.register(KBCategory)
class KBCategoryAdmin(ServiceErrorsMixin, ModelAdmin):
    list_display = ("name", "slug", "position")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: KBCategory, form: Any, change: bool) -> None:
        services.kb_category_save(actor=request.user, category=obj)


@admin.register(Section)
class SectionAdmin(ServiceErrorsMixin, ModelAdmin):
    list_display = ("name", "category", "slug", "position")
    list_filter = ("category",)
    list_select_related = ("category",)
    search_fields = ("name", "category__name")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request: HttpRequest, obj: Section, form: Any, change: bool) -> None:
        services.section_save(actor=request.user, section=obj)


class ArticleVersionInline(ReadOnlyInlineMixin, TabularInline):
    model = ArticleVersion
    fields = ("number", "title", "note", "created_by", "created_at", "restore")
    readonly_fields = fields
    ordering = ("-number",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ArticleVersion]:
        return super().get_queryset(request).select_related("created_by", "article")

    @admin.display(description="restore")
    def restore(self, obj: ArticleVersion) -> str:
        if obj.number == obj.article.version:
            return "current"
        url = reverse("admin:knowledge_article_restore", args=[obj.article_id, obj.number])
        button = '<button type="submit" form="kb-restore" formaction="{}" class="underline">{}</button>'
        return format_html(button, url, "Restore")


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ("title", "slug", "section", "status", "visibility", "body")
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "cols": 100})}


@admin.register(Article)
class ArticleAdmin(ServiceErrorsMixin, ModelAdmin):
    form = ArticleForm
    list_display = ("title", "section", "status", "visibility", "version", "view_count", "helpful", "updated_at")
    list_filter = ("status", "visibility", "section__category")
    list_select_related = ("section__category",)
    search_fields = ("title", "body")
    readonly_fields = ("version", "view_count", "helpful_yes", "helpful_no", "published_at", "preview", "public_link")
    prepopulated_fields = {"slug": ("title",)}
    inlines = (ArticleVersionInline,)
    change_form_template = "admin/knowledge/article/change_form.html"
    fieldsets = (
        (None, {"fields": ("title", "slug", "section", "status", "visibility", "body")}),
        ("Preview", {"fields": ("preview",)}),
        ("Figures", {"fields": ("public_link", "version", "view_count", "helpful_yes", "helpful_no", "published_at")}),
    )

    @admin.display(description="helpful (yes / no)")
    def helpful(self, obj: Article) -> str:
        return f"{obj.helpful_yes} / {obj.helpful_no}"

    @admin.display(description="rendered")
    def preview(self, obj: Article) -> str:
        # body_html is sanitised by nh3 on every save (knowledge/rendering.py)
        return mark_safe(f'<div class="kb-preview">{obj.body_html}</div>')  # noqa: S308

    @admin.display(description="page")
    def public_link(self, obj: Article) -> str:
        if not obj.pk:
            return "—"
        url = reverse("kb:article", args=[obj.slug])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    def save_model(self, request: HttpRequest, obj: Article, form: ArticleForm, change: bool) -> None:
        data = {field: form.cleaned_data[field] for field in ArticleForm.Meta.fields if field in form.cleaned_data}
        if change:
            changes = {f: data[f] for f in form.changed_data if f in data}
            saved = services.article_update(article=Article.objects.get(pk=obj.pk), actor=request.user, data=changes)
        else:
            saved = services.article_create(actor=request.user, data=data)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Versions are written by the service; the inline is read-only."""

    def delete_model(self, request: HttpRequest, obj: Article) -> None:
        services.article_delete(article=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        for article in queryset:
            services.article_delete(article=article, actor=request.user)

    def get_urls(self) -> list:
        restore = self.admin_site.admin_view(self.restore_view)
        return [
            path("<int:pk>/restore/<int:number>/", restore, name="knowledge_article_restore"),
            *super().get_urls(),
        ]

    def restore_view(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        article = get_object_or_404(Article, pk=pk)
        change_url = reverse("admin:knowledge_article_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, article):
            return HttpResponseRedirect(change_url)
        try:
            services.article_restore(article=article, actor=request.user, number=number)
        except SERVICE_ERRORS as exc:
            self.message_user(request, f"Not restored: {service_error_text(exc)}", messages.ERROR)
        else:
            self.message_user(request, f"Version {number} restored as the current text.", messages.SUCCESS)
        return HttpResponseRedirect(change_url)
