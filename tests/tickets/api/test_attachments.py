"""Attachments through the API: upload (multipart), listing in ticket and comment payloads, and
downloads scoped like the ticket."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from model_bakery import baker

from tickets import comments
from tickets.models import Attachment, EventKind, TicketEvent


def upload(client, ticket_id: int, *files, **extra):
    return client.post(f"/api/v1/tickets/{ticket_id}/attachments/", {"files": list(files), **extra}, format="multipart")


def text_file(name: str = "notes.txt", content: bytes = b"hello") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_agent_uploads_two_files_and_downloads_one(api_agent, ticket):
    response = upload(api_agent, ticket.pk, text_file("a.txt", b"alpha"), text_file("b.txt", b"beta"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["filename"] for a in body] == ["a.txt", "b.txt"]
    assert [a["size"] for a in body] == [5, 4]
    assert body[0]["download_url"] == f"/api/v1/attachments/{body[0]['id']}/download/"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ATTACHED).count() == 2

    download = api_agent.get(body[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"alpha"
    assert download["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert download["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        pytest.param(
            "big.txt", b"x" * 11, "text/plain", "big.txt: The file is 11 bytes; the limit is 10 bytes.", id="oversize"
        ),
        pytest.param(
            "tool.exe",
            b"MZ",
            "application/x-msdownload",
            "tool.exe: Files of type 'application/x-msdownload' are not accepted.",
            id="wrong-type",
        ),
    ],
)
def test_refused_upload_names_the_file_and_stores_nothing(
    api_agent, ticket, settings, name, content, content_type, message
):
    settings.ATTACHMENT_MAX_BYTES = 10
    good = text_file("fine.txt", b"ok")
    bad = SimpleUploadedFile(name, content, content_type=content_type)

    response = upload(api_agent, ticket.pk, good, bad)

    assert response.status_code == 400
    assert response.json() == {"files": [message]}
    assert Attachment.objects.count() == 0


def test_upload_without_files_is_a_400(api_agent, ticket):
    response = api_agent.post(f"/api/v1/tickets/{ticket.pk}/attachments/", {}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()


def test_viewer_cannot_upload(api_viewer, ticket):
    assert upload(api_viewer, ticket.pk, text_file()).status_code == 403


def test_customer_of_another_organisation_gets_404_for_upload_and_download(api_customer_b, api_agent, ticket):
    created = upload(api_agent, ticket.pk, text_file()).json()[0]

    assert upload(api_customer_b, ticket.pk, text_file()).status_code == 404
    assert api_customer_b.get(created["download_url"]).status_code == 404


def test_customer_never_gets_an_internal_notes_file(api_customer_a, agent, ticket):
    note = comments.comment_add(
        ticket=ticket, actor=agent.user, body="Internal", is_internal=True, files=[text_file("secret.txt")]
    )
    reply = comments.comment_add(ticket=ticket, actor=agent.user, body="Public", files=[text_file("public.txt")])
    secret = note.attachments.get()
    public = reply.attachments.get()

    assert api_customer_a.get(f"/api/v1/attachments/{secret.pk}/download/").status_code == 404
    assert api_customer_a.get(f"/api/v1/attachments/{public.pk}/download/").status_code == 200
    detail = api_customer_a.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [a["filename"] for a in detail["attachments"]] == ["public.txt"]
    conversation = api_customer_a.get(f"/api/v1/tickets/{ticket.pk}/comments/").json()["results"]
    assert [[a["filename"] for a in c["attachments"]] for c in conversation] == [["public.txt"]]


def test_agent_sees_every_file_in_ticket_and_comment_payloads(api_agent, agent, ticket):
    comments.comment_add(ticket=ticket, actor=agent.user, body="Note", is_internal=True, files=[text_file("n.txt")])

    detail = api_agent.get(f"/api/v1/tickets/{ticket.pk}/").json()
    conversation = api_agent.get(f"/api/v1/tickets/{ticket.pk}/comments/").json()["results"]

    assert [a["filename"] for a in detail["attachments"]] == ["n.txt"]
    assert [a["filename"] for a in conversation[0]["attachments"]] == ["n.txt"]


def test_customer_uploads_to_their_own_ticket_and_reply(api_customer_a, customer_a, ticket):
    reply = comments.comment_add(ticket=ticket, customer=customer_a, actor=customer_a.user, body="Here you go")

    response = upload(api_customer_a, ticket.pk, text_file("log.txt"), comment=reply.pk)

    assert response.status_code == 201, response.content
    assert Attachment.objects.get().comment == reply


def test_customer_cannot_attach_to_an_agents_message(api_customer_a, agent, ticket):
    agent_reply = comments.comment_add(ticket=ticket, actor=agent.user, body="Hi")
    response = upload(api_customer_a, ticket.pk, text_file(), comment=agent_reply.pk)
    assert response.status_code == 400
    assert response.json() == {"comment": ["You can only add files to your own replies."]}


def test_unknown_comment_is_a_400(api_agent, ticket):
    other = baker.make_recipe("tests.tickets.comment")
    response = upload(api_agent, ticket.pk, text_file(), comment=other.pk)
    assert response.status_code == 400
    assert response.json() == {"comment": ["No such message on this ticket."]}


def test_list_of_a_tickets_files(api_agent, ticket):
    upload(api_agent, ticket.pk, text_file("a.txt"))
    response = api_agent.get(f"/api/v1/tickets/{ticket.pk}/attachments/")
    assert response.status_code == 200
    assert [a["filename"] for a in response.json()] == ["a.txt"]


def test_download_of_a_missing_file_is_a_404(api_agent, ticket):
    created = upload(api_agent, ticket.pk, text_file()).json()[0]
    attachment = Attachment.objects.get(pk=created["id"])
    attachment.file.storage.delete(attachment.file.name)
    assert api_agent.get(created["download_url"]).status_code == 404


def test_anonymous_download_is_refused(api_client, api_agent, ticket):
    created = upload(api_agent, ticket.pk, text_file()).json()[0]
    assert api_client.get(created["download_url"]).status_code == 401
