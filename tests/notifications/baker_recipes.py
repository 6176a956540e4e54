from model_bakery.recipe import Recipe, foreign_key, seq

from notifications.models import EmailLog, OutboxEvent, WebhookDelivery, WebhookSubscription
from notifications.signing import generate_secret

outbox_event = Recipe(OutboxEvent, event="ticket.updated", payload={})
webhook_subscription = Recipe(
    WebhookSubscription,
    url=seq("http://127.0.0.1:9/hook-"),
    events=["ticket.created"],
    secret=generate_secret,
    is_active=True,
    description="",
)
webhook_delivery = Recipe(
    WebhookDelivery,
    subscription=foreign_key(webhook_subscription),
    event="ticket.created",
    payload={"type": "ticket.created", "data": {}},
)
email_log = Recipe(
    EmailLog,
    event="ticket.created",
    template="ticket_created",
    recipient=seq("person", suffix="@example.com"),
    subject=seq("[#1] Subject "),
    body_text="Hello",
    body_html="<p>Hello</p>",
    message_id=seq("<m", suffix="@helpdesk.local>"),
    headers={},
)
