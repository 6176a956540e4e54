"""The agents' UI in the Django admin (django-unfold): the queue and ticket page (tickets.py),
the dashboard on the admin home (dashboard.py), reports (reports.py), saved views
(saved_views.py), the role-based navigation (navigation.py), the shared badges (badges.py), SLA
configuration (sla.py) and background jobs (jobs.py). Importing the package registers them."""

from django.contrib import admin

from tickets.admin import jobs, saved_views, sla, tickets  # noqa: F401

# The home page is the dashboard (UNFOLD["DASHBOARD_CALLBACK"] fills it: tickets/admin/dashboard.py).
admin.site.index_template = "tickets/admin/dashboard.html"
