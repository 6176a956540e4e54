"""The ticket page's writes: replies with files, "send and set status", the properties panel,
and the version check that refuses stale writes (nothing written, the changes named)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from config.exceptions import ApplicationError
from notifications.models import OutboxEvent
from tickets import comments, services
from tickets.models import Attachment, Comment, EventKind, Status, Ticket, TicketEvent
from tickets.workspace import StaleTicketError, ticket_properties_save, ticket_reply


def text_file(name="log.txt", content=b"line 1\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_reply_with_files_mails_the_customer_with_the_files(
    agent, ticket, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = ticket_reply(
            ticket=ticket,
            actor=agent.user,
            body="Here is the fix.",
            is_internal=False,
            files=[text_file("fix.txt", b"patch"), text_file("notes.txt", b"notes")],
            expected_version=ticket.version,
        )

    assert [a.filename for a in comment.attachments.all()] == ["fix.txt", "notes.txt"]
    [message] = [m for m in mailoutbox if m.to == [ticket.customer.email]]
    assert "Here is the fix." in message.body
    assert [(name, content) for name, content, _type in message.attachments] == [
        ("fix.txt", "patch"),
        ("notes.txt", "notes"),
    ]


def test_internal_note_with_a_file_is_not_emailed(agent, ticket, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(
            ticket=ticket,
            actor=agent.user,
            body="Customer seems angry.",
            is_internal=True,
            files=[text_file()],
            expected_version=ticket.version,
        )
    assert [m for m in mailoutbox if m.to == [ticket.customer.email]] == []


def test_send_and_set_status(agent, ticket):
    ticket_reply(
        ticket=ticket,
        actor=agent.user,
        body="Waiting for you.",
        is_internal=False,
        set_status=Status.PENDING,
        expected_version=ticket.version,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_send_and_set_a_status_the_composer_does_not_offer(agent, ticket):
    with pytest.raises(ValidationError) as caught:
        ticket_reply(
            ticket=ticket, actor=agent.user, body="x", is_internal=False, set_status="closed", expected_version=1
        )
    assert caught.value.message_dict == {
        "set_status": ["'closed' cannot be set from the composer; use pending, resolved."]
    }


def test_a_bad_file_refuses_the_whole_reply(agent, ticket, settings):
    settings.ATTACHMENT_MAX_BYTES = 3
    with pytest.raises(ValidationError) as caught:
        ticket_reply(
            ticket=ticket,
            actor=agent.user,
            body="x",
            is_internal=False,
            files=[text_file("big.log", b"12345")],
            expected_version=ticket.version,
        )
    assert caught.value.message_dict == {"files": ["big.log: The file is 5 bytes; the limit is 3 bytes."]}
    assert (Comment.objects.count(), Attachment.objects.count()) == (0, 0)


def test_stale_reply_is_refused_naming_what_changed_and_who(make_agent, ticket):
    first, second = make_agent(name="Sam Okafor"), make_agent(name="Tom Becker")
    seen_version = ticket.version
    seen_event = TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("id", flat=True).first() or 0
    services.ticket_update(ticket=ticket, actor=first.user, data={"priority": "critical"})
    outbox_before = OutboxEvent.objects.count()

    with pytest.raises(StaleTicketError) as caught:
        ticket_reply(
            ticket=ticket,
            actor=second.user,
            body="Lowering this.",
            is_internal=False,
            expected_version=seen_version,
            seen_event_id=seen_event,
        )

    assert caught.value.message == (
        "Not saved: this ticket changed since you opened it (Sam Okafor: priority medium → critical). "
        "Nothing was written — review the changes and try again."
    )
    assert caught.value.http_status == 409
    assert Comment.objects.count() == 0
    assert OutboxEvent.objects.count() == outbox_before


def test_stale_properties_save_writes_nothing(make_agent, ticket):
    first, second = make_agent(name="Sam Okafor"), make_agent()
    seen_version = ticket.version
    services.ticket_update(ticket=ticket, actor=first.user, data={"priority": "critical"})
    events_before = TicketEvent.objects.count()

    with pytest.raises(StaleTicketError, match=r"version 1 → 2"):
        ticket_properties_save(
            ticket=ticket, actor=second.user, data={"priority": "low"}, expected_version=seen_version
        )

    ticket.refresh_from_db()
    assert ticket.priority == "critical"
    assert TicketEvent.objects.count() == events_before


def test_untouched_save_writes_nothing(agent, ticket):
    ticket.tags = ["vip"]
    ticket.save()
    before = (ticket.version, TicketEvent.objects.count(), OutboxEvent.objects.count())

    _saved, changed = ticket_properties_save(
        ticket=ticket,
        actor=agent.user,
        data={
            "status": ticket.status,
            "priority": ticket.priority,
            "team": None,
            "assignee": None,
            "category": None,
            "tags": ["vip"],
        },
        expected_version=ticket.version,
    )

    assert changed == []
    assert (
        Ticket.objects.get(pk=ticket.pk).version,
        TicketEvent.objects.count(),
        OutboxEvent.objects.count(),
    ) == before


def test_properties_save_changes_only_what_differs(agent, ticket):
    saved, changed = ticket_properties_save(
        ticket=ticket,
        actor=agent.user,
        data={"status": "in_progress", "priority": ticket.priority, "assignee": agent.user, "tags": ["vip"]},
        expected_version=ticket.version,
    )
    assert changed == ["assignee", "status", "tags"]
    assert (saved.status, saved.assignee_id, saved.tags) == ("in_progress", agent.user.pk, ["vip"])


def test_forbidden_transition_from_the_panel_is_a_clear_error(agent, ticket):
    services.ticket_change_status(ticket=ticket, actor=agent.user, status=Status.CLOSED)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        ticket_properties_save(
            ticket=ticket, actor=agent.user, data={"status": "pending"}, expected_version=ticket.version
        )
    assert caught.value.message_dict == {"status": ["Cannot change status from 'closed' to 'pending'; allowed: open."]}


def test_unknown_property_is_refused(agent, ticket):
    with pytest.raises(ValidationError) as caught:
        ticket_properties_save(ticket=ticket, actor=agent.user, data={"title": "x"}, expected_version=None)
    assert caught.value.message_dict == {"title": ["This field cannot be changed here."]}


def test_description_with_browser_line_endings_is_not_a_change(agent, ticket):
    ticket.description = "line one\nline two"
    ticket.save()
    version = ticket.version
    services.ticket_update(ticket=ticket, actor=agent.user, data={"description": "line one\r\nline two\r\n"})
    ticket.refresh_from_db()
    assert ticket.version == version
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.UPDATED).exists()


def test_viewer_cannot_reply(viewer_agent, ticket):
    with pytest.raises(ApplicationError, match="Only agents who may work tickets"):
        ticket_reply(ticket=ticket, actor=viewer_agent.user, body="x", is_internal=False, expected_version=None)


def test_presence_purge_task_forgets_old_viewers(agent, ticket):
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models.presence import TicketPresence
    from tickets.tasks import presence_purge_task

    TicketPresence.objects.create(ticket=ticket, user=agent.user, seen_at=timezone.now() - timedelta(hours=2))
    assert presence_purge_task() == 1
    assert not TicketPresence.objects.exists()


def test_files_of_a_reply_are_deleted_by_retention(agent, ticket, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    from tickets.retention import retention_run

    comment = ticket_reply(
        ticket=ticket, actor=agent.user, body="x", is_internal=False, files=[text_file()], expected_version=None
    )
    name = comment.attachments.get().file.name
    assert default_storage.exists(name)
    long_ago = timezone.now() - timedelta(days=3000)
    Ticket.objects.filter(pk=ticket.pk).update(status="closed", closed_at=long_ago, resolved_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        retention_run()

    assert not Attachment.objects.exists()
    assert not default_storage.exists(name)


def test_a_colleagues_reply_makes_the_page_stale_for_another_reply(make_agent, ticket):
    """The double reply of the issue: the version does not move on a reply, the last seen event does."""
    first, second = make_agent(name="Sam Okafor"), make_agent()
    comments.comment_add(ticket=ticket, actor=first.user, body="Opening reply")
    ticket.refresh_from_db()
    seen = TicketEvent.objects.filter(ticket=ticket).order_by("-id").first().pk
    version = ticket.version
    comments.comment_add(ticket=ticket, actor=first.user, body="We refunded you.")
    assert Ticket.objects.get(pk=ticket.pk).version == version

    with pytest.raises(StaleTicketError, match=r"\(Sam Okafor: replied\)"):
        ticket_reply(
            ticket=ticket,
            actor=second.user,
            body="We refunded you too.",
            is_internal=False,
            expected_version=version,
            seen_event_id=seen,
        )
    assert Comment.objects.filter(body="We refunded you too.").count() == 0
