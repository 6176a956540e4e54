"""The ticket page's links panel and its actions: merge into another ticket (and undo within the
window), split a message out, link and unlink tickets, close a parent's open children. Each form
posts to its own endpoint, which calls one service and comes back to the page with a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from config.admin_tools import SERVICE_ERRORS, service_error_text
from tickets import selectors
from tickets.links import LINK_CHOICES, ticket_children_close, ticket_link_add, ticket_link_remove
from tickets.models import ACTIVE_STATUSES, LinkKind, Status, Ticket, TicketLink, TicketMerge
from tickets.split import ticket_split
from tickets.ticket_merge import merge_undo_deadline, merge_undoable, ticket_merge, ticket_merge_undo


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip().lstrip("#"))
    except (TypeError, ValueError):
        return None


def links_panel(ticket: Ticket, *, now: Any) -> dict[str, Any]:
    """What the ticket page shows about links: the list, the merge it is part of (with its undo
    deadline), how many children are still open."""
    links = selectors.link_list(ticket=ticket)  # the one query when the ticket was never merged
    merged_into = next((row["ticket"] for row in links if row["kind"] == LinkKind.MERGED_INTO), None)
    merge = None
    if merged_into is not None:
        merge = TicketMerge.objects.filter(source=ticket, undone_at__isnull=True).order_by("-created_at", "-id").first()
    open_children = sum(1 for row in links if row["kind"] == "parent_of" and row["ticket"].status in ACTIVE_STATUSES)
    return {
        "links": links,
        "merged_into": merged_into,
        "merge_undo_until": merge_undo_deadline(merge) if merge_undoable(merge, now=now) else None,
        "open_children": open_children,
        "link_choices": list(LINK_CHOICES.items()),
    }


class TicketLinksMixin:
    """Adds the merge, split and link endpoints of the ticket page to TicketAdmin (it relies on
    TicketWorkspaceMixin's `_writable` and `_back`)."""

    admin_site: Any

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        own = [
            path("<path:object_id>/merge/", wrap(self.merge_view), name="tickets_ticket_merge"),
            path("<path:object_id>/merge-undo/", wrap(self.merge_undo_view), name="tickets_ticket_merge_undo"),
            path("<path:object_id>/split/", wrap(self.split_view), name="tickets_ticket_split"),
            path("<path:object_id>/link/", wrap(self.link_view), name="tickets_ticket_link"),
            path("<path:object_id>/unlink/<int:link_id>/", wrap(self.unlink_view), name="tickets_ticket_unlink"),
            path(
                "<path:object_id>/close-children/", wrap(self.close_children_view), name="tickets_ticket_close_children"
            ),
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def _done(self, request: HttpRequest, ticket: Ticket, text: str, level: int = messages.SUCCESS) -> HttpResponse:
        self.message_user(request, text, level)  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[ticket.pk]))

    def _other(self, request: HttpRequest, raw: Any) -> Ticket | None:
        pk = _int(raw)
        return selectors.ticket_get(user=request.user, pk=pk) if pk is not None else None

    def merge_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        source = self._writable(request, object_id)  # type: ignore[attr-defined]
        target = self._other(request, request.POST.get("target"))
        if target is None:
            return self._done(
                request, source, "Not merged: enter the number of the ticket to merge into.", messages.ERROR
            )
        try:
            ticket_merge(
                source=source,
                target=target,
                actor=request.user,  # type: ignore[arg-type]
                confirm_organization_mismatch=bool(request.POST.get("confirm_organization_mismatch")),
                expected_version=_int(request.POST.get("version")),
            )
        except SERVICE_ERRORS as exc:
            return self._done(request, source, f"Not merged: {service_error_text(exc)}", messages.ERROR)
        self.message_user(  # type: ignore[attr-defined]
            request,
            f"{source.reference} was merged into this ticket; it can be undone from {source.reference}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[target.pk]))

    def merge_undo_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        source = self._writable(request, object_id)  # type: ignore[attr-defined]
        try:
            merge = ticket_merge_undo(source=source, actor=request.user)  # type: ignore[arg-type]
        except SERVICE_ERRORS as exc:
            return self._done(request, source, f"Not undone: {service_error_text(exc)}", messages.ERROR)
        return self._done(request, source, f"Merge undone: the conversation is back from #{merge.target_id}.")

    def split_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        try:
            new = ticket_split(
                ticket=ticket,
                comment=_int(request.POST.get("comment")) or 0,
                actor=request.user,  # type: ignore[arg-type]
                include_following=bool(request.POST.get("include_following")),
                title=request.POST.get("title", "").strip(),
            )
        except SERVICE_ERRORS as exc:
            return self._done(request, ticket, f"Not split: {service_error_text(exc)}", messages.ERROR)
        self.message_user(request, f"Split from {ticket.reference} into {new.reference}.", messages.SUCCESS)  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[new.pk]))

    def link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        other = self._other(request, request.POST.get("other"))
        if other is None:
            return self._done(request, ticket, "Not linked: enter the number of the other ticket.", messages.ERROR)
        try:
            _, created = ticket_link_add(
                ticket=ticket,
                other=other,
                kind=request.POST.get("kind", ""),
                actor=request.user,  # type: ignore[arg-type]
            )
        except SERVICE_ERRORS as exc:
            return self._done(request, ticket, f"Not linked: {service_error_text(exc)}", messages.ERROR)
        if not created:
            return self._done(request, ticket, f"Already linked to {other.reference}.", messages.INFO)
        return self._done(request, ticket, f"Linked to {other.reference}.")

    def unlink_view(self, request: HttpRequest, object_id: str, link_id: int) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        link = TicketLink.objects.filter(Q(from_ticket=ticket) | Q(to_ticket=ticket), pk=link_id).first()
        if link is None:
            return self._done(request, ticket, "That link is gone already.", messages.INFO)
        try:
            ticket_link_remove(link=link, actor=request.user)  # type: ignore[arg-type]
        except SERVICE_ERRORS as exc:
            return self._done(request, ticket, f"Not removed: {service_error_text(exc)}", messages.ERROR)
        return self._done(request, ticket, "Link removed.")

    def close_children_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        status = request.POST.get("status", Status.CLOSED)
        try:
            changed = ticket_children_close(parent=ticket, actor=request.user, status=status)  # type: ignore[arg-type]
        except SERVICE_ERRORS as exc:
            return self._done(request, ticket, f"Not changed: {service_error_text(exc)}", messages.ERROR)
        label = Status(status).label.lower()
        return self._done(
            request,
            ticket,
            f"{len(changed)} child ticket(s) {label}: {', '.join(f'#{pk}' for pk in changed) or 'none open'}.",
        )
