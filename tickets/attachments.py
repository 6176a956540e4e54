"""Attachments beyond the single-file service (comments.attachment_add): several files at once
from the API or the ticket page, and the scoped read for downloads."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from agents.selectors import CUSTOMER_ROLE, user_role
from tickets import comments, validators
from tickets.audit import ticket_lock
from tickets.file_types import safe_filename
from tickets.models import Attachment, Comment, Ticket
from tickets.selectors import ticket_visible_to


@transaction.atomic
def attachments_upload(
    *, ticket: Ticket, actor: AbstractBaseUser, files: Sequence[UploadedFile], comment: Comment | None = None
) -> list[Attachment]:
    """Add files to a ticket (or to one of its comments): all or none. A customer may add files to
    their ticket or their own replies, never to an internal note."""
    if not files:
        raise ValidationError({"files": ["Send at least one file (multipart field 'files')."]}, code="required")
    if comment is not None:
        if comment.ticket_id != ticket.pk:
            raise ValidationError({"comment": ["That message is not on this ticket."]}, code="invalid")
        if user_role(actor) == CUSTOMER_ROLE and (comment.is_internal or comment.customer_id is None):
            raise ValidationError({"comment": ["You can only add files to your own replies."]}, code="invalid")
    validators.validate_attachments(files)
    locked = ticket_lock(ticket)
    attachments = []
    for upload in files:
        try:
            attachments.append(comments.attachment_add(ticket=locked, file=upload, actor=actor, comment=comment))
        except ValidationError as exc:
            raise ValidationError({"files": [f"{safe_filename(upload.name)}: {' '.join(exc.messages)}"]}) from exc
    return attachments


def attachment_list_for(*, user: AbstractBaseUser | None) -> QuerySet[Attachment]:
    """Attachments the user may read: those of tickets in their scope; a customer never gets a
    file of an internal note."""
    qs = Attachment.objects.filter(ticket__in=ticket_visible_to(user).values("pk")).select_related("comment")
    if user_role(user) == CUSTOMER_ROLE:
        qs = qs.exclude(comment__is_internal=True)
    return qs


def attachment_get_for(*, user: AbstractBaseUser | None, pk: int) -> Attachment | None:
    return attachment_list_for(user=user).filter(pk=pk).first()
