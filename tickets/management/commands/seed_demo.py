"""Demo data for the quick start: an admin login (printed) and a small, realistic desk.

The small desk (teams, categories with their routing team, agents of every role, organisations
with email domains, customers, and tickets in every status with public replies and internal notes)
is written through the services, exactly as the admin and the API would, so it carries its events
and outbox rows. It is created once: running the command again keeps it (idempotent enough for
every quick start).

`--tickets N` tops the ticket table up to N rows with bulk inserts in batches (a progress bar on
stderr): a million tickets in a few minutes on PostgreSQL, for trying the admin and the API at size.
Those bulk tickets skip the services on purpose (no events, no outbox), like a data import, but
carry the SLA due times ticket_sla_apply would give them (their team's policy or the default one,
their customer's tier), computed with the pure tickets.sla functions: about 55 s of a million."""

from __future__ import annotations

import os
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from agents.models import Agent, AssignmentStrategy, Role, Team
from agents.services import agent_create, agent_update, team_create
from customers.models import Customer, Organization, Tier
from customers.services import customer_create, organization_create
from tickets import business_time, comments
from tickets import services as ticket_services
from tickets.management.commands._demo_workspace import demo_attachments, demo_macros, demo_sla_states
from tickets.models import Category, Channel, Priority, Status, Ticket
from tickets.sla import policies
from tickets.sla import services as sla_services

DEMO_MARKER_ORG = "Acme Corporation"
AGENT_DOMAIN = "support.example"

