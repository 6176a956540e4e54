"""Settings of outgoing email, the outbox and webhooks (notifications/; README "Notifications"),
imported by base.py. Everything comes from the environment (base.py has read `.env` already)."""

import environ as _environ

_env = _environ.Env()

# --- email ----------------------------------------------------------------------------------
globals().update(_env.email_url("EMAIL_URL", default="consolemail://"))
# Console mail is one log line per message (recipients and subject); the whole message is in the
# admin's email log. EMAIL_URL=filemail:///some/dir writes whole messages to files instead.
COMPACT_CONSOLE_BACKEND = "notifications.backends.CompactConsoleEmailBackend"
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 - set by the line above
    EMAIL_BACKEND = COMPACT_CONSOLE_BACKEND
DEFAULT_FROM_EMAIL = _env("DEFAULT_FROM_EMAIL", default="Support <support@helpdesk.local>")
SERVER_EMAIL = _env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = _env.int("EMAIL_TIMEOUT", default=10)

# --- notifications (notifications/; README "Notifications") ----------------------------------
# EMAIL_PROVIDERS=postmark,smtp sends through Postmark and fails over to SMTP (EMAIL_URL);
# each anymail provider reads its keys below. Unset: EMAIL_URL's backend alone (console locally).
# (django-anymail 15 warns that SendGrid is no longer officially supported; it still works.)
EMAIL_PROVIDER_BACKENDS = {
    "sendgrid": "anymail.backends.sendgrid.EmailBackend",
    "amazon_ses": "anymail.backends.amazon_ses.EmailBackend",
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "postmark": "anymail.backends.postmark.EmailBackend",
    "brevo": "anymail.backends.brevo.EmailBackend",
    "mailjet": "anymail.backends.mailjet.EmailBackend",
    "resend": "anymail.backends.resend.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": COMPACT_CONSOLE_BACKEND,
}
EMAIL_PROVIDERS = _env.list("EMAIL_PROVIDERS", default=[])
EMAIL_FAILOVER_BACKENDS = [EMAIL_PROVIDER_BACKENDS[name] for name in EMAIL_PROVIDERS]
if EMAIL_FAILOVER_BACKENDS:
    EMAIL_BACKEND = "notifications.backends.FailoverEmailBackend"
_ses_region = _env("AWS_SES_REGION", default="")
ANYMAIL = {
    key: value
    for key, value in {
        "SENDGRID_API_KEY": _env("SENDGRID_API_KEY", default=""),
        "MAILGUN_API_KEY": _env("MAILGUN_API_KEY", default=""),
        "MAILGUN_SENDER_DOMAIN": _env("MAILGUN_SENDER_DOMAIN", default=""),
        "POSTMARK_SERVER_TOKEN": _env("POSTMARK_SERVER_TOKEN", default=""),
        "BREVO_API_KEY": _env("BREVO_API_KEY", default=""),
        "MAILJET_API_KEY": _env("MAILJET_API_KEY", default=""),
        "MAILJET_SECRET_KEY": _env("MAILJET_SECRET_KEY", default=""),
        "RESEND_API_KEY": _env("RESEND_API_KEY", default=""),
        "AMAZON_SES_CLIENT_PARAMS": {"region_name": _ses_region} if _ses_region else None,
        # ESP webhooks (/anymail/<esp>/inbound/): basic auth "user:password", required (403 unset).
        "WEBHOOK_SECRET": _env("ANYMAIL_WEBHOOK_SECRET", default=""),
        # Mailgun also signs its webhooks; its views refuse to run without the key.
        "MAILGUN_WEBHOOK_SIGNING_KEY": _env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    }.items()
    if value
}
EMAIL_MESSAGE_ID_DOMAIN = _env("EMAIL_MESSAGE_ID_DOMAIN", default="helpdesk.local")
EMAIL_BATCH_SIZE = _env.int("EMAIL_BATCH_SIZE", default=50)  # messages per connection
EMAIL_SEND_TRIES = _env.int("EMAIL_SEND_TRIES", default=3)  # in-process tries per message and round
EMAIL_RETRY_BASE_DELAY = _env.float("EMAIL_RETRY_BASE_DELAY", default=0.5)  # seconds, doubled, full jitter
EMAIL_RETRY_MAX_DELAY = _env.float("EMAIL_RETRY_MAX_DELAY", default=4.0)
# Later rounds (seconds after a failed round); past the last one the mail is recorded failed.
EMAIL_RETRY_SCHEDULE = [int(s) for s in _env.list("EMAIL_RETRY_SCHEDULE", default=["60", "300", "1800", "7200"])]
# A claimed email whose worker died is sent again after this (a batch sends well within it).
EMAIL_CLAIM_LEASE_SECONDS = _env.int("EMAIL_CLAIM_LEASE_SECONDS", default=180)
# The outbox sweep and the retry job go on in batches until nothing is due or this many seconds
# have passed (then the next run, a minute later, goes on): no fixed number per run.
SWEEP_TIME_BUDGET_SECONDS = _env.int("SWEEP_TIME_BUDGET_SECONDS", default=50)
OUTBOX_SWEEP_GRACE_SECONDS = _env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = _env.int("OUTBOX_MAX_ATTEMPTS", default=10)
NOTIFICATIONS_RETENTION_DAYS = _env.int("NOTIFICATIONS_RETENTION_DAYS", default=90)
# A ticket merge can be undone this long after it was made (the merge's record keeps what moved).
TICKET_MERGE_UNDO_MINUTES = _env.int("TICKET_MERGE_UNDO_MINUTES", default=60)

WEBHOOK_ALLOW_PRIVATE_URLS = _env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)
WEBHOOK_REQUIRE_HTTPS = _env.bool("WEBHOOK_REQUIRE_HTTPS", default=True)  # lifted with private URLs
WEBHOOK_CONNECT_TIMEOUT = _env.float("WEBHOOK_CONNECT_TIMEOUT", default=5.0)
WEBHOOK_READ_TIMEOUT = _env.float("WEBHOOK_READ_TIMEOUT", default=10.0)
WEBHOOK_RETRY_SCHEDULE = [
    int(s) for s in _env.list("WEBHOOK_RETRY_SCHEDULE", default=["5", "300", "1800", "7200", "18000", "36000"])
]
WEBHOOK_MAX_COUNTDOWN_SECONDS = _env.int("WEBHOOK_MAX_COUNTDOWN_SECONDS", default=60)  # longer waits: rows + beat
WEBHOOK_CLAIM_LEASE_SECONDS = _env.int("WEBHOOK_CLAIM_LEASE_SECONDS", default=300)
WEBHOOK_MAX_CONSECUTIVE_FAILURES = _env.int("WEBHOOK_MAX_CONSECUTIVE_FAILURES", default=20)
WEBHOOK_SECRET_ROTATION_GRACE_SECONDS = _env.int("WEBHOOK_SECRET_ROTATION_GRACE_SECONDS", default=24 * 3600)
WEBHOOK_RESPONSE_EXCERPT_BYTES = _env.int("WEBHOOK_RESPONSE_EXCERPT_BYTES", default=2000)
WEBHOOK_USER_AGENT = _env("WEBHOOK_USER_AGENT", default="Helpdesk-Webhooks/1.0")
