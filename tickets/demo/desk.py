"""The quick start's small demo desk, written through the services exactly as the admin and the
API would (so it carries its events and outbox rows): teams, categories with their routing team,
agents of every role, organisations with email domains, customers, and tickets in every status
with public replies and internal notes, then macros, files and every SLA state (tickets/demo/workspace.py)."""

from __future__ import annotations

import random
from typing import Any

from agents.models import Agent, AssignmentStrategy, Role, Team
from agents.services import agent_create, team_create
from customers.models import Customer, Organization, Tier
from customers.services import customer_create, organization_create
from tickets import comments
from tickets import services as ticket_services
from tickets.demo.workspace import demo_attachments, demo_macros, demo_sla_states
from tickets.models import Category, Channel, Priority, Status, Ticket

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


def demo_desk_create(*, admin: Any, password: str) -> dict[str, int]:
    """The small desk, written through the services (events, outbox rows); returns what it made."""
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
            _demo_ticket(
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
