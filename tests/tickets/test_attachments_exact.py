"""The multi-file attachment service and the scoped read (tickets/attachments.py) stated exactly: the
size limit at its boundary, each refusal's message under its field, all or none, and who reads
which file."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker

from tickets import attachments, comments
from tickets.attachments import attachment_get_for, attachment_list_for, attachments_upload
from tickets.models import Attachment, TicketEvent

pytestmark = pytest.mark.django_db


def _text(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"a" * size, content_type="text/plain")


@pytest.fixture
def limit_10_bytes(settings):
    settings.ATTACHMENT_MAX_BYTES = 10


@pytest.mark.parametrize(
    ("sizes", "stored"),
    [
        pytest.param([9], [9], id="one-under"),
        pytest.param([10], [10], id="exactly-the-limit"),
        pytest.param([10, 1, 10], [10, 1, 10], id="several-within"),
    ],
)
def test_files_up_to_the_limit_are_stored(ticket, agent, limit_10_bytes, sizes, stored):
    files = [_text(f"f{n}.txt", size) for n, size in enumerate(sizes)]

    saved = attachments_upload(ticket=ticket, actor=agent.user, files=files)

    assert [(a.filename, a.size, a.ticket_id, a.comment_id) for a in saved] == [
        (f"f{n}.txt", size, ticket.pk, None) for n, size in enumerate(stored)
    ]
    assert Attachment.objects.count() == len(stored)


def test_one_byte_over_the_limit_is_refused_under_files_naming_the_file(ticket, agent, limit_10_bytes):
    with pytest.raises(ValidationError) as caught:
        attachments_upload(ticket=ticket, actor=agent.user, files=[_text("ok.txt", 10), _text("big.txt", 11)])

    assert caught.value.message_dict == {"files": ["big.txt: The file is 11 bytes; the limit is 10 bytes."]}
    assert Attachment.objects.count() == 0  # all or none


def test_a_file_the_single_file_service_refuses_is_named_under_files_and_nothing_is_kept(
    ticket, agent, limit_10_bytes, monkeypatch
):
    """Should the up-front check let a file through, the per-file refusal still names it under
    `files` (not the single-file service's `file`), and the files before it are rolled back."""
    monkeypatch.setattr(attachments.validators, "validate_attachments", lambda files: None)

    with pytest.raises(ValidationError) as caught:
        attachments_upload(ticket=ticket, actor=agent.user, files=[_text("ok.txt", 10), _text("..\\dir\\big.txt", 12)])

    assert caught.value.message_dict == {"files": ["big.txt: The file is 12 bytes; the limit is 10 bytes."]}
    assert Attachment.objects.count() == 0


def test_no_files_is_refused_with_the_field_name(ticket, agent):
    with pytest.raises(ValidationError) as caught:
        attachments_upload(ticket=ticket, actor=agent.user, files=[])

    assert caught.value.message_dict == {"files": ["Send at least one file (multipart field 'files')."]}


def test_a_comment_of_another_ticket_is_refused(ticket, agent, customer_a):
    other = baker.make_recipe("tests.tickets.ticket", customer=customer_a, organization=customer_a.organization)
    elsewhere = baker.make_recipe("tests.tickets.comment", ticket=other, author=agent.user)

    with pytest.raises(ValidationError) as caught:
        attachments_upload(ticket=ticket, actor=agent.user, files=[_text("a.txt", 1)], comment=elsewhere)

    assert caught.value.message_dict == {"comment": ["That message is not on this ticket."]}
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("written_by", "internal", "allowed"),
    [
        pytest.param("customer", False, True, id="own-reply"),
        pytest.param("agent", False, False, id="agent-reply"),
        pytest.param("agent", True, False, id="internal-note"),
    ],
)
def test_a_customer_adds_files_to_their_own_public_replies_only(
    ticket, agent, customer_a, written_by, internal, allowed
):
    author = {"author": agent.user} if written_by == "agent" else {"customer": customer_a}
    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket, is_internal=internal, **author)

    if allowed:
        (saved,) = attachments_upload(ticket=ticket, actor=customer_a.user, files=[_text("a.txt", 1)], comment=comment)
        assert (saved.comment_id, saved.uploaded_by_id) == (comment.pk, customer_a.user_id)
        return
    with pytest.raises(ValidationError) as caught:
        attachments_upload(ticket=ticket, actor=customer_a.user, files=[_text("a.txt", 1)], comment=comment)
    assert caught.value.message_dict == {"comment": ["You can only add files to your own replies."]}
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize("internal", [False, True], ids=["reply", "internal-note"])
def test_an_agent_adds_files_to_any_message_of_the_ticket(ticket, agent, internal):
    comment = baker.make_recipe("tests.tickets.comment", ticket=ticket, author=agent.user, is_internal=internal)

    (saved,) = attachments_upload(ticket=ticket, actor=agent.user, files=[_text("a.txt", 1)], comment=comment)

    assert (saved.comment_id, saved.uploaded_by_id) == (comment.pk, agent.user.pk)


