"""The queue's bulk actions. Each ticket goes through the same service as the API, in its own
transaction, and the agent is told exactly what happened: which tickets changed, which were
skipped because there was nothing to do (already closed, already yours), and which the service
refused, with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest

from agents.selectors import agent_for_user
from config.admin_tools import SERVICE_ERRORS, service_error_text
from config.api.ids import id_or_none
from tickets import services
from tickets.models import Priority, Status, Ticket

SHOWN_IDS = 20  # ids listed per line before "and N more"


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in ids[:SHOWN_IDS])
    return shown + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def _tickets(n: int) -> str:
    return f"{n} ticket{'s' if n != 1 else ''}"


@dataclass
class BulkOutcome:
    """What one bulk action did, ticket by ticket."""

    changed: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)  # reason -> ids
    refused: dict[str, list[int]] = field(default_factory=dict)  # service error -> ids

    def messages(self, verb: str) -> list[tuple[int, str]]:
        out: list[tuple[int, str]] = []
        if self.changed:
            out.append((messages.SUCCESS, f"{verb}: {_tickets(len(self.changed))} ({_ids(self.changed)})."))
        for reason, ids in self.skipped.items():
            out.append((messages.WARNING, f"Skipped {_tickets(len(ids))} ({_ids(ids)}): {reason}."))
        for reason, ids in self.refused.items():
            out.append((messages.ERROR, f"Not changed: {_ids(ids)}: {reason}"))
        if not out:
            out.append((messages.INFO, "No tickets were selected."))
        return out


def bulk_apply(
    queryset: QuerySet[Ticket],
    change: Callable[[Ticket], Any],
    skip: Callable[[Ticket], str | None] = lambda ticket: None,
) -> BulkOutcome:
    """Call `change` for every ticket that `skip` does not excuse (it returns the reason)."""
    outcome = BulkOutcome()
    for ticket in queryset.order_by("pk").iterator(chunk_size=500):
        reason = skip(ticket)
        if reason:
            outcome.skipped.setdefault(reason, []).append(ticket.pk)
            continue
        try:
            change(ticket)
        except SERVICE_ERRORS as exc:
            outcome.refused.setdefault(service_error_text(exc), []).append(ticket.pk)
        else:
            outcome.changed.append(ticket.pk)
    return outcome


class TicketBulkActionsMixin:
    """Assign to me, assign by the team's strategy, change status or priority, close."""

    def _report(self, request: HttpRequest, outcome: BulkOutcome, verb: str) -> None:
        if not request.POST.get("select_across"):
            # Rows ticked on the page that the queue's filters no longer match (changed meanwhile).
            seen = {
                *outcome.changed,
                *(pk for ids in (*outcome.skipped.values(), *outcome.refused.values()) for pk in ids),
            }
            selected = {
                pk
                for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
                if (pk := id_or_none(value)) is not None
            }
            gone = sorted(selected - seen)
            if gone:
                outcome.skipped["no longer match this queue's filters (changed meanwhile?)"] = gone
        for level, text in outcome.messages(verb):
            self.message_user(request, text, level)  # type: ignore[attr-defined]

    def _may_work(self, request: HttpRequest, what: str) -> bool:
        agent = agent_for_user(request.user)
        if agent is None or not agent.can_write:
            self.message_user(request, f"Only agents who may work tickets can {what}.", messages.ERROR)  # type: ignore[attr-defined]
            return False
        return True

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        if not self._may_work(request, "take them"):
            return
        outcome = bulk_apply(
            queryset,
            lambda t: services.ticket_assign(ticket=t, actor=request.user, assignee=request.user),
            lambda t: "already assigned to you" if t.assignee_id == request.user.pk else None,
        )
        self._report(request, outcome, "Assigned to you")

    @admin.action(description="Assign with the team's strategy", permissions=["change"])
    def assign_by_team_strategy(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        """Each ticket to an agent of its team chosen by the team's strategy (agents/assignment.py);
        a ticket with no team, closed, or that nobody can take is reported and left as it is."""
        if not self._may_work(request, "assign them"):
            return
        outcome = bulk_apply(
            queryset,
            lambda t: services.ticket_assign_by_strategy(ticket=t, actor=request.user),
            lambda t: "no team to choose an agent from" if t.team_id is None else None,
        )
        self._report(request, outcome, "Assigned with the team's strategy")

    @admin.action(description="Change status (choose the new status next to the action)", permissions=["change"])
    def change_status(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        status = request.POST.get("status", "")
        if status not in Status.values:
            self.message_user(request, "Choose the new status in the 'new status' list.", messages.ERROR)  # type: ignore[attr-defined]
            return
        label = Status(status).label
        outcome = bulk_apply(
            queryset,
            lambda t: services.ticket_change_status(ticket=t, actor=request.user, status=status),
            lambda t: f"already {label.lower()}" if t.status == status else None,
        )
        self._report(request, outcome, f"Status set to {label}")

    @admin.action(description="Change priority (choose the new priority next to the action)", permissions=["change"])
    def change_priority(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        priority = request.POST.get("priority", "")
        if priority not in Priority.values:
            self.message_user(request, "Choose the new priority in the 'new priority' list.", messages.ERROR)  # type: ignore[attr-defined]
            return
        label = Priority(priority).label
        outcome = bulk_apply(
            queryset,
            lambda t: services.ticket_update(ticket=t, actor=request.user, data={"priority": priority}),
            lambda t: f"already {label.lower()} priority" if t.priority == priority else None,
        )
        self._report(request, outcome, f"Priority set to {label}")

    @admin.action(description="Close", permissions=["change"])
    def close_tickets(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        outcome = bulk_apply(
            queryset,
            lambda t: services.ticket_change_status(ticket=t, actor=request.user, status=Status.CLOSED),
            lambda t: "already closed" if t.status == Status.CLOSED else None,
        )
        self._report(request, outcome, "Closed")
