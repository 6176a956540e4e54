"""tickets/comments.py, value by value: the comment, attachment, event, change note and outbox
payload each call leaves, the size and type limits on files, and the exact refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import changes, comments, validators
from tickets.models import Attachment, Comment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def notes(monkeypatch) -> list[tuple]:
    seen: list[tuple] = []

    def runner(scope):
        seen.extend((pk, list(r.events), r.actor) for pk, r in scope.tickets.items())

    monkeypatch.setattr(changes, "_runner", runner)
    return seen


def text_file(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"a" * size, content_type="text/plain")


def last_payload() -> dict:
    return OutboxEvent.objects.filter(event="ticket.comment_added").latest("pk").payload


def commented_events(ticket: Ticket) -> list[tuple]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", "new_value", "actor_id"))


# --- comment_add ------------------------------------------------------------------------------


@freeze_time(T0)
def test_an_agent_reply_exactly(agent, ticket, notes):
    comment = comments.comment_add(
        ticket=ticket, actor=agent.user, body="  Fixed it.  ", channel="email", email_message_id="<m1@example.org>"
    )

    stored = Comment.objects.get(pk=comment.pk)
    assert (
        stored.body,
        stored.author,
        stored.customer,
        stored.is_internal,
        stored.channel,
        stored.email_message_id,
    ) == (
        "Fixed it.",
        agent.user,
        None,
        False,
        "email",
        "<m1@example.org>",
    )
    assert commented_events(ticket) == [("commented", {"comment_id": comment.pk, "is_internal": False}, agent.user.pk)]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.first_responded_at, fresh.version, fresh.updated_at) == (T0, 2, T0)
    payload = last_payload()
    assert payload["comment"] == {
        "id": comment.pk,
        "body": "Fixed it.",
        "is_internal": False,
        "author_id": agent.user.pk,
        "customer_id": None,
        "from_customer": False,
        "channel": "email",
        "created_at": "2026-03-02T10:00:00Z",
        "attachments": [],
        "mentioned_ids": [],
    }
    assert (payload["actor_id"], payload["ticket"]["id"]) == (agent.user.pk, ticket.pk)
    assert notes == [(ticket.pk, ["agent_replied"], agent.user)]


@freeze_time(T0)
def test_a_customer_reply_exactly(customer_a, ticket, notes):
    comment = comments.comment_add(ticket=ticket, customer=customer_a, actor=customer_a.user, body="Still broken.")

    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.author, stored.customer, stored.is_internal, stored.channel) == (
        customer_a.user,
        customer_a,
        False,
        "web",
    )
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None
    comment_json = last_payload()["comment"]
    assert (comment_json["customer_id"], comment_json["from_customer"], comment_json["author_id"]) == (
        customer_a.pk,
        True,
        customer_a.user.pk,
    )
    assert notes == [(ticket.pk, ["customer_replied"], customer_a)]


def test_a_customer_reply_by_email_has_no_author(customer_a, ticket):
    for actor in (None, AnonymousUser()):
        comment = comments.comment_add(ticket=ticket, customer=customer_a, actor=actor, body="By mail.")
        assert Comment.objects.get(pk=comment.pk).author is None
    assert last_payload()["actor_id"] is None


@freeze_time(T0)
def test_an_internal_note_is_no_reply_and_names_whom_it_mentions(agent, make_agent, ticket, notes):
    colleague = make_agent(email="dana@support.example.com", name="Dana Scully")

    note = comments.comment_add(ticket=ticket, actor=agent.user, body="@dana please check", is_internal=True)

    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.first_responded_at, fresh.version, fresh.updated_at) == (None, 1, T0)
    assert last_payload()["comment"]["mentioned_ids"] == [colleague.user.pk]
    assert last_payload()["comment"]["is_internal"] is True
    assert list(ticket.followers.values_list("email", flat=True)) == ["dana@support.example.com"]
    assert commented_events(ticket)[0] == ("commented", {"comment_id": note.pk, "is_internal": True}, agent.user.pk)
    assert notes == [(ticket.pk, ["note_added"], agent.user)]


def test_a_public_reply_mentions_nobody(agent, make_agent, ticket):
    make_agent(email="dana@support.example.com", name="Dana Scully")
    comments.comment_add(ticket=ticket, actor=agent.user, body="Thanks @dana")
    assert last_payload()["comment"]["mentioned_ids"] == []
    assert not ticket.followers.exists()


def test_a_note_without_an_at_sign_mentions_nobody(agent, make_agent, ticket, django_assert_max_num_queries):
    make_agent(email="dana@support.example.com", name="Dana Scully")
    comments.comment_add(ticket=ticket, actor=agent.user, body="dana should check", is_internal=True)
    assert last_payload()["comment"]["mentioned_ids"] == []


def test_comment_refusals_are_exact(agent, customer_a, ticket, django_user_model):
    with pytest.raises(ValidationError) as exc:
        comments.comment_add(ticket=ticket, actor=agent.user, body="   ")
    assert exc.value.message_dict == {"body": ["The message must not be empty."]}

    stranger = django_user_model.objects.create_user(email="stranger@example.com", password="x")
    with pytest.raises(ApplicationError) as caught:
        comments.comment_add(ticket=ticket, actor=stranger, body="Hello")
    assert (caught.value.message, caught.value.code, caught.value.http_status) == (
        "Only agents or the ticket's customer can comment.",
        "forbidden",
        403,
    )

    with pytest.raises(ValidationError) as exc:
        comments.comment_add(ticket=ticket, customer=customer_a, body="Secret", is_internal=True)
    assert exc.value.message_dict == {"is_internal": ["Customers cannot write internal notes."]}
    assert exc.value.args[1] == "internal_by_customer"
    assert not Comment.objects.exists()


def test_an_agent_speaking_for_a_customer_writes_a_customer_reply(agent, customer_a, ticket, notes):
    comments.comment_add(ticket=ticket, actor=agent.user, customer=customer_a, body="Phoned in.")
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None
    assert notes == [(ticket.pk, ["customer_replied"], customer_a)]


# --- files ------------------------------------------------------------------------------------


@pytest.fixture
def limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    return 10


def test_a_reply_with_files_lists_them(agent, ticket, limit):
    comment = comments.comment_add(
        ticket=ticket, actor=agent.user, body="Logs attached.", files=[text_file("a.txt", 10), text_file("b.txt", 3)]
    )

    rows = list(Attachment.objects.order_by("pk").values_list("filename", "size", "comment_id", "uploaded_by_id"))
    assert rows == [("a.txt", 10, comment.pk, agent.user.pk), ("b.txt", 3, comment.pk, agent.user.pk)]
    listed = last_payload()["comment"]["attachments"]
    a, b = Attachment.objects.order_by("pk")
    assert listed == [
        {"id": a.pk, "filename": "a.txt", "content_type": "text/plain", "size": 10, "file": a.file.name},
        {"id": b.pk, "filename": "b.txt", "content_type": "text/plain", "size": 3, "file": b.file.name},
    ]


def test_an_oversize_file_refuses_the_whole_reply(agent, ticket, limit):
    with pytest.raises(ValidationError) as exc:
        comments.comment_add(
            ticket=ticket, actor=agent.user, body="Too big.", files=[text_file("ok.txt", 2), text_file("big.txt", 11)]
        )
    assert exc.value.message_dict == {"files": ["big.txt: The file is 11 bytes; the limit is 10 bytes."]}
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)


def test_a_file_the_service_refuses_late_is_named(agent, ticket, limit, monkeypatch):
    """Should the up-front check miss a file, the attachment's own check still refuses it."""
    monkeypatch.setattr(validators, "validate_attachments", lambda files: None)
    with pytest.raises(ValidationError) as exc:
        comments.comment_add(ticket=ticket, actor=agent.user, body="Slipped.", files=[text_file("big.txt", 11)])
    assert exc.value.message_dict == {"files": ["big.txt: The file is 11 bytes; the limit is 10 bytes."]}
    assert Comment.objects.count() == 0


