from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _message_id_domain(settings) -> None:
    """Our outgoing Message-IDs in these tests end in @helpdesk.test."""
    settings.EMAIL_MESSAGE_ID_DOMAIN = "helpdesk.test"
