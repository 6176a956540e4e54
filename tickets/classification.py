"""How a ticket is classified when it is written: its category (by slug), its type and its custom
field values, each refused with a message naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from agents.selectors import is_agent
from tickets.custom_fields import custom_fields_merge
from tickets.models import Category, TicketType
from tickets.ticket_types import ticket_type_resolve

Actor = AbstractBaseUser | None


def resolve_category(category: Category | str | None) -> Category | None:
    if category is None or isinstance(category, Category):
        return category
    if category == "":
        return None
    found = Category.objects.filter(slug=category).first()
    if found is None:
        raise ValidationError({"category": [f"Unknown category '{category}'."]}, code="invalid_category")
    return found


def classify(
    cleaned: dict[str, Any],
    *,
    category: Category | str | None,
    ticket_type: TicketType | str | None,
    custom_fields: dict[str, Any] | None,
    actor: Actor,
) -> dict[str, list[str]]:
    """A new ticket's category, type and custom fields into `cleaned`, or the errors. A customer
    (the portal, the API) may only fill fields shown to customers."""
    errors: dict[str, list[str]] = {}
    resolvers: tuple[tuple[str, Callable[[Any], Any], Any], ...] = (
        ("category", resolve_category, category),
        ("ticket_type", ticket_type_resolve, ticket_type),
    )
    for name, resolve, raw in resolvers:
        try:
            cleaned[name] = resolve(raw)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if custom_fields and not errors:
        try:
            cleaned["custom_fields"] = custom_fields_merge(
                current={},
                changes=custom_fields,
                category_id=getattr(cleaned["category"], "pk", None),
                ticket_type_id=getattr(cleaned["ticket_type"], "pk", None),
                customer_only=actor is not None and not is_agent(actor),
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    return errors
