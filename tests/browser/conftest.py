"""Real-browser fixtures (Playwright + Debian's Chromium at /usr/bin/chromium; marker `browser`):
one Chromium per run, and a logged-in 1440x900 page per role."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from agents.models import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BROWSER_VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. Playwright's sync API runs an event loop in this thread, so
    Django's async-safety check is lifted while it runs (the ORM calls stay synchronous) and put
    back afterwards, so no other test (e.g. `check --deploy`) sees the variable."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page_for(browser, live_server, settings) -> Callable:
    """`browser_page_for(user)`: a 1440x900 page logged in as `user`, at `page.base_url`."""
    from django.test import Client

    contexts = []

    def _make(user):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport=BROWSER_VIEWPORT, base_url=live_server.url)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        return page

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture
def agent_page(browser_page_for, transactional_db, make_agent):
    """A browser page logged in as an agent (`page.agent` is the agent)."""
    agent = make_agent(Role.AGENT)
    page = browser_page_for(agent.user)
    page.agent = agent
    return page
