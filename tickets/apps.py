from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from config.admin_tools import memoize_changelist_headers
        from config.metrics import register_collector
        from notifications import consumers, events
        from tickets.events import EVENTS
        from tickets.sla.metrics import SLACollector

        events.register(EVENTS)
        # Cached SLA policy specs are forgotten whenever a policy, target, calendar or holiday changes.
        from django.db.models.signals import post_delete, post_save

        # Triggers run at the end of every originating ticket change (tickets/changes.py).
        from tickets.changes import register_runner
        from tickets.models import BusinessCalendar, Holiday, SLAPolicy, SLATarget
        from tickets.rules.triggers import triggers_run
        from tickets.sla.cache import sla_policies_changed

        register_runner(triggers_run)
        from tickets.sla.services import sla_on_customer_updated

        for model in (SLAPolicy, SLATarget, BusinessCalendar, Holiday):
            post_save.connect(sla_policies_changed, sender=model, dispatch_uid=f"sla_cache_saved_{model.__name__}")
            post_delete.connect(sla_policies_changed, sender=model, dispatch_uid=f"sla_cache_deleted_{model.__name__}")
        # The domain event bus (notifications/consumers.py): a customer's tier change recomputes the
        # SLA targets of their active tickets, without customers/ importing tickets/.
        consumers.register("customer.updated", sla_on_customer_updated, name="tickets.sla_on_customer_updated")
        # Who gets which email for a ticket event (notifications knows no domain model).
        from tickets import recipients

        recipients.register()
        # SLA gauges on /metrics (tickets breached and at risk, scan lateness), read at scrape time.
        register_collector(SLACollector())
        # The queue's 50 rows share one set of column headers (unfold recomputes them per row).
        memoize_changelist_headers()
        # django-anymail's integration point for its ESP inbound webhooks (/anymail/<esp>/inbound/):
        # the receiver hands the message to tickets/inbound/services.py.
        from anymail.signals import inbound

        from tickets.inbound.receivers import anymail_inbound_received

        inbound.connect(anymail_inbound_received, dispatch_uid="helpdesk_anymail_inbound")
