"""The desk's badges for templates: `{% load helpdesk %}` then `{% priority_badge ticket.priority %}`,
`{% status_badge ticket.status %}`, `{% sla_badge ticket %}` (tickets/admin/badges.py renders them,
tickets/static/tickets/admin.css colours them), so every page shows the same look."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from tickets.models import Ticket

register = template.Library()


def _badges():  # imported on use: loading tickets.admin while templates load would be circular
    from tickets.admin import badges

    return badges


@register.simple_tag
def priority_badge(priority: str) -> SafeString:
    return _badges().priority_badge(priority)


@register.simple_tag
def status_badge(status: str) -> SafeString:
    return _badges().status_badge(status)


@register.simple_tag
def sla_badge(ticket: Ticket) -> SafeString | str:
    return _badges().sla_badge_html(ticket)
