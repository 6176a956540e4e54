"""Demo data for the quick start: an admin login (printed), the small demo desk (tickets/demo/desk.py,
written through the services; created once, kept on later runs) and, with `--tickets N`, a bulk
top-up of the ticket table to N tickets with their conversations, events and files' metadata
(tickets/demo/bulk.py: COPY on PostgreSQL, a progress bar on stderr)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from tqdm import tqdm

from agents.models import Agent, Role
from agents.services import agent_update
from config.db import email_matches
from customers.models import Organization
from tickets.demo.bulk import BulkSeeder
from tickets.demo.desk import DEMO_MARKER_ORG, demo_desk_create
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Create an admin login and demo data. Safe to run again: existing demo data is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="admin@helpdesk.local")
        parser.add_argument("--password", default=None, help="Default: $DEMO_ADMIN_PASSWORD or 'helpdesk-demo'.")
        parser.add_argument(
            "--tickets",
            type=int,
            default=0,
            help="Top the ticket table up to this many tickets, each with 1-3 messages, its events and "
            "some files' metadata (COPY on PostgreSQL).",
        )
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes drawing the tickets on PostgreSQL (default: one per core).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed for the bulk data.")
        parser.add_argument("--no-demo", action="store_true", help="Only the admin login (and --tickets).")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"]
        password = options["password"] or os.environ.get("DEMO_ADMIN_PASSWORD", "helpdesk-demo")
        with transaction.atomic():
            admin = self._ensure_admin(email, password)
        if not options["no_demo"]:
            if Organization.objects.filter(name=DEMO_MARKER_ORG).exists():
                self.stdout.write("Demo desk already present: kept as it is.")
            else:
                with transaction.atomic():
                    counts = demo_desk_create(admin=admin, password=password)
                self.stdout.write("Demo desk created: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
        if options["tickets"]:
            self._bulk(options["tickets"], options)
        self.stdout.write(self.style.SUCCESS(f"Admin login: {admin.email} / {password}"))
        self.stdout.write(f"Admin URL:   {settings.SITE_URL}/admin/")

    def _ensure_admin(self, email: str, password: str):
        user_model = get_user_model()
        user = user_model.objects.filter(email_matches(email)).first()
        if user is None:
            user = user_model.objects.create_superuser(email=email, password=password, name="Demo Admin")
        else:
            user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
        agent, _ = Agent.objects.get_or_create(user=user, defaults={"role": Role.ADMIN})
        agent_update(agent=agent, data={"role": Role.ADMIN})  # the Admin group, superuser
        return user

    def _bulk(self, target: int, options: dict[str, Any]) -> None:
        missing = target - Ticket.objects.count()
        if missing <= 0:
            self.stdout.write(f"Already {target} tickets or more: nothing to add.")
            return
        progress = tqdm(
            total=missing,
            unit="tickets",
            desc="Bulk tickets",
            disable=options.get("verbosity", 1) == 0,
            file=self.stderr,
        )
        with progress:
            seeder = BulkSeeder(
                seed=options["seed"] + missing,
                batch_size=max(1, options["batch_size"]),
                progress=progress.update,
                workers=options.get("workers"),
                stage=lambda text: progress.set_description(f"Bulk tickets ({text})"),
            )
            counts = seeder.run(missing)
        self.stdout.write(f"Bulk tickets created: {counts['tickets']}.")
        self.stdout.write(
            f"With them: {counts['comments']} messages, {counts['events']} events, {counts['attachments']} files."
        )
