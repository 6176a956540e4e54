"""tickets/comments.py, the cases the value-by-value tests leave open (found by mutation testing):
the stored file itself, an empty file at the size limit, the defaults of a reply."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import comments
from tickets.models import Attachment, Comment

pytestmark = pytest.mark.django_db


def test_a_reply_without_a_mail_has_no_message_id(agent, ticket):
    comment = comments.comment_add(ticket=ticket, actor=agent.user, body="Fixed it.")
    assert Comment.objects.get(pk=comment.pk).email_message_id == ""


def test_the_attachment_keeps_the_uploaded_bytes(agent, ticket):
    upload = SimpleUploadedFile("notes.txt", b"line one\nline two\n", content_type="text/plain")
    attachment = comments.attachment_add(ticket=ticket, actor=agent.user, file=upload)
    stored = Attachment.objects.get(pk=attachment.pk)
    with stored.file.open("rb") as handle:
        assert handle.read() == b"line one\nline two\n"


def test_an_empty_file_fits_any_limit_and_is_stored_as_zero_bytes(agent, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 0
    attachment = comments.attachment_add(
        ticket=ticket, actor=agent.user, file=SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    )
    assert Attachment.objects.filter(pk=attachment.pk).values_list("filename", "size").get() == ("empty.txt", 0)

    with pytest.raises(ValidationError) as exc:
        comments.attachment_add(
            ticket=ticket, actor=agent.user, file=SimpleUploadedFile("one.txt", b"a", content_type="text/plain")
        )
    assert exc.value.message_dict == {"file": ["The file is 1 bytes; the limit is 0 bytes."]}


def test_a_note_makes_the_agents_it_mentions_followers_but_not_its_author(make_agent, ticket):
    author = make_agent(email="fox@support.example.com", name="Fox Mulder")
    colleague = make_agent(email="dana@support.example.com", name="Dana Scully")

    comments.comment_add(ticket=ticket, actor=author.user, body="@fox @dana see the logs", is_internal=True)

    rows = list(ticket.followers.values_list("email", "added_by_id"))
    assert rows == [("dana@support.example.com", author.user.pk)]
    assert colleague.user.email == "dana@support.example.com"
