from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sla_defaults(sender, **kwargs) -> None:
    from tickets.sla_services import sla_defaults_ensure

    sla_defaults_ensure()


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        # The default SLA policy and calendars exist after every migrate (idempotent; see sla_services).
        post_migrate.connect(_sla_defaults, sender=self, dispatch_uid="helpdesk_sla_defaults")