def test_attachment_add_exactly(agent, ticket, limit):
    attachment = comments.attachment_add(ticket=ticket, actor=agent.user, file=text_file("../../etc/notes.txt", 10))

    stored = Attachment.objects.get(pk=attachment.pk)
    assert (stored.ticket, stored.comment, stored.filename, stored.content_type, stored.size, stored.uploaded_by) == (
        ticket,
        None,
        "notes.txt",
        "text/plain",
        10,
        agent.user,
    )
    assert commented_events(ticket) == [
        ("attached", {"attachment_id": attachment.pk, "name": "notes.txt"}, agent.user.pk)
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        pytest.param(text_file("big.txt", 11), "The file is 11 bytes; the limit is 10 bytes.", id="one-byte-over"),
        pytest.param(
            SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 4, content_type="text/plain"),
            "Files of type 'application/x-msdownload' are not accepted.",
            id="type-from-the-bytes",
        ),
    ],
)
def test_attachment_add_refuses_exactly(agent, ticket, limit, upload, message):
    with pytest.raises(ValidationError) as exc:
        comments.attachment_add(ticket=ticket, actor=agent.user, file=upload)
    assert exc.value.message_dict == {"file": [message]}
    assert Attachment.objects.count() == 0


def test_an_attachment_from_nobody_has_no_uploader(ticket, limit):
    for actor in (None, AnonymousUser()):
        attachment = comments.attachment_add(ticket=ticket, actor=actor, file=text_file("n.txt", 1))
        assert Attachment.objects.get(pk=attachment.pk).uploaded_by is None


# --- system_comment_add -----------------------------------------------------------------------


@freeze_time(T0)
@pytest.mark.parametrize(("internal", "event"), [(True, "note_added"), (False, "agent_replied")])
def test_a_system_comment_exactly(ticket, notes, internal, event):
    comment = comments.system_comment_add(ticket=ticket, body="  Auto reply  ", is_internal=internal)

    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.body, stored.author, stored.customer, stored.is_internal, stored.channel) == (
        "Auto reply",
        None,
        None,
        internal,
        "api",
    )
    assert commented_events(ticket) == [("commented", {"comment_id": comment.pk, "is_internal": internal}, None)]
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.updated_at, fresh.version) == (T0, 1)
    payload = last_payload()
    assert (
        payload["actor_id"],
        payload["comment"]["body"],
        payload["comment"]["is_internal"],
        payload["ticket"]["id"],
    ) == (
        None,
        "Auto reply",
        internal,
        ticket.pk,
    )
    assert notes == [(ticket.pk, [event], None)]


def test_a_system_comment_is_internal_by_default_and_refuses_an_empty_body(ticket):
    assert comments.system_comment_add(ticket=ticket, body="Default").is_internal is True
    with pytest.raises(ValidationError) as exc:
        comments.system_comment_add(ticket=ticket, body="")
    assert exc.value.message_dict == {"body": ["The message must not be empty."]}
