"""The WSGI entry point loads every view at start-up and freezes that heap out of the garbage
collector's full collections (config/wsgi.py)."""

from __future__ import annotations

import gc


def test_the_wsgi_application_freezes_its_start_up_heap():
    import config.wsgi

    config.wsgi.settle()  # idempotent: what the import did
    # Django, DRF, the schema and the apps: well over 50,000 objects no full collection walks again.
    assert gc.get_freeze_count() > 50_000
