"""What the queue page costs per row it renders: unfold's column headers are computed once per page
(not once per row), and each row's action checkbox is unfold's own markup with the row's id."""

from __future__ import annotations

import pytest
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from model_bakery import baker
from unfold.admin import checkbox

from tickets.admin.tickets import TicketAdmin

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tickets_ticket_changelist")


def _header_work(client, monkeypatch) -> int:
    """Query strings built for the page: the sort links of each column header use three each."""
    calls = []
    original = ChangeList.get_query_string
    monkeypatch.setattr(ChangeList, "get_query_string", lambda cl, *a, **kw: calls.append(1) or original(cl, *a, **kw))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(calls)


def test_column_headers_are_built_once_per_page_not_per_row(admin_client_, customer_a, monkeypatch):
    baker.make_recipe("tests.tickets.ticket", customer=customer_a)
    one_row = _header_work(admin_client_, monkeypatch)
    baker.make_recipe("tests.tickets.ticket", customer=customer_a, _quantity=9)
    ten_rows = _header_work(admin_client_, monkeypatch)
    assert ten_rows == one_row


@pytest.mark.parametrize("pk", [7, 12345])
def test_the_row_checkbox_is_unfolds_markup_with_the_rows_id(pk):
    ticket = baker.prepare_recipe("tests.tickets.ticket", pk=pk)
    html = TicketAdmin.action_checkbox(None, ticket)  # type: ignore[arg-type]
    assert html == checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(pk))
    assert f'value="{pk}"' in html
