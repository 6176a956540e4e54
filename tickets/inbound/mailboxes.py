"""Mailboxes: the one place their settings and encrypted secrets are checked and written, for the
admin's form and the API alike. Secrets are write-only: a blank value keeps the stored one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from config.services import model_update
from tickets.models import Mailbox

SECRETS = ("password", "oauth_client_secret", "oauth_refresh_token")
CHECKED_FIELDS = ("processed_action", "processed_folder", "auth_method", "oauth_client_id", "oauth_tenant")
CHECKED_FIELDS += ("oauth_token_url", "imap_port")


def mailbox_errors(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """What is wrong with a mailbox whose settings would be `values` (the stored ones merged with the
    change), field by field."""
    errors: dict[str, list[str]] = {}
    if values.get("processed_action") == "move" and not values.get("processed_folder"):
        errors["processed_folder"] = ["Name the folder processed mail is moved to."]
    if values.get("auth_method") in ("microsoft", "google") and not values.get("oauth_client_id"):
        errors["oauth_client_id"] = ["OAuth2 needs the application's client id."]
    if (
        values.get("auth_method") == "microsoft"
        and not values.get("oauth_tenant")
        and not values.get("oauth_token_url")
    ):
        errors["oauth_tenant"] = ["Microsoft 365 needs the tenant (id or domain)."]
    port = values.get("imap_port")
    if port is not None and not 0 < port <= 65535:
        errors["imap_port"] = ["A port is between 1 and 65535."]
    return errors


@transaction.atomic
def mailbox_save(
    *,
    mailbox: Mailbox,
    data: Mapping[str, Any],
    secrets: Mapping[str, str] | None = None,
    clear_secrets: bool = False,
) -> Mailbox:
    """Create (an unsaved `Mailbox()`) or change a mailbox. `clear_secrets` removes every stored
    secret first; a new refresh token drops the cached access token (it belongs to the old grant)."""
    mailbox, _ = model_update(instance=mailbox, data=data, save=False)
    errors = mailbox_errors({name: getattr(mailbox, name) for name in CHECKED_FIELDS})
    if errors:
        raise ValidationError(errors)
    if clear_secrets:
        for name in (*SECRETS, "oauth_access_token"):
            mailbox.set_secret(name, "")
        mailbox.oauth_access_token_expires_at = None
    for name, value in (secrets or {}).items():
        if name not in SECRETS:
            raise ValidationError({name: ["Not a mailbox secret."]})
        if value:
            mailbox.set_secret(name, value)
            if name == "oauth_refresh_token":
                mailbox.set_secret("oauth_access_token", "")
                mailbox.oauth_access_token_expires_at = None
    mailbox.save()
    return mailbox
