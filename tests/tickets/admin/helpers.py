"""What the ticket admin's tests share: its URLs, a change-page POST, a bulk action, tickets in a team."""

from django.contrib.messages import get_messages
from django.urls import reverse
from model_bakery import baker

CHANGELIST = reverse("admin:tickets_ticket_changelist")
ADD = reverse("admin:tickets_ticket_add")


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def make_tickets(n, customer, **kwargs):
    team = baker.make_recipe("tests.agents.team")
    return baker.make_recipe("tests.tickets.ticket", customer=customer, team=team, _quantity=n, **kwargs)


def formset_management(prefix, total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def change_post(ticket, comments=0, **overrides):
    data = {
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category_id or "",
        "tags": ", ".join(ticket.tags),
        "team": ticket.team_id or "",
        "assignee": ticket.assignee_id or "",
        "external_id": ticket.external_id or "",
        "metadata": "{}",
        **formset_management("comments", total=comments + 1, initial=comments),
        **formset_management("events", total=0, initial=0),
        **formset_management("attachments", total=0, initial=0),
        "comments-0-body": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def bulk_action(client, action, tickets, url=CHANGELIST + "?status=all", **extra):
    data = {"action": action, "_selected_action": [t.pk for t in tickets], "index": 0, **extra}
    return client.post(url, data, follow=True)
