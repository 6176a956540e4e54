from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _setup_periodic_tasks(sender, **kwargs) -> None:
    from config.schedules import setup_periodic_tasks

    setup_periodic_tasks()


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Infrastructure, not business logic: the beat schedule table exists after every migrate.
        post_migrate.connect(_setup_periodic_tasks, sender=self, dispatch_uid="helpdesk_setup_periodic_tasks")
        # Outbox, email and webhook backlog gauges on /metrics (read at scrape time).
        from config.metrics import register_collector
        from notifications.metrics import NotificationsCollector

        register_collector(NotificationsCollector())
