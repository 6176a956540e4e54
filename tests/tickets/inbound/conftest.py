from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.tickets.inbound.dovecot import BINARY, Dovecot, _free_port


@pytest.fixture(autouse=True)
def _message_id_domain(settings) -> None:
    """Our outgoing Message-IDs in these tests end in @helpdesk.test."""
    settings.EMAIL_MESSAGE_ID_DOMAIN = "helpdesk.test"


@pytest.fixture(scope="session")
def dovecot_server(make_httpserver):
    """One throw-away Dovecot per test process (see dovecot.py). Its directory is not under
    pytest's private (0700) tmp tree: Dovecot's unprivileged processes must reach it. OAuth2
    logins are checked against the session's loopback HTTP server (the `httpserver` fixture)."""
    if BINARY is None:
        pytest.skip("dovecot is not installed (apt-get install -y dovecot-imapd): IMAP polling tests skipped")
    root = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    root.chmod(0o755)
    server = Dovecot(root=root, port=_free_port(), introspection_url=make_httpserver.url_for("/introspect"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server):
    dovecot_server.reset()
    yield dovecot_server
    dovecot_server.reset()
