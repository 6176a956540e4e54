"""Roles map to Django groups and permissions, so the admin enforces them by itself.

- viewer: may look at everything agents work with (tickets, customers, SLA policies and
  calendars, jobs), change nothing; the notification logs (Operations) are for admins only;
- agent: works tickets (add/change tickets, write comments, attach files), starts exports and
  bulk updates (the admin and API show them their own), never deletes;
- senior_agent: an agent who may also add and edit customers;
- admin: a superuser (agents.services keeps `is_superuser` in step with the role); the "Admin"
  group holds every permission below as well, so the role is legible in the admin: it alone
  changes SLA policies, calendars, webhooks, API keys and the beat schedule (django-celery-beat),
  deletes logs and jobs, and reads the GDPR audit trail (which nobody edits).

The table names permissions as "app_label.codename"; a permission whose model does not exist
(yet) is skipped, so other apps can list theirs here as they are added. `role_groups_sync()` in
agents/services.py writes this table to the database; it runs after every `migrate` (post_migrate,
see agents/apps.py) and is idempotent."""

from __future__ import annotations

from agents.models import Role

# What everybody in the support team may look at.
VIEWABLE_MODELS: tuple[str, ...] = (
    "tickets.ticket",
    "tickets.comment",
    "tickets.attachment",
    "tickets.ticketevent",
    "tickets.category",
    "tickets.tickettype",
    "tickets.customfield",
    "tickets.timeentry",
    "tickets.ticketfollower",
    "customers.customer",
    "customers.organization",
    "customers.organizationdomain",
    "agents.agent",
    "agents.team",
    "agents.user",
)
# SLA configuration: everybody sees the targets they work to; only admins change them.
SLA_MODELS: tuple[str, ...] = (
    "tickets.slapolicy",
    "tickets.slatarget",
    "tickets.businesscalendar",
    "tickets.holiday",
)
# What the system did because of a change (outbox, mail, webhook deliveries, consumers): the
# admin's Operations section, for admins only; written by the system (admins may delete, e.g.
# before the purge).
NOTIFICATION_LOG_MODELS: tuple[str, ...] = (
    "notifications.outboxevent",
    "notifications.emaillog",
    "notifications.webhookdelivery",
    "notifications.consumerrun",
    "tickets.inboundmessage",
)
# Background jobs an agent starts for themselves (the admin and API scope them to their owner).
JOB_MODELS: tuple[str, ...] = (
    "tickets.exportjob",
    "tickets.bulkupdatejob",
)
# Agents' own tools (saved views; viewers open the shared ones): the services decide who may
# share or change one.
PERSONAL_MODELS: tuple[str, ...] = ("tickets.savedview",)
# Integration and scheduling settings, and audit trails: admins only.
ADMIN_CONFIG_MODELS: tuple[str, ...] = (
    "notifications.webhooksubscription",
    "agents.apikey",
    "django_celery_beat.periodictask",
    "django_celery_beat.intervalschedule",
    "django_celery_beat.crontabschedule",
    "django_celery_beat.solarschedule",
    "django_celery_beat.clockedschedule",
    "tickets.mailbox",
    "tickets.allowedfolloweraddress",
    "tickets.trigger",
    "tickets.automation",
)
# What the ticket services record about tickets (links, merges, the SLA event log): everybody on
# the desk reads them; only the services write them (the ticket page and the API call those).
TICKET_RECORD_MODELS: tuple[str, ...] = ("tickets.ticketlink", "tickets.ticketmerge", "tickets.slaevent")
# The knowledge base (tickets.knowledge): every agent reads it; agents write articles; senior
# agents and admins also arrange categories and sections and delete articles.
KNOWLEDGE_MODELS: tuple[str, ...] = (
    "knowledge.kbcategory",
    "knowledge.section",
    "knowledge.article",
    "knowledge.articleversion",
)
# Append-only records written by services: admins may read them, nobody edits them.
ADMIN_READ_ONLY_MODELS: tuple[str, ...] = (
    "customers.gdprauditentry",
    "tickets.slascanrun",
    "tickets.ruleversion",
    "tickets.deflection",
)


def _perms(models: tuple[str, ...], *actions: str) -> set[str]:
    return {f"{model.split('.')[0]}.{action}_{model.split('.')[1]}" for model in models for action in actions}


def _view() -> set[str]:
    return _perms(VIEWABLE_MODELS, "view")


# Operations tables (the outbox, deliveries, the email log) are for admins only.
_VIEWER = (
    _view()
    | _perms(SLA_MODELS + JOB_MODELS + PERSONAL_MODELS + KNOWLEDGE_MODELS + TICKET_RECORD_MODELS, "view")
    | {"tickets.view_macro"}
)
# Macros: agents keep personal ones (the admin limits them to their own); senior agents and admins
# also edit the shared ones.
_AGENT = (
    _VIEWER
    | _perms(PERSONAL_MODELS, "add", "change", "delete")
    | {
        "tickets.add_macro",
        "tickets.change_macro",
        "tickets.add_ticket",
        "tickets.change_ticket",
        "tickets.add_comment",
        "tickets.add_attachment",
        "tickets.add_ticketfollower",
        "tickets.delete_ticketfollower",
        "tickets.delete_timeentry",  # their own (tickets/time_tracking.py refuses another's)
        "tickets.add_exportjob",
        "tickets.add_bulkupdatejob",
        "knowledge.add_article",
        "knowledge.change_article",
    }
)
_SENIOR_AGENT = (
    _AGENT
    | {"customers.add_customer", "customers.change_customer", "knowledge.delete_article"}
    | _perms(("knowledge.kbcategory", "knowledge.section"), "add", "change", "delete")
)
_ADMIN = (
    _SENIOR_AGENT
    | _perms(VIEWABLE_MODELS + SLA_MODELS + ADMIN_CONFIG_MODELS, "view", "add", "change", "delete")
    | _perms(NOTIFICATION_LOG_MODELS + JOB_MODELS, "view", "delete")
    | _perms(ADMIN_READ_ONLY_MODELS, "view")
    | _perms(KNOWLEDGE_MODELS[:3], "view", "add", "change", "delete")
    | {"tickets.delete_macro"}
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.VIEWER: frozenset(_VIEWER),
    Role.AGENT: frozenset(_AGENT),
    Role.SENIOR_AGENT: frozenset(_SENIOR_AGENT),
    Role.ADMIN: frozenset(_ADMIN),
}

# The group of each role is named after the role's label ("Senior agent").
ROLE_GROUP_NAMES: dict[str, str] = {role.value: str(role.label) for role in Role}
