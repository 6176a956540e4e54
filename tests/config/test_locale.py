"""Languages: the portal and the knowledge base follow the visitor (Accept-Language, or the language
switcher's cookie); the admin and the API stay in the desk's language. The German catalogues are
compiled and committed (.mo next to .po)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

CATALOGUES = [
    Path(settings.BASE_DIR) / "tickets" / "locale" / "de" / "LC_MESSAGES",
    Path(settings.BASE_DIR) / "tickets" / "knowledge" / "locale" / "de" / "LC_MESSAGES",
]


@pytest.mark.parametrize(
    ("path", "german", "english"),
    [
        pytest.param("/kb/", "Wie können wir helfen?", "How can we help?", id="kb-home"),
        pytest.param("/portal/login/", "Passwort vergessen?", "Forgot your password?", id="portal-login"),
        pytest.param("/portal/login/link/", "Mit einem E-Mail-Link anmelden", "Sign in with an email link", id="link"),
    ],
)
def test_customer_pages_follow_the_browsers_language(client, path, german, english):
    de = client.get(path, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert german in de.content.decode()
    assert de["Content-Language"] == "de"
    en = client.get(path, HTTP_ACCEPT_LANGUAGE="en-GB")
    assert english in en.content.decode()


def test_the_language_switcher_sets_the_portal_language(client):
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/kb/"})
    assert response.status_code == 302
    assert "Wie können wir helfen?" in client.get("/kb/").content.decode()


def test_the_admin_and_the_api_stay_in_the_desks_language(client):
    admin = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Passwort" not in admin.content.decode()
    api = client.get("/api/v1/kb/articles/999999/", HTTP_ACCEPT_LANGUAGE="de")
    assert api.status_code == 404
    assert api.json() == {"detail": "No Article matches the given query."} or "Not found" in str(api.json())


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
@pytest.mark.parametrize("folder", CATALOGUES, ids=["tickets", "knowledge"])
def test_the_committed_mo_files_are_compiled_from_the_po_files(folder, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(folder / "django.po")], check=True)
    assert fresh.read_bytes() == (folder / "django.mo").read_bytes(), "run manage.py compilemessages and commit"