def test_each_stored_file_is_one_attached_event(ticket, agent):
    saved = attachments_upload(ticket=ticket, actor=agent.user, files=[_text("a.txt", 1), _text("b.txt", 2)])

    assert list(TicketEvent.objects.filter(ticket=ticket, kind="attached").values_list("new_value", flat=True)) == [
        {"attachment_id": saved[0].pk, "name": "a.txt"},
        {"attachment_id": saved[1].pk, "name": "b.txt"},
    ]


# --- who reads which file ----------------------------------------------------------------------


@pytest.fixture
def files(ticket, agent, customer_a, customer_b):
    """On Alice's ticket: a file on the ticket, one on her reply, one on an internal note.
    On Bob's ticket: one file."""
    reply = comments.comment_add(ticket=ticket, customer=customer_a, actor=customer_a.user, body="Here")
    note = comments.comment_add(ticket=ticket, actor=agent.user, body="Note", is_internal=True)
    bobs = baker.make_recipe("tests.tickets.ticket", customer=customer_b, organization=customer_b.organization)

    def add(on, comment=None):
        return comments.attachment_add(ticket=on, file=_text("f.txt", 1), actor=agent.user, comment=comment)

    return {"ticket": add(ticket), "reply": add(ticket, reply), "note": add(ticket, note), "bobs": add(bobs)}


def _names(found, files) -> set[str]:
    by_pk = {attachment.pk: name for name, attachment in files.items()}
    return {by_pk[a.pk] for a in found}


@pytest.mark.parametrize(
    ("reader", "visible"),
    [
        pytest.param("agent", {"ticket", "reply", "note", "bobs"}, id="agent-every-file-in-scope"),
        pytest.param("alice", {"ticket", "reply"}, id="customer-no-internal-note"),
        pytest.param("bob", {"bobs"}, id="other-customer-own-ticket-only"),
        pytest.param("nobody", set(), id="anonymous-nothing"),
    ],
)
def test_who_reads_which_file(files, agent, customer_a, customer_b, reader, visible):
    user = {"agent": agent.user, "alice": customer_a.user, "bob": customer_b.user, "nobody": None}[reader]

    assert _names(attachment_list_for(user=user), files) == visible
    assert {name for name, a in files.items() if attachment_get_for(user=user, pk=a.pk) is not None} == visible


def test_a_file_that_does_not_exist_is_none(files, agent):
    assert attachment_get_for(user=agent.user, pk=max(a.pk for a in files.values()) + 1) is None


def test_the_read_joins_the_comment_so_listing_files_with_their_message_is_one_query(
    files, agent, django_assert_num_queries
):
    found = attachment_list_for(user=agent.user)

    with django_assert_num_queries(1):
        internal = sorted((a.comment.is_internal if a.comment_id else None) is True for a in found)

    assert internal == [False, False, False, True]