TEAMS = [
    ("Billing", AssignmentStrategy.LEAST_LOADED, False),
    ("Technical Support", AssignmentStrategy.SKILLS, False),
    ("Accounts", AssignmentStrategy.ROUND_ROBIN, False),
    ("Logistics", AssignmentStrategy.ROUND_ROBIN, False),
    ("Front Desk", AssignmentStrategy.SENIORITY, True),
]
CATEGORIES = [  # slug, name, routing team
    ("billing", "Billing", "Billing"),
    ("technical", "Technical", "Technical Support"),
    ("account", "Account", "Accounts"),
    ("shipping", "Shipping", "Logistics"),
    ("general", "General", "Front Desk"),
]
AGENTS = [  # email local part, name, role, teams, skills
    ("maria.admin", "Maria Lopez", Role.ADMIN, ["Front Desk"], ["general"]),
    ("sam.senior", "Sam Okafor", Role.SENIOR_AGENT, ["Technical Support", "Front Desk"], ["technical", "general"]),
    ("lena.senior", "Lena Fischer", Role.SENIOR_AGENT, ["Billing", "Accounts"], ["billing", "account"]),
    ("tom.agent", "Tom Becker", Role.AGENT, ["Technical Support"], ["technical"]),
    ("aiko.agent", "Aiko Tanaka", Role.AGENT, ["Billing"], ["billing"]),
    ("raj.agent", "Raj Patel", Role.AGENT, ["Logistics"], ["shipping"]),
    ("nora.agent", "Nora Lind", Role.AGENT, ["Accounts", "Front Desk"], ["account", "general"]),
    ("vic.viewer", "Vic Moreau", Role.VIEWER, [], []),
]
ORGANIZATIONS = [  # name, tier, domains
    (DEMO_MARKER_ORG, Tier.ENTERPRISE, ["acme.example", "acme-corp.example"]),
    ("Globex", Tier.PREMIUM, ["globex.example"]),
    ("Initech", Tier.BASIC, ["initech.example"]),
    ("Umbrella Health", Tier.PREMIUM, ["umbrella-health.example"]),
]
CUSTOMERS = [  # email, name, company, phone
    ("alice@acme.example", "Alice Martin", "Acme Corporation", "+1 415 555 0132"),
    ("bob@acme-corp.example", "Bob Chen", "Acme Corporation", ""),
    ("carol@globex.example", "Carol Diaz", "Globex", "+44 20 7946 0958"),
    ("dan@globex.example", "Dan Wright", "Globex", ""),
    ("erin@initech.example", "Erin Walsh", "Initech", "+1 212 555 0199"),
    ("frank@initech.example", "Frank Novak", "Initech", ""),
    ("grace@umbrella-health.example", "Grace Kim", "Umbrella Health", "+49 30 901820"),
    ("hugo@example.net", "Hugo Blanc", "", ""),
    ("ines@example.org", "Ines Costa", "", "+351 21 123 4567"),
    ("jon@example.com", "Jon Park", "", ""),
]
# title, category, priority, customer index, final status, assignee index (into AGENTS) or None
TICKETS = [
    ("Charged twice for the March invoice", "billing", Priority.HIGH, 0, Status.OPEN, None),
    ("Cannot log in after password reset", "account", Priority.CRITICAL, 1, Status.OPEN, None),
    ("API returns 502 on bulk export", "technical", Priority.CRITICAL, 2, Status.IN_PROGRESS, 3),
    ("Parcel stuck in customs for two weeks", "shipping", Priority.MEDIUM, 3, Status.PENDING, 5),
    ("How do I add a second admin user?", "account", Priority.LOW, 4, Status.RESOLVED, 6),
    ("Refund for cancelled subscription", "billing", Priority.MEDIUM, 5, Status.CLOSED, 4),
    ("Dashboard very slow since the last update", "technical", Priority.HIGH, 6, Status.ON_HOLD, 1),
    ("Wrong VAT number on invoices", "billing", Priority.LOW, 7, Status.IN_PROGRESS, 2),
    ("Delivery address change for order 4471", "shipping", Priority.HIGH, 8, Status.OPEN, 5),
    ("Feature request: dark mode", "general", Priority.LOW, 9, Status.PENDING, 6),
    ("SSO login loops back to the sign-in page", "technical", Priority.HIGH, 0, Status.RESOLVED, 3),
    ("Need a copy of our contract", "general", Priority.MEDIUM, 2, Status.CLOSED, 0),
    ("Two-factor codes arrive late", "account", Priority.MEDIUM, 6, Status.OPEN, None),
    ("Webhook deliveries failing with 401", "technical", Priority.HIGH, 4, Status.IN_PROGRESS, 1),
]
CUSTOMER_MESSAGES = [
    "Hello, this started this morning and is blocking our team. Could you take a look?",
    "Any news on this? We still see the problem.",
    "Thanks, that worked!",
]
AGENT_REPLIES = [
    "Thanks for reaching out - I'm looking into it now and will update you shortly.",
    "Could you send us a screenshot and the time it happened?",
    "We have deployed a fix; please let us know if you still see the problem.",
]
INTERNAL_NOTES = [
    "Checked the logs: same error as last week's incident.",
    "Escalating to engineering if the customer confirms.",
]
BULK_SUBJECTS = {
    "billing": ["Invoice question", "Payment failed", "Refund request", "Charged twice", "Update billing address"],
    "technical": ["Error 500 on login", "App crashes on start", "Slow dashboard", "API timeout", "Sync not working"],
    "account": ["Reset my password", "Add a team member", "Close my account", "Change account email", "2FA lost"],
    "shipping": ["Parcel not delivered", "Wrong item received", "Change delivery address", "Tracking not updating"],
    "general": ["Feature request", "Question about the product", "Feedback", "Partnership inquiry"],
}
BULK_STATUS_WEIGHTS = [
    (Status.OPEN, 20),
    (Status.IN_PROGRESS, 10),
    (Status.PENDING, 8),
    (Status.ON_HOLD, 2),
    (Status.RESOLVED, 25),
    (Status.CLOSED, 35),
]
BULK_PRIORITY_WEIGHTS = [(Priority.LOW, 30), (Priority.MEDIUM, 45), (Priority.HIGH, 20), (Priority.CRITICAL, 5)]


