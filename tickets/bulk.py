"""Bulk ticket updates: one job applies status/priority/assignee/tags to up to BULK_MAX_TICKETS
tickets through tickets.services, ticket by ticket, each refusal recorded per ticket."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents.models import Role, User
from agents.selectors import user_role
from config.exceptions import ApplicationError
from config.validators import is_id
from tickets import validators
from tickets.jobs import (
    job_claim,
    job_enqueue_on_commit,
    job_fail,
    job_percent,
    job_refuse,
    job_requester_refusal,
    job_require_agent,
)
from tickets.models import (
    BulkUpdateJob,
    JobStatus,
)
from tickets.selectors import ticket_list

logger = logging.getLogger(__name__)

# --- bulk updates -------------------------------------------------------------------------------

BULK_CHANGE_FIELDS = ("status", "priority", "assignee", "tags")


def _clean_changes(changes: Any) -> dict[str, Any]:
    if not isinstance(changes, dict) or not changes:
        raise ValidationError({"changes": [f"Give at least one of: {', '.join(BULK_CHANGE_FIELDS)}."]})
    unknown = sorted(set(changes) - set(BULK_CHANGE_FIELDS))
    if unknown:
        raise ValidationError(
            {
                "changes": [
                    f"'{key}' cannot be changed in bulk; use: {', '.join(BULK_CHANGE_FIELDS)}." for key in unknown
                ]
            }
        )
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    checks = {
        "status": validators.validate_status,
        "priority": validators.validate_priority,
        "tags": validators.normalize_tags,
    }
    for key, check in checks.items():
        if key in changes:
            try:
                cleaned[key] = check(changes[key])
            except ValidationError as exc:
                errors[f"changes.{key}"] = exc.messages
    if "assignee" in changes:
        assignee = changes["assignee"]
        if assignee is None:
            cleaned["assignee"] = None
        else:
            user = None
            if is_id(assignee):
                user = get_user_model().objects.filter(pk=assignee).first()
            if user is None or user_role(user) not in Role.values:
                errors["changes.assignee"] = [f"'{assignee}' is not the id of an agent."]
            else:
                cleaned["assignee"] = assignee
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def bulk_update_job_create(
    *,
    actor: User,
    changes: dict[str, Any],
    ids: list[int] | None = None,
    filters: dict[str, Any] | None = None,
) -> BulkUpdateJob:
    """Record a bulk update of the tickets given by id or by the list filters (one or the other),
    at most BULK_MAX_TICKETS, and enqueue it after commit. The ids are fixed now: the job updates
    exactly the tickets the caller saw. Ids the caller cannot see become per-ticket failures."""
    job_require_agent(actor, write=True)
    limit = int(settings.BULK_MAX_TICKETS)
    cleaned = _clean_changes(changes)
    if (ids is None) == (filters is None):
        raise ValidationError({"ids": ["Give either 'ids' or 'filters', not both and not neither."]})
    if ids is not None:
        if not isinstance(ids, list) or not ids or not all(is_id(i) for i in ids):
            raise ValidationError({"ids": ["A non-empty list of ticket ids."]})
        ticket_ids = list(dict.fromkeys(ids))
        if len(ticket_ids) > limit:
            raise ValidationError({"ids": [f"At most {limit} tickets per bulk update."]})
    else:
        ticket_ids = list(
            ticket_list(user=actor, filters=filters or {}).order_by("pk").values_list("pk", flat=True)[: limit + 1]
        )
        if len(ticket_ids) > limit:
            raise ValidationError({"filters": [f"These filters match more than {limit} tickets; narrow them."]})
    job = BulkUpdateJob.objects.create(
        requested_by=actor, ticket_ids=ticket_ids, filters=filters or {}, changes=cleaned, total=len(ticket_ids)
    )
    job_enqueue_on_commit("tickets.bulk_update_job_run", job.pk)
    return job


def _error_messages(exc: Exception) -> dict[str, list[str]]:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if isinstance(exc, ApplicationError):
        return {key: value for key, value in exc.as_dict().items() if key not in ("detail", "code")} or {
            "non_field_errors": [exc.message]
        }
    return {"non_field_errors": [str(exc)]}  # pragma: no cover - only ValidationError/ApplicationError are caught


def bulk_update_job_run(*, job_id: int, save_every: int = 50) -> BulkUpdateJob | None:
    """Apply the changes ticket by ticket through tickets.services.ticket_update, each in its own
    transaction, so events and lifecycle rules hold and one refusal (a forbidden transition)
    fails that ticket only. Re-running is safe: a change already applied is a no-op in the services
    (no second event), failures are recomputed."""
    from tickets.services import ticket_update

    job = job_claim(BulkUpdateJob, job_id)
    if job is None:
        return None
    refusal = job_requester_refusal(job, write=True)
    if refusal:
        return job_refuse(job, refusal)
    try:
        actor = job.requested_by
        data = dict(job.changes)
        if data.get("assignee") is not None:
            data["assignee"] = get_user_model().objects.get(pk=data["assignee"])
        visible = ticket_list(user=actor)
        failures: list[dict[str, Any]] = []
        succeeded = 0
        for done, ticket_id in enumerate(job.ticket_ids, start=1):
            ticket = visible.filter(pk=ticket_id).first()
            if ticket is None:
                failures.append({"ticket_id": ticket_id, "errors": {"id": ["Not found."]}})
            else:
                try:
                    with transaction.atomic():
                        ticket_update(ticket=ticket, actor=actor, data=data)
                    succeeded += 1
                except (ValidationError, ApplicationError) as exc:
                    failures.append({"ticket_id": ticket_id, "errors": _error_messages(exc)})
            if done % save_every == 0:
                BulkUpdateJob.objects.filter(pk=job.pk).update(
                    processed=done, succeeded=succeeded, failures=failures, progress=job_percent(done, job.total)
                )
        job.processed = len(job.ticket_ids)
        job.succeeded = succeeded
        job.failures = failures
        job.progress = 100
        job.status = JobStatus.COMPLETED
        job.finished_at = timezone.now()
        job.save(update_fields=["processed", "succeeded", "failures", "progress", "status", "finished_at"])
    except Exception as exc:
        job_fail(job, exc)
        raise
    logger.info("bulk update %s: %d succeeded, %d failed", job.pk, succeeded, len(failures))
    return job
