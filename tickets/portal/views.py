"""The customer's pages: their tickets, a new ticket, a ticket's public conversation with the reply
form, close/reopen, and file downloads. Reads through portal/selectors.py (scoped by
tickets.selectors.ticket_visible_to), writes through portal/services.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.exceptions import ApplicationError
from tickets.attachments import attachment_get_for
from tickets.knowledge.selectors import article_get, article_suggest
from tickets.models import Ticket
from tickets.portal import selectors, services
from tickets.portal.access import customer_required
from tickets.portal.forms import CloseForm, ReplyForm, TicketForm, apply_errors
from tickets.selectors import ticket_get

PAGE_SIZE = 20
DEFLECTIONS_KEY = "portal_deflections"  # suggested articles opened while writing the next request


def _ticket_or_404(request: HttpRequest, pk: int) -> Ticket:
    ticket = ticket_get(user=request.user, pk=pk)
    if ticket is None:
        raise Http404(_("No such request."))
    return ticket


@require_GET
@customer_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    customer = request.user.customer  # type: ignore[union-attr]
    shares = bool(customer.organization_id and customer.organization.share_tickets)
    scope = request.GET.get("scope") if shares and request.GET.get("scope") in selectors.SCOPES else "mine"
    status = request.GET.get("status") if request.GET.get("status") in ("active", "done") else ""
    tickets = selectors.portal_ticket_list(user=request.user, scope=scope, status=status)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "scope": scope, "status": status, "shares": shares, "customer": customer}
    return render(request, "portal/ticket_list.html", context)


@require_http_methods(["GET", "POST"])
@customer_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.portal_ticket_open(
                user=request.user,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                custom_fields=form.custom_field_values(),
                files=data["files"],
                deflection_ids=request.session.get(DEFLECTIONS_KEY, []),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(DEFLECTIONS_KEY, None)
            messages.success(request, _("Thank you: we received your request and will answer by email and here."))
            return redirect("portal:ticket", pk=ticket.pk)
    return render(request, "portal/ticket_new.html", {"form": form})


def _ticket_page(
    request: HttpRequest, ticket: Ticket, form: ReplyForm, status: int = 200, close_form: CloseForm | None = None
) -> HttpResponse:
    details, to_close = selectors.portal_custom_fields(ticket=ticket)
    context = {
        "ticket": ticket,
        "details": details,
        "conversation": selectors.portal_conversation(ticket=ticket),
        "files": selectors.portal_ticket_files(ticket=ticket),
        "form": form,
        "close_form": close_form or CloseForm(fields=to_close),
        "can_reopen": ticket.status in ("resolved", "closed"),
        "can_close": ticket.status != "closed",
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


@require_GET
@customer_required
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _ticket_page(request, _ticket_or_404(request, pk), ReplyForm())


@require_POST
@customer_required
def ticket_reply(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.portal_reply(
                user=request.user, ticket=ticket, body=form.cleaned_data["body"], files=form.cleaned_data["files"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("portal:ticket", pk=ticket.pk)
    return _ticket_page(request, ticket, form, status=400)


@require_POST
@customer_required
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket_or_404(request, pk)
    action = request.POST.get("action", "")
    close_form = CloseForm(request.POST, fields=selectors.portal_custom_fields(ticket=ticket)[1])
    if action == "close" and close_form.fields and not close_form.is_valid():
        return _ticket_page(request, ticket, ReplyForm(), status=400, close_form=close_form)
    try:
        services.portal_ticket_set_status(
            user=request.user,
            ticket=ticket,
            action=action,
            custom_fields=close_form.custom_field_values() if action == "close" and close_form.fields else None,
        )
    except ValidationError as exc:
        if action == "close" and close_form.fields:
            apply_errors(close_form, exc)
            return _ticket_page(request, ticket, ReplyForm(), status=400, close_form=close_form)
        messages.error(request, " ".join(exc.messages))
    except ApplicationError as exc:  # pragma: no cover - the ticket was checked above
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Request closed.") if action == "close" else _("Request reopened."))
    return redirect("portal:ticket", pk=ticket.pk)


@require_GET
@customer_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a ticket in the customer's scope, never one of an internal note."""
    attachment = attachment_get_for(user=request.user, pk=pk)
    if attachment is None:
        raise Http404(_("No such file."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("This file is no longer available.")) from exc
    return FileResponse(handle, as_attachment=True, filename=attachment.filename, content_type=attachment.content_type)


@require_GET
@customer_required
def suggest(request: HttpRequest) -> HttpResponse:
    """Knowledge-base articles for the subject being typed (an HTML fragment for the new-request form)."""
    title = request.GET.get("title", "")[:200]
    articles = article_suggest(user=request.user, term=title)
    return render(request, "portal/_suggestions.html", {"articles": articles, "title": title})


@require_GET
@customer_required
def suggested_article(request: HttpRequest, slug: str) -> HttpResponse:
    """Opening a suggestion: recorded (deflection), then the article."""
    article = article_get(user=request.user, slug=slug)
    if article is None:
        raise Http404(_("No such article."))
    deflection = services.portal_deflection_record(
        user=request.user, article=article, query=request.GET.get("title", "")
    )
    request.session[DEFLECTIONS_KEY] = [*request.session.get(DEFLECTIONS_KEY, [])[-49:], deflection.pk]
    return redirect("kb:article", slug=article.slug)
