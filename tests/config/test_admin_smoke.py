"""Every registered ModelAdmin, generated from `admin.site._registry` so a new admin is covered the
day it is registered: its changelist, search, add and change pages answer a superuser (an admin
agent) with 200, or with 403 where the admin refuses adding. Deeper behaviour (actions, forms,
permissions per role, query counts) is tested next to each admin in tests/<app>/."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from model_bakery import baker

pytestmark = pytest.mark.django_db

# Models whose rows need more than model-bakery's defaults (a recipe with valid values, or the
# service that builds them); every other model gets `baker.make(model)`.
RECIPES: dict[str, str] = {
    "agents.Team": "tests.agents.team",
    "customers.Organization": "tests.customers.organization",
    "customers.Customer": "tests.customers.customer",
    "tickets.Category": "tests.tickets.category",
    "tickets.CustomField": "tests.tickets.custom_field",
    "tickets.TimeEntry": "tests.tickets.time_entry",
    "tickets.Ticket": "tests.tickets.ticket",
    "notifications.OutboxEvent": "tests.notifications.outbox_event",
    "notifications.WebhookSubscription": "tests.notifications.webhook_subscription",
    "notifications.WebhookDelivery": "tests.notifications.webhook_delivery",
    "notifications.EmailLog": "tests.notifications.email_log",
}


def _agent(make_agent) -> models.Model:
    return make_agent()


def _api_key(make_agent) -> models.Model:
    from agents.services import api_key_create

    return api_key_create(name="Smoke key")[0]


def _periodic_task(make_agent) -> models.Model:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(name="Smoke task", task="tickets.tasks.sla_breach_scan", interval=every_minute)


def _user(make_agent) -> models.Model:
    return make_agent().user


def _mailbox(make_agent) -> models.Model:
    from tickets.models import Mailbox

    return Mailbox.objects.create(name="Smoke", address="smoke@helpdesk.test", imap_host="imap", username="u")


def _inbound_message(make_agent) -> models.Model:
    return baker.make("tickets.InboundMessage", status="failed", message_id="<smoke@x>", reason="smoke")


def _follower(make_agent) -> models.Model:
    ticket = baker.make_recipe("tests.tickets.ticket")
    return baker.make("tickets.TicketFollower", ticket=ticket, email="f@acme.example")


def _allowed_follower(make_agent) -> models.Model:
    return baker.make("tickets.AllowedFollowerAddress", pattern="@partner.example")


BUILDERS: dict[str, Callable[..., models.Model]] = {
    "tickets.Mailbox": _mailbox,
    "tickets.InboundMessage": _inbound_message,
    "tickets.TicketFollower": _follower,
    "tickets.AllowedFollowerAddress": _allowed_follower,
    "agents.Agent": _agent,
    "agents.User": _user,
    "agents.ApiKey": _api_key,
    "django_celery_beat.PeriodicTask": _periodic_task,
}

REGISTRY = sorted(admin.site._registry.items(), key=lambda pair: pair[0]._meta.label)
CASES = [pytest.param(model, model_admin, id=model._meta.label) for model, model_admin in REGISTRY]


def _instance(model: type[models.Model], make_agent) -> models.Model:
    label = model._meta.label
    if label in BUILDERS:
        return BUILDERS[label](make_agent)
    if label in RECIPES:
        return baker.make_recipe(RECIPES[label])
    return baker.make(model)


def _url(model: type[models.Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _may_add(model_admin: admin.ModelAdmin, user) -> bool:
    request = RequestFactory().get("/")
    request.user = user
    return model_admin.has_add_permission(request)


def test_the_registry_is_what_the_smoke_tests_walk():
    """The parametrisation below is the registry itself: the core apps' admins are all in it."""
    labels = {model._meta.label for model, _ in REGISTRY}
    for expected in ("tickets.Ticket", "customers.Customer", "agents.Agent", "notifications.WebhookSubscription"):
        assert expected in labels
    assert set(RECIPES) | set(BUILDERS) <= labels, "a recipe names a model that has no admin any more"


@pytest.mark.parametrize(("model", "model_admin"), CASES)
def test_changelist_and_search_answer_200(admin_client_, make_agent, model, model_admin):
    obj = _instance(model, make_agent)

    changelist = admin_client_.get(_url(model, "changelist"))
    search = admin_client_.get(_url(model, "changelist"), {"q": "smoke"})

    assert changelist.status_code == 200
    assert obj in changelist.context["cl"].result_list
    assert search.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), CASES)
def test_add_page_answers_200_or_403_where_adding_is_disabled(admin_client_, admin_agent, model, model_admin):
    response = admin_client_.get(_url(model, "add"))

    assert response.status_code == (200 if _may_add(model_admin, admin_agent.user) else 403)


@pytest.mark.parametrize(("model", "model_admin"), CASES)
def test_change_page_answers_200(admin_client_, make_agent, model, model_admin):
    obj = _instance(model, make_agent)

    response = admin_client_.get(_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj
