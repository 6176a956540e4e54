from django.core.management.base import BaseCommand

from config.schedules import setup_periodic_tasks


class Command(BaseCommand):
    help = "Create the missing django-celery-beat entries (existing ones, and admins' edits, are kept)."

    def handle(self, *args, **options) -> None:
        created = setup_periodic_tasks()
        self.stdout.write(f"Periodic tasks created: {', '.join(created) if created else 'none (all present)'}")
