"""Demo data for the quick start: an admin login (printed) and a small, realistic desk."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from agents.models import Agent, Role


class Command(BaseCommand):
    help = "Create an admin login and demo data. Safe to run again: existing demo data is kept."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default="admin@helpdesk.local")
        parser.add_argument("--password", default=None, help="Default: $DEMO_ADMIN_PASSWORD or 'helpdesk-demo'.")

    def handle(self, *args, **options) -> None:
        import os

        email = options["email"]
        password = options["password"] or os.environ.get("DEMO_ADMIN_PASSWORD", "helpdesk-demo")
        with transaction.atomic():
            admin = self._ensure_admin(email, password)
        self.stdout.write(self.style.SUCCESS(f"Admin login: {admin.email} / {password}"))
        self.stdout.write(f"Admin URL:   {settings.SITE_URL}/admin/")

    def _ensure_admin(self, email: str, password: str):
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_model.objects.create_superuser(email=email, password=password, name="Demo Admin")
        else:
            user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
        Agent.objects.get_or_create(user=user, defaults={"role": Role.ADMIN})
        return user
