"""The agents' UI for tickets (django-unfold), one module per concept: the queue and ticket page
(tickets.py, with changelist.py, columns.py, actions.py), the dashboard on the admin home
(dashboard.py), reports (reports.py), saved views (saved_views.py), the role-based sidebar
(navigation.py), the shared badges (badges.py), categories, SLA policies and calendars (sla.py),
export/bulk jobs (jobs.py), and the ticket lists on the customer and organisation pages
(customers.py), portal deflections (deflections.py)."""

from django.contrib import admin

from tickets.admin import (
    categories,
    custom_fields,
    customers,
    deflections,
    jobs,
    macros,
    rules,
    saved_views,
    sla,
    tickets,
    time_entries,
)
from tickets.followers import admin as followers_admin
from tickets.inbound import admin as inbound_admin

__all__ = [
    "categories",
    "custom_fields",
    "customers",
    "deflections",
    "followers_admin",
    "inbound_admin",
    "jobs",
    "macros",
    "rules",
    "saved_views",
    "sla",
    "tickets",
    "time_entries",
]

# The home page is the dashboard (UNFOLD["DASHBOARD_CALLBACK"] fills it: tickets/admin/dashboard.py).
admin.site.index_template = "tickets/admin/dashboard.html"
