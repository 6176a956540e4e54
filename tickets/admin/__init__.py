"""The agents' UI for tickets, one module per concept: the queue and ticket page (tickets.py),
categories, SLA policies and calendars (sla.py), export/bulk jobs (jobs.py), and the ticket lists
on the customer and organisation pages (customers.py)."""

from tickets.admin import categories, customers, jobs, macros, sla, tickets
from tickets.followers import admin as followers_admin
from tickets.inbound import admin as inbound_admin

__all__ = ["categories", "customers", "followers_admin", "inbound_admin", "jobs", "macros", "sla", "tickets"]
