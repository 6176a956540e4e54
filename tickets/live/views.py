"""The ticket page's poll: `GET <ticket>/live/?after=<event id>&typing=0|1` (inside the admin,
behind its login). It records the caller's presence, then answers 304 when nothing changed since
the ETag the page sent (If-None-Match), else the new timeline entries as HTML, the changes made by
others in plain words, the ticket's version and who else is viewing or typing."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from tickets.live.selectors import live_state
from tickets.live.services import presence_touch
from tickets.models import TicketEvent
from tickets.selectors import ticket_base_queryset
from tickets.timeline import Names, event_text, person_name, timeline

ENTRY_TEMPLATE = "admin/tickets/ticket/_entries.html"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def ticket_live(request: HttpRequest, *, ticket_id: int) -> HttpResponse:
    state = live_state(ticket_id=ticket_id, user=request.user)  # the caller is never among the viewers
    if state is None:
        raise Http404
    presence_touch(ticket_id=ticket_id, user=request.user, typing=request.GET.get("typing") == "1")
    if request.headers.get("If-None-Match") == state.etag:
        response = HttpResponse(status=304)
        response["ETag"] = state.etag
        response["Cache-Control"] = "no-cache"
        return response
    after = _int(request.GET.get("after"))
    body: dict = {"version": state.version, "last_event_id": state.last_event_id, "viewers": state.viewers}
    if after is not None and state.last_event_id > after:
        ticket = ticket_base_queryset().get(pk=ticket_id)
        entries = timeline(ticket=ticket, after_event_id=after)
        body["entries_html"] = render_to_string(ENTRY_TEMPLATE, {"entries": entries}, request=request)
        others = list(
            TicketEvent.objects.filter(ticket_id=ticket_id, pk__gt=after)
            .exclude(actor=request.user)
            .select_related("actor")
            .order_by("id")[:20]
        )
        names = Names(others)
        body["changes"] = [f"{person_name(e.actor) if e.actor_id else 'System'} {event_text(e, names)}" for e in others]
    response = JsonResponse(body)
    response["ETag"] = state.etag
    response["Cache-Control"] = "no-cache"
    return response
