"""The tickets app's models, one module per concept: tickets.py (tickets, categories, the
lifecycle), conversation.py (replies, notes, files), events.py (the audit trail), jobs.py (export
and bulk jobs), sla.py (calendars, policies, the log of SLA scan runs), saved_views.py (saved
views), macros.py (canned responses that act), presence.py (who has a ticket page open),
inbound.py (mailboxes and inbound messages), followers.py (ticket followers), links.py (links
between tickets, merges), ticket_types.py (question, incident, ...), custom_fields.py
(admin-defined typed fields), time_entries.py (time logged by agents). Invariants that need no
other model live there as constraints and choices; every state change goes through the services."""

from agents.models import Priority
from tickets.models.conversation import Attachment, Comment
from tickets.models.custom_fields import CHOICE_TYPES, CustomField, FieldType
from tickets.models.deflection import Deflection
from tickets.models.events import EventKind, TicketEvent
from tickets.models.followers import AllowedFollowerAddress, FollowerSource, TicketFollower
from tickets.models.inbound import InboundMessage, InboundStatus, Mailbox
from tickets.models.jobs import (
    BackgroundJob,
    BulkUpdateJob,
    ExportFormat,
    ExportJob,
    JobStatus,
)
from tickets.models.links import REVERSE_KINDS, REVERSE_LABELS, LinkKind, TicketLink, TicketMerge
from tickets.models.macros import Macro, Visibility
from tickets.models.presence import TicketPresence
from tickets.models.rules import Automation, AutomationFiring, RuleKind, RuleVersion, Trigger
from tickets.models.saved_views import SavedView, ViewOrdering, ViewVisibility
from tickets.models.sla import (
    BusinessCalendar,
    Holiday,
    SLAEvent,
    SLAEventKind,
    SLAMetric,
    SLAPolicy,
    SLAScanKind,
    SLAScanRun,
    SLATarget,
    _validate_time_zone,  # noqa: F401 - referenced by migration 0004
    _validate_working_hours,  # noqa: F401 - referenced by migration 0004
    default_working_hours,
)
from tickets.models.ticket_types import TicketType
from tickets.models.tickets import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    DONE_STATUSES,
    NEXT_PRIORITY,
    PRIORITY_RANK,
    Category,
    Channel,
    Satisfaction,
    Status,
    Ticket,
    TicketQuerySet,
    active_q,
    urgent_q,
)
from tickets.models.time_entries import TimeEntry

__all__ = [
    "ACTIVE_STATUSES",
    "ALLOWED_TRANSITIONS",
    "CHOICE_TYPES",
    "DONE_STATUSES",
    "NEXT_PRIORITY",
    "PRIORITY_RANK",
    "REVERSE_KINDS",
    "REVERSE_LABELS",
    "AllowedFollowerAddress",
    "Attachment",
    "Automation",
    "AutomationFiring",
    "BackgroundJob",
    "BulkUpdateJob",
    "BusinessCalendar",
    "Category",
    "Channel",
    "Comment",
    "CustomField",
    "Deflection",
    "EventKind",
    "ExportFormat",
    "ExportJob",
    "FieldType",
    "FollowerSource",
    "Holiday",
    "InboundMessage",
    "InboundStatus",
    "JobStatus",
    "LinkKind",
    "Macro",
    "Mailbox",
    "Priority",
    "RuleKind",
    "RuleVersion",
    "SLAEvent",
    "SLAEventKind",
    "SLAMetric",
    "SLAPolicy",
    "SLAScanKind",
    "SLAScanRun",
    "SLATarget",
    "Satisfaction",
    "SavedView",
    "Status",
    "Ticket",
    "TicketEvent",
    "TicketFollower",
    "TicketLink",
    "TicketMerge",
    "TicketPresence",
    "TicketQuerySet",
    "TicketType",
    "TimeEntry",
    "Trigger",
    "ViewOrdering",
    "ViewVisibility",
    "Visibility",
    "active_q",
    "default_working_hours",
    "urgent_q",
]
