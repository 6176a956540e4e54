"""Raw messages built from a few header lines, for the parsing tests."""

from __future__ import annotations


def message_bytes(*headers: str, body: str = "Hello there", content_type: str = "text/plain") -> bytes:
    lines = [*headers, f"Content-Type: {content_type}", "", body, ""]
    return "\r\n".join(lines).encode()


def multipart_bytes(*parts: str, headers: tuple[str, ...] = (), subtype: str = "mixed", params: str = "") -> bytes:
    head = [
        "From: Carol <carol@new.example>",
        "To: support@helpdesk.test",
        "Subject: Files attached",
        "Message-ID: <parts@new.example>",
        *headers,
        "MIME-Version: 1.0",
        f'Content-Type: multipart/{subtype}; boundary="b"{params}',
        "",
    ]
    body = "".join(f"--b\r\n{part}\r\n" for part in parts) + "--b--\r\n"
    return ("\r\n".join(head) + "\r\n" + body).encode()
