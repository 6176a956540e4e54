from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from customers.crm import CrmError, crm_is_configured, crm_pull_tiers


class Command(BaseCommand):
    help = "Pull customer tier changes from the CRM (CRM_BASE_URL) and apply them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", help="Only customers the CRM changed since this ISO 8601 time.")

    def handle(self, *args, since: str | None = None, **options) -> None:
        if not crm_is_configured():
            self.stdout.write("CRM sync is off (CRM_BASE_URL is not set); nothing pulled.")
            return
        when = None
        if since:
            when = parse_datetime(since)
            if when is None:
                raise CommandError(f"--since: '{since}' is not an ISO 8601 date-time.")
        try:
            changed = crm_pull_tiers(since=when)
        except CrmError as exc:
            raise CommandError(f"CRM tier pull failed: {exc}") from exc
        self.stdout.write(f"Customers whose tier changed: {changed}")
