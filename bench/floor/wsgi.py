import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.floor.settings")

from config.wsgi import application  # noqa: F401  (the product's, start-up heap frozen)
