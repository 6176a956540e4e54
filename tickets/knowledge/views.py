"""The public knowledge base at /kb/, readable without signing in: home (categories, sections,
articles, most read), search, a section, an article with "was this helpful?". Internal articles
and drafts are a 404 to anyone but agents."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agents.selectors import is_agent
from tickets.knowledge import selectors, services
from tickets.knowledge.models import Section

SEARCH_RESULTS = 20
VIEWED_KEY = "kb_viewed"


def voter_key(request: HttpRequest) -> str:
    """Who is voting: a login, else this browser's session (created on the first vote)."""
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if request.session.session_key is None:
        request.session.save()
    return f"session:{request.session.session_key}"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "categories": selectors.kb_home(user=request.user),
        "popular": selectors.article_most_viewed(user=request.user),
    }
    return render(request, "knowledge/home.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    term = request.GET.get("q", "")[:200]
    results = (
        selectors.article_search(selectors.article_visible_to(request.user), term)[:SEARCH_RESULTS]
        if term.strip()
        else []
    )
    return render(request, "knowledge/search.html", {"q": term, "results": results})


@require_GET
def section(request: HttpRequest, category: str, slug: str) -> HttpResponse:
    found = get_object_or_404(Section.objects.select_related("category"), category__slug=category, slug=slug)
    articles = selectors.article_visible_to(request.user).filter(section=found).order_by("title")
    return render(request, "knowledge/section.html", {"section": found, "articles": articles})


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.article_get(user=request.user, slug=slug)
    if found is None:
        raise Http404(_("No such article."))
    if not is_agent(request.user):
        viewed = request.session.get(VIEWED_KEY, [])
        if found.pk not in viewed:  # one view per browser session
            services.article_view_record(article=found)
            request.session[VIEWED_KEY] = [*viewed[-199:], found.pk]
    voted = (
        found.votes.filter(voter=voter_key(request)).first()
        if request.session.session_key or request.user.is_authenticated
        else None
    )
    return render(request, "knowledge/article.html", {"article": found, "vote": voted})


@require_POST
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.article_get(user=request.user, slug=slug)
    if found is None or not found.status == "published":
        raise Http404(_("No such article."))
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        messages.error(request, _("Answer yes or no."))
        return redirect("kb:article", slug=found.slug)
    services.article_vote(article=found, voter=voter_key(request), helpful=answer == "yes")
    messages.success(request, _("Thank you for your feedback."))
    return redirect("kb:article", slug=found.slug)
