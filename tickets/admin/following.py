"""The ticket page's Followers panel: who follows the ticket, and a Follow / Unfollow button for
the agent looking at it (through ticket_follow / ticket_unfollow). Mixed into TicketAdmin; it
relies on TicketWorkspaceMixin's `_writable` and `_back`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.admin_tools import SERVICE_ERRORS, service_error_text
from tickets.followers.services import ticket_follow, ticket_unfollow
from tickets.models import Ticket, TicketFollower


def followers_panel(ticket: Ticket, *, user: Any) -> dict[str, Any]:
    """The followers (one query) and whether `user` is among them."""
    followers = list(TicketFollower.objects.filter(ticket=ticket).select_related("user").order_by("email"))
    return {"followers": followers, "is_following": any(f.user_id == user.pk for f in followers)}


class TicketFollowMixin:
    admin_site: Any

    def get_urls(self) -> list:
        own = [
            path("<path:object_id>/follow/", self.admin_site.admin_view(self.follow_view), name="tickets_ticket_follow")
        ]
        return own + super().get_urls()  # type: ignore[misc]

    def follow_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        ticket = self._writable(request, object_id)  # type: ignore[attr-defined]
        try:
            if request.POST.get("action") == "unfollow":
                ticket_unfollow(ticket=ticket, user=request.user)
                text = "You no longer follow this ticket."
            else:
                ticket_follow(ticket=ticket, user=request.user)
                text = "You follow this ticket: its updates are emailed to you."
        except SERVICE_ERRORS as exc:
            self.message_user(request, f"Not saved: {service_error_text(exc)}", messages.ERROR)  # type: ignore[attr-defined]
            return self._back(ticket)  # type: ignore[attr-defined]
        self.message_user(request, text, messages.SUCCESS)  # type: ignore[attr-defined]
        return self._back(ticket)  # type: ignore[attr-defined]
