"""CSAT, exactly: what a survey token signs, the links' text, which tickets a link may still rate
(a table), the link's lifetime to the second, and the rating's stored values, audit note and event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from freezegun import freeze_time

from notifications.models import OutboxEvent
from tickets import satisfaction
from tickets.models import Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

RESOLVED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SALT = "helpdesk.csat"


@pytest.fixture
def resolved(make_ticket) -> Ticket:
    return make_ticket(title="Printer on fire", status=Status.RESOLVED, resolved_at=RESOLVED_AT)


def _token(data) -> str:
    return signing.dumps(data, salt=SALT)


def test_the_token_signs_the_ticket_and_the_moment_it_was_resolved(resolved, make_ticket):
    assert signing.loads(satisfaction.survey_token(resolved), salt=SALT) == {
        "t": resolved.pk,
        "r": "2026-11-02T09:30:00+00:00",
    }
    unresolved = make_ticket(status=Status.OPEN, resolved_at=None)
    assert signing.loads(satisfaction.survey_token(unresolved), salt=SALT) == {"t": unresolved.pk, "r": ""}


def test_a_site_under_a_path_keeps_its_path(resolved, settings):
    settings.SITE_URL = "https://example.com/support-X/"
    token = satisfaction.survey_token(resolved)
    assert satisfaction.survey_links(resolved)["good"] == (
        f"https://example.com/support-X/portal/satisfaction/{token}/?rating=good"
    )


def test_the_links_are_absolute_one_per_rating(resolved, settings):
    settings.SITE_URL = "https://help.example.com/"
    token = satisfaction.survey_token(resolved)
    assert satisfaction.survey_links(resolved) == {
        "good": f"https://help.example.com/portal/satisfaction/{token}/?rating=good",
        "bad": f"https://help.example.com/portal/satisfaction/{token}/?rating=bad",
    }


@pytest.mark.parametrize(
    ("status", "rated_at", "open_"),
    [
        pytest.param(Status.RESOLVED, None, True, id="resolved-unrated"),
        pytest.param(Status.CLOSED, None, True, id="closed-unrated"),
        pytest.param(Status.RESOLVED, RESOLVED_AT - timedelta(days=3), True, id="rated-before-this-resolution"),
        pytest.param(Status.RESOLVED, RESOLVED_AT, False, id="rated-at-this-resolution"),
        pytest.param(Status.RESOLVED, RESOLVED_AT + timedelta(seconds=1), False, id="rated-since"),
        pytest.param(Status.OPEN, None, False, id="reopened"),
        pytest.param(Status.PENDING, None, False, id="pending"),
    ],
)
def test_which_tickets_a_link_may_still_rate(resolved, status, rated_at, open_):
    closed_at = RESOLVED_AT + timedelta(hours=1) if status == Status.CLOSED else None
    Ticket.objects.filter(pk=resolved.pk).update(status=status, closed_at=closed_at, satisfaction_rated_at=rated_at)
    found = satisfaction.survey_ticket(_token({"t": resolved.pk, "r": "2026-11-02T09:30:00+00:00"}))
    assert (found.pk if found else None) == (resolved.pk if open_ else None)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(lambda pk: ["t", "r"], id="not-a-dict"),
        pytest.param(lambda pk: {"r": "2026-11-02T09:30:00+00:00"}, id="no-ticket"),
        pytest.param(lambda pk: {"t": str(pk), "r": "2026-11-02T09:30:00+00:00"}, id="ticket-as-text"),
        pytest.param(lambda pk: {"t": pk}, id="no-resolution"),
        pytest.param(lambda pk: {"t": pk, "r": 1762075800}, id="resolution-as-number"),
        pytest.param(lambda pk: {"t": pk, "r": "2026-11-02T09:31:00+00:00"}, id="another-resolution"),
        pytest.param(lambda pk: {"t": pk, "r": ""}, id="no-resolution-time"),
        pytest.param(lambda pk: {"t": pk + 1000, "r": "2026-11-02T09:30:00+00:00"}, id="no-such-ticket"),
    ],
)
def test_a_signed_token_with_the_wrong_contents_rates_nothing(resolved, data):
    assert satisfaction.survey_ticket(_token(data(resolved.pk))) is None


def test_a_ticket_closed_without_resolving_has_no_survey(make_ticket):
    ticket = make_ticket(status=Status.CLOSED, closed_at=RESOLVED_AT, resolved_at=None)
    assert satisfaction.survey_ticket(satisfaction.survey_token(ticket)) is None


def test_a_link_works_for_exactly_csat_link_days(resolved, settings):
    settings.CSAT_LINK_DAYS = 3
    with freeze_time(RESOLVED_AT):
        token = satisfaction.survey_token(resolved)
    with freeze_time(RESOLVED_AT + timedelta(days=3)):
        assert satisfaction.survey_ticket(token) == resolved
    with freeze_time(RESOLVED_AT + timedelta(days=3, seconds=1)):
        assert satisfaction.survey_ticket(token) is None


def test_a_token_signed_with_another_salt_rates_nothing(resolved):
    token = signing.dumps({"t": resolved.pk, "r": "2026-11-02T09:30:00+00:00"}, salt="helpdesk.other")
    assert satisfaction.survey_ticket(token) is None


@freeze_time("2026-11-03 08:00:00")
def test_a_rating_is_stored_recorded_and_published_exactly(resolved, django_capture_on_commit_callbacks):
    comment = "  Slow at first.\r\nBut fixed for good.  "
    with django_capture_on_commit_callbacks(execute=True):
        ticket = satisfaction.ticket_rate_satisfaction(
            token=satisfaction.survey_token(resolved), rating="good", comment=comment
        )
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.satisfaction_comment, ticket.satisfaction_rated_at) == (
        "good",
        "Slow at first.\nBut fixed for good.",
        datetime(2026, 11, 3, 8, 0, tzinfo=UTC),
    )
    event = TicketEvent.objects.get(ticket=resolved, field="satisfaction")
    assert (event.kind, event.actor_id, event.old_value, event.new_value, event.note) == (
        "updated",
        None,
        None,
        "good",
        "Slow at first.\nBut fixed for good.",
    )
    payload = OutboxEvent.objects.get(event="ticket.satisfaction_rated").payload
    assert {key: value for key, value in payload.items() if key != "ticket"} == {
        "rating": "good",
        "comment": "Slow at first.\nBut fixed for good.",
        "previous_rating": None,
        "customer_id": resolved.customer_id,
        "actor_id": None,
    }
    assert (payload["ticket"]["id"], payload["ticket"]["status"]) == (resolved.pk, "resolved")


def test_a_new_rating_names_the_previous_one(resolved):
    Ticket.objects.filter(pk=resolved.pk).update(
        satisfaction="bad", satisfaction_rated_at=RESOLVED_AT - timedelta(days=1)
    )
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="good")
    event = TicketEvent.objects.get(ticket=resolved, field="satisfaction")
    assert (event.old_value, event.new_value, event.note) == ("bad", "good", "")
    assert OutboxEvent.objects.get(event="ticket.satisfaction_rated").payload["previous_rating"] == "bad"


def test_the_audit_note_keeps_the_first_255_characters(resolved):
    comment = "a" * 250 + "bcdefghij"
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="bad", comment=comment)
    assert TicketEvent.objects.get(field="satisfaction").note == "a" * 250 + "bcdef"
    resolved.refresh_from_db()
    assert resolved.satisfaction_comment == comment


@pytest.mark.parametrize(
    ("rating", "comment", "errors"),
    [
        pytest.param("meh", "", {"rating": ["Choose good or bad."]}, id="unknown-rating"),
        pytest.param("GOOD", "", {"rating": ["Choose good or bad."]}, id="rating-in-capitals"),
        pytest.param("good", "x" * 2001, {"comment": ["At most 2000 characters."]}, id="2001-characters"),
        pytest.param("good", " " + "x" * 2001, {"comment": ["At most 2000 characters."]}, id="2001-after-strip"),
    ],
)
def test_bad_answers_are_refused_and_change_nothing(resolved, rating, comment, errors):
    with pytest.raises(ValidationError) as caught:
        satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating=rating, comment=comment)
    assert caught.value.message_dict == errors
    [(field, [error])] = caught.value.error_dict.items()
    assert error.code == {"rating": "invalid", "comment": "max_length"}[field]
    resolved.refresh_from_db()
    assert (resolved.satisfaction, resolved.satisfaction_rated_at) == ("", None)
    assert not OutboxEvent.objects.filter(event="ticket.satisfaction_rated").exists()


@pytest.mark.parametrize("comment", ["x" * 2000, "  " + "x" * 2000 + "\r\n"], ids=["2000", "2000-after-strip"])
def test_two_thousand_characters_are_accepted(resolved, comment):
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="bad", comment=comment)
    resolved.refresh_from_db()
    assert resolved.satisfaction_comment == "x" * 2000


def test_a_used_link_is_refused_naming_the_token(resolved):
    token = satisfaction.survey_token(resolved)
    satisfaction.ticket_rate_satisfaction(token=token, rating="bad")
    with pytest.raises(ValidationError) as caught:
        satisfaction.ticket_rate_satisfaction(token=token, rating="good")
    assert caught.value.message_dict == {"token": ["This survey link no longer works."]}
    assert [error.code for error in caught.value.error_dict["token"]] == ["used"]
    resolved.refresh_from_db()
    assert resolved.satisfaction == "bad"


def test_a_rating_that_lands_while_waiting_for_the_lock_wins_and_the_second_is_refused(resolved, monkeypatch):
    """Two submissions of one link: the second read the ticket before the first committed, so the
    check is made again under the row lock."""
    real_lock = satisfaction.ticket_lock

    def lock_after_the_other_submission(ticket):
        Ticket.objects.filter(pk=ticket.pk).update(satisfaction="bad", satisfaction_rated_at=RESOLVED_AT)
        return real_lock(ticket)

    monkeypatch.setattr(satisfaction, "ticket_lock", lock_after_the_other_submission)
    with pytest.raises(ValidationError) as caught:
        satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating="good")
    assert caught.value.message_dict == {"token": ["This survey link no longer works."]}
    assert [error.code for error in caught.value.error_dict["token"]] == ["used"]
    assert not TicketEvent.objects.filter(field="satisfaction").exists()
    assert not OutboxEvent.objects.filter(event="ticket.satisfaction_rated").exists()


@pytest.mark.parametrize(
    ("condition", "rating", "tagged"),
    [
        ({"field": "satisfaction", "operator": "changed_to", "value": "bad"}, "bad", True),
        ({"field": "satisfaction", "operator": "changed_to", "value": "bad"}, "good", False),
        ({"field": "satisfaction", "operator": "changed", "value": ""}, "good", True),
    ],
)
def test_triggers_see_the_rating_as_a_change_of_satisfaction(resolved, condition, rating, tagged):
    from tickets.models import Trigger
    from tickets.rules.services import rule_save

    rule_save(
        rule=Trigger(
            name="Tag rated tickets",
            conditions={"all": [condition], "any": []},
            actions=[{"action": "add_tags", "value": ["rated"]}],
        ),
        actor=None,
    )
    satisfaction.ticket_rate_satisfaction(token=satisfaction.survey_token(resolved), rating=rating)
    resolved.refresh_from_db()
    assert ("rated" in resolved.tags) is tagged
