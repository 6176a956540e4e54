"""The shared badges (tickets/admin/badges.py) and their template tags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from freezegun import freeze_time
from model_bakery import baker

from tickets.admin.badges import format_age

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "text"),
    [
        pytest.param(timedelta(seconds=30), "just now", id="seconds"),
        pytest.param(timedelta(minutes=12), "12m ago", id="minutes"),
        pytest.param(timedelta(hours=5, minutes=59), "5h ago", id="hours"),
        pytest.param(timedelta(days=3), "3d ago", id="days"),
        pytest.param(timedelta(days=20), "10 Feb 2026", id="a-date-after-two-weeks"),
    ],
)
def test_format_age(ago, text):
    assert format_age(NOW - ago, now=NOW) == text


def test_template_tags_render_the_shared_badges(customer_a):
    ticket = baker.make_recipe(
        "tests.tickets.ticket",
        customer=customer_a,
        priority="critical",
        status="pending",
        first_response_due_at=NOW + timedelta(minutes=45),
    )
    template = Template(
        "{% load helpdesk %}{% priority_badge t.priority %}|{% status_badge t.status %}|{% sla_badge t %}"
    )
    with freeze_time(NOW):
        html = template.render(Context({"t": ticket}))
    priority, status, sla = html.split("|")
    assert priority == '<span class="hd-badge hd-priority-critical">Critical</span>'
    assert status == '<span class="hd-badge hd-status-pending">Waiting on customer</span>'
    assert sla.startswith('<span class="hd-badge hd-sla hd-sla-ok" title="First response due 02 Mar 2026 12:45')
    assert sla.endswith(">45m left</span>")