class Command(BaseCommand):
    help = "Create an admin login and demo data. Safe to run again: existing demo data is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default="admin@helpdesk.local")
        parser.add_argument("--password", default=None, help="Default: $DEMO_ADMIN_PASSWORD or 'helpdesk-demo'.")
        parser.add_argument(
            "--tickets", type=int, default=0, help="Top the ticket table up to this many tickets (bulk inserts)."
        )
        parser.add_argument("--batch-size", type=int, default=5000)
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
                    counts = self._create_demo_desk(admin, password)
                self.stdout.write("Demo desk created: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")
        if options["tickets"]:
            created = self._bulk_tickets(
                options["tickets"], batch_size=max(1, options["batch_size"]), seed=options["seed"], options=options
            )
            self.stdout.write(f"Bulk tickets created: {created}.")
        self.stdout.write(self.style.SUCCESS(f"Admin login: {admin.email} / {password}"))
        self.stdout.write(f"Admin URL:   {settings.SITE_URL}/admin/")

    # --- the admin login ---------------------------------------------------------------------------

    def _ensure_admin(self, email: str, password: str):
        user_model = get_user_model()
        user = user_model.objects.filter(email__iexact=email).first()
        if user is None:
            user = user_model.objects.create_superuser(email=email, password=password, name="Demo Admin")
        else:
            user.set_password(password)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
        agent, _ = Agent.objects.get_or_create(user=user, defaults={"role": Role.ADMIN})
        agent_update(agent=agent, data={"role": Role.ADMIN})  # the Admin group, superuser
        return user

    # --- the small desk, through the services ------------------------------------------------------

    def _create_demo_desk(self, admin: Any, password: str) -> dict[str, int]:
        teams = {
            name: Team.objects.filter(name=name).first()
            or team_create(name=name, assignment_strategy=strategy, is_default=is_default, actor=admin)
            for name, strategy, is_default in TEAMS
        }
        for slug, name, team in CATEGORIES:
            Category.objects.update_or_create(slug=slug, defaults={"name": name, "team": teams[team]})
        agents = []
        for local, name, role, team_names, skills in AGENTS:
            email = f"{local}@{AGENT_DOMAIN}"
            existing = Agent.objects.filter(user__email=email).first()
            agents.append(
                existing
                or agent_create(
                    email=email,
                    name=name,
                    role=role,
                    teams=[teams[t] for t in team_names],
                    password=password,
                    skills=skills,
                    actor=admin,
                )
            )
        for name, tier, domains in ORGANIZATIONS:
            if not Organization.objects.filter(name__iexact=name).exists():
                organization_create(name=name, default_tier=tier, domains=domains)
        customers = []
        for email, name, company, phone in CUSTOMERS:
            customers.append(
                Customer.objects.filter(email=email).first()
                or customer_create(email=email, name=name, company=company, phone=phone, actor=admin)
            )
        rng = random.Random(7)
        tickets = []
        for n, (title, category, priority, customer_idx, status, assignee_idx) in enumerate(TICKETS):
            tickets.append(
                self._demo_ticket(
                    rng,
                    n,
                    title=title,
                    category=category,
                    priority=priority,
                    customer=customers[customer_idx],
                    status=status,
                    assignee=agents[assignee_idx].user if assignee_idx is not None else None,
                )
            )
        macros = demo_macros(admin=admin)
        files = demo_attachments(tickets=[t for t in tickets if t.status == Status.IN_PROGRESS])
        demo_sla_states(tickets=[Ticket.objects.get(pk=t.pk) for t in tickets])
        return {
            "teams": len(teams),
            "categories": len(CATEGORIES),
            "agents": len(agents),
            "organisations": len(ORGANIZATIONS),
            "customers": len(customers),
            "tickets": len(TICKETS),
            "macros": macros,
            "attachments": files,
        }

    def _demo_ticket(
        self,
        rng: random.Random,
        n: int,
        *,
        title: str,
        category: str,
        priority: str,
        customer: Customer,
        status: str,
        assignee: Any,
    ) -> Ticket:
        channel = [Channel.EMAIL, Channel.WEB, Channel.API][n % 3]
        ticket = ticket_services.ticket_create(
            actor=None,
            title=title,
            description=f"{CUSTOMER_MESSAGES[0]}\n\n{title}.",
            priority=priority,
            category=category,
            customer=customer,
            tags=[category, "demo"],
            channel=channel,
        )
        if assignee is not None:
            ticket = ticket_services.ticket_assign(ticket=ticket, actor=assignee, assignee=assignee)
            comments.comment_add(ticket=ticket, actor=assignee, body=rng.choice(AGENT_REPLIES))
            comments.comment_add(ticket=ticket, actor=assignee, body=rng.choice(INTERNAL_NOTES), is_internal=True)
            comments.comment_add(ticket=ticket, customer=customer, body=CUSTOMER_MESSAGES[1], channel=channel)
        path = {
            Status.OPEN: [],
            Status.IN_PROGRESS: [Status.IN_PROGRESS],
            Status.PENDING: [Status.PENDING],
            Status.ON_HOLD: [Status.IN_PROGRESS, Status.ON_HOLD],
            Status.RESOLVED: [Status.IN_PROGRESS, Status.RESOLVED],
            Status.CLOSED: [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
        }[status]
        for step in path:
            ticket = ticket_services.ticket_change_status(ticket=ticket, actor=assignee, status=step)
        if status == Status.RESOLVED:
            comments.comment_add(ticket=ticket, customer=customer, body=CUSTOMER_MESSAGES[2], channel=channel)
            # A thank-you on a resolved ticket reopens it (the rule); resolve it again.
            ticket = ticket_services.ticket_change_status(ticket=ticket, actor=assignee, status=Status.RESOLVED)
        return ticket

    # --- bulk tickets ------------------------------------------------------------------------------

    def _bulk_tickets(self, target: int, *, batch_size: int, seed: int, options: dict[str, Any]) -> int:
        missing = target - Ticket.objects.count()
        if missing <= 0:
            self.stdout.write(f"Already {target} tickets or more: nothing to add.")
            return 0
        rng = random.Random(seed + missing)
        customer_ids = self._bulk_customers(min(max(missing // 20, 100), 50_000), rng)
        teams = dict(Category.objects.values_list("slug", "team_id"))
        categories = dict(Category.objects.values_list("slug", "pk"))
        slugs = [s for s in BULK_SUBJECTS if s in categories] or [None]
        assignees = list(Agent.objects.exclude(role=Role.VIEWER).values_list("user_id", flat=True)) or [None]
        org_of = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "organization_id"))
        tier_of = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "tier"))
        # SLA due times as ticket_sla_apply would set them: each team's policy (else the default)
        # and its calendar, loaded once; the pure arithmetic per ticket (see _DueTimes).
        specs = {team_id: sla_services.policy_spec_for_team(team_id) for team_id in {None, *teams.values()}}
        now = timezone.now()
        due_times = _DueTimes(specs, warning_ratio=sla_services.warning_ratio(), now=now)
        statuses, status_w = zip(*BULK_STATUS_WEIGHTS, strict=True)
        priorities, priority_w = zip(*BULK_PRIORITY_WEIGHTS, strict=True)
        created = 0
        progress = tqdm(
            total=missing,
            unit="tickets",
            desc="Bulk tickets",
            disable=options.get("verbosity", 1) == 0,
            file=self.stderr,
        )
        with progress:
            while created < missing:
                size = min(batch_size, missing - created)
                batch = []
                for status, priority in zip(
                    rng.choices(statuses, status_w, k=size), rng.choices(priorities, priority_w, k=size), strict=True
                ):
                    slug = rng.choice(slugs)
                    customer_id = rng.choice(customer_ids)
                    created_at = now - timedelta(seconds=rng.randint(60, 365 * 24 * 3600))
                    done_at = min(now, created_at + timedelta(hours=rng.randint(1, 240)))
                    subject = rng.choice(BULK_SUBJECTS[slug]) if slug else "Question"
                    due = due_times(
                        team_id=teams.get(slug), priority=priority, tier=tier_of.get(customer_id), start=created_at
                    )
                    batch.append(
                        Ticket(
                            title=f"{subject} #{rng.randint(1000, 99999)}",
                            description=f"{subject}. {rng.choice(CUSTOMER_MESSAGES)}",
                            status=status,
                            priority=priority,
                            category_id=categories.get(slug),
                            team_id=teams.get(slug),
                            customer_id=customer_id,
                            organization_id=org_of.get(customer_id),
                            assignee_id=None if status == Status.OPEN and rng.random() < 0.5 else rng.choice(assignees),
                            channel=rng.choice(Channel.values),
                            tags=[slug] if slug else [],
                            metadata={"seed": "bulk"},
                            first_responded_at=None if status == Status.OPEN else created_at + timedelta(minutes=30),
                            resolved_at=done_at if status in (Status.RESOLVED, Status.CLOSED) else None,
                            closed_at=done_at if status == Status.CLOSED else None,
                            created_at=created_at,
                            first_response_due_at=due.first_response_due_at,
                            resolution_due_at=due.resolution_due_at,
                            first_response_warn_at=due.first_response_warn_at,
                            resolution_warn_at=due.resolution_warn_at,
                        )
                    )
                with transaction.atomic():
                    Ticket.objects.bulk_create(batch, batch_size=batch_size)
                created += size
                progress.update(size)
        if connection.vendor == "postgresql":  # fresh statistics: the planner and the admin's row estimate
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE tickets_ticket")
                cursor.execute("ANALYZE customers_customer")
        return created

    def _bulk_customers(self, count: int, rng: random.Random) -> list[int]:
        """A pool of customers for the bulk tickets (created once, reused on later runs)."""
        existing = list(Customer.objects.filter(email__endswith="@bulk.example").values_list("pk", flat=True))
        if len(existing) < count:
            organizations = [*Organization.objects.values_list("pk", flat=True), None, None]
            tiers = Tier.values
            Customer.objects.bulk_create(
                [
                    Customer(
                        email=f"customer{n}@bulk.example",
                        name=f"Customer {n}",
                        tier=rng.choice(tiers),
                        organization_id=rng.choice(organizations),
                        metadata={"seed": "bulk"},
                    )
                    for n in range(len(existing), count)
                ],
                batch_size=5000,
                ignore_conflicts=True,
            )
            existing = list(Customer.objects.filter(email__endswith="@bulk.example").values_list("pk", flat=True))
        return existing


class _DueTimes:
    """sla.compute_due_times for many tickets: each policy's calendar is walked once into a
    business_time.BusinessTimeline over the seed's window (a year back, some months ahead), so a ticket costs
    a few binary searches instead of a calendar walk (same results as ticket_sla_apply)."""

    def __init__(self, specs: dict[int | None, policies.PolicySpec], *, warning_ratio: float, now: Any) -> None:
        self.specs = specs
        self.warning_ratio = warning_ratio
        since, until = now - timedelta(days=367), now + timedelta(days=180)
        timelines: dict[business_time.Calendar, business_time.BusinessTimeline] = {}
        for spec in specs.values():
            if spec.calendar not in timelines:
                timelines[spec.calendar] = business_time.BusinessTimeline(spec.calendar, since=since, until=until)
        self.timelines = timelines

    def __call__(self, *, team_id: int | None, priority: str, tier: str | None, start: Any) -> policies.DueTimes:
        spec = self.specs.get(team_id) or self.specs[None]
        return policies.compute_due_times(
            start=start,
            priority=priority,
            tier=tier,
            policy=spec,
            warning_ratio=self.warning_ratio,
            timeline=self.timelines[spec.calendar],
        )
