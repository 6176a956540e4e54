"""The WSGI application (gunicorn `config.wsgi`, the image's web role).

At import every URLconf and view module is loaded, then what start-up allocated (about 130,000
objects: Django, DRF, the schema, the apps) is frozen out of the garbage collector's sight with
`gc.freeze()`. Otherwise each full collection walks all of it again: one every hundred-odd requests
on the API's hot paths, tens of milliseconds each, the tail of their latency. Objects created while
serving requests are collected as usual."""

import gc
import os

from django.core.wsgi import get_wsgi_application


def settle() -> None:
    """Load the views now and freeze the start-up heap (see the module's docstring)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every URLconf and view)
    gc.collect()
    gc.freeze()


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
settle()
