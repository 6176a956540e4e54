"""The SLA engine, one module per concept:

- policies.py: policies and due times as plain values (pure);
- rules.py: a ticket's SLA state and the same rules as queryset filters (pure);
- calendars.py: calendars from the database, holiday import;
- services.py: policies from the database, default rows, targets on one ticket, tier recompute;
- scans.py: the breach/warning scan, escalation and auto-close (Celery beat).

The business-time arithmetic they use is tickets/business_time.py (pure and generic; outside
this package because tickets/models.py validates calendars with it)."""
