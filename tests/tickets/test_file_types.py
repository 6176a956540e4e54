"""Uploaded files: the type comes from the bytes, names are made safe, downloads are attachments."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets import attachments
from tickets.file_types import detect_content_type, safe_filename
from tickets.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"
ZIP = b"PK\x03\x04" + b"\x00" * 30


@pytest.mark.parametrize(
    ("content", "claimed", "expected"),
    [
        pytest.param(PNG, "text/plain", "image/png", id="png-claimed-text"),
        pytest.param(PDF, "image/png", "application/pdf", id="pdf-claimed-png"),
        pytest.param(EXE, "application/pdf", "application/x-msdownload", id="exe-claimed-pdf"),
        pytest.param(ZIP, "application/zip", "application/zip", id="zip"),
        pytest.param(b"<html><script>alert(1)</script>", "image/png", "text/plain", id="html-claimed-png"),
        pytest.param(b"<svg onload=alert(1)>", "image/svg+xml", "text/plain", id="svg-is-text"),
        pytest.param(b"a,b\n1,2\n", "text/csv", "text/csv", id="csv-kept"),
        pytest.param(b'{"a": 1}', "application/json", "application/json", id="json-kept"),
        pytest.param(b"From: a@b\n\nhi", "message/rfc822", "message/rfc822", id="mail-kept"),
        pytest.param(b"plain", "", "text/plain", id="no-claim"),
        pytest.param(b"\x00\x01\x02binary", "text/plain", "application/octet-stream", id="binary-claimed-text"),
    ],
)
def test_detect_content_type(content, claimed, expected):
    assert detect_content_type(SimpleUploadedFile("f", content, content_type=claimed)) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("report.pdf", "report.pdf", id="plain"),
        pytest.param("..\\..\\windows\\win.ini", "win.ini", id="backslash-path"),
        pytest.param("../../etc/passwd", "passwd", id="slash-path"),
        pytest.param("in\x00voice.pdf", "invoice.pdf", id="nul"),
        pytest.param("a\ud800b.txt", "ab.txt", id="lone-surrogate"),
        pytest.param("evil\u202etxt.exe", "eviltxt.exe", id="right-to-left-override"),
        pytest.param("line\r\nbreak.txt", "linebreak.txt", id="newlines"),
        pytest.param(".htaccess", "htaccess", id="leading-dot"),
        pytest.param("..", "file", id="only-dots"),
        pytest.param("", "file", id="empty"),
        pytest.param("x" * 300 + ".pdf", "x" * 251 + ".pdf", id="long-keeps-extension"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_the_service_stores_the_detected_type_and_a_safe_name(ticket, agent):
    upload = SimpleUploadedFile("..\\..\\scans\\pic\x00ture.png", PNG, content_type="text/html")

    (stored,) = attachments.attachments_upload(ticket=ticket, actor=agent.user, files=[upload])

    assert (stored.filename, stored.content_type) == ("picture.png", "image/png")
    assert "\\" not in stored.file.name
    assert stored.file.name.startswith("attachments/")


def test_an_executable_posing_as_a_pdf_is_refused(api_agent, ticket):
    fake = SimpleUploadedFile("invoice.pdf", EXE, content_type="application/pdf")

    response = api_agent.post(f"/api/v1/tickets/{ticket.pk}/attachments/", {"files": [fake]}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"files": ["invoice.pdf: Files of type 'application/x-msdownload' are not accepted."]}
    assert not Attachment.objects.exists()


def test_a_download_is_an_attachment_that_browsers_may_not_sniff(api_agent, ticket):
    page = SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>", content_type="text/html")
    (stored,) = attachments.attachments_upload(ticket=ticket, actor=api_agent.user, files=[page])

    response = api_agent.get(f"/api/v1/attachments/{stored.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_files_are_not_served_at_a_public_url(client, ticket, agent, settings):
    (stored,) = attachments.attachments_upload(
        ticket=ticket, actor=agent.user, files=[SimpleUploadedFile("a.txt", b"secret", content_type="text/plain")]
    )
    settings.DEBUG = True

    assert client.get(f"/media/{stored.file.name}").status_code == 404
    assert client.get(f"/{settings.MEDIA_URL}{stored.file.name}").status_code == 404
