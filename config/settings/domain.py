"""Settings of the ticket domain: attachments, inbound email, background jobs and the SLA engine
(tickets/, customers/crm.py), imported by base.py. Everything comes from the environment (base.py has
read `.env` already)."""

import environ as _environ

_env = _environ.Env()

# --- domain ---------------------------------------------------------------------------------
PHONE_DEFAULT_REGION = _env("PHONE_DEFAULT_REGION", default="US")
ATTACHMENT_MAX_BYTES = _env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_TYPES = _env.list(
    "ATTACHMENT_ALLOWED_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/json",
        "message/rfc822",
    ],
)

# --- inbound email (tickets/inbound/) -------------------------------------------------------
# Fernet key(s) for secrets stored in the database (mailbox passwords, OAuth2 tokens); comma-separated,
# the first encrypts, all decrypt (rotation). Unset: derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = _env("FIELD_ENCRYPTION_KEY", default="")
INBOUND_RATE_LIMIT = _env.int("INBOUND_RATE_LIMIT", default=20)  # messages per sender per window
INBOUND_RATE_WINDOW_SECONDS = _env.int("INBOUND_RATE_WINDOW_SECONDS", default=600)
INBOUND_POLL_BATCH = _env.int("INBOUND_POLL_BATCH", default=50)  # messages per mailbox per poll
INBOUND_POLL_LEASE_SECONDS = _env.int("INBOUND_POLL_LEASE_SECONDS", default=300)
INBOUND_MAX_ATTEMPTS = _env.int("INBOUND_MAX_ATTEMPTS", default=5)  # automatic tries of a failing message
INBOUND_IMAP_TIMEOUT = _env.float("INBOUND_IMAP_TIMEOUT", default=30.0)
INBOUND_RAW_RETENTION_DAYS = _env.int("INBOUND_RAW_RETENTION_DAYS", default=90)

# --- background jobs (tickets/jobs.py, tickets/gdpr.py, customers/crm.py) ------------------
# Closed tickets older than RETENTION_DAYS are deleted (or anonymised, RETENTION_MODE) by a daily beat job.
RETENTION_DAYS = _env.int("RETENTION_DAYS", default=730)
RETENTION_MODE = _env("RETENTION_MODE", default="delete")  # delete | anonymize
RETENTION_BATCH_SIZE = _env.int("RETENTION_BATCH_SIZE", default=1000)
EXPORT_CHUNK_SIZE = _env.int("EXPORT_CHUNK_SIZE", default=2000)
BULK_MAX_TICKETS = _env.int("BULK_MAX_TICKETS", default=1000)
# A job running longer than this is taken as dead and run again (above the export task's 3300 s limit).
JOB_LEASE_SECONDS = _env.int("JOB_LEASE_SECONDS", default=3500)
# The CRM customers are pushed to; unset = CRM sync off.
CRM_BASE_URL = _env("CRM_BASE_URL", default="")
CRM_API_TOKEN = _env("CRM_API_TOKEN", default="")
CRM_TIMEOUT_SECONDS = _env.float("CRM_TIMEOUT_SECONDS", default=10.0)

# --- SLA engine, escalation, auto-close (tickets/sla/) ---------------------------
SLA_WARNING_PERCENT = _env.int("SLA_WARNING_PERCENT", default=80)
SLA_SCAN_BATCH_SIZE = _env.int("SLA_SCAN_BATCH_SIZE", default=1000)
ESCALATION_UNASSIGNED_HOURS = _env.int("ESCALATION_UNASSIGNED_HOURS", default=72)
AUTO_CLOSE_RESOLVED_DAYS = _env.int("AUTO_CLOSE_RESOLVED_DAYS", default=7)
AUTO_RESOLVE_PENDING_DAYS = _env.int("AUTO_RESOLVE_PENDING_DAYS", default=14)

# --- the admin dashboard (tickets/dashboard.py) ----------------------------------------------
# Its figures are a snapshot per ticket scope kept this long; beat refreshes the whole desk's every
# minute ("Dashboard refresh", config/schedules.py), so keep this above 60.
DASHBOARD_SNAPSHOT_SECONDS = _env.int("DASHBOARD_SNAPSHOT_SECONDS", default=150)
