"""The SLA engine, one module per concept:

- business_time.py: calendars and business-minute arithmetic (pure, generic);
- policies.py: policies and due times as plain values (pure);
- rules.py: a ticket's SLA state and the same rules as queryset filters (pure);
- calendars.py: calendars from the database, holiday import;
- services.py: policies from the database, default rows, targets on one ticket, tier recompute;
- scans.py: the breach/warning scan, escalation and auto-close (Celery beat).

Nothing is imported here, so tickets/models.py can use the pure modules without a cycle."""
